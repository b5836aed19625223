//! Validation of admin accounts: the same functions run in the form and in the server function.

pub const MIN_PASSWORD_LEN: usize = 10;
pub const MAX_PASSWORD_LEN: usize = 128;
pub const MAX_USERNAME_LEN: usize = 32;

/// Usernames: 3–32 characters, lowercase letters, digits, `.`, `_` or `-`.
pub fn validate_username(username: &str) -> Result<(), String> {
    let len = username.chars().count();
    if len == 0 {
        return Err("Informe o usuário.".into());
    }
    if !(3..=MAX_USERNAME_LEN).contains(&len) {
        return Err(format!(
            "O usuário deve ter de 3 a {MAX_USERNAME_LEN} caracteres."
        ));
    }
    if !username
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
    {
        return Err("Use apenas letras minúsculas, números, ponto, hífen ou sublinhado.".into());
    }
    Ok(())
}

/// A new password and its confirmation.
pub fn validate_new_password(
    password: &str,
    confirmation: &str,
) -> Result<(), (&'static str, String)> {
    let len = password.chars().count();
    if len < MIN_PASSWORD_LEN {
        return Err((
            "password",
            format!("A senha deve ter pelo menos {MIN_PASSWORD_LEN} caracteres."),
        ));
    }
    if len > MAX_PASSWORD_LEN {
        return Err((
            "password",
            format!("A senha deve ter no máximo {MAX_PASSWORD_LEN} caracteres."),
        ));
    }
    if password != confirmation {
        return Err((
            "confirmation",
            "A confirmação não confere com a senha.".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        for ok in ["admin", "maria.silva", "op_2", "a-b"] {
            assert_eq!(validate_username(ok), Ok(()), "{ok}");
        }
        for bad in ["", "ab", "Admin", "joão", "a b", &"x".repeat(33)] {
            assert!(validate_username(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords() {
        assert!(validate_new_password("curta", "curta").unwrap_err().0 == "password");
        assert!(
            validate_new_password("senha-longa-1", "outra")
                .unwrap_err()
                .0
                == "confirmation"
        );
        assert!(validate_new_password(&"x".repeat(129), &"x".repeat(129)).is_err());
        assert_eq!(
            validate_new_password("senha-longa-1", "senha-longa-1"),
            Ok(())
        );
    }
}
