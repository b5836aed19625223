//! Percent-encoding for query values and `data:` URLs, the same in browser and server.

/// Encodes every byte of `s` except RFC 3986 unreserved characters and those in `keep`.
pub fn percent_encode(s: &str, keep: &[u8]) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) || keep.contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A base URL of an external system: `http(s)://host[:port][/path]`, no spaces or query.
pub fn validate_base_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| "Informe uma URL começando com https:// ou http://.".to_string())?;
    let host = rest.split(['/', ':']).next().unwrap_or("");
    if host.is_empty()
        || !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
    {
        return Err("Endereço inválido: informe o domínio ou IP do servidor.".into());
    }
    if url.len() > 300
        || url
            .chars()
            .any(|c| c.is_whitespace() || c == '?' || c == '#')
    {
        return Err("A URL não pode ter espaços, parâmetros (?) ou âncoras (#).".into());
    }
    Ok(())
}

/// The origin of a base URL (`scheme://host[:port]`, lowercase): a stored token belongs to
/// it and is sent nowhere else.
pub fn origin(url: &str) -> String {
    let url = url.trim().to_ascii_lowercase();
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url.as_str()));
    let authority = rest.split('/').next().unwrap_or("");
    let default_port = match scheme {
        "https" => ":443",
        "http" => ":80",
        _ => "",
    };
    let authority = authority.strip_suffix(default_port).unwrap_or(authority);
    format!("{scheme}://{authority}")
}

/// Why a saved token cannot be kept for `new_url` (empty token field), if it cannot:
/// the URL now names another server, or no token was saved yet.
pub fn keep_token_error(saved_url: &str, saved_token_set: bool, new_url: &str) -> Option<String> {
    if !saved_token_set {
        Some("Informe o token.".into())
    } else if origin(saved_url) != origin(new_url) {
        Some(
            "A URL agora aponta para outro servidor: informe o token de novo (um token salvo só é enviado ao servidor para o qual foi salvo)."
                .into(),
        )
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::{keep_token_error, origin, percent_encode, validate_base_url};

    #[test]
    fn a_token_stays_with_its_server() {
        assert_eq!(
            origin("https://Opa.Provedor.com.br/api/v1/"),
            "https://opa.provedor.com.br"
        );
        assert_eq!(origin("https://a.b:443/x"), origin("https://a.b/y"));
        assert_ne!(origin("http://a.b"), origin("https://a.b"));
        assert_ne!(origin("https://a.b"), origin("https://a.b:8443"));
        assert_eq!(
            keep_token_error("https://a.b/api/v1", true, "https://a.b/api/v1/"),
            None
        );
        assert!(keep_token_error("https://a.b", true, "https://evil.example").is_some());
        assert!(keep_token_error("https://a.b", true, "https://a.b.evil.example").is_some());
        assert!(keep_token_error("", false, "https://a.b").is_some());
    }

    #[test]
    fn base_urls() {
        for ok in [
            "https://ixc.provedor.com.br",
            "http://10.0.0.5:8080",
            "https://a.b/ixc/",
        ] {
            assert_eq!(validate_base_url(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "ixc.com.br",
            "ftp://x",
            "https://",
            "https://a b",
            "https://x.com/?a=1",
            "https://exa_mple.com",
        ] {
            assert!(validate_base_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn encodes_all_but_unreserved_and_kept() {
        assert_eq!(percent_encode("a b&c=d/é", b""), "a%20b%26c%3Dd%2F%C3%A9");
        assert_eq!(percent_encode("/fila?p=2", b"/"), "/fila%3Fp%3D2");
    }
}
