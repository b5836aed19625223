use leptos::prelude::*;

use crate::error::AppError;
use crate::models::account::{AdminView, CurrentUser};

/// Where to go after login: only a path of this site (a `/` followed by neither `/` nor `\`,
/// no backslash or control character anywhere, which browsers read as another origin or
/// which cannot be a header), never the login page itself.
pub fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(p)
            if p.starts_with('/')
                && !p[1..].starts_with(['/', '\\'])
                && !p.chars().any(|c| c.is_control() || c == '\\')
                && p.len() <= 2000
                && !p.starts_with("/login") =>
        {
            p
        }
        _ => "/",
    }
}

#[server(prefix = "/api", endpoint = "login")]
pub async fn login(
    username: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    use crate::domain::account::{MAX_PASSWORD_LEN, MAX_USERNAME_LEN};
    use crate::server::{anonymous, auth, session, OrInternal};
    anonymous(|state| async move {
        let username = username.trim().to_lowercase();
        if username.is_empty() {
            return Err(AppError::field("username", "Informe o usuário."));
        }
        if password.is_empty() {
            return Err(AppError::field("password", "Informe a senha."));
        }
        let ip = crate::server::client_ip().await;
        // No account has a longer name or password: nothing this long reaches the
        // throttle, the database or the log.
        if username.chars().count() > MAX_USERNAME_LEN
            || password.chars().count() > MAX_PASSWORD_LEN
        {
            tracing::warn!(%ip, "login refused: username or password longer than any account's");
            return Err(AppError::field("password", "Usuário ou senha incorretos."));
        }
        if let Err(wait) = state.limiter.check(&username, ip) {
            tracing::warn!(user = ?username, %ip, "login refused: too many failures");
            return Err(AppError::RateLimited(wait));
        }
        let ok = auth::verify_login(&state.db, &username, &password)
            .await
            .or_internal("login")?;
        if !ok {
            state.limiter.record_failure(&username, ip);
            tracing::warn!(user = ?username, %ip, "login failed");
            crate::server::audit::record(
                &state.db,
                &username,
                crate::models::audit::AuditAction::LoginFailed,
                "Usuário ou senha incorretos.",
                Some(ip.to_string()),
            )
            .await;
            return Err(AppError::field("password", "Usuário ou senha incorretos."));
        }
        state.limiter.record_success(&username, ip);
        if let Err(e) = session::purge_expired(&state.db).await {
            tracing::warn!(%e, "could not purge expired sessions");
        }
        let hours = state.config.session_hours;
        let token = session::create(&state.db, &username, hours)
            .await
            .or_internal("create session")?;
        let secure = crate::server::request_is_secure(&state);
        session::send_cookie(session::set_cookie(&token, hours * 3600, secure));
        tracing::info!(user = %username, %ip, "login");
        crate::server::audit::record(
            &state.db,
            &username,
            crate::models::audit::AuditAction::Login,
            "",
            Some(ip.to_string()),
        )
        .await;
        leptos_axum::redirect(safe_next(next.as_deref()));
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::server::{session, signed_in, OrInternal, Signed};
    signed_in(|Signed { user, token, state }| async move {
        session::delete(&state.db, &token)
            .await
            .or_internal("logout")?;
        session::send_cookie(session::clear_cookie(crate::server::request_is_secure(
            &state,
        )));
        tracing::info!(user = %user.username, "logout");
        crate::server::audit::record(
            &state.db,
            &user.username,
            crate::models::audit::AuditAction::Logout,
            "",
            None,
        )
        .await;
        leptos_axum::redirect("/login");
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "current_user")]
pub async fn get_current_user() -> Result<CurrentUser, AppError> {
    use crate::server::{signed_in, Signed};
    signed_in(|Signed { user, .. }| async move { Ok(user) }).await
}

#[server(prefix = "/api", endpoint = "change_password")]
pub async fn change_password(
    current: String,
    password: String,
    confirmation: String,
) -> Result<(), AppError> {
    use crate::domain::account::validate_new_password;
    use crate::server::{auth, session, signed_in, OrInternal, Signed};
    signed_in(|Signed { user, token, state }| async move {
        validate_new_password(&password, &confirmation).map_err(|(f, m)| AppError::field(f, m))?;
        let ip = crate::server::client_ip().await;
        if let Err(wait) = state.limiter.check(&user.username, ip) {
            return Err(AppError::RateLimited(wait));
        }
        let ok = auth::verify_login(&state.db, &user.username, &current)
            .await
            .or_internal("change password")?;
        if !ok {
            state.limiter.record_failure(&user.username, ip);
            return Err(AppError::field("current", "Senha atual incorreta."));
        }
        auth::set_password(&state.db, &user.username, &password)
            .await
            .or_internal("change password")?;
        session::delete_others(&state.db, &user.username, &token)
            .await
            .or_internal("end other sessions")?;
        tracing::info!(user = %user.username, "password changed");
        crate::server::audit::record(
            &state.db,
            &user.username,
            crate::models::audit::AuditAction::PasswordChanged,
            "outras sessões encerradas",
            None,
        )
        .await;
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "list_admins")]
pub async fn list_admins() -> Result<Vec<AdminView>, AppError> {
    use crate::server::{auth, signed_in, OrInternal, Signed};
    signed_in(|Signed { state, .. }| async move {
        auth::list_admins(&state.db)
            .await
            .or_internal("list admins")
    })
    .await
}

#[server(prefix = "/api", endpoint = "add_admin")]
pub async fn add_admin(
    username: String,
    password: String,
    confirmation: String,
) -> Result<(), AppError> {
    use crate::domain::account::{validate_new_password, validate_username};
    use crate::server::{auth, internal, signed_in, Signed};
    signed_in(
        |Signed {
             user: me, state, ..
         }| async move {
            let username = username.trim().to_string();
            validate_username(&username).map_err(|m| AppError::field("username", m))?;
            validate_new_password(&password, &confirmation)
                .map_err(|(f, m)| AppError::field(f, m))?;
            match auth::create_user(&state.db, &username, &password, Some(&me.username)).await {
                Ok(()) => {
                    tracing::info!(by = %me.username, user = %username, "admin added");
                    crate::server::audit::record(
                        &state.db,
                        &me.username,
                        crate::models::audit::AuditAction::AdminAdded,
                        &username,
                        None,
                    )
                    .await;
                    Ok(())
                }
                Err(auth::AccountError::AlreadyExists) => Err(AppError::field(
                    "username",
                    "Já existe um administrador com este usuário.",
                )),
                Err(e) => Err(internal("add admin", e)),
            }
        },
    )
    .await
}

/// Removes another admin and ends their sessions; never oneself, never the last admin.
#[server(prefix = "/api", endpoint = "remove_admin")]
pub async fn remove_admin(username: String) -> Result<(), AppError> {
    use crate::domain::account::MAX_USERNAME_LEN;
    use crate::server::{auth, internal, signed_in, Signed};
    signed_in(|Signed { user: me, state, .. }| async move {
        if username.chars().count() > MAX_USERNAME_LEN {
            return Err(AppError::NotFound);
        }
        if username == me.username {
            return Err(AppError::field(
                "remove",
                "Você não pode remover a si mesmo; peça a outro administrador.",
            ));
        }
        match auth::remove_user(&state.db, &username).await {
            Ok(()) => {
                tracing::info!(by = %me.username, user = %username, "admin removed, sessions ended");
                crate::server::audit::record(&state.db, &me.username, crate::models::audit::AuditAction::AdminRemoved, &username, None).await;
                Ok(())
            }
            Err(auth::AccountError::NotFound) => Err(AppError::NotFound),
            Err(auth::AccountError::LastAdmin) => Err(AppError::field(
                "remove",
                "Não é possível remover o último administrador.",
            )),
            Err(e) => Err(internal("remove admin", e)),
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_is_only_ever_a_local_path() {
        assert_eq!(safe_next(Some("/fila")), "/fila");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/login")), "/");
        assert_eq!(safe_next(None), "/");
        assert_eq!(
            safe_next(Some("/fila?status=erro&p=2")),
            "/fila?status=erro&p=2"
        );
        for evil in [
            "/\\evil.example/x",
            "/\tevil.example",
            "/\t/evil.example",
            "/fila\\..\\x",
            "/a\nSet-Cookie: x=1",
            "/\u{7f}",
        ] {
            assert_eq!(safe_next(Some(evil)), "/", "{evil:?}");
        }
        assert_eq!(safe_next(Some(&format!("/{}", "a".repeat(3000)))), "/");
    }
}

/// Lines per page of *Conta > Auditoria*.
pub const AUDIT_PAGE: usize = 50;

/// *Conta > Auditoria*: a page of the audit log, newest first, after or before a cursor.
#[server(prefix = "/api", endpoint = "list_audit")]
pub async fn list_audit(
    actor: String,
    action: String,
    after: Option<String>,
    before: Option<String>,
) -> Result<crate::models::page::Page<crate::models::audit::AuditEntry>, AppError> {
    use crate::models::audit::AuditFilter;
    use crate::models::page::Cursor;
    use crate::server::{audit, signed_in, OrInternal, Signed};
    signed_in(|Signed { state, .. }| async move {
        let f = AuditFilter::parse(&actor, &action).map_err(|(f, m)| AppError::field(f, m))?;
        let cursor = Cursor::from_query(after, before).map_err(|m| AppError::field("cursor", m))?;
        audit::list(&state.db, &f, &cursor, AUDIT_PAGE)
            .await
            .or_internal("audit log")
    })
    .await
}
