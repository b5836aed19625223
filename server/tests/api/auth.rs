//! Sessions, login, logout, accounts and the 401 rule, over real HTTP.

use crate::common;
use crate::fns::*;

use common::{client, spawn, ADMIN_PASSWORD};
use reqwest::StatusCode;

#[tokio::test]
async fn healthz_answers_when_the_database_does() {
    let app = spawn().await;
    let res = reqwest::get(app.url("/healthz")).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], "ok");
    app.running.stop().await;
}

#[tokio::test]
async fn pages_without_a_session_redirect_to_login() {
    let app = spawn().await;
    let c = client();
    for (path, location) in [
        ("/", "/login"),
        ("/fila", "/login?next=/fila"),
        ("/clientes?p=2", "/login?next=/clientes%3Fp%3D2"),
    ] {
        let res = c.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(res.headers()["location"], location, "{path}");
    }
    let login = c.get(app.url("/login")).send().await.unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    assert!(login.text().await.unwrap().contains("Entrar"));
}

#[tokio::test]
async fn every_server_function_refuses_a_call_without_a_session() {
    let app = spawn().await;
    let c = client();
    let paths: Vec<_> = leptos::server_fn::axum::server_fn_paths()
        .map(|(p, m)| (p.to_string(), m))
        .collect();
    assert!(paths.len() >= 6, "server functions registered: {paths:?}");
    let mut checked = 0;
    for (path, method) in paths {
        if path == Login::PATH {
            continue; // the one door in
        }
        let req = if method == reqwest::Method::GET {
            c.get(app.url(&path))
        } else {
            c.post(app.url(&path)).form(&[("x", "y")])
        };
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{path}");
        checked += 1;
    }
    assert!(checked >= 5);
    // A forged cookie is no better than none.
    let forged = reqwest::Client::new()
        .post(app.url(GetCurrentUser::PATH))
        .header("cookie", "parabens_session=forged")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn login_opens_a_session_and_logout_ends_it() {
    let app = spawn().await;
    let c = client();
    let res = app.login(&c, "admin", ADMIN_PASSWORD).await;
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("parabens_session="));
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    assert!(!cookie.contains("Secure"), "plain http: no Secure flag");

    let page = c.get(app.url("/")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Painel"));
    let me = app.call::<GetCurrentUser>(&c, &[]).await;
    assert_eq!(me.status(), StatusCode::OK);
    assert_eq!(
        me.json::<serde_json::Value>().await.unwrap()["username"],
        "admin"
    );

    // A logged-in admin visiting /login goes to the dashboard.
    let login_page = c.get(app.url("/login")).send().await.unwrap();
    assert_eq!(login_page.status(), StatusCode::SEE_OTHER);

    let out = app.call::<Logout>(&c, &[]).await;
    assert_eq!(out.status(), StatusCode::OK);
    assert!(out.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    // The token itself is dead on the server, not only forgotten by the client.
    let token = cookie.split(';').next().unwrap().to_string();
    let replay = reqwest::Client::new()
        .post(app.url(GetCurrentUser::PATH))
        .header("cookie", token)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn secure_cookie_behind_a_tls_proxy() {
    let app = spawn().await;
    let res = client()
        .post(app.url(Login::PATH))
        .header("x-forwarded-proto", "https")
        .form(&[("username", "admin"), ("password", ADMIN_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert!(res.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("; Secure"));
}

#[tokio::test]
async fn wrong_passwords_open_nothing_and_are_rate_limited() {
    let app = spawn().await;
    let c = client();
    let res = app.login(&c, "admin", "errada").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.headers().get("set-cookie").is_none());
    let body = res.text().await.unwrap();
    assert!(body.contains("Usuário ou senha incorretos."), "{body}");
    assert!(
        body.contains("\"password\""),
        "the error names its field: {body}"
    );
    // Unknown users get the very same answer.
    let unknown = app.login(&c, "ninguem", "errada").await;
    assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);

    for _ in 0..4 {
        app.login(&c, "admin", "errada").await;
    }
    // Five failures: even the right password waits now.
    let blocked = app.login(&c, "admin", ADMIN_PASSWORD).await;
    assert_eq!(blocked.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(blocked.headers().get("set-cookie").is_none());
}

#[tokio::test]
async fn admins_change_their_password_and_add_admins() {
    let app = spawn().await;
    let c = app.logged_in_client().await;

    let short = app
        .call::<ChangePassword>(
            &c,
            &[
                ("current", ADMIN_PASSWORD),
                ("password", "curta"),
                ("confirmation", "curta"),
            ],
        )
        .await;
    assert_eq!(short.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.text().await.unwrap().contains("pelo menos 10"));

    let wrong = app
        .call::<ChangePassword>(
            &c,
            &[
                ("current", "nao-e-ela"),
                ("password", "nova-senha-456"),
                ("confirmation", "nova-senha-456"),
            ],
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.text().await.unwrap().contains("\"current\""));

    let ok = app
        .call::<ChangePassword>(
            &c,
            &[
                ("current", ADMIN_PASSWORD),
                ("password", "nova-senha-456"),
                ("confirmation", "nova-senha-456"),
            ],
        )
        .await;
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(
        app.login(&client(), "admin", ADMIN_PASSWORD).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        app.login(&client(), "admin", "nova-senha-456")
            .await
            .status(),
        StatusCode::OK
    );

    let bad_name = app
        .call::<AddAdmin>(
            &c,
            &[
                ("username", "Maria Silva"),
                ("password", "senha-da-maria"),
                ("confirmation", "senha-da-maria"),
            ],
        )
        .await;
    assert_eq!(bad_name.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_name.text().await.unwrap().contains("\"username\""));
    let added = app
        .call::<AddAdmin>(
            &c,
            &[
                ("username", "maria"),
                ("password", "senha-da-maria"),
                ("confirmation", "senha-da-maria"),
            ],
        )
        .await;
    assert_eq!(added.status(), StatusCode::OK);
    let dup = app
        .call::<AddAdmin>(
            &c,
            &[
                ("username", "maria"),
                ("password", "senha-da-maria"),
                ("confirmation", "senha-da-maria"),
            ],
        )
        .await;
    assert!(dup.text().await.unwrap().contains("Já existe"));
    assert_eq!(
        app.login(&client(), "maria", "senha-da-maria")
            .await
            .status(),
        StatusCode::OK
    );

    let list = app.text::<ListAdmins>(&c, &[]).await;
    assert!(list.contains("maria") && list.contains("admin"));
    assert!(
        !list.contains("argon2") && !list.contains("password"),
        "{list}"
    );
}

#[tokio::test]
async fn pages_and_responses_carry_no_secret() {
    let app = spawn().await;
    let c = app.logged_in_client().await;
    for path in ["/", "/conta", "/fila", "/integracoes"] {
        let html = c
            .get(app.url(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!html.contains(ADMIN_PASSWORD), "{path}");
        assert!(!html.contains("$argon2"), "{path}");
        assert!(!html.contains("password_hash"), "{path}");
    }
}

#[tokio::test]
async fn the_audit_log_records_who_changed_what_and_never_a_secret() {
    let app = spawn().await;
    let stranger = client();
    let res = app.login(&stranger, "admin", "senha-errada-123").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let c = app.logged_in_client().await;
    let mut params = app.birthday_params(&c).await;
    params.per_minute = 42;
    assert!(app
        .save_birthday_params(&c, &params)
        .await
        .status()
        .is_success());
    let token = "token-secreto-do-opa-123";
    let res = app
        .call::<SaveOpaSettings>(
            &c,
            &[
                ("url", "https://opa.exemplo.com.br/api/v1"),
                ("token", token),
            ],
        )
        .await;
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());

    let log = |actor: &'static str, action: &'static str| {
        let c = c.clone();
        let app = &app;
        async move {
            let page: serde_json::Value = app
                .json::<ListAudit, _>(&c, &[("actor", actor), ("action", action)])
                .await;
            page["items"].as_array().unwrap().clone()
        }
    };
    let all = log("", "").await;
    let actions: Vec<&str> = all.iter().map(|e| e["action"].as_str().unwrap()).collect();
    // Newest first.
    assert_eq!(
        actions,
        ["IntegrationSaved", "ParamsSaved", "Login", "LoginFailed"],
        "{all:?}"
    );
    assert!(all[0]["detail"]
        .as_str()
        .unwrap()
        .contains("opa.exemplo.com.br"));
    assert!(all[1]["detail"].as_str().unwrap().contains("42 por minuto"));
    assert_eq!(all[3]["actor"], "admin");
    assert_eq!(all[3]["ip"], "127.0.0.1");
    let text = serde_json::to_string(&all).unwrap();
    assert!(!text.contains(token) && !text.contains(ADMIN_PASSWORD));
    assert_eq!(log("", "entrada_recusada").await.len(), 1);
    assert!(log("bia", "").await.is_empty());
    let bad = app
        .call::<ListAudit>(&c, &[("actor", ""), ("action", "apagar_tudo")])
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    app.running.stop().await;
}
