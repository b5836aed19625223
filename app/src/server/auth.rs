//! Admin accounts: argon2 password hashes and the first admin. A hash is kept apart from
//! its user, in `secret:⟨password/<username>⟩` (see `setting_store`).

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use chrono::{DateTime, Utc};
use surrealdb::types::{RecordId, SurrealValue};

use super::db::Db;
use crate::models::account::AdminView;

pub const FIRST_ADMIN: &str = "admin";

#[derive(Debug, SurrealValue)]
#[surreal(crate = "surrealdb::types")]
struct UserRow {
    username: String,
    created_at: DateTime<Utc>,
    created_by: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("user already exists")]
    AlreadyExists,
    #[error("no such user")]
    NotFound,
    #[error("the last admin cannot be removed")]
    LastAdmin,
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error(transparent)]
    Db(#[from] surrealdb::Error),
}

pub fn user_id(username: &str) -> RecordId {
    RecordId::new("user", username)
}

fn hash_id(username: &str) -> RecordId {
    RecordId::new("secret", format!("password/{username}"))
}

pub fn hash_password(password: &str) -> Result<String, AccountError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AccountError::Hash(e.to_string()))
}

fn verify_hash(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// True when `username` exists and `password` is theirs. Runs one argon2 verification
/// either way, so response time does not tell whether the user exists.
pub async fn verify_login(db: &Db, username: &str, password: &str) -> Result<bool, AccountError> {
    let mut res = db
        .query("IF record::exists($user) { RETURN (SELECT VALUE value FROM ONLY $hash) }")
        .bind(("user", user_id(username)))
        .bind(("hash", hash_id(username)))
        .await?;
    let hash: Option<String> = res.take(0)?;
    Ok(match hash {
        Some(hash) => verify_hash(password, &hash),
        None => {
            static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
            let dummy = DUMMY.get_or_init(|| hash_password("dummy").unwrap_or_default());
            let _ = verify_hash(password, dummy);
            false
        }
    })
}

pub async fn create_user(
    db: &Db,
    username: &str,
    password: &str,
    created_by: Option<&str>,
) -> Result<(), AccountError> {
    let hash = hash_password(password)?;
    let res = db
        .query(
            "BEGIN TRANSACTION;
             CREATE $id SET username = $username, created_at = time::now(),
                 created_by = $created_by RETURN NONE;
             UPSERT $hash_id SET kind = 'password', value = $hash RETURN NONE;
             COMMIT TRANSACTION;",
        )
        .bind(("id", user_id(username)))
        .bind(("hash_id", hash_id(username)))
        .bind(("username", username.to_string()))
        .bind(("hash", hash))
        .bind(("created_by", created_by.map(str::to_string)))
        .await?
        .check();
    match res {
        Ok(_) => Ok(()),
        Err(e) if e.to_string().contains("already exists") => Err(AccountError::AlreadyExists),
        Err(e) => Err(e.into()),
    }
}

pub async fn set_password(db: &Db, username: &str, password: &str) -> Result<(), AccountError> {
    let hash = hash_password(password)?;
    db.query("IF record::exists($id) { UPSERT $hash_id SET kind = 'password', value = $hash }")
        .bind(("id", user_id(username)))
        .bind(("hash_id", hash_id(username)))
        .bind(("hash", hash))
        .await?
        .check()?;
    Ok(())
}

pub async fn list_admins(db: &Db) -> Result<Vec<AdminView>, AccountError> {
    let mut res = db
        .query("SELECT username, created_at, created_by FROM user ORDER BY username")
        .await?;
    let rows: Vec<UserRow> = res.take(0)?;
    Ok(rows
        .into_iter()
        .map(|r| AdminView {
            username: r.username,
            created_at: r.created_at,
            created_by: r.created_by,
        })
        .collect())
}

/// Removes admin `username` and ends all their sessions, in one transaction; never the last
/// admin.
pub async fn remove_user(db: &Db, username: &str) -> Result<(), AccountError> {
    let mut res = db
        .query(
            "BEGIN TRANSACTION;
             LET $exists = record::exists($id);
             LET $others = (SELECT VALUE count() FROM user WHERE id != $id GROUP ALL)[0] ?? 0;
             IF $exists AND $others > 0 {
                 DELETE session WHERE user = $id;
                 DELETE $hash_id;
                 DELETE $id;
             };
             COMMIT TRANSACTION;
             RETURN { exists: $exists, others: $others };",
        )
        .bind(("id", user_id(username)))
        .bind(("hash_id", hash_id(username)))
        .await?;
    #[derive(SurrealValue)]
    #[surreal(crate = "surrealdb::types")]
    struct Outcome {
        exists: bool,
        others: i64,
    }
    let outcome: Option<Outcome> = res.take(res.num_statements() - 1)?;
    match outcome {
        Some(Outcome {
            exists: true,
            others,
        }) if others > 0 => Ok(()),
        Some(Outcome { exists: true, .. }) => Err(AccountError::LastAdmin),
        _ => Err(AccountError::NotFound),
    }
}

/// Creates `admin` on first start, or gives it a password when no admin has one (a backup
/// download restored: it carries no password hashes). Returns the generated password when
/// none was configured, so that the caller prints it once; `None` when an admin can sign in
/// already, or the password was given.
pub async fn ensure_first_admin(
    db: &Db,
    configured: Option<&str>,
) -> Result<Option<String>, AccountError> {
    let mut res = db
        .query("SELECT count() AS n FROM secret WHERE kind = 'password' GROUP ALL")
        .await?;
    let with_password: Option<i64> = res.take((0, "n"))?;
    if with_password.unwrap_or(0) > 0 {
        return Ok(None);
    }
    let (password, generated) = match configured {
        Some(p) => (p.to_string(), false),
        None => (generate_password(), true),
    };
    match create_user(db, FIRST_ADMIN, &password, None).await {
        Ok(()) => {}
        Err(AccountError::AlreadyExists) => set_password(db, FIRST_ADMIN, &password).await?,
        Err(e) => return Err(e),
    }
    Ok(generated.then_some(password))
}

/// 16 characters from an alphabet without look-alikes (0/O, 1/l/I).
pub fn generate_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..16)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn db() -> Db {
        let db = super::super::db::connect("mem://", None).await.unwrap();
        super::super::schema::migrate(&db).await.unwrap();
        db
    }

    #[tokio::test]
    async fn first_admin_is_created_once_with_a_generated_password() {
        let db = db().await;
        let generated = ensure_first_admin(&db, None).await.unwrap().unwrap();
        assert_eq!(generated.len(), 16);
        assert!(verify_login(&db, "admin", &generated).await.unwrap());
        assert!(!verify_login(&db, "admin", "wrong").await.unwrap());
        // Second start: nothing generated, the password is unchanged.
        assert_eq!(ensure_first_admin(&db, Some("other")).await.unwrap(), None);
        assert!(verify_login(&db, "admin", &generated).await.unwrap());
    }

    #[tokio::test]
    async fn hashes_are_argon2_and_never_the_password() {
        let db = db().await;
        ensure_first_admin(&db, Some("s3nha-forte-123"))
            .await
            .unwrap();
        let mut res = db
            .query("SELECT VALUE value FROM ONLY secret:⟨password/admin⟩; SELECT * FROM user")
            .await
            .unwrap();
        let hash: Option<String> = res.take(0).unwrap();
        let hash = hash.unwrap();
        assert!(hash.starts_with("$argon2"));
        assert!(!hash.contains("s3nha-forte-123"));
        // The user's own row, which a backup download carries, holds no hash.
        let users: Vec<serde_json::Value> = res.take(1).unwrap();
        assert!(!format!("{users:?}").contains("argon2"), "{users:?}");
    }

    #[tokio::test]
    async fn admins_restored_without_hashes_get_the_first_admins_password_again() {
        let db = db().await;
        ensure_first_admin(&db, Some("antiga-123")).await.unwrap();
        create_user(&db, "maria", "senha-da-maria", Some("admin"))
            .await
            .unwrap();
        // What a restored download holds: the admins, none of their hashes.
        db.query("DELETE secret").await.unwrap().check().unwrap();
        assert!(!verify_login(&db, "maria", "senha-da-maria").await.unwrap());
        assert_eq!(
            ensure_first_admin(&db, Some("nova-senha-456"))
                .await
                .unwrap(),
            None
        );
        assert!(verify_login(&db, "admin", "nova-senha-456").await.unwrap());
        assert!(!verify_login(&db, "maria", "senha-da-maria").await.unwrap());
        assert_eq!(list_admins(&db).await.unwrap().len(), 2);
    }

    #[tokio::test]
    async fn duplicate_users_are_refused_and_passwords_change() {
        let db = db().await;
        create_user(&db, "maria", "senha-da-maria", Some("admin"))
            .await
            .unwrap();
        assert!(matches!(
            create_user(&db, "maria", "outra-senha-123", None).await,
            Err(AccountError::AlreadyExists)
        ));
        set_password(&db, "maria", "nova-senha-456").await.unwrap();
        assert!(verify_login(&db, "maria", "nova-senha-456").await.unwrap());
        assert!(!verify_login(&db, "maria", "senha-da-maria").await.unwrap());
        assert!(!verify_login(&db, "ninguem", "x").await.unwrap());
        let admins = list_admins(&db).await.unwrap();
        assert_eq!(admins.len(), 1);
        assert_eq!(admins[0].created_by.as_deref(), Some("admin"));
    }
}
