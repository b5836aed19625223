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

#[cfg(test)]
mod tests {
    use super::{percent_encode, validate_base_url};

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
