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

#[cfg(test)]
mod tests {
    use super::percent_encode;

    #[test]
    fn encodes_all_but_unreserved_and_kept() {
        assert_eq!(percent_encode("a b&c=d/é", b""), "a%20b%26c%3Dd%2F%C3%A9");
        assert_eq!(percent_encode("/fila?p=2", b"/"), "/fila%3Fp%3D2");
    }
}
