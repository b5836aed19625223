//! Every Opa! Suite failure, classified: retry later, or give up and show why.

use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpaErrorKind {
    /// Network error, timeout, 5xx, 429, Meta throughput limits: try again later.
    Retryable,
    /// 400/401/403/404/409 and Meta's final codes: retrying cannot help.
    Final,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct OpaError {
    pub kind: OpaErrorKind,
    /// HTTP status, when there was a response.
    pub status: Option<u16>,
    /// Meta/WhatsApp error code passed through by Opa! Suite, when present.
    pub meta_code: Option<u64>,
    /// The wait the provider asked for (`Retry-After`, or Meta's pair limit).
    pub retry_after: Option<Duration>,
    /// The provider's own message (or ours, in Portuguese), for the UI.
    pub message: String,
}

/// Meta's cap on how many marketing messages one person gets: not a fault to fix, and not
/// worth another attempt the same day.
pub const META_MARKETING_CAP: u64 = 131049;

/// What an admin should know or do about a final Meta code, in Portuguese.
pub fn meta_explanation(code: u64) -> Option<&'static str> {
    Some(match code {
        META_MARKETING_CAP => "A Meta limita quantas mensagens de marketing cada pessoa recebe: esta não foi entregue hoje, e reenviar no mesmo dia não adianta.",
        131047 => "Passaram-se mais de 24 horas desde a última resposta do cliente; fora dessa janela só um template aprovado pode ser enviado: confira o template da mensagem.",
        132000 => "O número de variáveis enviadas não bate com o do template: confira as variáveis da mensagem em Mensagens Omnichannel.",
        132001 => "O template não existe na conta do WhatsApp (ou não no idioma usado): confira o template da mensagem no Opa! Suite.",
        132018 => "Uma variável tem quebra de linha, tabulação ou mais de quatro espaços seguidos: corrija o texto fixo ou o cadastro do cliente.",
        131026 => "O número não pode receber a mensagem (sem WhatsApp, ou sem aceitar os termos atuais).",
        _ => return None,
    })
}

/// Meta codes that mean "slow down" rather than "never".
const META_RETRYABLE: &[u64] = &[130429, 131056, 131048, 80007];
/// Meta's pair rate limit asks for at least six seconds between messages to one number.
const PAIR_LIMIT_WAIT: Duration = Duration::from_secs(6);

impl OpaError {
    pub fn is_retryable(&self) -> bool {
        self.kind == OpaErrorKind::Retryable
    }

    /// No answer from Opa! Suite itself: none at all, or its gateway's 502/503/504.
    pub fn is_unreachable(&self) -> bool {
        matches!(self.status, None | Some(502..=504))
    }

    pub fn network(message: impl Into<String>) -> Self {
        Self {
            kind: OpaErrorKind::Retryable,
            status: None,
            meta_code: None,
            retry_after: None,
            message: message.into(),
        }
    }

    /// A response that is not what the API answers. Nothing of the body is quoted: the URL
    /// may point anywhere, and its pages must not be readable through our error text.
    pub fn invalid_response(status: u16, detail: impl std::fmt::Display) -> Self {
        Self {
            kind: if status >= 500 {
                OpaErrorKind::Retryable
            } else {
                OpaErrorKind::Final
            },
            status: Some(status),
            meta_code: None,
            retry_after: None,
            message: format!("Resposta inesperada do Opa! Suite (HTTP {status}): {detail}"),
        }
    }

    /// Classifies an error response from its status, `Retry-After` and body. The message is
    /// the HTTP status and the service's own `message` (or `error`) field, never a slice of
    /// the body.
    pub fn from_response(status: u16, retry_after: Option<Duration>, body: &str) -> Self {
        let json: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
        let meta_code = find_meta_code(&json);
        let message = match provider_message(&json).map(|m| crate::server::external_text(&m)) {
            Some(m) if !m.is_empty() => format!("Opa! Suite respondeu HTTP {status}: {m}"),
            _ => format!("Opa! Suite respondeu HTTP {status}."),
        };
        let message = match meta_code.and_then(meta_explanation) {
            Some(what) => format!("{message} (código {}) {what}", meta_code.unwrap_or(0)),
            None => message,
        };
        let kind = match (status, meta_code) {
            (_, Some(code)) if META_RETRYABLE.contains(&code) => OpaErrorKind::Retryable,
            (_, Some(_)) => OpaErrorKind::Final,
            (429, _) | (500..=599, _) | (408, _) => OpaErrorKind::Retryable,
            _ => OpaErrorKind::Final,
        };
        let retry_after = match meta_code {
            Some(131056) => Some(retry_after.unwrap_or(PAIR_LIMIT_WAIT).max(PAIR_LIMIT_WAIT)),
            _ => retry_after,
        };
        Self {
            kind,
            status: Some(status),
            meta_code,
            retry_after,
            message,
        }
    }
}

fn provider_message(json: &serde_json::Value) -> Option<String> {
    for key in ["message", "mensagem", "error_description"] {
        if let Some(s) = json.get(key).and_then(|v| v.as_str()) {
            return Some(s.to_string());
        }
    }
    match json.get("error") {
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(obj @ serde_json::Value::Object(_)) => provider_message(obj),
        _ => None,
    }
}

/// Meta's numeric code, wherever Opa! Suite put it (`code`, `error.code`, `data.code`...),
/// ignoring values that are just the HTTP status.
fn find_meta_code(json: &serde_json::Value) -> Option<u64> {
    let as_code = |v: &serde_json::Value| {
        v.as_u64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            .filter(|c| *c >= 1000 || *c == 100)
    };
    for path in [
        &["code"][..],
        &["error", "code"],
        &["data", "code"],
        &["error", "error", "code"],
    ] {
        let mut v = json;
        for key in path {
            match v.get(key) {
                Some(next) => v = next,
                None => {
                    v = &serde_json::Value::Null;
                    break;
                }
            }
        }
        if let Some(code) = as_code(v) {
            return Some(code);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification_table() {
        let cases: &[(u16, &str, OpaErrorKind, Option<u64>)] = &[
            (
                500,
                r#"{"status":"error","message":"boom"}"#,
                OpaErrorKind::Retryable,
                None,
            ),
            (
                502,
                "<html>bad gateway</html>",
                OpaErrorKind::Retryable,
                None,
            ),
            (
                429,
                r#"{"status":"error","code":130429,"message":"Rate limit hit"}"#,
                OpaErrorKind::Retryable,
                Some(130429),
            ),
            (
                400,
                r#"{"status":"error","error":{"code":131056,"message":"pair rate limit"}}"#,
                OpaErrorKind::Retryable,
                Some(131056),
            ),
            (
                400,
                r#"{"status":"error","code":400,"message":"Contato já está em atendimento"}"#,
                OpaErrorKind::Final,
                None,
            ),
            (
                400,
                r#"{"status":"error","error":{"code":132018,"message":"param issue"}}"#,
                OpaErrorKind::Final,
                Some(132018),
            ),
            (
                400,
                r#"{"status":"error","code":131026,"message":"undeliverable"}"#,
                OpaErrorKind::Final,
                Some(131026),
            ),
            (
                401,
                r#"{"status":"error","message":"Token inválido"}"#,
                OpaErrorKind::Final,
                None,
            ),
            (403, "", OpaErrorKind::Final, None),
            (
                404,
                r#"{"error":"NOT_FOUND_ERROR","message":"Communication channel not found."}"#,
                OpaErrorKind::Final,
                None,
            ),
            (409, "{}", OpaErrorKind::Final, None),
        ];
        for (status, body, kind, meta) in cases {
            let e = OpaError::from_response(*status, None, body);
            assert_eq!(e.kind, *kind, "{status} {body}");
            assert_eq!(e.meta_code, *meta, "{status} {body}");
            assert!(!e.message.is_empty());
        }
        let nf = OpaError::from_response(
            404,
            None,
            r#"{"error":"NOT_FOUND_ERROR","message":"Communication channel not found."}"#,
        );
        assert_eq!(
            nf.message,
            "Opa! Suite respondeu HTTP 404: Communication channel not found."
        );
        // An arbitrary page (the URL pointed at some internal host) is never quoted.
        let page = OpaError::from_response(
            403,
            None,
            "<html><title>Painel interno</title>segredo</html>",
        );
        assert_eq!(page.message, "Opa! Suite respondeu HTTP 403.");
    }

    #[test]
    fn final_meta_codes_say_what_to_fix_in_portuguese() {
        for code in [131049, 131047, 132000, 132001, 132018] {
            let e = OpaError::from_response(
                400,
                None,
                &format!(r#"{{"status":"error","code":{code},"message":"x"}}"#),
            );
            assert_eq!(e.kind, OpaErrorKind::Final, "{code}");
            assert!(
                e.message.contains(&format!("(código {code})")),
                "{}",
                e.message
            );
            assert!(e.message.contains(meta_explanation(code).unwrap()));
        }
        let vars = OpaError::from_response(400, None, r#"{"code":132000}"#);
        assert!(vars.message.contains("variáveis"), "{}", vars.message);
        // A code without an explanation keeps the provider's message only.
        let other = OpaError::from_response(400, None, r#"{"code":131000,"message":"x"}"#);
        assert!(!other.message.contains("código"));
    }

    #[test]
    fn waits() {
        let e = OpaError::from_response(429, Some(Duration::from_secs(3)), "{}");
        assert_eq!(e.retry_after, Some(Duration::from_secs(3)));
        let pair = OpaError::from_response(400, Some(Duration::from_secs(1)), r#"{"code":131056}"#);
        assert_eq!(pair.retry_after, Some(Duration::from_secs(6)));
        assert!(OpaError::network("x").is_retryable());
    }

    #[test]
    fn only_no_answer_or_a_gateways_is_unreachable() {
        assert!(OpaError::network("recusada").is_unreachable());
        for status in [502, 503, 504] {
            assert!(
                OpaError::from_response(status, None, "").is_unreachable(),
                "{status}"
            );
        }
        // Opa! Suite answered, even if to refuse: it is reachable.
        for status in [400, 401, 404, 429, 500] {
            assert!(
                !OpaError::from_response(status, None, "").is_unreachable(),
                "{status}"
            );
        }
        assert!(!OpaError::invalid_response(200, "sem data").is_unreachable());
    }
}
