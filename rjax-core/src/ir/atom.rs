//! Variables (`Var(u32)`, typed through their jaxpr's type table),
//! literals (scalar constants with a dtype, printed `1.0:f32[]`) and atoms
//! (an equation operand: either of those).

use super::dtype::DType;
use super::shape::TensorType;
use std::fmt;

/// A variable: an index into its jaxpr's (or builder's) type table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Var(pub u32);

impl Var {
    /// The index into the type table.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A scalar constant. Values are stored as `f64`, which is exact for every
/// f32, i32 and u32 value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Literal {
    /// The value (0.0/1.0 for bools).
    pub value: f64,
    /// Its dtype; the shape is always `[]`.
    pub dtype: DType,
}

impl Literal {
    /// A literal, with the value rounded to the dtype.
    pub fn new(value: f64, dtype: DType) -> Self {
        let value = match dtype {
            DType::F32 => value as f32 as f64,
            DType::F64 => value,
            DType::Bool => {
                if value != 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            _ => value.trunc(),
        };
        Literal { value, dtype }
    }
    /// Its type (`dtype[]`).
    pub fn ty(&self) -> TensorType {
        TensorType::scalar(self.dtype)
    }
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.value;
        match self.dtype {
            DType::Bool => f.write_str(if v != 0.0 { "True" } else { "False" })?,
            DType::F32 => f.write_str(&python_float(format!("{:?}", v as f32)))?,
            DType::F64 => f.write_str(&python_float(format!("{v:?}")))?,
            _ => write!(f, "{}", v as i64)?,
        }
        write!(f, ":{}[]", self.dtype)
    }
}

// Rust's `{:?}` gives the shortest round-trip digits like Python's repr;
// only the spelling of exponents and non-finite values differs.
fn python_float(s: String) -> String {
    match s.as_str() {
        "NaN" => return "nan".into(),
        "inf" => return "inf".into(),
        "-inf" => return "-inf".into(),
        _ => {}
    }
    if let Some(pos) = s.find('e') {
        let (mant, exp) = s.split_at(pos);
        let exp = &exp[1..];
        let (sign, digits) = match exp.strip_prefix('-') {
            Some(d) => ("-", d),
            None => ("+", exp),
        };
        let digits = if digits.len() < 2 {
            format!("0{digits}")
        } else {
            digits.to_string()
        };
        let mant = mant.strip_suffix(".0").unwrap_or(mant);
        format!("{mant}e{sign}{digits}")
    } else {
        s
    }
}

/// An equation operand or jaxpr output: a variable or a literal.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Atom {
    /// A variable.
    Var(Var),
    /// A scalar constant.
    Lit(Literal),
}

impl Atom {
    /// The variable, if this is one.
    pub fn as_var(&self) -> Option<Var> {
        match self {
            Atom::Var(v) => Some(*v),
            Atom::Lit(_) => None,
        }
    }
    /// The literal, if this is one.
    pub fn as_lit(&self) -> Option<Literal> {
        match self {
            Atom::Lit(l) => Some(*l),
            Atom::Var(_) => None,
        }
    }
    /// A literal atom.
    pub fn lit(value: f64, dtype: DType) -> Self {
        Atom::Lit(Literal::new(value, dtype))
    }
}

impl From<Var> for Atom {
    fn from(v: Var) -> Self {
        Atom::Var(v)
    }
}
impl From<Literal> for Atom {
    fn from(l: Literal) -> Self {
        Atom::Lit(l)
    }
}
