//! Keyset paging: a list reads only the page it shows, walking the index on its sort key
//! from the cursor (the key of the row at the edge of the page the admin came from), so
//! page 10,000 costs what page 1 does. Totals never come from here: see each list.

use surrealdb::types::{SurrealValue, Value};

use super::db::Db;
use crate::models::page::{Cursor, Page};

/// Bound values of a query's `WHERE`.
pub type Binds = Vec<(&'static str, Value)>;

/// A row that knows its sort key (selected as `cursor`).
pub trait Keyed {
    fn cursor(&self) -> &str;
}

/// One list: `filter` is fixed SurrealQL (every value bound in `binds`) and `key` a field
/// with an index whose order the list follows (alone, or after the fields `filter` fixes).
pub struct List<'a> {
    pub table: &'a str,
    pub fields: &'a str,
    pub key: &'a str,
    pub filter: String,
    pub binds: Binds,
    /// Newest (greatest key) first, as the queue is shown.
    pub descending: bool,
}

impl List<'_> {
    /// The page at `cursor`, `per_page` rows at most.
    pub async fn fetch<R: SurrealValue + Keyed>(
        self,
        db: &Db,
        cursor: &Cursor,
        per_page: usize,
    ) -> surrealdb::Result<Page<R>> {
        // Walking backwards (`Before`) reads the index the other way, then turns the rows.
        let backwards = matches!(cursor, Cursor::Before(_));
        let (forward, reverse) = if self.descending {
            ("<", ">")
        } else {
            (">", "<")
        };
        let ascending = self.descending == backwards;
        let mut conds = vec![self.filter];
        let at = match cursor {
            Cursor::First => None,
            Cursor::After(k) => {
                conds.push(format!("{} {forward} $cursor", self.key));
                Some(k.clone())
            }
            Cursor::Before(k) => {
                conds.push(format!("{} {reverse} $cursor", self.key));
                Some(k.clone())
            }
        };
        let sql = format!(
            "SELECT {fields}, {key} AS cursor FROM {table} WHERE {cond} ORDER BY {key} {dir} LIMIT $limit",
            fields = self.fields,
            key = self.key,
            table = self.table,
            cond = conds.join(" AND "),
            dir = if ascending { "ASC" } else { "DESC" },
        );
        let mut q = db.query(sql);
        for (k, v) in self.binds {
            q = q.bind((k, v));
        }
        if let Some(at) = at {
            q = q.bind(("cursor", at));
        }
        let mut rows: Vec<R> = q.bind(("limit", per_page as i64 + 1)).await?.take(0)?;
        // One row more than the page says whether there is a page beyond.
        let more = rows.len() > per_page;
        rows.truncate(per_page);
        if backwards {
            rows.reverse();
        }
        let first = rows.first().map(|r| r.cursor().to_string());
        let last = rows.last().map(|r| r.cursor().to_string());
        let (prev, next) = match cursor {
            Cursor::First => (None, last.filter(|_| more)),
            Cursor::After(_) => (first, last.filter(|_| more)),
            Cursor::Before(_) => (first.filter(|_| more), last),
        };
        Ok(Page {
            items: rows,
            prev,
            next,
            total: None,
        })
    }
}
