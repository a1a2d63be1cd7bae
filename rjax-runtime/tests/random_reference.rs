//! Every case of ../shared/reference/random_f32.json and random_f64.json
//! (JAX 0.10.2, threefry partitionable), compared bit for bit.
//!
//! Each case's `call` is parsed (function name, key seed, shape, bounds), so
//! the expected values come only from the files. Floats are compared
//! through the hex bit patterns the files give.

use rjax_runtime::random::{self, Key, RandomFloat};
use serde_json::Value;

fn load(file: &str) -> Value {
    let path = format!(
        "{}/../../shared/reference/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

/// The top-level arguments of the outermost call in `call`.
fn args(call: &str) -> Vec<String> {
    let open = call.find('(').expect("a call");
    let mut depth = 0;
    let mut cur = String::new();
    let mut out = vec![];
    for ch in call[open + 1..].chars() {
        match ch {
            '(' | '[' => depth += 1,
            ')' | ']' if depth == 0 => break,
            ')' | ']' => depth -= 1,
            ',' if depth == 0 => {
                out.push(cur.trim().to_string());
                cur.clear();
                continue;
            }
            _ => {}
        }
        cur.push(ch);
    }
    out.push(cur.trim().to_string());
    out
}

fn func(call: &str) -> &str {
    call[..call.find('(').unwrap()].trim()
}

/// `key(N)` -> the key.
fn key_of(arg: &str) -> Key {
    assert_eq!(func(arg), "key", "expected key(seed), got {arg}");
    random::key(args(arg)[0].parse().unwrap())
}

/// `(2,3)` / `(9,)` -> the shape.
fn shape_of(arg: &str) -> Vec<usize> {
    let inner = arg.trim().trim_start_matches("shape=");
    let inner = inner.trim_start_matches('(').trim_end_matches(')');
    inner
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().parse().unwrap())
        .collect()
}

fn num(arg: &str) -> f64 {
    let v = arg.rsplit('=').next().unwrap();
    v.trim().parse().unwrap()
}

/// What a case produced, as the file represents it.
#[derive(Debug, PartialEq)]
enum Got {
    /// Integers (and booleans as 0/1), with the shape.
    Ints(Vec<usize>, Vec<i128>),
    /// Float bit patterns as lowercase hex, with the shape.
    Bits(Vec<usize>, Vec<String>),
}

fn ints<T: Copy + Into<i128>>(shape: &[usize], v: &[T]) -> Got {
    Got::Ints(shape.to_vec(), v.iter().map(|&x| x.into()).collect())
}

fn floats<T: RandomFloat>(shape: &[usize], v: &[T]) -> Got {
    let width = std::mem::size_of::<T>() * 2;
    let hex = v
        .iter()
        .map(|&x| {
            let b = x.to_f64();
            if width == 8 {
                format!("{:08x}", (b as f32).to_bits())
            } else {
                format!("{:016x}", b.to_bits())
            }
        })
        .collect();
    Got::Bits(shape.to_vec(), hex)
}

fn key_rows(keys: Vec<Key>) -> Got {
    let n = keys.len();
    let data = random::keys_to_array(keys);
    ints(&[n, 2], data.as_slice())
}

/// Runs one case's call with float type `T` (the file's precision); `wide`
/// says whether integers are 64-bit (the f64 file was made with x64).
fn run<T: RandomFloat>(name: &str, call: &str, wide: bool) -> Got {
    let a = args(call);
    match func(call) {
        "key_data" => {
            let inner = &a[0];
            match func(inner) {
                "key" => {
                    let k = key_of(inner);
                    ints(&[2], &random::key_data(&k))
                }
                "split" => {
                    let b = args(inner);
                    let n = b.get(1).map_or(2, |s| s.parse().unwrap());
                    key_rows(random::split(key_of(&b[0]), n))
                }
                "fold_in" => {
                    let b = args(inner);
                    let k = random::fold_in(key_of(&b[0]), b[1].parse().unwrap());
                    ints(&[2], &k.data())
                }
                f => panic!("{name}: unknown key_data argument {f}"),
            }
        }
        "bits" => {
            let shape = shape_of(&a[1]);
            match a[2].as_str() {
                "uint32" => ints(
                    &shape,
                    random::bits::<u32>(key_of(&a[0]), &shape).as_slice(),
                ),
                "uint64" => ints(
                    &shape,
                    random::bits::<u64>(key_of(&a[0]), &shape).as_slice(),
                ),
                d => panic!("{name}: dtype {d}"),
            }
        }
        "uniform" => {
            let shape = shape_of(&a[1]);
            let lo = a
                .iter()
                .find(|s| s.starts_with("minval"))
                .map_or(0.0, |s| num(s));
            let hi = a
                .iter()
                .find(|s| s.starts_with("maxval"))
                .map_or(1.0, |s| num(s));
            let u = random::uniform::<T>(key_of(&a[0]), &shape, T::from_f64(lo), T::from_f64(hi));
            floats(&shape, u.as_slice())
        }
        "normal" => {
            let shape = shape_of(&a[1]);
            floats(
                &shape,
                random::normal::<T>(key_of(&a[0]), &shape).as_slice(),
            )
        }
        "truncated_normal" => {
            let shape = shape_of(&a[3]);
            let (lo, hi) = (T::from_f64(num(&a[1])), T::from_f64(num(&a[2])));
            let t = random::truncated_normal::<T>(key_of(&a[0]), lo, hi, &shape);
            floats(&shape, t.as_slice())
        }
        "bernoulli" => {
            let shape = shape_of(&a[2]);
            let b = random::bernoulli(key_of(&a[0]), T::from_f64(num(&a[1])), &shape);
            let v: Vec<u8> = b.as_slice().iter().map(|&x| u8::from(x)).collect();
            ints(&shape, &v)
        }
        "randint" => {
            let shape = shape_of(&a[1]);
            let (lo, hi) = (num(&a[2]) as i64, num(&a[3]) as i64);
            if wide {
                ints(
                    &shape,
                    random::randint_i64(key_of(&a[0]), &shape, lo, hi).as_slice(),
                )
            } else {
                let r = random::randint(key_of(&a[0]), &shape, lo as i32, hi as i32);
                ints(&shape, r.as_slice())
            }
        }
        "permutation" => {
            let n: usize = a[1].parse().unwrap();
            ints(&[n], random::permutation(key_of(&a[0]), n).as_slice())
        }
        "categorical" => {
            // log([p0, p1, ...]) evaluated with the backend's log.
            let probs = a[1].trim_start_matches("log(").trim_end_matches(')');
            let logits: Vec<T> = args(&format!("f({probs})"))[0]
                .trim_matches(|c| c == '[' || c == ']')
                .split(',')
                .map(|p| T::from_f64(p.trim().parse().unwrap()).xla_log())
                .collect();
            let logits = rjax_runtime::Array::from_vec(logits);
            let shape = shape_of(&a[2]);
            let c = random::categorical(key_of(&a[0]), &logits, -1, Some(&shape));
            ints(&shape, c.as_slice())
        }
        _ if name.starts_with("normal_after_split") => {
            // "k1,k2 = split(key(0)); normal(k2, (4,), f32)"
            let (setup, draw) = call.split_once(';').unwrap();
            let split_call = setup.split_once('=').unwrap().1.trim();
            let [_, k2] = random::split2(key_of(&args(split_call)[0]));
            let shape = shape_of(&args(draw.trim())[1]);
            floats(&shape, random::normal::<T>(k2, &shape).as_slice())
        }
        f => panic!("{name}: no dispatch for {f}"),
    }
}

fn expected(result: &Value) -> Got {
    let shape: Vec<usize> = result["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect();
    if let Some(bits) = result.get("bits") {
        let hex = bits
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b.as_str().unwrap().to_lowercase())
            .collect();
        return Got::Bits(shape, hex);
    }
    let vals = result["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| match v {
            Value::Bool(b) => i128::from(*b),
            Value::Number(n) => n
                .as_i64()
                .map(i128::from)
                .or_else(|| n.as_u64().map(i128::from))
                .unwrap(),
            other => panic!("unexpected value {other}"),
        })
        .collect();
    Got::Ints(shape, vals)
}

fn check_file<T: RandomFloat>(file: &str, wide: bool) -> usize {
    let doc = load(file);
    assert_eq!(doc["meta"]["threefry_partitionable"], Value::Bool(true));
    let cases = doc["cases"].as_array().unwrap();
    let mut failures = vec![];
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let call = case["call"].as_str().unwrap();
        let call = call.split("  #").next().unwrap().trim();
        let got = run::<T>(name, call, wide);
        let want = expected(&case["result"]);
        if got != want {
            failures.push(format!("{name} ({call}):\n  got  {got:?}\n  want {want:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ in {file}:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    eprintln!("{file}: all {} cases bit-exact", cases.len());
    cases.len()
}

#[test]
fn f32_reference_is_bit_exact() {
    assert!(check_file::<f32>("random_f32.json", false) > 30);
}

#[test]
fn f64_reference_is_bit_exact() {
    assert!(check_file::<f64>("random_f64.json", true) > 30);
}
