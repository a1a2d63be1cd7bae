//! `PartitionSpec` and the `P!` macro: which mesh axes split which array
//! dimension (JAX's `jax.sharding.PartitionSpec`).

/// How one array dimension is split: not at all (replicated), or over one
/// or more mesh axes (major first).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct DimSpec(pub Vec<String>);

impl DimSpec {
    /// A dimension that is not split.
    pub fn replicated() -> DimSpec {
        DimSpec(Vec::new())
    }

    /// True when the dimension is not split.
    pub fn is_replicated(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<&str> for DimSpec {
    fn from(s: &str) -> DimSpec {
        DimSpec(vec![s.to_string()])
    }
}

impl From<String> for DimSpec {
    fn from(s: String) -> DimSpec {
        DimSpec(vec![s])
    }
}

impl From<Option<&str>> for DimSpec {
    fn from(s: Option<&str>) -> DimSpec {
        DimSpec(s.into_iter().map(str::to_string).collect())
    }
}

impl From<(&str, &str)> for DimSpec {
    fn from((a, b): (&str, &str)) -> DimSpec {
        DimSpec(vec![a.to_string(), b.to_string()])
    }
}

impl From<&[&str]> for DimSpec {
    fn from(s: &[&str]) -> DimSpec {
        DimSpec(s.iter().map(|s| s.to_string()).collect())
    }
}

/// One [`DimSpec`] per leading array dimension; dimensions past the end
/// are replicated, like JAX's `P()`.
///
/// ```
/// use rjax_runtime::P;
/// let p = P!["data", None];
/// assert_eq!(p.to_string(), "P('data', None)");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct PartitionSpec(pub Vec<DimSpec>);

impl PartitionSpec {
    /// The spec of a fully replicated array, `P![]`.
    pub fn replicated() -> PartitionSpec {
        PartitionSpec(Vec::new())
    }

    /// The spec of dimension `d` (replicated past the end).
    pub fn dim(&self, d: usize) -> DimSpec {
        self.0.get(d).cloned().unwrap_or_default()
    }

    /// Every mesh axis name the spec uses.
    pub fn axes(&self) -> impl Iterator<Item = &str> {
        self.0.iter().flat_map(|d| d.0.iter().map(String::as_str))
    }

    /// The spec with trailing replicated entries dropped (for comparisons).
    pub(crate) fn normalized(&self) -> PartitionSpec {
        let mut v = self.0.clone();
        while v.last().is_some_and(DimSpec::is_replicated) {
            v.pop();
        }
        PartitionSpec(v)
    }
}

impl std::fmt::Display for PartitionSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|d| match d.0.len() {
                0 => "None".to_string(),
                1 => format!("'{}'", d.0[0]),
                _ => format!(
                    "({})",
                    d.0.iter()
                        .map(|a| format!("'{a}'"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })
            .collect();
        write!(f, "P({})", parts.join(", "))
    }
}

/// Builds a [`PartitionSpec`]: `P!["data", None]`, `P![("data", "model")]`,
/// `P![]` (replicated).
#[macro_export]
macro_rules! P {
    (@dim None) => { $crate::sharding::DimSpec::replicated() };
    (@dim $e:expr) => { $crate::sharding::DimSpec::from($e) };
    ($($e:tt),* $(,)?) => {
        $crate::sharding::PartitionSpec(vec![$($crate::P!(@dim $e)),*])
    };
}
