//! The address a request really comes from. Behind a reverse proxy every TCP peer is the
//! proxy; its `X-Forwarded-For` names the client, but anyone can send that header, so it is
//! believed only from the proxies in `PARABENS_TRUSTED_PROXIES` (none by default).

use std::net::IpAddr;

use axum::http::HeaderMap;

/// `PARABENS_TRUSTED_PROXIES`: addresses separated by commas or spaces.
pub fn parse_trusted(list: &str) -> Result<Vec<IpAddr>, String> {
    list.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse()
                .map_err(|_| format!("PARABENS_TRUSTED_PROXIES: {s:?} is not an IP address"))
        })
        .collect()
}

/// The client of a request from `peer`: the peer itself, unless it is a trusted proxy; then
/// the right-most `X-Forwarded-For` address that is not a trusted proxy (the ones left of it
/// were written by the client and prove nothing).
pub fn real_client(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    for hop in hops.into_iter().rev() {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => continue,
            Ok(ip) => return ip,
            // Nothing left of a hop we cannot read is believed.
            Err(_) => break,
        }
    }
    peer
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn forwarded(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn only_a_trusted_proxy_is_believed() {
        let proxy = ip("10.0.0.5");
        let h = forwarded("203.0.113.9");
        assert_eq!(real_client(proxy, &h, &[]), proxy, "trusts none by default");
        assert_eq!(real_client(proxy, &h, &[proxy]), ip("203.0.113.9"));
        // A client that is not the proxy cannot pick its own address.
        assert_eq!(
            real_client(ip("198.51.100.7"), &h, &[proxy]),
            ip("198.51.100.7")
        );
        // A forged hop written by the client is left of the one the proxy appended.
        let h = forwarded("1.2.3.4, 203.0.113.9");
        assert_eq!(real_client(proxy, &h, &[proxy]), ip("203.0.113.9"));
        // Two trusted proxies in a row.
        let h = forwarded("203.0.113.9, 10.0.0.6");
        assert_eq!(
            real_client(proxy, &h, &[proxy, ip("10.0.0.6")]),
            ip("203.0.113.9")
        );
        // No header, or garbage: the proxy itself.
        assert_eq!(real_client(proxy, &HeaderMap::new(), &[proxy]), proxy);
        assert_eq!(real_client(proxy, &forwarded("abc"), &[proxy]), proxy);
        assert_eq!(
            real_client(proxy, &forwarded("1.2.3.4, abc"), &[proxy]),
            proxy
        );
    }

    #[test]
    fn the_list_parses() {
        assert_eq!(
            parse_trusted("127.0.0.1, ::1 10.0.0.5").unwrap(),
            vec![ip("127.0.0.1"), ip("::1"), ip("10.0.0.5")]
        );
        assert!(parse_trusted("").unwrap().is_empty());
        assert!(parse_trusted("10.0.0.0/8").is_err());
    }
}
