//! Server-side sessions: the browser holds a random token in an HttpOnly cookie; the database
//! holds only its SHA-256, so a copy of the database does not yield live sessions.

use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue};
use sha2::{Digest, Sha256};
use surrealdb::types::{RecordId, SurrealValue};

use super::auth::user_id;
use super::config::Config;
use super::db::Db;
use super::state::app_state;
use crate::error::AppError;
use crate::models::account::CurrentUser;

pub const COOKIE_NAME: &str = "parabens_session";

#[derive(SurrealValue)]
#[surreal(crate = "surrealdb::types")]
struct SessionRow {
    username: String,
}

fn session_id(token: &str) -> RecordId {
    let digest = Sha256::digest(token.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    RecordId::new("session", hex)
}

fn new_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Opens a session for `username`; returns the token for the cookie.
pub async fn create(db: &Db, username: &str, hours: i64) -> surrealdb::Result<String> {
    let token = new_token();
    db.query(
        "CREATE $id SET user = $user, created_at = time::now(), \
         expires_at = time::now() + <duration> $ttl RETURN NONE",
    )
    .bind(("id", session_id(&token)))
    .bind(("user", user_id(username)))
    .bind(("ttl", format!("{hours}h")))
    .await?
    .check()?;
    Ok(token)
}

/// The user of a live session, if the token names one.
pub async fn lookup(db: &Db, token: &str) -> surrealdb::Result<Option<String>> {
    let mut res = db
        .query("SELECT user.username AS username FROM ONLY $id WHERE expires_at > time::now()")
        .bind(("id", session_id(token)))
        .await?;
    let row: Option<SessionRow> = res.take(0)?;
    Ok(row.map(|r| r.username))
}

pub async fn delete(db: &Db, token: &str) -> surrealdb::Result<()> {
    db.query("DELETE $id")
        .bind(("id", session_id(token)))
        .await?
        .check()?;
    Ok(())
}

/// Ends every session of `username` except the one holding `keep` (after a password change).
pub async fn delete_others(db: &Db, username: &str, keep: &str) -> surrealdb::Result<()> {
    db.query("DELETE session WHERE user = $user AND id != $keep")
        .bind(("user", user_id(username)))
        .bind(("keep", session_id(keep)))
        .await?
        .check()?;
    Ok(())
}

/// Deletes every expired session (through the `expires_at` index). Returns how many.
pub async fn purge_expired(db: &Db) -> surrealdb::Result<usize> {
    let mut res = db
        .query("DELETE session WHERE expires_at <= time::now() RETURN BEFORE")
        .await?;
    let gone: Vec<surrealdb::types::Value> = res.take(0)?;
    Ok(gone.len())
}

pub fn token_from_headers(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value.to_string())
        .filter(|v| !v.is_empty())
}

/// `Secure` when configured, or when a TLS-terminating proxy says the request came over https.
pub fn is_secure(headers: &HeaderMap, config: &Config) -> bool {
    config.secure_cookies
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

pub fn set_cookie(token: &str, max_age_secs: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE_NAME}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{secure}"
    ))
    .expect("cookie is ASCII")
}

pub fn clear_cookie(secure: bool) -> HeaderValue {
    set_cookie("", 0, secure)
}

/// The session of one request, looked up once for all its server functions (a page runs
/// several as it renders). Provided per request by the router.
#[derive(Clone, Default)]
pub struct RequestSession(std::sync::Arc<tokio::sync::OnceCell<Option<String>>>);

/// The request's session token and its user, inside a server function.
pub async fn current() -> Result<Option<(String, CurrentUser)>, AppError> {
    let state = app_state()?;
    let Some(parts) = leptos::prelude::use_context::<axum::http::request::Parts>() else {
        return Ok(None);
    };
    let Some(token) = token_from_headers(&parts.headers) else {
        return Ok(None);
    };
    let find = || async {
        lookup(&state.db, &token)
            .await
            .map_err(|e| super::internal("session lookup", e))
    };
    let user = match leptos::prelude::use_context::<RequestSession>() {
        Some(memo) => memo.0.get_or_try_init(find).await?.clone(),
        None => find().await?,
    };
    Ok(user.map(|username| (token, CurrentUser { username })))
}

/// Every server function except `login` starts here: no session, 401.
pub async fn require_admin() -> Result<CurrentUser, AppError> {
    require_session().await.map(|(_, user)| user)
}

/// Like [`require_admin`], also returning the session token. The 401 status is set by
/// [`super::finish`], which wraps every server function.
pub async fn require_session() -> Result<(String, CurrentUser), AppError> {
    current().await?.ok_or(AppError::Unauthorized)
}

/// Adds a `Set-Cookie` header to the server function's response.
pub fn send_cookie(value: HeaderValue) {
    if let Some(res) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        res.append_header(SET_COOKIE, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sessions_live_until_deleted_and_store_no_token() {
        let db = super::super::db::connect("mem://", None).await.unwrap();
        super::super::schema::migrate(&db).await.unwrap();
        super::super::auth::create_user(&db, "admin", "senha-longa-1", None)
            .await
            .unwrap();
        let token = create(&db, "admin", 1).await.unwrap();
        assert_eq!(lookup(&db, &token).await.unwrap().as_deref(), Some("admin"));
        assert_eq!(lookup(&db, "forged").await.unwrap(), None);
        let mut res = db
            .query("SELECT VALUE record::id(id) FROM session")
            .await
            .unwrap();
        let ids: Vec<String> = res.take(0).unwrap();
        assert_eq!(ids.len(), 1);
        assert_ne!(ids[0], token);
        delete(&db, &token).await.unwrap();
        assert_eq!(lookup(&db, &token).await.unwrap(), None);
    }

    #[tokio::test]
    async fn expired_sessions_are_not_accepted_and_are_purged() {
        let db = super::super::db::connect("mem://", None).await.unwrap();
        super::super::schema::migrate(&db).await.unwrap();
        super::super::auth::create_user(&db, "admin", "senha-longa-1", None)
            .await
            .unwrap();
        let token = create(&db, "admin", 0).await.unwrap();
        let live = create(&db, "admin", 1).await.unwrap();
        assert_eq!(lookup(&db, &token).await.unwrap(), None);
        assert_eq!(purge_expired(&db).await.unwrap(), 1);
        assert_eq!(purge_expired(&db).await.unwrap(), 0);
        assert_eq!(lookup(&db, &live).await.unwrap().as_deref(), Some("admin"));
        let mut explain = db
            .query("SELECT id FROM session WHERE expires_at <= time::now() EXPLAIN")
            .await
            .unwrap();
        let plan: Vec<serde_json::Value> = explain.take(0).unwrap();
        let plan = serde_json::Value::Array(plan);
        assert!(plan.to_string().contains("session_expires"), "{plan}");
    }

    #[test]
    fn cookie_is_httponly_strict_and_secure_only_behind_tls() {
        let c = set_cookie("abc", 60, false);
        let s = c.to_str().unwrap();
        assert!(s.contains("HttpOnly") && s.contains("SameSite=Strict") && !s.contains("Secure"));
        assert!(set_cookie("abc", 60, true)
            .to_str()
            .unwrap()
            .ends_with("; Secure"));
        let mut h = HeaderMap::new();
        h.insert(
            COOKIE,
            HeaderValue::from_static("a=1; parabens_session=tok; b=2"),
        );
        assert_eq!(token_from_headers(&h).as_deref(), Some("tok"));
        h.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert!(is_secure(&h, &Config::for_tests("x")));
    }
}
