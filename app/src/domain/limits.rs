//! How long an id or a schedule field may be. The server checks these before anything else
//! reads the value (database, log); the schedule form runs the same parser, so the same limit.

/// Record ids (agenda entries, messages, queue items, clients, Opa! Suite ids).
pub const MAX_ID: usize = 64;
/// One field of a schedule (`*/5`, `1-5`, `0,15,30,45`).
pub const MAX_SCHEDULE_FIELD: usize = 64;

/// `Err(message)` when `value` is longer than `max` characters.
pub fn at_most(value: &str, max: usize) -> Result<(), String> {
    if value.chars().nth(max).is_some() {
        Err(format!("No máximo {max} caracteres."))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_characters_not_bytes() {
        assert!(at_most("ção", 3).is_ok());
        assert_eq!(at_most("abcd", 3), Err("No máximo 3 caracteres.".into()));
        assert!(at_most("", 0).is_ok());
    }
}
