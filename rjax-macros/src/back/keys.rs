//! `Key` parameters in generated functions. The IR sees a key as its data,
//! `u32[2]`, and a batch of keys (a `Vec<Key>` mapped by `vmap`) as
//! `u32[n, 2]`, JAX's key arrays. Each generated function starts by
//! rebinding every `Key` parameter to that data, consuming the key, so the
//! emitted body can treat it like any other array input.

use proc_macro2::TokenStream;
use quote::quote;

use crate::front::ast::{Function, ParamTy};

/// `let key: Array<u32> = key_to_array(key);` per `Key` parameter;
/// parameter `i` is a batch of keys (`Vec<Key>`) when `mapped[i]`.
pub fn prologue(f: &Function, mapped: &[bool]) -> TokenStream {
    let mut out = TokenStream::new();
    for (i, p) in f.params.iter().enumerate() {
        if p.ty != ParamTy::Key {
            continue;
        }
        let n = p.name;
        out.extend(if mapped.get(i).copied().unwrap_or(false) {
            quote!(let #n: ::rjax::Array<u32> = ::rjax::random::keys_to_array(#n);)
        } else {
            quote!(let #n: ::rjax::Array<u32> = ::rjax::random::key_to_array(#n);)
        });
    }
    out
}

/// The declared type of a batch of keys in `f::vmap`.
pub fn batch_type() -> TokenStream {
    quote!(::std::vec::Vec<::rjax::random::Key>)
}
