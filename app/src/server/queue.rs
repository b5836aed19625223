//! The message queue (outbox) in SurrealDB: enqueue once per client and year, claim due
//! messages under a lease, record every attempt, and the admin's actions.
//!
//! Every status change is a conditional `UPDATE ... WHERE status = ...`, so two senders (or
//! a sender and an admin) never both act on one message.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use surrealdb::types::{RecordId, SurrealValue};

use super::changes::Changes;
use super::db::Db;
use super::fresh::Fresh;
use super::paging::{Binds, Keyed, List, EVERY_ROW};
use crate::models::page::{Cursor, Page};
use crate::models::queue::{
    DayStat, QueueAttempt, QueueCounts, QueueDetail, QueueFilter, QueueMessage, QueueStatus,
};

/// The kind of greeting, part of the unique key (client, kind, year).
pub const BIRTHDAY: &str = "aniversario";

pub fn outbox_key(client_id: &str, kind: &str, year: i32) -> String {
    format!("{kind}-{year}-{client_id}")
}

fn outbox_id(key: &str) -> RecordId {
    RecordId::new("outbox", key)
}

fn greeting_id(client_id: &str, year: i32) -> RecordId {
    RecordId::new("greeting", format!("{client_id}-{year}"))
}

/// A message to enqueue (variables already rendered).
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub client_id: String,
    pub client_name: String,
    pub phone: String,
    pub year: i32,
    /// The greeting's day (business date): after it, the message expires unsent unless late
    /// greetings are allowed.
    pub day: NaiveDate,
    pub message_id: String,
    pub message_description: String,
    pub channel_id: String,
    pub template_id: String,
    pub variables: Vec<String>,
    pub text: String,
}

#[derive(Debug, SurrealValue)]
#[surreal(crate = "surrealdb::types")]
struct NewRow {
    id: RecordId,
    greeting: RecordId,
    client_id: String,
    client_name: String,
    phone: String,
    year: i64,
    greeting_day: String,
    message_id: String,
    message_description: String,
    channel_id: String,
    template_id: String,
    variables: Vec<String>,
    text: String,
}

/// Enqueues `messages` for run `run_id`, each only if its client has no greeting that year
/// (checked and written in one transaction). Returns the client ids actually enqueued.
pub async fn enqueue(
    db: &Db,
    run_id: &str,
    messages: &[NewMessage],
) -> surrealdb::Result<Vec<String>> {
    let rows: Vec<NewRow> = messages
        .iter()
        .map(|m| NewRow {
            id: outbox_id(&outbox_key(&m.client_id, BIRTHDAY, m.year)),
            greeting: greeting_id(&m.client_id, m.year),
            client_id: m.client_id.clone(),
            client_name: m.client_name.clone(),
            phone: m.phone.clone(),
            year: m.year as i64,
            greeting_day: m.day.format("%Y-%m-%d").to_string(),
            message_id: m.message_id.clone(),
            message_description: m.message_description.clone(),
            channel_id: m.channel_id.clone(),
            template_id: m.template_id.clone(),
            variables: m.variables.clone(),
            text: m.text.clone(),
        })
        .collect();
    let ids: Vec<RecordId> = rows.iter().map(|r| r.id.clone()).collect();
    db.query(
        "BEGIN TRANSACTION;
         FOR $m IN $rows {
             IF !record::exists($m.greeting) AND !record::exists($m.id) {
                 CREATE $m.greeting SET client_id = $m.client_id, year = $m.year,
                     created_at = time::now() RETURN NONE;
                 CREATE $m.id SET kind = $kind, year = $m.year, client_id = $m.client_id,
                     client_name = $m.client_name, phone = $m.phone, message_id = $m.message_id,
                     greeting_day = $m.greeting_day,
                     message_description = $m.message_description, channel_id = $m.channel_id,
                     template_id = $m.template_id, variables = $m.variables, text = $m.text,
                     status = 'pendente', attempts = 0, next_attempt_at = time::now(),
                     run_id = $run, created_at = time::now(), updated_at = time::now()
                     RETURN NONE;
             };
         };
         COMMIT TRANSACTION;",
    )
    .bind(("rows", rows))
    .bind(("kind", BIRTHDAY))
    .bind(("run", run_id.to_string()))
    .await?
    .check()?;
    let mut res = db
        .query("SELECT VALUE client_id FROM $ids WHERE run_id = $run")
        .bind(("ids", ids))
        .bind(("run", run_id.to_string()))
        .await?;
    res.take(0)
}

/// A message claimed for sending.
#[derive(Debug, Clone, SurrealValue)]
#[surreal(crate = "surrealdb::types")]
pub struct Claimed {
    pub key: String,
    pub client_id: String,
    /// `YYYY-MM-DD` in the business time zone.
    pub greeting_day: Option<String>,
    pub phone: String,
    pub channel_id: String,
    pub template_id: String,
    pub variables: Vec<String>,
    pub attempts: i64,
}

/// Moves up to `limit` due `pendente` messages, oldest due first, to `enviando` under a
/// lease held by `owner` until `lease_until`.
pub async fn claim_due(
    db: &Db,
    owner: &str,
    limit: usize,
    lease_until: DateTime<Utc>,
) -> surrealdb::Result<Vec<Claimed>> {
    let mut res = db
        .query(
            "LET $due = (SELECT VALUE id FROM outbox WHERE status = 'pendente'
                 AND next_attempt_at <= time::now() ORDER BY next_attempt_at LIMIT $limit);
             UPDATE $due SET status = 'enviando', lease_owner = $owner, lease_until = $until,
                 updated_at = time::now() WHERE status = 'pendente'
                 RETURN record::id(id) AS key, client_id, greeting_day, phone, channel_id,
                     template_id, variables, attempts;",
        )
        .bind(("limit", limit as i64))
        .bind(("owner", owner.to_string()))
        .bind(("until", lease_until))
        .await?;
    res.take(1)
}

/// When the next `pendente` message falls due, if any.
pub async fn next_due(db: &Db) -> surrealdb::Result<Option<DateTime<Utc>>> {
    let mut res = db
        .query(
            "SELECT VALUE next_attempt_at FROM outbox WHERE status = 'pendente'
             ORDER BY next_attempt_at LIMIT 1",
        )
        .await?;
    let v: Vec<DateTime<Utc>> = res.take(0)?;
    Ok(v.into_iter().next())
}

const LOG: &str = "CREATE outbox_attempt SET outbox = $id, at = time::now(), \
    outcome = $outcome, detail = $detail RETURN NONE;";

/// How an attempt to send a message ended.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// The provider accepted it (its message id).
    Sent(String),
    /// A retryable failure: due again at the given time.
    Retry(DateTime<Utc>, String),
    /// A final failure, or the last allowed attempt.
    Failed(String),
    /// Not sent: the client is no longer eligible (the reason). No attempt was made.
    Cancelled(String),
    /// Not sent: its day ended and late greetings are off. No attempt was made.
    Expired(String),
    /// Held back by Meta's cap on marketing messages per person (131049): not retried today.
    MetaLimit(String),
}

/// One attempt's result, for [`record`].
#[derive(Debug, Clone)]
pub struct Attempt {
    pub key: String,
    pub at: DateTime<Utc>,
    pub outcome: Outcome,
    /// Meta's code, when the provider gave one (kept on the message for the queue's filter).
    pub code: Option<u64>,
}

#[derive(Debug, SurrealValue)]
#[surreal(crate = "surrealdb::types")]
struct AttemptWrite {
    id: RecordId,
    /// Whether a request went to the provider (counts as an attempt).
    tried: bool,
    status: String,
    at: DateTime<Utc>,
    next: Option<DateTime<Utc>>,
    provider_id: Option<String>,
    outcome: String,
    detail: String,
    code: Option<i64>,
}

/// Records many attempts in one transaction (one commit instead of two per message, which
/// is what lets the sender keep pace). A sent message is recorded as sent whatever its
/// status became meanwhile (a lease that expired): that is what prevents sending it again.
/// Retries and failures apply only while this `owner` still holds the message.
pub async fn save_attempts(db: &Db, owner: &str, attempts: &[Attempt]) -> surrealdb::Result<()> {
    let rows: Vec<AttemptWrite> = attempts
        .iter()
        .map(|a| {
            let (status, next, provider_id, outcome, detail) = match &a.outcome {
                Outcome::Sent(pid) => (
                    "enviado",
                    None,
                    Some(pid.clone()),
                    "Enviado",
                    format!("Id no Opa! Suite: {pid}"),
                ),
                Outcome::Retry(next, e) => {
                    ("pendente", Some(*next), None, "Falha temporária", e.clone())
                }
                Outcome::Failed(e) => ("erro", None, None, "Erro", e.clone()),
                Outcome::Cancelled(why) => ("cancelado", None, None, "Cancelada", why.clone()),
                Outcome::Expired(why) => ("expirado", None, None, "Expirada", why.clone()),
                Outcome::MetaLimit(why) => {
                    ("limite_meta", None, None, "Limite da Meta", why.clone())
                }
            };
            AttemptWrite {
                id: outbox_id(&a.key),
                tried: !matches!(a.outcome, Outcome::Cancelled(_) | Outcome::Expired(_)),
                status: status.into(),
                at: a.at,
                next,
                provider_id,
                outcome: outcome.into(),
                detail,
                code: a.code.map(|c| c.min(i64::MAX as u64) as i64),
            }
        })
        .collect();
    db.query(
        "BEGIN TRANSACTION;
         FOR $a IN $rows {
             IF $a.status = 'enviado' {
                 UPDATE $a.id SET status = 'enviado', sent_at = $a.at, provider_id = $a.provider_id,
                     attempts += 1, lease_owner = NONE, lease_until = NONE, last_error = NONE,
                     error_code = NONE, updated_at = time::now() RETURN NONE;
             } ELSE {
                 UPDATE $a.id SET status = $a.status,
                     attempts = IF $a.tried THEN attempts + 1 ELSE attempts END,
                     next_attempt_at = $a.next ?? next_attempt_at,
                     failed_at = IF $a.status = 'erro' THEN $a.at ELSE NONE END,
                     last_error = $a.detail, error_code = $a.code, lease_owner = NONE,
                     lease_until = NONE, updated_at = time::now()
                     WHERE status = 'enviando' AND lease_owner = $owner RETURN NONE;
             };
             CREATE outbox_attempt SET outbox = $a.id, at = $a.at, outcome = $a.outcome,
                 detail = $a.detail RETURN NONE;
         };
         COMMIT TRANSACTION;",
    )
    .bind(("rows", rows))
    .bind(("owner", owner.to_string()))
    .await?
    .check()?;
    Ok(())
}

/// Every `pendente` message whose greeting day is before `today` expires, with `why`.
/// Returns how many.
pub async fn expire_ended(db: &Db, today: NaiveDate, why: &str) -> surrealdb::Result<usize> {
    let mut res = db
        .query(
            "LET $ids = (SELECT VALUE id FROM outbox WHERE status = 'pendente'
                 AND greeting_day < $today);
             LET $done = (UPDATE $ids SET status = 'expirado', last_error = $why,
                 updated_at = time::now() WHERE status = 'pendente' RETURN VALUE id);
             FOR $id IN $done {
                 CREATE outbox_attempt SET outbox = $id, at = time::now(),
                     outcome = 'Expirada', detail = $why RETURN NONE;
             };
             RETURN array::len($done);",
        )
        .bind(("today", today.format("%Y-%m-%d").to_string()))
        .bind(("why", why.to_string()))
        .await?;
    let n: Option<i64> = res.take(3)?;
    Ok(n.unwrap_or(0) as usize)
}

/// The client's number changed since the enqueue: a claimed message goes to the new one.
pub async fn set_phone(db: &Db, key: &str, owner: &str, phone: &str) -> surrealdb::Result<()> {
    db.query(format!(
        "UPDATE $id SET phone = $phone, updated_at = time::now()
             WHERE status = 'enviando' AND lease_owner = $owner RETURN NONE;
         {LOG}"
    ))
    .bind(("id", outbox_id(key)))
    .bind(("owner", owner.to_string()))
    .bind(("phone", phone.to_string()))
    .bind(("outcome", "Telefone atualizado"))
    .bind(("detail", format!("Novo número do cadastro: {phone}")))
    .await?
    .check()?;
    Ok(())
}

/// Gives a claimed message back untouched (no attempt made), due again at `next_at`.
pub async fn release(
    db: &Db,
    key: &str,
    owner: &str,
    next_at: DateTime<Utc>,
    why: &str,
) -> surrealdb::Result<()> {
    db.query(format!(
        "UPDATE $id SET status = 'pendente', next_attempt_at = $next, lease_owner = NONE,
             lease_until = NONE, updated_at = time::now()
             WHERE status = 'enviando' AND lease_owner = $owner RETURN NONE;
         {LOG}"
    ))
    .bind(("id", outbox_id(key)))
    .bind(("owner", owner.to_string()))
    .bind(("next", next_at))
    .bind(("outcome", "Adiada"))
    .bind(("detail", why.to_string()))
    .await?
    .check()?;
    Ok(())
}

/// Messages left in `enviando` by a sender that stopped (its lease expired) go back to
/// `pendente`. Returns how many.
pub async fn recover_expired(db: &Db) -> surrealdb::Result<usize> {
    let mut res = db
        .query(
            "LET $stale = (UPDATE outbox SET status = 'pendente', lease_owner = NONE,
                 lease_until = NONE, updated_at = time::now()
                 WHERE status = 'enviando' AND lease_until < time::now() RETURN VALUE id);
             FOR $id IN $stale {
                 CREATE outbox_attempt SET outbox = $id, at = time::now(),
                     outcome = 'Recuperada', detail = $detail RETURN NONE;
             };
             RETURN array::len($stale);",
        )
        .bind((
            "detail",
            "O envio foi interrompido (servidor parado); a mensagem voltou para a fila.",
        ))
        .await?;
    let n: Option<i64> = res.take(2)?;
    Ok(n.unwrap_or(0) as usize)
}

/// *Reenviar agora*: an `erro` or `pendente` message is due now, with a fresh attempt budget.
pub async fn retry_now(db: &Db, key: &str, by: &str) -> surrealdb::Result<bool> {
    admin_transition(
        db,
        key,
        &["erro", "pendente"],
        "pendente",
        "Reenvio solicitado",
        by,
    )
    .await
}

/// *Cancelar*: a message not yet sent will not be sent.
pub async fn cancel(db: &Db, key: &str, by: &str) -> surrealdb::Result<bool> {
    admin_transition(db, key, &["erro", "pendente"], "cancelado", "Cancelada", by).await
}

async fn admin_transition(
    db: &Db,
    key: &str,
    from: &[&str],
    to: &str,
    outcome: &str,
    by: &str,
) -> surrealdb::Result<bool> {
    let mut res = db
        .query(format!(
            "LET $done = (UPDATE $id SET status = $to, attempts = IF $to = 'pendente' THEN 0 ELSE attempts END,
                 next_attempt_at = time::now(), failed_at = NONE, updated_at = time::now()
                 WHERE status IN $from RETURN VALUE id);
             IF array::len($done) > 0 {{ {LOG} }};
             RETURN array::len($done) > 0;"
        ))
        .bind(("id", outbox_id(key)))
        .bind(("from", from.iter().map(|s| s.to_string()).collect::<Vec<_>>()))
        .bind(("to", to.to_string()))
        .bind(("outcome", outcome.to_string()))
        .bind(("detail", format!("Por {by}")))
        .await?;
    let done: Option<bool> = res.take(2)?;
    Ok(done.unwrap_or(false))
}

/// *Reenfileirar erros*: every `erro` message matching `filter` is due again. Returns how many.
pub async fn requeue_failed(
    db: &Db,
    filter: &QueueFilter,
    tz: chrono_tz::Tz,
    by: &str,
) -> surrealdb::Result<usize> {
    let filter = QueueFilter {
        status: None,
        ..filter.clone()
    };
    let (mut conds, binds) = conditions(&filter, tz);
    conds.push("status IN ['erro', 'limite_meta']");
    let cond = conds.join(" AND ");
    let mut q = db.query(format!(
        "LET $ids = (SELECT VALUE id FROM outbox WHERE {cond});
         LET $done = (UPDATE $ids SET status = 'pendente', attempts = 0, failed_at = NONE,
             next_attempt_at = time::now(), updated_at = time::now()
             WHERE status IN ['erro', 'limite_meta'] RETURN VALUE id);
         FOR $id IN $done {{
             CREATE outbox_attempt SET outbox = $id, at = time::now(),
                 outcome = 'Reenfileirada', detail = $detail RETURN NONE;
         }};
         RETURN array::len($done);"
    ));
    for (k, v) in binds {
        q = q.bind((k, v));
    }
    let mut res = q.bind(("detail", format!("Por {by}"))).await?;
    let n: Option<i64> = res.take(3)?;
    Ok(n.unwrap_or(0) as usize)
}

#[derive(Debug, SurrealValue)]
#[surreal(crate = "surrealdb::types")]
struct Row {
    /// Its `list_key`, when read for a list (the page's cursors).
    #[surreal(default)]
    cursor: String,
    key: String,
    client_id: String,
    client_name: String,
    phone: String,
    message_id: String,
    message_description: String,
    text: String,
    status: String,
    attempts: i64,
    next_attempt_at: DateTime<Utc>,
    created_at: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
    provider_id: Option<String>,
    last_error: Option<String>,
}

const FIELDS: &str = "record::id(id) AS key, client_id, client_name, phone, message_id, \
    message_description, text, status, attempts, next_attempt_at, created_at, sent_at, \
    provider_id, last_error";

impl Keyed for Row {
    fn cursor(&self) -> &str {
        &self.cursor
    }
}

impl Row {
    fn view(self) -> QueueMessage {
        QueueMessage {
            id: self.key,
            client_id: self.client_id,
            client_name: self.client_name,
            phone: self.phone,
            message_id: self.message_id,
            message_description: self.message_description,
            text: self.text,
            status: QueueStatus::from_key(&self.status).unwrap_or(QueueStatus::Pending),
            attempts: self.attempts.max(0) as u32,
            next_attempt_at: self.next_attempt_at,
            created_at: self.created_at,
            sent_at: self.sent_at,
            provider_id: self.provider_id,
            last_error: self.last_error,
        }
    }
}

/// Start of `day` in `tz`, in UTC.
pub fn day_start(day: NaiveDate, tz: chrono_tz::Tz) -> DateTime<Utc> {
    let midnight = day.and_hms_opt(0, 0, 0).expect("midnight exists");
    tz.from_local_datetime(&midnight)
        .earliest()
        // A day that starts in a DST gap (never in Brazil today, but time zones change).
        .unwrap_or_else(|| tz.from_utc_datetime(&midnight))
        .with_timezone(&Utc)
}

/// The queue's list order as a string (creation time, then key): what `list_key` holds.
fn list_key_at(t: DateTime<Utc>) -> String {
    t.format(LIST_KEY_TIME).to_string()
}

/// The time part of `list_key` (the schema formats `created_at` the same way).
const LIST_KEY_TIME: &str = "%Y-%m-%dT%H:%M:%S%.6fZ";

/// The `WHERE` of a filter: fixed SurrealQL fragments only, every value bound. Dates are
/// ranges of `list_key`, so the list's index serves them too.
fn conditions(f: &QueueFilter, tz: chrono_tz::Tz) -> (Vec<&'static str>, Binds) {
    use surrealdb::types::SurrealValue as _;
    let mut conds = Vec::new();
    let mut binds: Binds = Vec::new();
    if let Some(s) = f.status {
        conds.push("status = $status");
        binds.push(("status", s.key().to_string().into_value()));
    }
    // The end before the start: the list is newest first, and the planner walks the index
    // from the first range it meets.
    if let Some(to) = f.to.and_then(|d| d.succ_opt()) {
        conds.push("list_key < $to");
        binds.push(("to", list_key_at(day_start(to, tz)).into_value()));
    }
    if let Some(from) = f.from {
        conds.push("list_key >= $from");
        binds.push(("from", list_key_at(day_start(from, tz)).into_value()));
    }
    let client = f.client.trim();
    if !client.is_empty() {
        conds.push("(client_id = $client OR client_name @@ $client)");
        binds.push(("client", client.to_string().into_value()));
    }
    if !f.message_id.trim().is_empty() {
        conds.push("message_id = $message_id");
        binds.push(("message_id", f.message_id.trim().to_string().into_value()));
    }
    if let Some(code) = f.code {
        conds.push("error_code = $code");
        binds.push(("code", (code.min(i64::MAX as u64) as i64).into_value()));
    }
    (conds, binds)
}

/// One page of the queue, newest first, through the `list_key` indexes. The total is known
/// when the filter is at most a status: from `counts` (the COUNT indexes', [`counts`], or a
/// caller's kept copy of them).
pub async fn list<F>(
    db: &Db,
    filter: &QueueFilter,
    tz: chrono_tz::Tz,
    cursor: &Cursor,
    per_page: usize,
    counts: impl FnOnce() -> F,
) -> surrealdb::Result<Page<QueueMessage>>
where
    F: std::future::Future<Output = surrealdb::Result<QueueCounts>>,
{
    let mut page = page_list(filter, tz)
        .fetch::<Row>(db, cursor, per_page)
        .await?
        .map(Row::view);
    // A status's total is maintained; any other filter's is not.
    let only_status = filter.from.is_none()
        && filter.to.is_none()
        && filter.client.trim().is_empty()
        && filter.message_id.trim().is_empty()
        && filter.code.is_none();
    if only_status {
        let counts = counts().await?;
        page.total = Some(match filter.status {
            Some(s) => counts.get(s),
            None => counts.by_status.values().sum(),
        });
    }
    Ok(page)
}

/// The list of the messages matching `filter` (see [`list`]).
fn page_list(filter: &QueueFilter, tz: chrono_tz::Tz) -> List<'static> {
    let (mut conds, binds) = conditions(filter, tz);
    // A status, a reason or a client have indexes of their own.
    if filter.status.is_none() && filter.code.is_none() && filter.client.trim().is_empty() {
        conds.insert(0, EVERY_ROW);
    }
    List {
        table: "outbox",
        fields: FIELDS,
        key: "list_key",
        filter: conds.join(" AND "),
        binds,
        descending: true,
    }
}

#[derive(Debug, SurrealValue)]
#[surreal(crate = "surrealdb::types")]
struct AttemptRow {
    at: DateTime<Utc>,
    outcome: String,
    detail: String,
}

/// A message with every attempt, oldest first.
pub async fn get(db: &Db, key: &str) -> surrealdb::Result<Option<QueueDetail>> {
    let mut res = db
        .query(format!(
            "SELECT {FIELDS} FROM ONLY $id;
             SELECT at, outcome, detail FROM outbox_attempt WHERE outbox = $id ORDER BY at;"
        ))
        .bind(("id", outbox_id(key)))
        .await?;
    let row: Option<Row> = res.take(0)?;
    let attempts: Vec<AttemptRow> = res.take(1)?;
    Ok(row.map(|r| QueueDetail {
        message: r.view(),
        attempts: attempts
            .into_iter()
            .map(|a| QueueAttempt {
                at: a.at,
                outcome: a.outcome,
                detail: a.detail,
            })
            .collect(),
    }))
}

/// A client's messages, newest first.
pub async fn for_client(db: &Db, client_id: &str) -> surrealdb::Result<Vec<QueueMessage>> {
    let mut res = db
        .query(format!(
            "SELECT {FIELDS} FROM outbox WHERE client_id = $c ORDER BY created_at DESC"
        ))
        .bind(("c", client_id.to_string()))
        .await?;
    let rows: Vec<Row> = res.take(0)?;
    Ok(rows.into_iter().map(Row::view).collect())
}

/// The query a status's COUNT index serves (schema migration 9). Its WHERE must be the
/// index's own condition, literally, so the status is written in, not bound.
fn count_query(s: QueueStatus) -> String {
    format!(
        "SELECT count() AS n FROM outbox WHERE status = '{}' GROUP ALL;",
        s.key()
    )
}

/// The [`counts`] kept per instance for every admin (the *Fila*'s total, the *Painel*'s
/// cards) until a change is told to the pages (`Changes::generation`; every queue change
/// tells them), and at most `dashboard::FRESH_FOR`.
pub struct CountsCache(Fresh<QueueCounts>);

impl Default for CountsCache {
    fn default() -> Self {
        Self(Fresh::new(crate::functions::dashboard::FRESH_FOR))
    }
}

impl CountsCache {
    pub async fn get(&self, db: &Db, changes: &Changes) -> surrealdb::Result<QueueCounts> {
        self.0
            .get(changes.generation().to_string(), || counts(db))
            .await
    }
}

/// Messages per status, one COUNT index each, in one round trip.
pub async fn counts(db: &Db) -> surrealdb::Result<QueueCounts> {
    let sql: String = QueueStatus::ALL.into_iter().map(count_query).collect();
    let mut res = db.query(sql).await?;
    let mut counts = QueueCounts::default();
    for (i, s) in QueueStatus::ALL.into_iter().enumerate() {
        let n: Option<i64> = res.take((i, "n"))?;
        let n = n.unwrap_or(0).max(0) as u64;
        if n > 0 {
            counts.by_status.insert(s, n);
        }
    }
    Ok(counts)
}

#[derive(Debug, SurrealValue)]
#[surreal(crate = "surrealdb::types")]
struct KeptDay {
    date: String,
    sent: i64,
    failed: i64,
}

/// Sent and failed per day over the `days` days ending `today` (business time zone).
///
/// A day is two counts over the `sent_at` and `failed_at` indexes (index keys only, no
/// message is read). A day that has ended is counted once and kept in `queue_day`, so a
/// dashboard load counts only today: an ended day's figures are those it ended with.
pub async fn daily_stats(
    db: &Db,
    tz: chrono_tz::Tz,
    today: NaiveDate,
    days: u32,
) -> surrealdb::Result<Vec<DayStat>> {
    let first = today - chrono::Days::new(days.saturating_sub(1) as u64);
    let dates: Vec<NaiveDate> = first.iter_days().take(days as usize).collect();
    let day_id = |d: &NaiveDate| RecordId::new("queue_day", format!("{} {d}", tz.name()));
    let ended: Vec<RecordId> = dates.iter().filter(|d| **d < today).map(day_id).collect();
    let mut res = db
        .query("SELECT date, sent, failed FROM $ids")
        .bind(("ids", ended))
        .await?;
    let kept: Vec<KeptDay> = res.take(0)?;
    let kept: std::collections::HashMap<String, (u64, u64)> = kept
        .into_iter()
        .map(|k| (k.date, (k.sent.max(0) as u64, k.failed.max(0) as u64)))
        .collect();
    let mut stats = Vec::with_capacity(dates.len());
    for date in dates {
        let (sent, failed) = match kept.get(&date.to_string()) {
            Some(&k) => k,
            None => {
                let counted = count_day(db, tz, date).await?;
                if date < today {
                    let kept = db
                        .query("UPSERT $id SET date = $date, sent = $sent, failed = $failed")
                        .bind(("id", day_id(&date)))
                        .bind(("date", date.to_string()))
                        .bind(("sent", counted.0 as i64))
                        .bind(("failed", counted.1 as i64))
                        .await
                        .and_then(|r| r.check());
                    // Only a cache: a concurrent load keeping the same day may win the write.
                    if let Err(e) = kept {
                        tracing::debug!(%e, %date, "ended day not kept");
                    }
                }
                counted
            }
        };
        stats.push(DayStat { date, sent, failed });
    }
    Ok(stats)
}

/// Messages sent and failed on `date` (business time zone), counted over index keys.
async fn count_day(db: &Db, tz: chrono_tz::Tz, date: NaiveDate) -> surrealdb::Result<(u64, u64)> {
    let from = day_start(date, tz);
    let to = date.succ_opt().map(|d| day_start(d, tz)).unwrap_or(from);
    let mut res = db
        .query(
            "SELECT count() AS n FROM outbox WHERE sent_at >= $from AND sent_at < $to GROUP ALL;
             SELECT count() AS n FROM outbox WHERE failed_at >= $from AND failed_at < $to GROUP ALL;",
        )
        .bind(("from", from))
        .bind(("to", to))
        .await?;
    let sent: Option<i64> = res.take((0, "n"))?;
    let failed: Option<i64> = res.take((1, "n"))?;
    Ok((
        sent.unwrap_or(0).max(0) as u64,
        failed.unwrap_or(0).max(0) as u64,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn db() -> Db {
        let db = crate::server::db::connect("mem://", None).await.unwrap();
        crate::server::schema::migrate(&db).await.unwrap();
        db
    }

    fn msg(client: &str, year: i32) -> NewMessage {
        NewMessage {
            client_id: client.into(),
            client_name: format!("Cliente {client}"),
            phone: "+5511987654321".into(),
            year,
            day: NaiveDate::from_ymd_opt(year, 11, 28).unwrap(),
            message_id: "m1".into(),
            message_description: "Aniversário".into(),
            channel_id: "c1".into(),
            template_id: "t1".into(),
            variables: vec!["Ana".into()],
            text: "Parabéns, Ana!".into(),
        }
    }

    #[tokio::test]
    async fn a_client_is_enqueued_once_per_year_whatever_the_runs() {
        let db = db().await;
        let first = enqueue(&db, "r1", &[msg("1", 2026), msg("2", 2026)])
            .await
            .unwrap();
        assert_eq!(first.len(), 2);
        let again = enqueue(&db, "r2", &[msg("1", 2026), msg("3", 2026)])
            .await
            .unwrap();
        assert_eq!(again, vec!["3".to_string()]);
        let next_year = enqueue(&db, "r3", &[msg("1", 2027)]).await.unwrap();
        assert_eq!(next_year.len(), 1);
        assert_eq!(counts(&db).await.unwrap().get(QueueStatus::Pending), 4);
        let greeted = crate::server::clients::greeted_in(&db, vec!["1".into(), "9".into()], 2026)
            .await
            .unwrap();
        assert!(greeted.contains("1") && !greeted.contains("9"));
    }

    #[tokio::test]
    async fn the_queue_reads_only_its_page_through_an_index_prefix() {
        let db = db().await;
        let tz = chrono_tz::America::Sao_Paulo;
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        let at = Cursor::After("2026-11-01T00:00:00.000000Z x".into());
        let dated = QueueFilter {
            from: day("2026-09-01"),
            to: day("2026-11-30"),
            message_id: "m1".into(),
            ..Default::default()
        };
        let failed = QueueFilter {
            status: Some(QueueStatus::Failed),
            ..dated.clone()
        };
        for (f, cursor, index, access) in [
            (
                QueueFilter::default(),
                &Cursor::First,
                "outbox_all_list",
                "[true]",
            ),
            (
                QueueFilter::default(),
                &at,
                "outbox_all_list",
                "[true] LessThan '2026-11-01",
            ),
            // The end of the dates, not their start, where the newest-first walk begins.
            (
                dated.clone(),
                &Cursor::First,
                "outbox_all_list",
                "[true] LessThan '2026-12-01",
            ),
            (dated, &at, "outbox_all_list", "[true] LessThan '2026-11-01"),
            (
                failed,
                &Cursor::First,
                "outbox_status_list",
                "['erro'] LessThan '2026-12-01",
            ),
        ] {
            let plan = page_list(&f, tz).plan(&db, cursor).await;
            assert!(
                plan.contains(&format!(r#""index":"{index}""#))
                    && plan.contains(&format!(r#""access":"{access}"#)),
                "{f:?} {cursor:?}: {plan}"
            );
        }
    }

    #[tokio::test]
    async fn the_list_pages_newest_first_with_counts_from_the_indexes() {
        let db = db().await;
        let tz = chrono_tz::America::Sao_Paulo;
        for batch in 0..3 {
            let msgs: Vec<_> = (0..40)
                .map(|i| {
                    let mut m = msg(&format!("{}", batch * 100 + i), 2026);
                    m.client_name = format!("Cliente Lote{batch}");
                    m
                })
                .collect();
            enqueue(&db, &format!("r{batch}"), &msgs).await.unwrap();
        }
        cancel(&db, &outbox_key("205", BIRTHDAY, 2026), "admin")
            .await
            .unwrap();
        let all = QueueFilter::default();
        let first = list(&db, &all, tz, &Cursor::First, 50, || counts(&db))
            .await
            .unwrap();
        assert_eq!(first.total, Some(120));
        assert_eq!(first.items.len(), 50);
        assert!(
            first.items[..40]
                .iter()
                .all(|m| m.client_name == "Cliente Lote2"),
            "newest first"
        );
        let second = list(
            &db,
            &all,
            tz,
            &Cursor::After(first.next.clone().unwrap()),
            50,
            || counts(&db),
        )
        .await
        .unwrap();
        let third = list(
            &db,
            &all,
            tz,
            &Cursor::After(second.next.clone().unwrap()),
            50,
            || counts(&db),
        )
        .await
        .unwrap();
        assert_eq!(
            (second.items.len(), third.items.len(), third.next.clone()),
            (50, 20, None)
        );
        let mut seen: Vec<_> = [&first, &second, &third]
            .iter()
            .flat_map(|p| p.items.iter().map(|m| m.id.clone()))
            .collect();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 120, "every message once");
        let back = list(
            &db,
            &all,
            tz,
            &Cursor::Before(third.prev.unwrap()),
            50,
            || counts(&db),
        )
        .await
        .unwrap();
        assert_eq!(back.items, second.items);

        let cancelled = QueueFilter {
            status: Some(QueueStatus::Cancelled),
            ..Default::default()
        };
        let page = list(&db, &cancelled, tz, &Cursor::First, 50, || counts(&db))
            .await
            .unwrap();
        assert_eq!(page.total, Some(1));
        assert_eq!(page.items[0].client_id, "205");
        let by_name = QueueFilter {
            client: "lote1".into(),
            ..Default::default()
        };
        let page = list(&db, &by_name, tz, &Cursor::First, 50, || counts(&db))
            .await
            .unwrap();
        assert_eq!((page.items.len(), page.total), (40, None));
        let today = Utc::now().with_timezone(&tz).date_naive();
        let dated = QueueFilter {
            from: Some(today),
            to: Some(today),
            ..Default::default()
        };
        assert_eq!(
            list(&db, &dated, tz, &Cursor::First, 200, || counts(&db))
                .await
                .unwrap()
                .items
                .len(),
            120
        );
        let yesterday = QueueFilter {
            to: today.pred_opt(),
            ..Default::default()
        };
        assert!(
            list(&db, &yesterday, tz, &Cursor::First, 50, || counts(&db))
                .await
                .unwrap()
                .items
                .is_empty()
        );
        let counts = counts(&db).await.unwrap();
        assert_eq!(
            (
                counts.get(QueueStatus::Pending),
                counts.get(QueueStatus::Cancelled)
            ),
            (119, 1)
        );
    }

    #[tokio::test]
    async fn ended_greetings_expire_through_the_status_index() {
        let db = db().await;
        enqueue(&db, "r1", &[msg("1", 2026), msg("2", 2026)])
            .await
            .unwrap();
        // Their day is 28/11/2026: on that day nothing expires, the next day both do.
        let day = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        assert_eq!(expire_ended(&db, day, "x").await.unwrap(), 0);
        assert_eq!(
            expire_ended(&db, day.succ_opt().unwrap(), "x")
                .await
                .unwrap(),
            2
        );
        assert_eq!(counts(&db).await.unwrap().get(QueueStatus::Expired), 2);
        let mut explain = db
            .query(
                "SELECT VALUE id FROM outbox WHERE status = 'pendente' AND greeting_day < $d EXPLAIN",
            )
            .bind(("d", "2026-11-29"))
            .await
            .unwrap();
        let plan: Vec<serde_json::Value> = explain.take(0).unwrap();
        let plan = serde_json::Value::Array(plan);
        assert!(plan.to_string().contains("outbox_due"), "{plan}");
    }

    #[tokio::test]
    async fn claims_are_exclusive_and_leases_expire() {
        let db = db().await;
        enqueue(&db, "r1", &[msg("1", 2026), msg("2", 2026)])
            .await
            .unwrap();
        let soon = Utc::now() + chrono::Duration::minutes(2);
        let a = claim_due(&db, "a", 10, soon).await.unwrap();
        let b = claim_due(&db, "b", 10, soon).await.unwrap();
        assert_eq!((a.len(), b.len()), (2, 0));
        // Not expired: nothing recovered.
        assert_eq!(recover_expired(&db).await.unwrap(), 0);
        db.query("UPDATE outbox SET lease_until = time::now() - 1s")
            .await
            .unwrap()
            .check()
            .unwrap();
        assert_eq!(recover_expired(&db).await.unwrap(), 2);
        let c = claim_due(&db, "c", 10, soon).await.unwrap();
        assert_eq!(c.len(), 2);
        let now = Utc::now();
        let attempt = |key: &str, outcome| Attempt {
            code: None,
            key: key.into(),
            at: now,
            outcome,
        };
        save_attempts(
            &db,
            "c",
            &[
                attempt(&c[0].key, Outcome::Sent("opa-1".into())),
                attempt(&c[1].key, Outcome::Failed("Número inválido".into())),
            ],
        )
        .await
        .unwrap();
        let counts = counts(&db).await.unwrap();
        assert_eq!(counts.get(QueueStatus::Sent), 1);
        assert_eq!(counts.get(QueueStatus::Failed), 1);
        let detail = get(&db, &c[1].key).await.unwrap().unwrap();
        let outcomes: Vec<_> = detail.attempts.iter().map(|a| a.outcome.as_str()).collect();
        assert_eq!(outcomes, vec!["Recuperada", "Erro"]);
        // The admin's bulk re-queue brings the failed one back.
        let tz = chrono_tz::America::Sao_Paulo;
        let n = requeue_failed(&db, &QueueFilter::default(), tz, "admin")
            .await
            .unwrap();
        assert_eq!(n, 1);
        assert!(cancel(&db, &c[1].key, "admin").await.unwrap());
        assert!(
            !cancel(&db, &c[0].key, "admin").await.unwrap(),
            "sent stays sent"
        );
        let today = Utc::now().with_timezone(&tz).date_naive();
        let stats = daily_stats(&db, tz, today, 30).await.unwrap();
        assert_eq!(stats.len(), 30);
        assert_eq!(stats.last().unwrap().sent, 1);
    }
}
