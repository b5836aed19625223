//! The client store: upserts from imports, the birthday selection, search and opt-out.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use surrealdb::types::{RecordId, SurrealValue};

use super::db::Db;
use super::paging::{Binds, Keyed, List, EVERY_ROW};
use crate::domain::{birthday, phone};
use crate::models::client::{
    BirthdaySelection, ClientRecord, ClientView, ImportReport, PersonType, SkipReason,
};
use crate::models::page::{Cursor, Page};
use crate::models::settings::BirthdayAudience;

/// Rows per write: one round trip and one transaction per batch.
pub const BATCH: usize = 1_000;

/// A client as written by imports (and compared with what is stored to count changes), with
/// the keys its indexes read, derived here, where every client write goes through: the
/// database evaluating them per row was most of an import's cost. `opted_out` is never
/// written here.
#[derive(Debug, Clone, PartialEq, SurrealValue)]
#[surreal(crate = "surrealdb::types")]
pub struct ClientRow {
    pub id: RecordId,
    pub external_id: String,
    pub name: String,
    pub trade_name: String,
    pub person_type: String,
    pub active: bool,
    pub birth_date: Option<DateTime<Utc>>,
    pub whatsapp: String,
    pub mobile: String,
    pub email: String,
    pub city: String,
    pub state: String,
    pub phone: Option<String>,
    pub phone_problem: Option<String>,
    pub source: String,
    /// Month and day of birth (`MM-DD`), for the day's birthdays.
    pub birth_md: Option<String>,
    /// The list's order and cursor: the name folded, then the external id ([`sort_key`]).
    pub sort_key: String,
    /// What the full-text index reads: name and trade name.
    pub search_name: String,
    /// Each number's [`phone_key`], for phone search.
    pub whatsapp_key: Option<String>,
    pub mobile_key: Option<String>,
    /// When an import last wrote or saw it; not compared (see [`upsert`]).
    #[surreal(default)]
    pub synced_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, SurrealValue)]
#[surreal(crate = "surrealdb::types")]
struct StoredClient {
    /// Its `sort_key`, when read for a list (the page's cursors).
    #[surreal(default)]
    cursor: String,
    external_id: String,
    name: String,
    trade_name: String,
    person_type: String,
    active: bool,
    birth_date: Option<DateTime<Utc>>,
    city: String,
    state: String,
    phone: Option<String>,
    phone_problem: Option<String>,
    whatsapp: String,
    mobile: String,
    email: String,
    opted_out: bool,
    source: String,
    synced_at: Option<DateTime<Utc>>,
}

pub fn client_id(external_id: &str) -> RecordId {
    RecordId::new("client", external_id)
}

fn to_datetime(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc()
}

impl ClientRow {
    /// Whether an import would leave the stored row as it is (`synced_at` aside).
    fn same_as(&self, other: &ClientRow) -> bool {
        ClientRow {
            synced_at: other.synced_at,
            ..self.clone()
        } == *other
    }

    /// The stored shape of a record: the phone normalised (or the reason it cannot be).
    pub fn from_record(r: &ClientRecord, source: &str) -> Self {
        let (phone, phone_problem) = match phone::best_number(&r.whatsapp, &r.mobile) {
            Ok(p) => (Some(p), None),
            Err(why) => (None, Some(why.message().to_string())),
        };
        ClientRow {
            id: client_id(&r.external_id),
            external_id: r.external_id.clone(),
            name: r.name.clone(),
            trade_name: r.trade_name.clone(),
            person_type: r.person_type.code().to_string(),
            active: r.active,
            birth_date: r.birth_date.map(to_datetime),
            whatsapp: r.whatsapp.clone(),
            mobile: r.mobile.clone(),
            email: r.email.clone(),
            city: r.city.clone(),
            state: r.state.clone(),
            phone,
            phone_problem,
            source: source.to_string(),
            birth_md: r.birth_date.map(|d| d.format("%m-%d").to_string()),
            sort_key: sort_key(&r.name, &r.external_id),
            search_name: format!("{} {}", r.name, r.trade_name),
            whatsapp_key: phone_key(&r.whatsapp),
            mobile_key: phone_key(&r.mobile),
            synced_at: None,
        }
    }
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// A client's place in the list: its name folded by SurrealDB's own `string::slug` ("João"
/// and "joao" together, accents and case aside), then its external id to break ties.
pub fn sort_key(name: &str, external_id: &str) -> String {
    format!(
        "{} {external_id}",
        surrealdb_runtime::util::string::slug::slug(name)
    )
}

/// The last [`PHONE_KEY_DIGITS`] digits of a number (what phone search matches), if it has
/// that many.
pub fn phone_key(number: &str) -> Option<String> {
    let d = digits(number);
    (d.len() >= PHONE_KEY_DIGITS).then(|| d[d.len() - PHONE_KEY_DIGITS..].to_string())
}

/// Creates or updates `records` by external id, in batches, keeping opt-outs. Counts what
/// changed; `progress(done)` is called after each batch. Two batches are written at once,
/// each on its own task (one per core: the database's indexing is the import's cost); a
/// batch that fails, as when the two collide on a shared index key, is written again alone.
pub async fn upsert(
    db: &Db,
    records: &[ClientRecord],
    source: &str,
    mut progress: impl FnMut(usize),
) -> surrealdb::Result<ImportReport> {
    let mut report = ImportReport {
        rows: records.len(),
        ..Default::default()
    };
    let mut done = 0;
    for group in records.chunks(BATCH * WRITERS) {
        let chunks: Vec<&[ClientRecord]> = group.chunks(BATCH).collect();
        // Each batch on a task of its own: the embedded database runs a query on the task
        // that awaits it, so batches joined in one task would share one core.
        let tasks: Vec<_> = chunks
            .iter()
            .map(|c| {
                let (db, chunk, source) = (db.clone(), c.to_vec(), source.to_string());
                tokio::spawn(async move { write_batch(&db, &chunk, &source).await })
            })
            .collect();
        let written = futures::future::join_all(tasks).await;
        for (chunk, written) in chunks.into_iter().zip(written) {
            let written = written.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
            let counts = match written {
                Ok(c) => c,
                Err(e) => {
                    tracing::debug!(%e, "client batch written again alone");
                    write_batch(db, chunk, source).await?
                }
            };
            report.created += counts.created;
            report.updated += counts.updated;
            report.unchanged += counts.unchanged;
            done += chunk.len();
            progress(done);
        }
    }
    Ok(report)
}

/// Batches written at once by [`upsert`].
const WRITERS: usize = 2;

/// One batch of [`upsert`]: what it created, updated and left unchanged.
async fn write_batch(
    db: &Db,
    chunk: &[ClientRecord],
    source: &str,
) -> surrealdb::Result<ImportReport> {
    let mut report = ImportReport::default();
    let ids: Vec<RecordId> = chunk.iter().map(|r| client_id(&r.external_id)).collect();
    let mut res = db
        .query("SELECT id, external_id, name, trade_name, person_type, active, birth_date, whatsapp, mobile, email, city, state, phone, phone_problem, source, birth_md, sort_key, search_name, whatsapp_key, mobile_key FROM $ids")
        .bind(("ids", ids))
        .await?;
    let existing: Vec<ClientRow> = res.take(0)?;
    let existing: std::collections::HashMap<String, ClientRow> = existing
        .into_iter()
        .map(|r| (r.external_id.clone(), r))
        .collect();
    // Written rows carry their `synced_at`; unchanged ones only get it set. New rows go in
    // one bulk INSERT (far cheaper than a statement per row).
    let now = Utc::now();
    let (mut new, mut changed, mut unchanged) = (Vec::new(), Vec::new(), Vec::new());
    for r in chunk {
        let mut row = ClientRow::from_record(r, source);
        row.synced_at = Some(now);
        match existing.get(&r.external_id) {
            Some(old) if old.same_as(&row) => {
                report.unchanged += 1;
                unchanged.push(row.id);
            }
            Some(_) => {
                report.updated += 1;
                changed.push(row);
            }
            None => {
                report.created += 1;
                new.push(row);
            }
        }
    }
    let inserted = db
        .query("INSERT INTO client $rows RETURN NONE")
        .bind(("rows", new.clone()))
        .await
        .and_then(|r| r.check());
    if inserted.is_err() {
        // Another import created some of them meanwhile: write those row by row.
        changed.extend(new);
    }
    db.query(
        "FOR $r IN $rows { UPSERT $r.id MERGE $r RETURN NONE; };
         UPDATE $unchanged SET synced_at = $now RETURN NONE;",
    )
    .bind(("rows", changed))
    .bind(("unchanged", unchanged))
    .bind(("now", now))
    .await?
    .check()?;
    Ok(report)
}

impl Keyed for StoredClient {
    fn cursor(&self) -> &str {
        &self.cursor
    }
}

impl StoredClient {
    fn view(self) -> ClientView {
        ClientView {
            external_id: self.external_id,
            name: self.name,
            trade_name: self.trade_name,
            person_type: PersonType::from_ixc(&self.person_type).unwrap_or_default(),
            active: self.active,
            birth_date: self.birth_date.map(|d| d.date_naive()),
            phone: self.phone,
            phone_problem: self.phone_problem,
            whatsapp: self.whatsapp,
            mobile: self.mobile,
            email: self.email,
            city: self.city,
            state: self.state,
            opted_out: self.opted_out,
            source: self.source,
            synced_at: self.synced_at,
        }
    }
}

const VIEW_FIELDS: &str = "external_id, name, trade_name, person_type, active, birth_date, \
    city, state, phone, phone_problem, whatsapp, mobile, email, opted_out, source, synced_at";

/// The clients born on a month-day that `day` greets, through the month-day index.
pub async fn born_on(
    db: &Db,
    day: NaiveDate,
    rule: birthday::LeapDayRule,
) -> surrealdb::Result<Vec<ClientView>> {
    let keys = birthday::birthday_keys(day, rule);
    let mut res = db
        .query(format!(
            "SELECT {VIEW_FIELDS} FROM client WHERE birth_md IN $keys ORDER BY name"
        ))
        .bind(("keys", keys))
        .await?;
    let rows: Vec<StoredClient> = res.take(0)?;
    Ok(rows.into_iter().map(StoredClient::view).collect())
}

/// External ids among `ids` already greeted in `year`.
pub async fn greeted_in(
    db: &Db,
    ids: Vec<String>,
    year: i32,
) -> surrealdb::Result<std::collections::HashSet<String>> {
    let mut res = db
        .query("SELECT VALUE client_id FROM greeting WHERE year = $year AND client_id IN $ids")
        .bind(("year", year as i64))
        .bind(("ids", ids))
        .await?;
    let found: Vec<String> = res.take(0)?;
    Ok(found.into_iter().collect())
}

/// Why `c` would not be greeted, if anything; `None` means greet. The order is the order of
/// the checks an admin would make: kind of person, status, consent, phone, then history.
pub fn skip_reason(
    c: &ClientView,
    audience: &BirthdayAudience,
    greeted: bool,
    year: i32,
) -> Option<SkipReason> {
    if c.person_type != PersonType::Fisica {
        return Some(SkipReason::NotNaturalPerson(c.person_type));
    }
    if audience.only_active && !c.active {
        return Some(SkipReason::Inactive);
    }
    if c.opted_out {
        return Some(SkipReason::OptedOut);
    }
    if c.phone.is_none() {
        return Some(SkipReason::NoPhone(
            c.phone_problem
                .clone()
                .unwrap_or_else(|| "Sem telefone".into()),
        ));
    }
    if greeted {
        return Some(SkipReason::AlreadyGreeted(year));
    }
    None
}

/// THE birthday selection: who is greeted on `day` and who is skipped, and why. The preview
/// page and the enqueue task both call this and nothing else.
pub async fn select_birthdays(
    db: &Db,
    day: NaiveDate,
    audience: &BirthdayAudience,
) -> surrealdb::Result<BirthdaySelection> {
    let candidates = born_on(db, day, audience.leap_day_rule).await?;
    let ids = candidates.iter().map(|c| c.external_id.clone()).collect();
    let greeted = greeted_in(db, ids, day.year()).await?;
    let mut selection = BirthdaySelection {
        date: Some(day),
        ..Default::default()
    };
    for c in candidates {
        match skip_reason(&c, audience, greeted.contains(&c.external_id), day.year()) {
            None => selection.greeted.push(c),
            Some(reason) => selection.skipped.push((c, reason)),
        }
    }
    Ok(selection)
}

/// Filters of the clients page.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct ClientFilter {
    pub text: String,
    pub person_type: Option<PersonType>,
    pub active: Option<bool>,
    pub usable_phone: Option<bool>,
    pub birth_month: Option<u32>,
    pub opted_out: Option<bool>,
}

/// Digits typed in the search box: a phone number (its last eight digits are indexed) or
/// an external id. `None` for a name.
fn digits_query(text: &str) -> Option<String> {
    let looks_numeric = text.chars().any(|c| c.is_ascii_digit())
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || "()+-. ".contains(c));
    looks_numeric.then(|| digits(text))
}

/// How many of a number's last digits phone search matches on ([`phone_key`]).
pub const PHONE_KEY_DIGITS: usize = 8;

/// One page of clients matching `f`, in name order (accent- and case-insensitive). Reads
/// only the page through the list index (`listed`, `sort_key`), the full-text index for a
/// name, the phone keys index for a number; the total, when there is no filter, from the
/// table's COUNT index.
pub async fn search(
    db: &Db,
    f: &ClientFilter,
    cursor: &Cursor,
    per_page: usize,
) -> surrealdb::Result<Page<ClientView>> {
    let (list, unfiltered) = list(f);
    let mut page = list
        .fetch::<StoredClient>(db, cursor, per_page)
        .await?
        .map(StoredClient::view);
    if unfiltered {
        page.total = Some(count(db).await?);
    }
    Ok(page)
}

/// The list of the clients matching `f` (see [`search`]), and whether nothing filters it.
fn list(f: &ClientFilter) -> (List<'static>, bool) {
    use surrealdb::types::SurrealValue as _;
    let mut conds: Vec<&str> = Vec::new();
    let mut binds: Binds = Vec::new();
    let text = f.text.trim();
    if !text.is_empty() {
        match digits_query(text) {
            Some(d) if d.len() >= PHONE_KEY_DIGITS => {
                conds.push(
                    "(external_id = $digits OR whatsapp_key = $phone_key OR mobile_key = $phone_key)",
                );
                binds.push(("phone_key", phone_key(&d).into_value()));
                binds.push(("digits", d.into_value()));
            }
            Some(d) => {
                conds.push("external_id = $digits");
                binds.push(("digits", d.into_value()));
            }
            None => {
                conds.push("search_name @@ $text");
                binds.push(("text", text.to_string().into_value()));
            }
        }
    }
    if let Some(p) = f.person_type {
        conds.push("person_type = $person_type");
        binds.push(("person_type", p.code().to_string().into_value()));
    }
    if let Some(a) = f.active {
        conds.push("active = $active");
        binds.push(("active", a.into_value()));
    }
    match f.usable_phone {
        Some(true) => conds.push("phone != NONE"),
        Some(false) => conds.push("phone = NONE"),
        None => {}
    }
    if let Some(m) = f.birth_month {
        conds.push("string::starts_with(birth_md ?? '', $month)");
        binds.push(("month", format!("{m:02}-").into_value()));
    }
    if let Some(o) = f.opted_out {
        conds.push("opted_out = $opted_out");
        binds.push(("opted_out", o.into_value()));
    }
    let unfiltered = conds.is_empty();
    if text.is_empty() {
        conds.insert(0, EVERY_ROW);
    }
    let list = List {
        table: "client",
        fields: VIEW_FIELDS,
        key: "sort_key",
        // Only fixed SurrealQL fragments are joined; every value is bound.
        filter: conds.join(" AND "),
        binds,
        descending: false,
    };
    (list, unfiltered)
}

/// How many clients there are, from the table's COUNT index (no scan).
pub async fn count(db: &Db) -> surrealdb::Result<u64> {
    let mut res = db
        .query("SELECT count() AS n FROM client GROUP ALL")
        .await?;
    let n: Option<i64> = res.take((0, "n"))?;
    Ok(n.unwrap_or(0).max(0) as u64)
}

/// One client by external id.
pub async fn get(db: &Db, external_id: &str) -> surrealdb::Result<Option<ClientView>> {
    let mut res = db
        .query(format!("SELECT {VIEW_FIELDS} FROM ONLY $id"))
        .bind(("id", client_id(external_id)))
        .await?;
    let row: Option<StoredClient> = res.take(0)?;
    Ok(row.map(StoredClient::view))
}

/// The clients among `external_ids` as they are now, by external id (record ids: no scan).
pub async fn get_many(
    db: &Db,
    external_ids: &[String],
) -> surrealdb::Result<std::collections::HashMap<String, ClientView>> {
    let ids: Vec<RecordId> = external_ids.iter().map(|id| client_id(id)).collect();
    let mut res = db
        .query(format!("SELECT {VIEW_FIELDS} FROM $ids"))
        .bind(("ids", ids))
        .await?;
    let rows: Vec<StoredClient> = res.take(0)?;
    Ok(rows
        .into_iter()
        .map(StoredClient::view)
        .map(|c| (c.external_id.clone(), c))
        .collect())
}

/// Opt a client out of greetings (or back in). `false` when the client does not exist.
pub async fn set_opt_out(db: &Db, external_id: &str, opted_out: bool) -> surrealdb::Result<bool> {
    let mut res = db
        .query("UPDATE $id SET opted_out = $o, opted_out_at = IF $o THEN time::now() ELSE NONE END RETURN VALUE external_id")
        .bind(("id", client_id(external_id)))
        .bind(("o", opted_out))
        .await?;
    let ids: Vec<String> = res.take(0)?;
    Ok(!ids.is_empty())
}

/// Bulk insert of clients known to be new (benchmarks, first loads): one `INSERT` per call.
pub async fn insert_new(db: &Db, records: &[ClientRecord], source: &str) -> surrealdb::Result<()> {
    let rows: Vec<ClientRow> = records
        .iter()
        .map(|r| ClientRow::from_record(r, source))
        .collect();
    db.query("INSERT INTO client $rows RETURN NONE")
        .bind(("rows", rows))
        .await?
        .check()?;
    Ok(())
}

/// What a store without the month-day index has to do: compute month and day for every row.
pub async fn born_on_by_scan(
    db: &Db,
    day: NaiveDate,
    rule: birthday::LeapDayRule,
) -> surrealdb::Result<usize> {
    let keys = birthday::birthday_keys(day, rule);
    let mut res = db
        .query("SELECT count() AS n FROM client WHERE birth_date != NONE AND time::format(birth_date, '%m-%d') IN $keys GROUP ALL")
        .bind(("keys", keys))
        .await?;
    let n: Option<i64> = res.take((0, "n"))?;
    Ok(n.unwrap_or(0) as usize)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::birthday::LeapDayRule;

    async fn db() -> Db {
        let db = super::super::db::connect("mem://", None).await.unwrap();
        super::super::schema::migrate(&db).await.unwrap();
        db
    }

    fn record(id: &str, name: &str, birth: &str, phone: &str) -> ClientRecord {
        ClientRecord {
            external_id: id.into(),
            name: name.into(),
            active: true,
            birth_date: NaiveDate::parse_from_str(birth, "%Y-%m-%d").ok(),
            whatsapp: phone.into(),
            ..Default::default()
        }
    }

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[tokio::test]
    async fn upsert_counts_and_keeps_opt_outs() {
        let db = db().await;
        let mut rows = vec![
            record("1", "Ana", "1990-11-28", "(11) 98765-4321"),
            record("2", "Bia", "1992-02-29", "(11) 3456-7890"),
        ];
        let r = upsert(&db, &rows, "csv", |_| {}).await.unwrap();
        assert_eq!((r.created, r.updated, r.unchanged), (2, 0, 0));
        assert!(set_opt_out(&db, "1", true).await.unwrap());
        rows[1].name = "Beatriz".into();
        let r = upsert(&db, &rows, "csv", |_| {}).await.unwrap();
        assert_eq!((r.created, r.updated, r.unchanged), (0, 1, 1));
        let found = born_on(&db, date("2026-11-28"), LeapDayRule::Feb28)
            .await
            .unwrap();
        assert_eq!(found.len(), 1);
        assert!(found[0].opted_out, "an import does not undo an opt-out");
    }

    #[tokio::test]
    async fn lists_read_only_their_page_through_the_list_index() {
        let db = db().await;
        let rows: Vec<_> = (0..30)
            .map(|i| record(&i.to_string(), &format!("Cliente {i}"), "", ""))
            .collect();
        upsert(&db, &rows, "csv", |_| {}).await.unwrap();
        let at = Cursor::After(sort_key("Cliente 1", "1"));
        let back = Cursor::Before(sort_key("Cliente 2", "2"));
        let active = ClientFilter {
            active: Some(true),
            birth_month: Some(11),
            ..Default::default()
        };
        for (f, cursor) in [
            (ClientFilter::default(), &Cursor::First),
            (ClientFilter::default(), &at),
            (ClientFilter::default(), &back),
            (active, &at),
        ] {
            let plan = list(&f).0.plan(&db, cursor).await;
            // An equality on `listed` and a range on the key: only the page is read.
            assert!(
                plan.contains(r#""index":"client_list""#) && plan.contains(r#""access":"[true]"#),
                "{f:?} {cursor:?}: {plan}"
            );
        }
        let by_name = ClientFilter {
            text: "joao".into(),
            ..Default::default()
        };
        let plan = list(&by_name).0.plan(&db, &Cursor::First).await;
        assert!(plan.contains("client_search_name"), "{plan}");
        let page = search(&db, &ClientFilter::default(), &at, 5).await.unwrap();
        assert_eq!(names(&page)[0], "Cliente 10");
    }

    fn names(page: &Page<ClientView>) -> Vec<&str> {
        page.items.iter().map(|c| c.name.as_str()).collect()
    }

    #[tokio::test]
    async fn the_list_pages_by_key_in_accent_insensitive_name_order() {
        let db = db().await;
        let mut rows: Vec<ClientRecord> = (0..120)
            .map(|i| record(&format!("{}", 1000 + i), &format!("Cliente {i:03}"), "", ""))
            .collect();
        rows.push(record("1", "Álvaro Dias", "", ""));
        rows.push(record("2", "Alice Souza", "", ""));
        rows.push(record("3", "Bruno Lima", "", ""));
        upsert(&db, &rows, "csv", |_| {}).await.unwrap();
        let all = ClientFilter::default();

        let first = search(&db, &all, &Cursor::First, 50).await.unwrap();
        assert_eq!(first.total, Some(123), "the COUNT index's total");
        assert_eq!(
            &names(&first)[..3],
            ["Alice Souza", "Álvaro Dias", "Bruno Lima"]
        );
        assert_eq!(first.prev, None);
        let next = first.next.clone().expect("a second page");
        let second = search(&db, &all, &Cursor::After(next), 50).await.unwrap();
        assert_eq!(names(&second)[0], "Cliente 047");
        let third = search(&db, &all, &Cursor::After(second.next.clone().unwrap()), 50)
            .await
            .unwrap();
        assert_eq!(third.items.len(), 23);
        assert_eq!(third.next, None, "the last page");
        // Back from the last page: the second page again, with both neighbours.
        let back = search(&db, &all, &Cursor::Before(third.prev.clone().unwrap()), 50)
            .await
            .unwrap();
        assert_eq!(names(&back), names(&second));
        assert!(back.prev.is_some() && back.next.is_some());
        let start = search(&db, &all, &Cursor::Before(back.prev.unwrap()), 50)
            .await
            .unwrap();
        assert_eq!(names(&start), names(&first));
        assert_eq!(start.prev, None, "back at the start");
    }

    #[tokio::test]
    async fn search_by_folded_name_phone_and_id() {
        let db = db().await;
        let rows = vec![
            record("1001", "João Pedro Conceição", "", "(19) 99876-5432"),
            record("1002", "Joana Prado", "", "11 98765-4321"),
            ClientRecord {
                trade_name: "Padaria Pão Quente".into(),
                ..record("1003", "Comércio de Pães Ltda", "", "")
            },
        ];
        upsert(&db, &rows, "csv", |_| {}).await.unwrap();
        let find = |text: &str| {
            let f = ClientFilter {
                text: text.into(),
                ..Default::default()
            };
            let db = db.clone();
            async move {
                let page = search(&db, &f, &Cursor::First, 50).await.unwrap();
                assert_eq!(page.total, None, "no total for a search");
                page.items
                    .into_iter()
                    .map(|c| c.external_id)
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(find("joao").await, ["1001"], "accent-insensitive");
        assert_eq!(
            find("CONCEICAO joão").await,
            ["1001"],
            "every word, any order"
        );
        assert_eq!(find("pao quente").await, ["1003"], "the trade name too");
        assert!(find("joaquim").await.is_empty());
        assert_eq!(find("(19) 99876-5432").await, ["1001"], "as typed");
        assert_eq!(
            find("+55 19 99876 5432").await,
            ["1001"],
            "with the country code"
        );
        assert_eq!(find("98765-4321").await, ["1002"], "without the area code");
        assert_eq!(find("1002").await, ["1002"], "the IXC id");
        // An opt-out filter on top of a name.
        set_opt_out(&db, "1001", true).await.unwrap();
        let f = ClientFilter {
            text: "joao".into(),
            opted_out: Some(false),
            ..Default::default()
        };
        assert!(search(&db, &f, &Cursor::First, 50)
            .await
            .unwrap()
            .items
            .is_empty());
    }

    #[tokio::test]
    async fn selection_uses_the_leap_day_rule_and_the_index() {
        let db = db().await;
        let rows = vec![
            record("1", "Ana", "1990-11-28", "(11) 98765-4321"),
            record("2", "Bia", "1992-02-29", "(11) 98765-1111"),
            record("3", "Caio", "1980-02-28", "(11) 3456-7890"),
        ];
        upsert(&db, &rows, "csv", |_| {}).await.unwrap();
        let audience = BirthdayAudience::default();
        let feb28 = select_birthdays(&db, date("2027-02-28"), &audience)
            .await
            .unwrap();
        let names: Vec<_> = feb28.greeted.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, vec!["Bia"]);
        assert!(matches!(feb28.skipped[0].1, SkipReason::NoPhone(_)));
        let mar1 = BirthdayAudience {
            leap_day_rule: LeapDayRule::Mar1,
            ..audience
        };
        let sel = select_birthdays(&db, date("2027-03-01"), &mar1)
            .await
            .unwrap();
        assert_eq!(sel.greeted.len(), 1);
        assert_eq!(
            born_on_by_scan(&db, date("2026-11-28"), LeapDayRule::Feb28)
                .await
                .unwrap(),
            1
        );

        let mut explain = db
            .query("SELECT * FROM client WHERE birth_md IN $keys EXPLAIN")
            .bind(("keys", vec!["11-28".to_string()]))
            .await
            .unwrap();
        let plan: Vec<serde_json::Value> = explain.take(0).unwrap();
        let plan = serde_json::Value::Array(plan);
        assert!(plan.to_string().contains("client_birth_md"), "{plan}");
    }

    #[test]
    fn skip_reasons_in_order() {
        let c = |pt, active, opted, phone: Option<&str>| ClientView {
            external_id: "1".into(),
            name: "X".into(),
            trade_name: String::new(),
            person_type: pt,
            active,
            birth_date: None,
            phone: phone.map(str::to_string),
            phone_problem: Some("Telefone fixo (sem WhatsApp)".into()),
            whatsapp: String::new(),
            mobile: String::new(),
            email: String::new(),
            city: String::new(),
            state: String::new(),
            opted_out: opted,
            source: "csv".into(),
            synced_at: None,
        };
        let all = BirthdayAudience::default();
        let active_only = BirthdayAudience {
            only_active: true,
            ..all
        };
        let p = Some("+5511987654321");
        assert_eq!(
            skip_reason(&c(PersonType::Juridica, true, false, p), &all, false, 2026),
            Some(SkipReason::NotNaturalPerson(PersonType::Juridica))
        );
        assert_eq!(
            skip_reason(
                &c(PersonType::Fisica, false, false, p),
                &active_only,
                false,
                2026
            ),
            Some(SkipReason::Inactive)
        );
        assert_eq!(
            skip_reason(&c(PersonType::Fisica, false, false, p), &all, false, 2026),
            None
        );
        assert_eq!(
            skip_reason(&c(PersonType::Fisica, true, true, p), &all, false, 2026),
            Some(SkipReason::OptedOut)
        );
        assert!(matches!(
            skip_reason(&c(PersonType::Fisica, true, false, None), &all, false, 2026),
            Some(SkipReason::NoPhone(_))
        ));
        assert_eq!(
            skip_reason(&c(PersonType::Fisica, true, false, p), &all, true, 2026),
            Some(SkipReason::AlreadyGreeted(2026))
        );
    }

    #[tokio::test]
    async fn derived_keys_follow_the_databases_own_rules() {
        let db = crate::server::db::connect("mem://", None).await.unwrap();
        for (name, id) in [
            ("João da Conceição", "7"),
            ("  ÁLVARO   d'Ávila-Souza ", "12"),
            ("Maria 😀 Ñandú", "3"),
            ("---", "4"),
            ("Zoë Ærø Straße", "99"),
        ] {
            let mut res = db
                .query("RETURN string::concat(string::slug($name), ' ', $id)")
                .bind(("name", name))
                .bind(("id", id))
                .await
                .unwrap();
            let theirs: Option<String> = res.take(0).unwrap();
            assert_eq!(Some(sort_key(name, id)), theirs, "{name}");
        }
        for number in ["(11) 98765-4321", "+55 11 4321", "1234567", "12345678", ""] {
            let mut res = db
                .query(
                    "LET $d = string::slice(string::replace($n, /[^0-9]/, ''), -8);
                     RETURN IF string::len($d) = 8 THEN $d ELSE NONE END",
                )
                .bind(("n", number))
                .await
                .unwrap();
            let theirs: Option<String> = res.take(1).unwrap();
            assert_eq!(phone_key(number), theirs, "{number}");
        }
        let born = NaiveDate::from_ymd_opt(1990, 2, 28).unwrap();
        let row = ClientRow::from_record(
            &ClientRecord {
                external_id: "5".into(),
                name: "Ana".into(),
                birth_date: Some(born),
                ..Default::default()
            },
            "csv",
        );
        let mut res = db
            .query("RETURN time::format($d, '%m-%d')")
            .bind(("d", to_datetime(born)))
            .await
            .unwrap();
        let theirs: Option<String> = res.take(0).unwrap();
        assert_eq!(row.birth_md, theirs);
    }
}
