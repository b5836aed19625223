//! Text that came from an outside service (Opa! Suite, IXC) on its way to the admin's screen
//! and the log: one line, bounded, whatever the service sent; and why a service gave no
//! answer, in Portuguese.

/// Longest piece of a service's own message that is quoted.
pub const MAX_CHARS: usize = 300;

/// The service's message as one trimmed line of at most [`MAX_CHARS`] characters: control
/// characters (newlines included) become spaces, so it can neither forge a log line nor
/// carry a page along.
pub fn external_text(raw: &str) -> String {
    let line: String = raw
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

/// Why a request to an outside service got no answer, in Portuguese (reqwest's own words
/// are English and may name the URL).
pub fn no_answer(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "tempo esgotado"
    } else if e.is_connect() {
        "conexão recusada ou endereço inalcançável"
    } else if e.is_body() || e.is_decode() {
        "resposta interrompida"
    } else {
        "falha na requisição"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_bounded_line() {
        assert_eq!(external_text("  Token\ninválido\r\n"), "Token inválido");
        assert_eq!(external_text("a\u{1b}[31mb"), "a [31mb");
        let long = "x".repeat(1000);
        assert_eq!(external_text(&long).chars().count(), MAX_CHARS + 1);
    }
}
