//! One page of a long list, and where it was reached from.

use serde::{Deserialize, Serialize};

/// Longest cursor accepted: a sort key (name or timestamp plus an id).
pub const MAX_CURSOR: usize = 400;

/// Where a page starts: lists page by key (keyset), never by offset, so a deep page costs
/// what the first one does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Cursor {
    #[default]
    First,
    /// The rows after this key (*Próxima*).
    After(String),
    /// The rows before this key (*Anterior*).
    Before(String),
}

impl Cursor {
    /// From the page's query (`depois`, `antes`); an empty value means "not given".
    pub fn from_query(after: Option<String>, before: Option<String>) -> Result<Self, String> {
        let given = |v: Option<String>| v.filter(|s| !s.is_empty());
        let cursor = match (given(after), given(before)) {
            (None, None) => Cursor::First,
            (Some(a), None) => Cursor::After(a),
            (None, Some(b)) => Cursor::Before(b),
            (Some(_), Some(_)) => return Err("Use só um dos dois: antes ou depois.".into()),
        };
        match &cursor {
            Cursor::After(k) | Cursor::Before(k) if k.len() > MAX_CURSOR => {
                Err("Posição da página inválida.".into())
            }
            _ => Ok(cursor),
        }
    }
}

/// A page of `T`: `prev` and `next` are the cursors of the neighbouring pages (none at an
/// end); `total` is known only where it is maintained (see the server's lists).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub total: Option<u64>,
}

impl<T> Default for Page<T> {
    fn default() -> Self {
        Page {
            items: Vec::new(),
            prev: None,
            next: None,
            total: None,
        }
    }
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            prev: self.prev,
            next: self.next,
            total: self.total,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_from_the_query() {
        assert_eq!(
            Cursor::from_query(None, Some(String::new())),
            Ok(Cursor::First)
        );
        assert_eq!(
            Cursor::from_query(Some("ana 1".into()), None),
            Ok(Cursor::After("ana 1".into()))
        );
        assert!(Cursor::from_query(Some("a".into()), Some("b".into())).is_err());
        assert!(Cursor::from_query(Some("x".repeat(MAX_CURSOR + 1)), None).is_err());
    }
}
