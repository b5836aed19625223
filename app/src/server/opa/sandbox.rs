//! A stand-in Opa! Suite speaking the same HTTP API (the contract is Opa Suite's own Postman
//! collection, `shared/opa-suite/`), so the default run and the tests exercise the real client
//! over HTTP. Seeded with realistic channels and templates; records every accepted message in
//! an inbox; can be told to fail on purpose (latency, 429, 500, timeouts, "já está em
//! atendimento", final errors for chosen numbers).
//!
//! It is at least as strict as live instances. Observed there (probes of 8 October 2026) and
//! enforced here:
//! - a listing whose `filter` holds no field the resource filters on answers `400` ("At least
//!   one filter field is required"; `{}` used to be accepted);
//! - a filter field the resource does not filter on answers `400 Field '<name>' is not
//!   allowed`. Channels filter on `nome`, `status`, `canal`, `id_atendente`, `integracao`;
//!   templates on `atalho`, `tipo_mensagem`;
//! - `options.limit` outside 1..=1000 answers `400`;
//! - some listings ignore `skip`/`limit` and return everything on every page
//!   ([`Faults::ignore_paging`] makes every listing do so);
//! - every call needs the bearer token (`401` otherwise).
//!
//! Inside the server it is an unauthenticated endpoint, so it is bounded: it is mounted only
//! while it is the provider in force, its token is random unless one is set, requests over
//! [`MAX_BODY`] get `413`, and the inbox keeps the latest [`INBOX_CAPACITY`] messages.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::types::{Channel, DailyLimit, SendRequest, Template};
use crate::domain::template::{placeholders, render_text};

/// Faults to inject into `POST /template/send`; shares are probabilities in 0..=1.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Faults {
    pub latency_ms: u64,
    pub share_429: f64,
    pub retry_after_secs: u64,
    pub share_500: f64,
    /// Share of sends that hang for `timeout_ms` and then fail with 504.
    pub share_timeout: f64,
    pub timeout_ms: u64,
    /// Share of sends refused with "Contato já está em atendimento" (400).
    pub share_in_service: f64,
    /// Numbers (`+55...`) that always get Meta's final 131026 "undeliverable".
    pub final_numbers: Vec<String>,
    /// Numbers (`+55...`) that always get the given Meta code, with Meta's own message:
    /// 131049 (its cap on marketing messages per person), 131047, 132000, 132001, 132018.
    pub meta_codes: Vec<(String, u64)>,
    /// Listings ignore `skip`/`limit` and answer everything on every page, as some live
    /// listings do.
    pub ignore_paging: bool,
    /// The next this many sends get 429 with `Retry-After` (counted down), whatever the
    /// shares say.
    pub next_429: u64,
}

/// A message the sandbox accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxMessage {
    pub id: String,
    pub at: DateTime<Utc>,
    pub phone: String,
    pub channel_id: String,
    pub channel: String,
    pub template_id: String,
    pub variables: Vec<String>,
    /// The template text with the variables filled in, as the client would read it.
    pub text: String,
}

/// Messages the inbox keeps (the latest ones).
pub const INBOX_CAPACITY: usize = crate::models::opa::SANDBOX_KEEPS;
/// Largest request body the sandbox reads.
pub const MAX_BODY: usize = 64 * 1024;

/// What the sandbox accepted: a ring of the latest messages, and per-channel counts of the
/// day for the daily limit (which must not shrink when the ring drops old messages).
struct Inbox {
    recent: VecDeque<InboxMessage>,
    capacity: usize,
    sent_on: HashMap<String, (chrono::NaiveDate, u64)>,
}

pub struct Sandbox {
    token: String,
    channels: Vec<Channel>,
    /// Listing requests answered (any status), to tell a client that stops from one that loops.
    listings: AtomicUsize,
    templates: HashMap<String, Vec<Template>>,
    limits: Mutex<HashMap<String, u64>>,
    inbox: Mutex<Inbox>,
    faults: Mutex<Faults>,
}

fn channel(id: &str, nome: &str, status: &str, canal: &str) -> Channel {
    Channel {
        id: id.into(),
        nome: nome.into(),
        id_atendente: Some(json!("65a0c1d2e3f4a5b6c7d8e9f0")),
        status: status.into(),
        canal: canal.into(),
        integracao: "dialog360".into(),
    }
}

fn template(id: &str, atalho: &str, texto: &str, category: &str) -> Template {
    Template {
        id: id.into(),
        texto: texto.into(),
        atalho: atalho.into(),
        tipo_mensagem: "dialog360".into(),
        dados: json!({ "element_name": atalho, "idioma": "pt_BR", "category": category })
            .to_string(),
    }
}

pub const CHANNEL_MAIN: &str = "64f1a2b3c4d5e6f708192a3b";
pub const CHANNEL_BILLING: &str = "64f1a2b3c4d5e6f708192a3c";
pub const CHANNEL_INACTIVE: &str = "64f1a2b3c4d5e6f708192a3d";
pub const TEMPLATE_BIRTHDAY: &str = "6501b2c3d4e5f60718293a4b";
pub const TEMPLATE_BIRTHDAY_NUMBERED: &str = "6501b2c3d4e5f60718293a4c";

/// Channel filter fields Opa! Suite accepts (Postman collection, "Filtros disponíveis").
const CHANNEL_FILTERS: &[&str] = &["nome", "status", "canal", "id_atendente", "integracao"];
/// Template filter fields Opa! Suite accepts.
const TEMPLATE_FILTERS: &[&str] = &["atalho", "tipo_mensagem"];

impl Sandbox {
    pub fn new(token: &str) -> Arc<Self> {
        Self::with_extra_channels(token, 0)
    }

    /// The seed plus `extra` active WhatsApp channels, for tests of long listings.
    pub fn with_extra_channels(token: &str, extra: usize) -> Arc<Self> {
        let mut channels = vec![
            channel(CHANNEL_MAIN, "WhatsApp Atendimento", "A", "Whatsapp"),
            channel(CHANNEL_BILLING, "WhatsApp Financeiro", "A", "Whatsapp"),
            channel(
                CHANNEL_INACTIVE,
                "WhatsApp Antigo (desativado)",
                "I",
                "Whatsapp",
            ),
            channel(
                "64f1a2b3c4d5e6f708192a3e",
                "Instagram Provedor",
                "A",
                "Instagram",
            ),
        ];
        channels.extend((0..extra).map(|i| {
            channel(
                &format!("7{i:023x}"),
                &format!("WhatsApp Loja {}", i + 1),
                "A",
                "Whatsapp",
            )
        }));
        let mut templates = HashMap::new();
        templates.insert(
            CHANNEL_MAIN.to_string(),
            vec![
                template(TEMPLATE_BIRTHDAY, "feliz_aniversario",
                    "Olá {{nome_cliente}}! 🎉 A equipe {{empresa}} deseja um feliz aniversário. Que seus {{idade}} anos sejam incríveis!", "MARKETING"),
                template(TEMPLATE_BIRTHDAY_NUMBERED, "parabens_cliente",
                    "Parabéns, {{1}}! Hoje é o seu dia. Um abraço de toda a equipe de {{2}}.", "MARKETING"),
                template("6501b2c3d4e5f60718293a4d", "aviso_manutencao",
                    "Olá {{1}}, haverá manutenção na sua região em {{2}}, das {{3}} às {{4}}.", "UTILITY"),
            ],
        );
        templates.insert(
            CHANNEL_BILLING.to_string(),
            vec![template(
                "6501b2c3d4e5f60718293a4e",
                "lembrete_fatura",
                "Olá {{nome_usuario}}, sua fatura de {{mes}} vence em {{vencimento}}.",
                "UTILITY",
            )],
        );
        templates.insert(
            CHANNEL_INACTIVE.to_string(),
            vec![template(
                "6501b2c3d4e5f60718293a4f",
                "aniversario_antigo",
                "Feliz aniversário, {{1}}!",
                "MARKETING",
            )],
        );
        Arc::new(Self {
            token: token.to_string(),
            channels,
            listings: AtomicUsize::new(0),
            templates,
            limits: Mutex::new(HashMap::from([(CHANNEL_MAIN.to_string(), 50_000)])),
            inbox: Mutex::new(Inbox {
                recent: VecDeque::new(),
                capacity: INBOX_CAPACITY,
                sent_on: HashMap::new(),
            }),
            faults: Mutex::new(Faults::default()),
        })
    }

    /// How many listing requests the sandbox has answered.
    pub fn listings_answered(&self) -> usize {
        self.listings.load(Ordering::Relaxed)
    }

    /// The messages kept, oldest first.
    pub fn inbox(&self) -> Vec<InboxMessage> {
        self.lock_inbox().recent.iter().cloned().collect()
    }

    /// Page `page` (0-based) of `per_page` kept messages, newest first, and how many are kept.
    pub fn inbox_page(&self, page: usize, per_page: usize) -> (Vec<InboxMessage>, usize) {
        let inbox = self.lock_inbox();
        let items = inbox
            .recent
            .iter()
            .rev()
            .skip(page.saturating_mul(per_page))
            .take(per_page)
            .cloned()
            .collect();
        (items, inbox.recent.len())
    }

    /// Keeps the latest `n` messages from now on (tests and benchmarks that count every
    /// delivery keep more than the default).
    pub fn keep_latest(&self, n: usize) {
        let mut inbox = self.lock_inbox();
        inbox.capacity = n.max(1);
        while inbox.recent.len() > inbox.capacity {
            inbox.recent.pop_front();
        }
    }

    fn lock_inbox(&self) -> std::sync::MutexGuard<'_, Inbox> {
        self.inbox.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn faults(&self) -> Faults {
        self.faults
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Sets `channel_id`'s daily limit (tests: a channel whose allowance runs out).
    pub fn set_daily_limit(&self, channel_id: &str, limit: u64) {
        self.lock_limits().insert(channel_id.to_string(), limit);
    }

    fn lock_limits(&self) -> std::sync::MutexGuard<'_, HashMap<String, u64>> {
        self.limits.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn set_faults(&self, faults: Faults) {
        *self.faults.lock().unwrap_or_else(|e| e.into_inner()) = faults;
    }

    fn sent_today(&self, channel_id: &str) -> u64 {
        let today = Utc::now().date_naive();
        match self.lock_inbox().sent_on.get(channel_id) {
            Some((day, n)) if *day == today => *n,
            _ => 0,
        }
    }

    fn accept(&self, message: InboxMessage) {
        let mut inbox = self.lock_inbox();
        let today = message.at.date_naive();
        let count = inbox
            .sent_on
            .entry(message.channel_id.clone())
            .or_insert((today, 0));
        if count.0 != today {
            *count = (today, 0);
        }
        count.1 += 1;
        if inbox.recent.len() >= inbox.capacity {
            inbox.recent.pop_front();
        }
        inbox.recent.push_back(message);
    }

    fn find_template(&self, id: &str) -> Option<(&str, &Template)> {
        self.templates
            .iter()
            .find_map(|(ch, list)| list.iter().find(|t| t.id == id).map(|t| (ch.as_str(), t)))
    }
}

/// The API under `.../api/v1`: nest it where the real one would be.
pub fn router<S: Clone + Send + Sync + 'static>(sandbox: Arc<Sandbox>) -> Router<S> {
    Router::new()
        .route("/canal-comunicacao", get(list_channels))
        .route("/canal-comunicacao/", get(list_channels))
        .route("/canal-comunicacao/{id}", get(get_channel))
        .route("/canal-comunicacao/{id}/template", get(channel_templates))
        .route(
            "/canal-comunicacao/{id}/template/limites-diarios-envio",
            get(daily_limit),
        )
        .route("/template", get(list_templates))
        .route("/template/", get(list_templates))
        .route("/template/send", post(send))
        .route("/template/{id}", get(get_template))
        .route_layer(axum::middleware::from_fn_with_state(
            sandbox.clone(),
            require_token,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .with_state(sandbox)
}

fn ok(data: impl Serialize) -> Response {
    Json(json!({ "status": "success", "code": 200, "data": data })).into_response()
}

fn fail(status: StatusCode, body: Value) -> Response {
    (status, Json(body)).into_response()
}

fn error(status: StatusCode, message: &str) -> Response {
    fail(
        status,
        json!({ "status": "error", "code": status.as_u16(), "message": message }),
    )
}

fn not_found(what: &str) -> Response {
    fail(
        StatusCode::NOT_FOUND,
        json!({ "error": "NOT_FOUND_ERROR", "message": format!("{what} not found.") }),
    )
}

/// Every call needs the sandbox's bearer token, like the real API: 401 otherwise.
async fn require_token(
    State(s): State<Arc<Sandbox>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let expected = format!("Bearer {}", s.token);
    match req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        Some(v) if v == expected => next.run(req).await,
        _ => error(
            StatusCode::UNAUTHORIZED,
            "Token de acesso inválido ou ausente.",
        ),
    }
}

/// The `{"filter":{...},"options":{"skip":N,"limit":N}}` body of a listing.
struct Listing {
    filter: serde_json::Map<String, Value>,
    skip: usize,
    limit: usize,
}

/// The listing body, or why it is refused (a 400): like the live API, the filter must hold
/// at least one field of `allowed` and nothing else.
fn listing(body: &Bytes, allowed: &[&str], ignore_paging: bool) -> Result<Listing, String> {
    let v: Value = if body.is_empty() {
        json!({})
    } else {
        serde_json::from_slice(body).map_err(|_| "JSON inválido no corpo da requisição.")?
    };
    let limit = v["options"]["limit"].as_u64().unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err("options.limit deve estar entre 1 e 1000.".into());
    }
    let filter = v["filter"].as_object().cloned().unwrap_or_default();
    if let Some(field) = filter.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(format!("Field '{field}' is not allowed"));
    }
    if filter.is_empty() {
        return Err("At least one filter field is required".into());
    }
    let (skip, limit) = if ignore_paging {
        (0, usize::MAX)
    } else {
        (
            v["options"]["skip"].as_u64().unwrap_or(0) as usize,
            limit as usize,
        )
    };
    Ok(Listing {
        filter,
        skip,
        limit,
    })
}

/// Answers a listing of `items` filtered on `allowed` fields.
fn answer_listing<T: Serialize>(
    s: &Sandbox,
    items: &[T],
    allowed: &[&str],
    body: &Bytes,
) -> Response {
    s.listings.fetch_add(1, Ordering::Relaxed);
    match listing(body, allowed, s.faults().ignore_paging) {
        Ok(l) => ok(page(items, &l)),
        Err(m) => fail(
            StatusCode::BAD_REQUEST,
            json!({ "status": "error", "code": 400, "error": "NO_ARGUMENT_ERROR", "message": m }),
        ),
    }
}

fn matches(item: &Value, filter: &serde_json::Map<String, Value>) -> bool {
    filter.iter().all(|(k, want)| match (item.get(k), want) {
        (Some(Value::String(have)), Value::String(want)) if k == "nome" => {
            have.to_lowercase().contains(&want.to_lowercase())
        }
        (Some(have), want) => have == want,
        (None, _) => false,
    })
}

fn page<T: Serialize>(items: &[T], l: &Listing) -> Vec<Value> {
    items
        .iter()
        .map(|i| serde_json::to_value(i).unwrap_or_default())
        .filter(|v| matches(v, &l.filter))
        .skip(l.skip)
        .take(l.limit)
        .collect()
}

async fn list_channels(State(s): State<Arc<Sandbox>>, body: Bytes) -> Response {
    answer_listing(&s, &s.channels, CHANNEL_FILTERS, &body)
}

async fn get_channel(State(s): State<Arc<Sandbox>>, Path(id): Path<String>) -> Response {
    match s.channels.iter().find(|c| c.id == id) {
        Some(c) => ok(c),
        None => not_found("Communication channel"),
    }
}

async fn channel_templates(State(s): State<Arc<Sandbox>>, Path(id): Path<String>) -> Response {
    if !s.channels.iter().any(|c| c.id == id) {
        return not_found("Communication channel");
    }
    ok(s.templates.get(&id).cloned().unwrap_or_default())
}

async fn daily_limit(State(s): State<Arc<Sandbox>>, Path(id): Path<String>) -> Response {
    if !s.channels.iter().any(|c| c.id == id) {
        return not_found("Communication channel");
    }
    let limit = s.lock_limits().get(&id).copied();
    match limit {
        Some(limit) => {
            let sent = s.sent_today(&id);
            ok(DailyLimit {
                messages_sent: Some(sent),
                daily_limit: Some(limit),
                available_amount: Some(limit.saturating_sub(sent)),
            })
        }
        None => ok(json!({})),
    }
}

async fn list_templates(State(s): State<Arc<Sandbox>>, body: Bytes) -> Response {
    let all: Vec<Template> = s.templates.values().flatten().cloned().collect();
    answer_listing(&s, &all, TEMPLATE_FILTERS, &body)
}

async fn get_template(State(s): State<Arc<Sandbox>>, Path(id): Path<String>) -> Response {
    match s.find_template(&id) {
        Some((_, t)) => ok(t),
        None => not_found("Template"),
    }
}

fn meta_error(status: StatusCode, code: u64, message: &str) -> Response {
    fail(
        status,
        json!({ "status": "error", "code": code, "message": message, "error": { "code": code, "message": message } }),
    )
}

/// Meta's own wording of the codes [`Faults::meta_codes`] injects.
fn meta_message(code: u64) -> &'static str {
    match code {
        131049 => "This message was not delivered to maintain healthy ecosystem engagement.",
        131047 => "Re-engagement message",
        132000 => "Number of parameters does not match the expected number of params",
        132001 => "Template name does not exist in the translation",
        132018 => "There was an issue with the parameters in your template.",
        _ => "Message failed to send because of an unknown error.",
    }
}

async fn send(State(s): State<Arc<Sandbox>>, body: Bytes) -> Response {
    let faults = {
        let mut f = s.faults.lock().unwrap_or_else(|e| e.into_inner());
        let now = f.clone();
        f.next_429 = f.next_429.saturating_sub(1);
        now
    };
    if faults.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(faults.latency_ms)).await;
    }
    let roll = |share: f64| share > 0.0 && rand::rng().random::<f64>() < share;
    if roll(faults.share_timeout) {
        tokio::time::sleep(Duration::from_millis(faults.timeout_ms.max(1))).await;
        return error(StatusCode::GATEWAY_TIMEOUT, "Tempo esgotado.");
    }
    if faults.next_429 > 0 || roll(faults.share_429) {
        let mut r = meta_error(
            StatusCode::TOO_MANY_REQUESTS,
            130429,
            "Rate limit hit: too many messages sent from this phone number.",
        );
        if let Ok(v) = HeaderValue::from_str(&faults.retry_after_secs.max(1).to_string()) {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return r;
    }
    if roll(faults.share_500) {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Erro interno do servidor.",
        );
    }

    let Ok(req) = serde_json::from_slice::<SendRequest>(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "Campos obrigatórios: contato.canalCliente, template._id, canal.",
        );
    };
    let Some(ch) = s.channels.iter().find(|c| c.id == req.canal) else {
        return not_found("Communication channel");
    };
    if !ch.is_active() {
        return error(
            StatusCode::BAD_REQUEST,
            "O canal de comunicação está inativo.",
        );
    }
    let Some((owner, tpl)) = s.find_template(&req.template.id) else {
        return not_found("Template");
    };
    if owner != ch.id {
        return error(
            StatusCode::BAD_REQUEST,
            "O template não pertence a este canal.",
        );
    }
    let phone = &req.contato.canal_cliente;
    if !(phone.starts_with('+')
        && (13..=14).contains(&phone.len())
        && phone[1..].chars().all(|c| c.is_ascii_digit()))
    {
        return meta_error(
            StatusCode::BAD_REQUEST,
            131008,
            "Número de contato inválido.",
        );
    }
    if faults.final_numbers.iter().any(|n| n == phone) {
        return meta_error(StatusCode::BAD_REQUEST, 131026, "Message undeliverable.");
    }
    if let Some((_, code)) = faults.meta_codes.iter().find(|(n, _)| n == phone) {
        return meta_error(StatusCode::BAD_REQUEST, *code, meta_message(*code));
    }
    if roll(faults.share_in_service) {
        return error(StatusCode::BAD_REQUEST, "Contato já está em atendimento.");
    }
    let expected = placeholders(&tpl.texto).len();
    if req.template.variaveis.len() != expected {
        // Meta's code for a parameter count that does not match the template's.
        return meta_error(
            StatusCode::BAD_REQUEST,
            132000,
            &format!(
                "O template espera {expected} variáveis; recebeu {}.",
                req.template.variaveis.len()
            ),
        );
    }
    if req
        .template
        .variaveis
        .iter()
        .any(|v| v.contains('\n') || v.contains('\t') || v.contains("     "))
    {
        return meta_error(
            StatusCode::BAD_REQUEST,
            132018,
            "Param text cannot have new-line/tab characters or more than 4 consecutive spaces.",
        );
    }
    let limit = s.lock_limits().get(&ch.id).copied();
    if let Some(limit) = limit {
        if s.sent_today(&ch.id) >= limit {
            return meta_error(
                StatusCode::TOO_MANY_REQUESTS,
                130429,
                "Limite diário de envio do canal atingido.",
            );
        }
    }
    let id: String = {
        let mut rng = rand::rng();
        (0..24)
            .map(|_| char::from_digit(rng.random_range(0..16), 16).unwrap_or('0'))
            .collect()
    };
    let values: Vec<Option<String>> = req.template.variaveis.iter().cloned().map(Some).collect();
    s.accept(InboxMessage {
        id: id.clone(),
        at: Utc::now(),
        phone: phone.clone(),
        channel_id: ch.id.clone(),
        channel: ch.nome.clone(),
        template_id: tpl.id.clone(),
        variables: req.template.variaveis.clone(),
        text: render_text(&tpl.texto, &values),
    });
    ok(json!({ "message": "Template has been succesfully sent.", "messageSentId": id }))
}
