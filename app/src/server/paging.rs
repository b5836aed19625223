//! Keyset paging: a list reads only the page it shows, walking the index on its sort key
//! from the cursor (the key of the row at the edge of the page the admin came from), so
//! page 10,000 costs what page 1 does. Totals never come from here: see each list.

use surrealdb::types::{SurrealValue, Value};

use super::db::Db;
use crate::models::page::{Cursor, Page};

/// Bound values of a query's `WHERE`.
pub type Binds = Vec<(&'static str, Value)>;

/// The condition of a list that no other index narrows. Every row of a listed table has
/// `listed = true`, the first field of the table's list index (`listed`, then the sort key):
/// SurrealDB 3.3 reads a one-field index 1,000 records at a time whatever the `LIMIT`, while
/// an equality on a compound index's first field and a range on the next reads only the
/// page (`schema`, version 17).
pub const EVERY_ROW: &str = "listed = true";

/// A row that knows its sort key (selected as `cursor`).
pub trait Keyed {
    fn cursor(&self) -> &str;
}

/// One list: `filter` is fixed SurrealQL (every value bound in `binds`) and `key` a field
/// with an index whose order the list follows after the fields `filter` fixes ([`EVERY_ROW`]
/// when no other index narrows the list).
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
    /// The query of the page at `cursor` (`per_page` rows and one more) and its values.
    fn query(self, cursor: &Cursor, per_page: usize) -> (String, Binds) {
        // Walking backwards (`Before`) reads the index the other way, then turns the rows.
        let backwards = matches!(cursor, Cursor::Before(_));
        let (forward, reverse) = if self.descending {
            ("<", ">")
        } else {
            (">", "<")
        };
        let ascending = self.descending == backwards;
        let mut binds = self.binds;
        // The cursor's range comes first: the planner walks the index from the first range
        // it meets on the key, and the cursor lies inside any other (a filter's dates).
        let mut conds = Vec::new();
        let mut at = |op: &str, k: &String| {
            conds.push(format!("{} {op} $cursor", self.key));
            binds.push(("cursor", k.clone().into_value()));
        };
        match cursor {
            Cursor::First => {}
            Cursor::After(k) => at(forward, k),
            Cursor::Before(k) => at(reverse, k),
        }
        conds.push(self.filter);
        binds.push(("limit", (per_page as i64 + 1).into_value()));
        let sql = format!(
            "SELECT {fields}, {key} AS cursor FROM {table} WHERE {cond} ORDER BY {key} {dir} LIMIT $limit",
            fields = self.fields,
            key = self.key,
            table = self.table,
            cond = conds.join(" AND "),
            dir = if ascending { "ASC" } else { "DESC" },
        );
        (sql, binds)
    }

    /// How the database reads the page at `cursor` (its `EXPLAIN`), for tests of the plans.
    #[cfg(test)]
    pub async fn plan(self, db: &Db, cursor: &Cursor) -> String {
        let (sql, binds) = self.query(cursor, 50);
        let mut q = db.query(format!("{sql} EXPLAIN"));
        for b in binds {
            q = q.bind(b);
        }
        let plan: Option<serde_json::Value> = q.await.unwrap().take(0).unwrap();
        plan.unwrap_or_default().to_string()
    }

    /// The page at `cursor`, `per_page` rows at most.
    pub async fn fetch<R: SurrealValue + Keyed>(
        self,
        db: &Db,
        cursor: &Cursor,
        per_page: usize,
    ) -> surrealdb::Result<Page<R>> {
        let (sql, binds) = self.query(cursor, per_page);
        let mut q = db.query(sql);
        for b in binds {
            q = q.bind(b);
        }
        let mut rows: Vec<R> = q.await?.take(0)?;
        let backwards = matches!(cursor, Cursor::Before(_));
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
