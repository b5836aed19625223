//! Tokens and passwords held as [`SecretString`]: never in a `Debug` line or a log, read only
//! through `expose_secret()` where they are sent. Stored settings keep them (`serialize`).

pub use secrecy::{ExposeSecret, SecretString};

/// For `#[serde(serialize_with)]`: secrecy serialises no secret on its own.
pub fn serialize<S: serde::Serializer>(secret: &SecretString, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(secret.expose_secret())
}

/// Whether a secret was given at all.
pub fn is_set(secret: &SecretString) -> bool {
    !secret.expose_secret().is_empty()
}

#[cfg(test)]
mod tests {
    use crate::server::db::DbCredentials;
    use crate::server::ixc::IxcConfig;
    use crate::server::opa::connection::OpaConfig;

    #[test]
    fn secrets_stay_out_of_debug_lines_but_are_stored() {
        let ixc = IxcConfig {
            url: "https://ixc.example".into(),
            user_id: "7".into(),
            token: "ixc-s3cret".into(),
        };
        let opa = OpaConfig {
            url: "https://opa.example/api/v1".into(),
            token: "opa-s3cret".into(),
        };
        let db = DbCredentials {
            username: "root".into(),
            password: "db-s3cret".into(),
        };
        let lines = format!("{ixc:?} {opa:?} {db:?}");
        assert!(!lines.contains("s3cret"), "{lines}");
        assert!(lines.contains("https://ixc.example") && lines.contains("root"));
        // Saved settings keep the token, and read it back.
        let stored = serde_json::to_string(&ixc).unwrap();
        assert!(stored.contains("ixc-s3cret"));
        let back: IxcConfig = serde_json::from_str(&stored).unwrap();
        assert_eq!(
            super::ExposeSecret::expose_secret(&back.token),
            "ixc-s3cret"
        );
    }
}
