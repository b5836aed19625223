//! The audit log (*Conta > Auditoria*): one row per admin action and sign-in, paged newest
//! first through its indexes, kept `PARABENS_AUDIT_DAYS` days.

use chrono::{DateTime, Utc};
use surrealdb::types::{SurrealValue, Value};

use super::db::Db;
use super::paging::{Binds, Keyed, List, EVERY_ROW};
use crate::models::audit::{AuditAction, AuditEntry, AuditFilter};
use crate::models::page::{Cursor, Page};

/// Longest detail kept (what an action names: a message, an entry, a URL).
const MAX_DETAIL: usize = 300;

/// Records `action` by `actor`. A failure is logged, never the action's: the change itself
/// happened.
pub async fn record(db: &Db, actor: &str, action: AuditAction, detail: &str, ip: Option<String>) {
    let detail: String = detail.chars().take(MAX_DETAIL).collect();
    let written = db
        .query(
            "CREATE audit SET at = time::now(), actor = $actor, action = $action,
                 detail = $detail, ip = $ip RETURN NONE",
        )
        .bind(("actor", actor.to_string()))
        .bind(("action", action.key()))
        .bind(("detail", detail))
        .bind(("ip", ip))
        .await
        .and_then(|r| r.check().map(|_| ()));
    if let Err(e) = written {
        tracing::error!(%e, action = action.key(), "could not write the audit log");
    }
}

#[derive(Debug, SurrealValue)]
#[surreal(crate = "surrealdb::types")]
struct Row {
    at: DateTime<Utc>,
    actor: String,
    action: String,
    detail: String,
    ip: Option<String>,
    cursor: String,
}

impl Keyed for Row {
    fn cursor(&self) -> &str {
        &self.cursor
    }
}

/// A page of the log, newest first.
pub async fn list(
    db: &Db,
    filter: &AuditFilter,
    cursor: &Cursor,
    per_page: usize,
) -> surrealdb::Result<Page<AuditEntry>> {
    use surrealdb::types::SurrealValue as _;
    let mut conds = Vec::new();
    let mut binds: Binds = Vec::new();
    if !filter.actor.is_empty() {
        conds.push("actor = $actor");
        binds.push(("actor", filter.actor.clone().into_value()));
    }
    if let Some(a) = filter.action {
        conds.push("action = $action");
        binds.push(("action", Value::from_t(a.key().to_string())));
    }
    let list = List {
        table: "audit",
        fields: "at, actor, action, detail, ip",
        key: "list_key",
        // An actor or an action has an index of its own.
        filter: if conds.is_empty() {
            EVERY_ROW.into()
        } else {
            conds.join(" AND ")
        },
        binds,
        descending: true,
    };
    let page = list.fetch::<Row>(db, cursor, per_page).await?;
    Ok(Page {
        items: page
            .items
            .into_iter()
            .filter_map(|r| {
                Some(AuditEntry {
                    at: r.at,
                    action: AuditAction::from_key(&r.action)?,
                    actor: r.actor,
                    detail: r.detail,
                    ip: r.ip,
                })
            })
            .collect(),
        prev: page.prev,
        next: page.next,
        total: None,
    })
}

/// Forgets what is older than `days` days (through the time index). Returns how many.
pub async fn purge(db: &Db, days: u32) -> surrealdb::Result<usize> {
    let mut res = db
        .query("DELETE audit WHERE at < time::now() - duration::from_days($days) RETURN BEFORE")
        .bind(("days", days as i64))
        .await?;
    let gone: Vec<surrealdb::types::Value> = res.take(0)?;
    Ok(gone.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_log_pages_newest_first_filters_and_forgets_old_lines() {
        let db = crate::server::db::connect("mem://", None).await.unwrap();
        crate::server::schema::migrate(&db).await.unwrap();
        for i in 0..7 {
            let (who, what) = if i % 2 == 0 {
                ("ana", AuditAction::ParamsSaved)
            } else {
                ("bia", AuditAction::Login)
            };
            record(&db, who, what, &format!("linha {i}"), None).await;
        }
        let all = list(&db, &AuditFilter::default(), &Cursor::First, 3)
            .await
            .unwrap();
        let details: Vec<_> = all.items.iter().map(|e| e.detail.as_str()).collect();
        assert_eq!(details, ["linha 6", "linha 5", "linha 4"]);
        let next = list(
            &db,
            &AuditFilter::default(),
            &Cursor::After(all.next.unwrap()),
            3,
        )
        .await
        .unwrap();
        assert_eq!(next.items[0].detail, "linha 3");
        let ana = AuditFilter::parse("ana", "parametros_salvos").unwrap();
        let page = list(&db, &ana, &Cursor::First, 50).await.unwrap();
        assert_eq!(page.items.len(), 4);
        assert!(page.items.iter().all(|e| e.actor == "ana"));
        db.query("UPDATE audit SET at = time::now() - 40d WHERE detail = 'linha 0'")
            .await
            .unwrap()
            .check()
            .unwrap();
        assert_eq!(purge(&db, 30).await.unwrap(), 1);
        assert_eq!(purge(&db, 30).await.unwrap(), 0);
    }
}
