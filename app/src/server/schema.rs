//! Versioned, idempotent schema. Each migration is a list of `DEFINE` statements; the
//! applied version is recorded in `schema_meta:current`, and every statement uses
//! `IF NOT EXISTS`/`OVERWRITE` so a partly applied migration can simply run again.

use super::db::Db;
use surrealdb::types::SurrealValue;

/// Append only: never edit a migration that has shipped, add the next one.
pub const MIGRATIONS: &[(i64, &str)] = &[
    (
        1,
        r#"
DEFINE TABLE OVERWRITE schema_meta SCHEMAFULL;
DEFINE FIELD OVERWRITE version ON schema_meta TYPE int;
DEFINE FIELD OVERWRITE applied_at ON schema_meta TYPE datetime;

DEFINE TABLE OVERWRITE user SCHEMAFULL;
DEFINE FIELD OVERWRITE username ON user TYPE string;
DEFINE FIELD OVERWRITE password_hash ON user TYPE string;
DEFINE FIELD OVERWRITE created_at ON user TYPE datetime;
DEFINE FIELD OVERWRITE created_by ON user TYPE option<string>;
DEFINE INDEX OVERWRITE user_username ON user FIELDS username UNIQUE;

DEFINE TABLE OVERWRITE session SCHEMAFULL;
DEFINE FIELD OVERWRITE user ON session TYPE record<user>;
DEFINE FIELD OVERWRITE created_at ON session TYPE datetime;
DEFINE FIELD OVERWRITE expires_at ON session TYPE datetime;
DEFINE INDEX OVERWRITE session_user ON session FIELDS user;
"#,
    ),
    (
        2,
        r#"
DEFINE TABLE OVERWRITE client SCHEMAFULL;
DEFINE FIELD OVERWRITE external_id ON client TYPE string;
DEFINE FIELD OVERWRITE name ON client TYPE string;
DEFINE FIELD OVERWRITE trade_name ON client TYPE string;
DEFINE FIELD OVERWRITE person_type ON client TYPE string ASSERT $value IN ['F', 'J', 'E'];
DEFINE FIELD OVERWRITE active ON client TYPE bool;
DEFINE FIELD OVERWRITE birth_date ON client TYPE option<datetime>;
-- Month-day key, derived by the database so it cannot drift from birth_date; indexed so
-- that a day's birthdays are found without reading the whole table.
DEFINE FIELD OVERWRITE birth_md ON client TYPE option<string>
    VALUE IF birth_date != NONE THEN time::format(birth_date, '%m-%d') ELSE NONE END;
DEFINE FIELD OVERWRITE whatsapp ON client TYPE string;
DEFINE FIELD OVERWRITE mobile ON client TYPE string;
DEFINE FIELD OVERWRITE phone ON client TYPE option<string>;
DEFINE FIELD OVERWRITE phone_problem ON client TYPE option<string>;
DEFINE FIELD OVERWRITE email ON client TYPE string;
DEFINE FIELD OVERWRITE city ON client TYPE string;
DEFINE FIELD OVERWRITE state ON client TYPE string;
DEFINE FIELD OVERWRITE search ON client TYPE string;
DEFINE FIELD OVERWRITE opted_out ON client TYPE bool DEFAULT false;
DEFINE FIELD OVERWRITE opted_out_at ON client TYPE option<datetime>;
DEFINE FIELD OVERWRITE source ON client TYPE string;
DEFINE FIELD OVERWRITE synced_at ON client TYPE option<datetime>;
DEFINE INDEX OVERWRITE client_external_id ON client FIELDS external_id UNIQUE;
DEFINE INDEX OVERWRITE client_birth_md ON client FIELDS birth_md;

-- One birthday greeting per client per year: the record id is [client id, year].
DEFINE TABLE OVERWRITE greeting SCHEMAFULL;
DEFINE FIELD OVERWRITE client_id ON greeting TYPE string;
DEFINE FIELD OVERWRITE year ON greeting TYPE int;
DEFINE FIELD OVERWRITE created_at ON greeting TYPE datetime;
DEFINE INDEX OVERWRITE greeting_year_client ON greeting FIELDS year, client_id UNIQUE;

DEFINE TABLE OVERWRITE setting SCHEMALESS;
"#,
    ),
    (
        3,
        r#"
DEFINE TABLE OVERWRITE omni_message SCHEMAFULL;
DEFINE FIELD OVERWRITE kind ON omni_message TYPE string;
DEFINE FIELD OVERWRITE description ON omni_message TYPE string;
DEFINE FIELD OVERWRITE channel_id ON omni_message TYPE string;
DEFINE FIELD OVERWRITE channel_name ON omni_message TYPE string;
DEFINE FIELD OVERWRITE template_id ON omni_message TYPE string;
DEFINE FIELD OVERWRITE template_name ON omni_message TYPE string;
DEFINE FIELD OVERWRITE template_text ON omni_message TYPE string;
-- JSON of the placeholder variables, in order (enum values with fixed texts).
DEFINE FIELD OVERWRITE variables ON omni_message TYPE string;
DEFINE FIELD OVERWRITE updated_at ON omni_message TYPE datetime;
"#,
    ),
    (
        4,
        r#"
DEFINE TABLE OVERWRITE agenda_entry SCHEMAFULL;
DEFINE FIELD OVERWRITE task ON agenda_entry TYPE string
    ASSERT $value IN ['enqueue_birthdays', 'send_queue', 'sync_ixc'];
DEFINE FIELD OVERWRITE minute ON agenda_entry TYPE string;
DEFINE FIELD OVERWRITE hour ON agenda_entry TYPE string;
DEFINE FIELD OVERWRITE day_of_month ON agenda_entry TYPE string;
DEFINE FIELD OVERWRITE month ON agenda_entry TYPE string;
DEFINE FIELD OVERWRITE day_of_week ON agenda_entry TYPE string;
DEFINE FIELD OVERWRITE enabled ON agenda_entry TYPE bool;
DEFINE FIELD OVERWRITE created_at ON agenda_entry TYPE datetime;
"#,
    ),
    (
        5,
        r#"
-- The message queue (outbox). The record id is [client id, kind, year]: a second greeting
-- for the same client and year cannot even be written.
DEFINE TABLE OVERWRITE outbox SCHEMAFULL;
DEFINE FIELD OVERWRITE kind ON outbox TYPE string;
DEFINE FIELD OVERWRITE year ON outbox TYPE int;
DEFINE FIELD OVERWRITE client_id ON outbox TYPE string;
DEFINE FIELD OVERWRITE client_name ON outbox TYPE string;
DEFINE FIELD OVERWRITE phone ON outbox TYPE string;
DEFINE FIELD OVERWRITE message_id ON outbox TYPE string;
DEFINE FIELD OVERWRITE message_description ON outbox TYPE string;
DEFINE FIELD OVERWRITE channel_id ON outbox TYPE string;
DEFINE FIELD OVERWRITE template_id ON outbox TYPE string;
DEFINE FIELD OVERWRITE variables ON outbox TYPE array<string>;
DEFINE FIELD OVERWRITE text ON outbox TYPE string;
DEFINE FIELD OVERWRITE status ON outbox TYPE string
    ASSERT $value IN ['pendente', 'enviando', 'enviado', 'erro', 'cancelado'];
DEFINE FIELD OVERWRITE attempts ON outbox TYPE int;
DEFINE FIELD OVERWRITE next_attempt_at ON outbox TYPE datetime;
-- Who holds a message in `enviando`, and until when (a crashed holder's lease expires).
DEFINE FIELD OVERWRITE lease_owner ON outbox TYPE option<string>;
DEFINE FIELD OVERWRITE lease_until ON outbox TYPE option<datetime>;
DEFINE FIELD OVERWRITE run_id ON outbox TYPE string;
DEFINE FIELD OVERWRITE created_at ON outbox TYPE datetime;
DEFINE FIELD OVERWRITE updated_at ON outbox TYPE datetime;
DEFINE FIELD OVERWRITE sent_at ON outbox TYPE option<datetime>;
DEFINE FIELD OVERWRITE failed_at ON outbox TYPE option<datetime>;
DEFINE FIELD OVERWRITE provider_id ON outbox TYPE option<string>;
DEFINE FIELD OVERWRITE last_error ON outbox TYPE option<string>;
DEFINE INDEX OVERWRITE outbox_due ON outbox FIELDS status, next_attempt_at;
DEFINE INDEX OVERWRITE outbox_client ON outbox FIELDS client_id;
DEFINE INDEX OVERWRITE outbox_created ON outbox FIELDS created_at;
DEFINE INDEX OVERWRITE outbox_sent ON outbox FIELDS sent_at;
DEFINE INDEX OVERWRITE outbox_failed ON outbox FIELDS failed_at;
DEFINE INDEX OVERWRITE outbox_run ON outbox FIELDS run_id;

-- Every attempt to send a message, and every admin action on it.
DEFINE TABLE OVERWRITE outbox_attempt SCHEMAFULL;
DEFINE FIELD OVERWRITE outbox ON outbox_attempt TYPE record<outbox>;
DEFINE FIELD OVERWRITE at ON outbox_attempt TYPE datetime;
DEFINE FIELD OVERWRITE outcome ON outbox_attempt TYPE string;
DEFINE FIELD OVERWRITE detail ON outbox_attempt TYPE string;
DEFINE INDEX OVERWRITE outbox_attempt_outbox ON outbox_attempt FIELDS outbox;

-- Task runs. The id is [entry id, tick] for scheduled runs, so a tick is claimed once
-- however many instances see it.
DEFINE TABLE OVERWRITE task_run SCHEMAFULL;
DEFINE FIELD OVERWRITE entry_id ON task_run TYPE string;
DEFINE FIELD OVERWRITE task ON task_run TYPE string;
DEFINE FIELD OVERWRITE trigger ON task_run TYPE string;
DEFINE FIELD OVERWRITE scheduled_for ON task_run TYPE datetime;
DEFINE FIELD OVERWRITE started_at ON task_run TYPE option<datetime>;
DEFINE FIELD OVERWRITE finished_at ON task_run TYPE option<datetime>;
DEFINE FIELD OVERWRITE outcome ON task_run TYPE string;
DEFINE FIELD OVERWRITE attempt ON task_run TYPE int;
DEFINE FIELD OVERWRITE counts ON task_run TYPE string;
DEFINE FIELD OVERWRITE note ON task_run TYPE option<string>;
DEFINE FIELD OVERWRITE error ON task_run TYPE option<string>;
DEFINE FIELD OVERWRITE created_at ON task_run TYPE datetime;
DEFINE INDEX OVERWRITE task_run_created ON task_run FIELDS created_at;
DEFINE INDEX OVERWRITE task_run_outcome ON task_run FIELDS outcome;
"#,
    ),
    (
        6,
        r#"
-- `expirado`: the greeting's day ended unsent (late greetings off). The greeting's day
-- (business date, YYYY-MM-DD) decides it; older rows get their UTC creation date.
DEFINE FIELD OVERWRITE status ON outbox TYPE string
    ASSERT $value IN ['pendente', 'enviando', 'enviado', 'erro', 'cancelado', 'expirado'];
DEFINE FIELD OVERWRITE greeting_day ON outbox TYPE option<string>;
UPDATE outbox SET greeting_day = time::format(created_at, '%Y-%m-%d') WHERE greeting_day = NONE;
"#,
    ),
    (
        7,
        r#"
-- Expired sessions are purged through this index.
DEFINE INDEX OVERWRITE session_expires ON session FIELDS expires_at;
"#,
    ),
    (
        8,
        r#"
-- Client imports: progress and report of each CSV import or IXC sync (server/imports.rs).
DEFINE TABLE OVERWRITE import_job SCHEMALESS;
DEFINE INDEX OVERWRITE import_job_finished ON import_job FIELDS finished, updated_at;
"#,
    ),
    (
        9,
        r#"
-- Lists read only the page they show (server/paging.rs); totals come from COUNT indexes.

-- Clients in name order, accent- and case-insensitive (`string::slug` folds "João" to
-- "joao"), the external id breaking ties: the key is also the page cursor.
DEFINE FIELD OVERWRITE sort_key ON client TYPE string
    VALUE string::concat(string::slug(name), ' ', external_id);
DEFINE INDEX OVERWRITE client_sort ON client FIELDS sort_key;
-- Name search through a full-text index, folded the same way: "joao" finds "João".
DEFINE ANALYZER OVERWRITE folded TOKENIZERS blank, class FILTERS lowercase, ascii;
DEFINE FIELD OVERWRITE search_name ON client TYPE string
    VALUE string::concat(name, ' ', trade_name);
DEFINE INDEX OVERWRITE client_search_name ON client FIELDS search_name FULLTEXT ANALYZER folded;
-- Phone search: the last eight digits of each number (clients::PHONE_KEY_DIGITS), one
-- field and index per number (the planner unions indexes for an OR; it does not index an
-- array's CONTAINS).
DEFINE FUNCTION OVERWRITE fn::phone_key($n: string) -> option<string> {
    LET $d = string::slice(string::replace($n, /[^0-9]/, ''), -8);
    RETURN IF string::len($d) = 8 THEN $d ELSE NONE END;
};
DEFINE FIELD OVERWRITE whatsapp_key ON client TYPE option<string> VALUE fn::phone_key(whatsapp);
DEFINE FIELD OVERWRITE mobile_key ON client TYPE option<string> VALUE fn::phone_key(mobile);
DEFINE INDEX OVERWRITE client_whatsapp_key ON client FIELDS whatsapp_key;
DEFINE INDEX OVERWRITE client_mobile_key ON client FIELDS mobile_key;
DEFINE INDEX OVERWRITE client_total ON client COUNT;

-- The queue newest first: creation time (formatted as queue::LIST_KEY_TIME), then the key.
DEFINE FIELD OVERWRITE list_key ON outbox TYPE string
    VALUE string::concat(time::format(created_at, '%Y-%m-%dT%H:%M:%S%.6fZ'), ' ', record::id(id));
DEFINE INDEX OVERWRITE outbox_list ON outbox FIELDS list_key;
DEFINE INDEX OVERWRITE outbox_status_list ON outbox FIELDS status, list_key;
DEFINE INDEX OVERWRITE outbox_client_name ON outbox FIELDS client_name FULLTEXT ANALYZER folded;
-- Messages per status (queue::counts): the WHERE is matched literally.
DEFINE INDEX OVERWRITE outbox_n_pendente ON outbox COUNT WHERE status = 'pendente';
DEFINE INDEX OVERWRITE outbox_n_enviando ON outbox COUNT WHERE status = 'enviando';
DEFINE INDEX OVERWRITE outbox_n_enviado ON outbox COUNT WHERE status = 'enviado';
DEFINE INDEX OVERWRITE outbox_n_erro ON outbox COUNT WHERE status = 'erro';
DEFINE INDEX OVERWRITE outbox_n_cancelado ON outbox COUNT WHERE status = 'cancelado';
DEFINE INDEX OVERWRITE outbox_n_expirado ON outbox COUNT WHERE status = 'expirado';
-- The start-up catch-up looks for an entry's last success since a time.
DEFINE INDEX OVERWRITE task_run_entry ON task_run FIELDS entry_id, scheduled_for;

-- The dashboard's ended days, counted once (queue::daily_stats).
DEFINE TABLE OVERWRITE queue_day SCHEMALESS;

-- Existing rows get the derived fields.
UPDATE client RETURN NONE;
UPDATE outbox RETURN NONE;
"#,
    ),
    (
        10,
        r#"
-- Several instances on one database (server/cluster.rs).

-- Each instance's heartbeat: a run whose instance stopped beating is interrupted.
DEFINE TABLE OVERWRITE instance SCHEMAFULL;
DEFINE FIELD OVERWRITE host ON instance TYPE string;
DEFINE FIELD OVERWRITE version ON instance TYPE string;
DEFINE FIELD OVERWRITE started_at ON instance TYPE datetime;
DEFINE FIELD OVERWRITE last_seen ON instance TYPE datetime;
DEFINE FIELD OVERWRITE stopped_at ON instance TYPE option<datetime>;
DEFINE INDEX OVERWRITE instance_last_seen ON instance FIELDS last_seen;
DEFINE FIELD OVERWRITE instance ON task_run TYPE option<string>;

-- The live pages' signal: bumped on every change, polled by every instance.
DEFINE TABLE OVERWRITE revision SCHEMAFULL;
DEFINE FIELD OVERWRITE n ON revision TYPE int;
DEFINE FIELD OVERWRITE at ON revision TYPE datetime;

-- The send cap shared by all instances: the next free send slot (jobs/pacer.rs).
DEFINE TABLE OVERWRITE send_pace SCHEMAFULL;
DEFINE FIELD OVERWRITE next ON send_pace TYPE datetime;
-- Each channel's daily allowance left, shared: id 'channel|day'.
DEFINE TABLE OVERWRITE channel_allowance SCHEMAFULL;
DEFINE FIELD OVERWRITE remaining ON channel_allowance TYPE int;
"#,
    ),
    (
        11,
        r#"
-- Meta's limits understood (opa/error.rs): held back by its cap on marketing messages.
DEFINE FIELD OVERWRITE status ON outbox TYPE string
    ASSERT $value IN ['pendente', 'enviando', 'enviado', 'erro', 'cancelado', 'expirado', 'limite_meta'];
DEFINE INDEX OVERWRITE outbox_n_limite_meta ON outbox COUNT WHERE status = 'limite_meta';
-- The Meta code of the last failure, for the queue's filter by reason.
DEFINE FIELD OVERWRITE error_code ON outbox TYPE option<int>;
DEFINE INDEX OVERWRITE outbox_code_list ON outbox FIELDS error_code, list_key;
"#,
    ),
    (
        12,
        r#"
-- GET /metrics: each task's last success (server/metrics.rs).
DEFINE INDEX OVERWRITE task_run_last_success ON task_run FIELDS task, outcome, finished_at;
"#,
    ),
    (
        13,
        r#"
-- Conta > Auditoria (server/audit.rs), newest first by `list_key` (time, then id).
DEFINE TABLE OVERWRITE audit SCHEMAFULL;
DEFINE FIELD OVERWRITE at ON audit TYPE datetime;
DEFINE FIELD OVERWRITE actor ON audit TYPE string;
DEFINE FIELD OVERWRITE action ON audit TYPE string;
DEFINE FIELD OVERWRITE detail ON audit TYPE string;
DEFINE FIELD OVERWRITE ip ON audit TYPE option<string>;
DEFINE FIELD OVERWRITE list_key ON audit TYPE string
    VALUE string::concat(time::format(at, '%Y-%m-%dT%H:%M:%S%.6fZ'), ' ', record::id(id));
DEFINE INDEX OVERWRITE audit_list ON audit FIELDS list_key;
DEFINE INDEX OVERWRITE audit_actor_list ON audit FIELDS actor, list_key;
DEFINE INDEX OVERWRITE audit_action_list ON audit FIELDS action, list_key;
DEFINE INDEX OVERWRITE audit_at ON audit FIELDS at;
"#,
    ),
    (
        14,
        r#"
-- Secrets apart (setting_store.rs, auth.rs): password hashes and the settings' tokens and
-- passwords move to `secret`, which the backup download leaves out, as it does `session`.
DEFINE TABLE OVERWRITE secret SCHEMALESS;
DEFINE INDEX OVERWRITE secret_kind ON secret FIELDS kind;
DEFINE FIELD OVERWRITE password_hash ON user TYPE option<string>;
FOR $u IN (SELECT id, password_hash FROM user WHERE password_hash != NONE) {
    UPSERT type::record('secret', string::concat('password/', record::id($u.id)))
        SET kind = 'password', value = $u.password_hash;
};
UPDATE user UNSET password_hash RETURN NONE;
REMOVE FIELD IF EXISTS password_hash ON user;
FOR $s IN (SELECT id, value FROM [setting:opa, setting:ixc] WHERE value.token != NONE AND value.token != '') {
    UPSERT type::record('secret', string::concat('setting/', record::id($s.id)))
        SET kind = 'setting', value = { "/token": $s.value.token };
    UPDATE $s.id SET value.token = '' RETURN NONE;
};
FOR $s IN (SELECT id, value FROM [setting:alerts] WHERE value.secret != NONE AND value.secret != '' OR value.email.password != NONE AND value.email.password != '') {
    UPSERT type::record('secret', 'setting/alerts') SET kind = 'setting',
        value = { "/secret": $s.value.secret ?? '', "/email/password": $s.value.email.password ?? '' };
    UPDATE $s.id SET value.secret = '' RETURN NONE;
    IF $s.value.email != NONE { UPDATE $s.id SET value.email.password = '' RETURN NONE };
};
"#,
    ),
    (
        15,
        r#"
-- Whether Opa! Suite and IXC answer (reachability.rs): one row per service in an outage.
DEFINE TABLE OVERWRITE reachability SCHEMAFULL;
DEFINE FIELD OVERWRITE failing_since ON reachability TYPE datetime;
DEFINE FIELD OVERWRITE last_error ON reachability TYPE string;
DEFINE FIELD OVERWRITE last_try ON reachability TYPE datetime;
"#,
    ),
    (
        16,
        r#"
-- The clients' derived keys are computed by the import (clients::ClientRow), by the same
-- rules: evaluated per row here, they were most of an import's cost. The old `search`
-- text, which nothing read, goes.
DEFINE FIELD OVERWRITE birth_md ON client TYPE option<string>;
DEFINE FIELD OVERWRITE sort_key ON client TYPE string;
DEFINE FIELD OVERWRITE search_name ON client TYPE string;
DEFINE FIELD OVERWRITE whatsapp_key ON client TYPE option<string>;
DEFINE FIELD OVERWRITE mobile_key ON client TYPE option<string>;
REMOVE FIELD IF EXISTS search ON client;
REMOVE FUNCTION IF EXISTS fn::phone_key;
"#,
    ),
    (
        17,
        r#"
-- The lists' indexes lead with `listed` (paging::EVERY_ROW), true on every row; the rows
-- written before are set by `backfill_listed`.
DEFINE FIELD OVERWRITE listed ON client TYPE bool DEFAULT ALWAYS true;
DEFINE FIELD OVERWRITE listed ON outbox TYPE bool DEFAULT ALWAYS true;
DEFINE FIELD OVERWRITE listed ON audit TYPE bool DEFAULT ALWAYS true;
"#,
    ),
    (
        18,
        r#"
DEFINE INDEX OVERWRITE client_list ON client FIELDS listed, sort_key;
DEFINE INDEX OVERWRITE outbox_all_list ON outbox FIELDS listed, list_key;
DEFINE INDEX OVERWRITE audit_all_list ON audit FIELDS listed, list_key;
REMOVE INDEX IF EXISTS client_sort ON client;
REMOVE INDEX IF EXISTS outbox_list ON outbox;
REMOVE INDEX IF EXISTS audit_list ON audit;
"#,
    ),
];

/// The lists (with the key they are walked by) whose rows version 17 sets `listed` on.
const LISTED: [(&str, &str); 3] = [
    ("client", "sort_key"),
    ("outbox", "list_key"),
    ("audit", "list_key"),
];

#[derive(SurrealValue)]
#[surreal(crate = "surrealdb::types")]
struct Walked {
    id: surrealdb::types::RecordId,
    key: String,
}

/// Sets `listed` on the rows written before version 17, a thousand per transaction (one
/// `UPDATE` over a million rows would hold them all in memory), walking the list's old
/// index on its key.
async fn backfill_listed(db: &Db) -> surrealdb::Result<()> {
    for (table, key) in LISTED {
        let (mut after, mut done) = (String::new(), 0usize);
        loop {
            let rows: Vec<Walked> = db
                .query(format!(
                    "SELECT id, {key} AS key FROM {table} WHERE {key} > $after ORDER BY {key} LIMIT 1000"
                ))
                .bind(("after", after.clone()))
                .await?
                .take(0)?;
            let Some(last) = rows.last() else { break };
            after = last.key.clone();
            done += rows.len();
            let ids: Vec<_> = rows.into_iter().map(|r| r.id).collect();
            db.query("UPDATE $ids SET listed = true RETURN NONE")
                .bind(("ids", ids))
                .await?
                .check()?;
        }
        if done > 0 {
            tracing::info!(table, rows = done, "list field set on existing rows");
        }
    }
    Ok(())
}

#[derive(SurrealValue)]
#[surreal(crate = "surrealdb::types")]
struct Meta {
    version: i64,
}

pub async fn current_version(db: &Db) -> surrealdb::Result<i64> {
    let mut res = db.query("SELECT version FROM schema_meta:current").await?;
    let meta: Option<Meta> = res.take(0)?;
    Ok(meta.map(|m| m.version).unwrap_or(0))
}

/// Applies every migration newer than the recorded version, in order. Returns the version.
pub async fn migrate(db: &Db) -> surrealdb::Result<i64> {
    let mut version = current_version(db).await.unwrap_or(0);
    let pending: Vec<_> = MIGRATIONS.iter().filter(|(v, _)| *v > version).collect();
    for (v, statements) in pending {
        db.query(*statements).await?.check()?;
        if *v == 17 {
            backfill_listed(db).await?;
        }
        db.query("UPSERT schema_meta:current SET version = $v, applied_at = time::now()")
            .bind(("v", *v))
            .await?
            .check()?;
        tracing::info!(version = v, "schema migration applied");
        version = *v;
    }
    Ok(version)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store as version `version` left it.
    async fn store_at(version: i64) -> Db {
        let db = crate::server::db::connect("mem://", None).await.unwrap();
        for (_, s) in MIGRATIONS.iter().filter(|(v, _)| *v <= version) {
            db.query(*s).await.unwrap().check().unwrap();
        }
        db.query("UPSERT schema_meta:current SET version = $v, applied_at = time::now()")
            .bind(("v", version))
            .await
            .unwrap()
            .check()
            .unwrap();
        db
    }

    #[tokio::test]
    async fn migrate_is_idempotent_and_records_the_version() {
        let db = crate::server::db::connect("mem://", None).await.unwrap();
        let last = MIGRATIONS.last().unwrap().0;
        assert_eq!(migrate(&db).await.unwrap(), last);
        assert_eq!(migrate(&db).await.unwrap(), last);
        assert_eq!(current_version(&db).await.unwrap(), last);
        // The statements themselves are re-runnable too (a crash between DDL and the record).
        for (_, s) in MIGRATIONS {
            db.query(*s).await.unwrap().check().unwrap();
        }
    }

    #[tokio::test]
    async fn rows_stored_before_version_17_appear_in_the_lists_after_it() {
        use crate::models::{audit::AuditAction, client::ClientRecord, page::Cursor};
        use crate::server::{audit, clients};
        let db = store_at(16).await;
        // More than one batch of the backfill.
        let rows: Vec<ClientRecord> = (0..1_100)
            .map(|i| ClientRecord {
                external_id: i.to_string(),
                name: format!("Cliente {i:04}"),
                ..Default::default()
            })
            .collect();
        clients::insert_new(&db, &rows, "csv").await.unwrap();
        audit::record(&db, "admin", AuditAction::BackupDownloaded, "", None).await;
        migrate(&db).await.unwrap();

        let page = clients::search(&db, &Default::default(), &Cursor::First, 50)
            .await
            .unwrap();
        assert_eq!((page.items.len(), page.total), (50, Some(1_100)));
        assert_eq!(page.items[0].name, "Cliente 0000");
        let mut res = db
            .query("SELECT count() AS n FROM client WHERE listed = true GROUP ALL")
            .await
            .unwrap();
        assert_eq!(res.take::<Option<i64>>((0, "n")).unwrap(), Some(1_100));
        let log = audit::list(&db, &Default::default(), &Cursor::First, 50)
            .await
            .unwrap();
        assert_eq!(log.items.len(), 1);
    }

    #[tokio::test]
    async fn secrets_saved_before_version_14_move_to_their_own_table() {
        use crate::server::{alerts::AlertsConfig, auth, opa::connection::OpaConfig};
        use crate::server::{secret::ExposeSecret, setting_store};
        let db = store_at(13).await;
        // As versions up to 13 stored them: the hash on the user, tokens in the settings.
        db.query(
            "CREATE user:maria SET username = 'maria', password_hash = $hash,
                 created_at = time::now();
             UPSERT setting:opa SET value = { url: 'https://opa.example/api/v1', token: 'opa-s3cret' };
             UPSERT setting:alerts SET value = { webhook_url: 'https://hook.example/x',
                 secret: 'hook-s3cret', threshold: 5, email: { smtp_host: 'smtp.example',
                 smtp_port: 587, smtp_user: 'u', password: 'smtp-s3cret', from: 'a@b.example',
                 to: 'c@d.example' } };",
        )
        .bind(("hash", auth::hash_password("senha-da-maria").unwrap()))
        .await
        .unwrap()
        .check()
        .unwrap();
        migrate(&db).await.unwrap();

        assert!(auth::verify_login(&db, "maria", "senha-da-maria")
            .await
            .unwrap());
        let opa: OpaConfig = setting_store::get(&db, setting_store::OPA).await.unwrap();
        assert_eq!(opa.token.expose_secret(), "opa-s3cret");
        let alerts: AlertsConfig = setting_store::get(&db, setting_store::ALERTS)
            .await
            .unwrap();
        assert_eq!(alerts.secret.expose_secret(), "hook-s3cret");
        assert_eq!(alerts.email.password.expose_secret(), "smtp-s3cret");
        assert_eq!(alerts.threshold, 5);
        let mut res = db
            .query("SELECT * FROM user; SELECT * FROM setting")
            .await
            .unwrap();
        let users: Vec<serde_json::Value> = res.take(0).unwrap();
        let settings: Vec<serde_json::Value> = res.take(1).unwrap();
        let left = format!("{users:?} {settings:?}");
        assert!(
            !left.contains("s3cret") && !left.contains("argon2"),
            "{left}"
        );
    }
}
