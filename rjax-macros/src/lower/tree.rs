//! Tree and nalgebra values inside lowering: a tree parameter's leaves
//! bound back into one struct value (so `p.w1` and passing `p` to a callee
//! work), a struct result flattened to its leaves, a callee's tree
//! arguments flattened and its tree results regrouped. The model's side
//! (which leaves a tree has) is `front::tree_param`.

use quote::quote;
use syn::Ident;

use super::{LResult, Lowerer, Value, err};
use crate::front::ast::Function;
use crate::front::tree_node::Node;
use crate::front::tree_param::{group_of, leaf_name};

impl Lowerer<'_> {
    /// After the field parameters are bound: the struct parameters as
    /// values, so `p.w1` and passing `p` to a callee work.
    pub fn bind_trees(&mut self, f: &Function) {
        for g in &f.trees {
            let mut leaves = g
                .fields
                .iter()
                .map(|n| self.env[&leaf_name(g.name, n).to_string()].clone());
            let v = g.node.value(&mut leaves);
            self.env.insert(g.name.to_string(), v);
        }
    }

    /// `base.field`.
    pub fn named_field(
        &mut self,
        base: Value,
        field: &Ident,
        span: proc_macro2::Span,
    ) -> LResult<Value> {
        match base {
            Value::Struct(fields) => match fields.into_iter().find(|(n, _)| field == n) {
                Some((_, v)) => Ok(v),
                None => err(span, format!("no field `{field}` in this struct")),
            },
            _ => err(
                span,
                format!("`.{field}` needs a `#[derive(Tree)]` struct value"),
            ),
        }
    }

    /// The struct result as the tuple of its fields in declaration order
    /// (`Ret::tys`), whatever the literal's order.
    pub fn struct_result(
        &mut self,
        f: &Function,
        v: Value,
        span: proc_macro2::Span,
    ) -> LResult<Value> {
        if f.ret.tree.is_none() {
            return Ok(v);
        }
        if !matches!(v, Value::Struct(_) | Value::Tuple(_)) {
            return err(
                span,
                "the body must produce the tree (struct, tuple or array) the signature returns",
            );
        }
        let mut out = Vec::new();
        let node = f.ret.node.as_ref().expect("a tree result has its shape");
        if let Err(m) = node.flatten(v, &mut out) {
            return err(span, format!("the result: {m}"));
        }
        Ok(Value::Tuple(out))
    }
}

/// A call's arguments with each struct argument replaced by its fields
/// (in the callee's declaration order), as the callee's parameters are.
pub fn flatten_args(
    f: &Function,
    vals: Vec<Value>,
    span: proc_macro2::Span,
) -> LResult<Vec<Value>> {
    if f.trees.is_empty() {
        return Ok(vals);
    }
    let mut slots = Vec::new(); // original parameters: Some(group) or None
    let mut i = 0;
    while i < f.params.len() {
        match group_of(f, i) {
            Some(g) => {
                slots.push(Some(g));
                i += g.fields.len();
            }
            None => {
                slots.push(None);
                i += 1;
            }
        }
    }
    if vals.len() != slots.len() {
        return err(
            span,
            format!(
                "`{}` takes {} argument(s), not {}",
                f.name,
                slots.len(),
                vals.len()
            ),
        );
    }
    let mut out = Vec::new();
    for (v, slot) in vals.into_iter().zip(slots) {
        match (slot, v) {
            (None, v) => out.push(v),
            (Some(g), v @ (Value::Struct(_) | Value::Tuple(_))) => {
                if let Err(m) = g.node.flatten(v, &mut out) {
                    return err(span, format!("the value passed as `{}`: {m}", g.name));
                }
            }
            (Some(g), _) => {
                let ty = &g.ty;
                return err(
                    span,
                    format!(
                        "`{}` of `{}` is a `{}`: pass a value of that type",
                        g.name,
                        f.name,
                        quote!(#ty).to_string().replace(' ', "")
                    ),
                );
            }
        }
    }
    Ok(out)
}

/// Gradient values of `argnums` (field parameters) regrouped into struct
/// values where a whole struct's fields are there.
pub fn regroup(f: &Function, argnums: &[usize], vals: Vec<Value>) -> Vec<Value> {
    apply_regroup(&regroup_plan(f, argnums), vals)
}

/// How values for `argnums` (leaf parameters) regroup: one entry per
/// resulting value, the tree's shape where a whole tree's leaves are there
/// (it takes that many values), `None` for one leaf on its own.
pub fn regroup_plan(f: &Function, argnums: &[usize]) -> Vec<Option<Node>> {
    let mut out = Vec::new();
    let mut k = 0;
    while k < argnums.len() {
        let i = argnums[k];
        let whole = group_of(f, i).filter(|g| {
            i == g.first
                && argnums[k..]
                    .starts_with(&(g.first..g.first + g.fields.len()).collect::<Vec<_>>())
        });
        match whole {
            Some(g) => {
                out.push(Some(g.node.clone()));
                k += g.fields.len();
            }
            None => {
                out.push(None);
                k += 1;
            }
        }
    }
    out
}

/// Leaf values grouped by a `regroup_plan`.
pub fn apply_regroup(plan: &[Option<Node>], vals: Vec<Value>) -> Vec<Value> {
    let mut it = vals.into_iter();
    plan.iter()
        .map(|p| match p {
            Some(node) => node.value(&mut it),
            None => it.next().expect("one value per leaf"),
        })
        .collect()
}

/// A callee's struct result as a struct value.
pub fn struct_value(f: &Function, vals: Vec<Value>) -> Value {
    let node = f.ret.node.as_ref().expect("a tree result has its shape");
    node.value(&mut vals.into_iter())
}

impl Lowerer<'_> {
    /// `v[k]` (column-major, as nalgebra) or `m[(i, j)]` of a static
    /// nalgebra value: the leaf `_i_j` (constant indices only).
    pub fn vector_index(&mut self, v: Value, k: Value, span: proc_macro2::Span) -> LResult<Value> {
        let Value::Struct(fields) = v else {
            return err(span, "not a vector");
        };
        // `ws[k]` of a `[T; N]` field.
        if let Value::Weak(k, true) = k
            && let Some(i) = fields
                .iter()
                .position(|(n, _)| *n == format!("_{}", k as i64))
        {
            return Ok(fields.into_iter().nth(i).expect("found").1);
        }
        let rows = crate::front::nalgebra_param::rows_of(fields.iter().map(|(n, _)| n));
        let (i, j) = match k {
            Value::Weak(k, true) => ((k as usize) % rows, (k as usize) / rows),
            Value::Tuple(ij) => match ij[..] {
                [Value::Weak(i, true), Value::Weak(j, true)] => (i as usize, j as usize),
                _ => {
                    return err(
                        span,
                        "index a matrix with constants: `m[(0, 1)]` (variable indices need an `Array`)",
                    );
                }
            },
            _ => {
                return err(
                    span,
                    "index an `SVector` with a constant: `v[0]` (variable indices need an `Array`)",
                );
            }
        };
        let name = crate::front::nalgebra_param::field(i, j);
        match fields.into_iter().find(|(n, _)| *n == name) {
            Some((_, x)) => Ok(x),
            None => err(
                span,
                format!("entry ({i}, {j}) is out of the matrix's range"),
            ),
        }
    }
}

impl Node {
    /// The lowering's value from leaf values in order: structs and
    /// matrices as `Value::Struct` (named fields; `_k` for `[T; N]`).
    pub fn value(&self, it: &mut dyn Iterator<Item = Value>) -> Value {
        match self {
            Node::Leaf(..) => it.next().expect("one value per leaf"),
            Node::Struct(_, fields) => Value::Struct(
                fields
                    .iter()
                    .map(|(n, c)| (n.clone(), c.value(it)))
                    .collect(),
            ),
            Node::Fixed(items) => Value::Struct(
                items
                    .iter()
                    .enumerate()
                    .map(|(k, c)| (format!("_{k}"), c.value(it)))
                    .collect(),
            ),
            Node::Matrix(_, leaves) => Value::Struct(
                leaves
                    .iter()
                    .map(|(n, _)| (n.clone(), it.next().expect("a leaf")))
                    .collect(),
            ),
            Node::Tuple(items) => Value::Tuple(items.iter().map(|c| c.value(it)).collect()),
        }
    }

    /// The leaf values of a lowering value of this shape (a struct literal
    /// or a parameter, fields in any order).
    pub fn flatten(&self, v: Value, out: &mut Vec<Value>) -> Result<(), String> {
        let named: Vec<(String, &Node)> = match self {
            Node::Leaf(..) => {
                out.push(v);
                return Ok(());
            }
            Node::Struct(_, fields) => fields.iter().map(|(n, c)| (n.clone(), c)).collect(),
            Node::Tuple(items) => {
                let Value::Tuple(vs) = v else {
                    return Err(format!("expected a tuple of {} elements", items.len()));
                };
                if vs.len() != items.len() {
                    return Err(format!(
                        "expected a tuple of {} elements, got {}",
                        items.len(),
                        vs.len()
                    ));
                }
                for (c, x) in items.iter().zip(vs) {
                    c.flatten(x, out)?;
                }
                return Ok(());
            }
            Node::Fixed(items) => {
                // `[a, b]` in a body is a tuple of values.
                if let Value::Tuple(vs) = v {
                    if vs.len() != items.len() {
                        return Err(format!(
                            "expected {} elements, got {}",
                            items.len(),
                            vs.len()
                        ));
                    }
                    for (c, x) in items.iter().zip(vs) {
                        c.flatten(x, out)?;
                    }
                    return Ok(());
                }
                items
                    .iter()
                    .enumerate()
                    .map(|(k, c)| (format!("_{k}"), c))
                    .collect()
            }
            Node::Matrix(_, leaves) => {
                return match v {
                    Value::Struct(mut fs) => {
                        for (n, _) in leaves {
                            match fs.iter().position(|(m, _)| m == n) {
                                Some(i) => out.push(fs.swap_remove(i).1),
                                None => return Err(format!("the matrix value has no entry `{n}`")),
                            }
                        }
                        Ok(())
                    }
                    _ => Err("expected an nalgebra value".to_string()),
                };
            }
        };
        let Value::Struct(mut fs) = v else {
            return Err("expected a struct value".to_string());
        };
        for (n, c) in named {
            match fs.iter().position(|(m, _)| *m == n) {
                Some(i) => c.flatten(fs.swap_remove(i).1, out)?,
                None => return Err(format!("the struct value has no field `{}`", shown(&n))),
            }
        }
        Ok(())
    }
}

/// `_3` (an element of `[T; N]`) as `[3]` in messages.
fn shown(n: &str) -> String {
    match n.strip_prefix('_').and_then(|k| k.parse::<usize>().ok()) {
        Some(k) => format!("[{k}]"),
        None => n.to_string(),
    }
}
