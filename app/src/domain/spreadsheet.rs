//! CSV that a spreadsheet opens safely: every field quoted, and a field that a spreadsheet
//! would run as a formula (`= + - @`, or a tab or carriage return first) starts with `'`.

/// One field, quoted and neutralised.
pub fn field(value: &str) -> String {
    let formula = value
        .chars()
        .next()
        .is_some_and(|c| matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r'));
    let value = value.replace('"', "\"\"");
    if formula {
        format!("\"'{value}\"")
    } else {
        format!("\"{value}\"")
    }
}

/// A line of `;`-separated fields (the separator Brazilian spreadsheets expect).
pub fn row<'a>(fields: impl IntoIterator<Item = &'a str>) -> String {
    let mut line = fields.into_iter().map(field).collect::<Vec<_>>().join(";");
    line.push('\n');
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_never_run_and_separators_stay_inside() {
        assert_eq!(field("123"), "\"123\"");
        assert_eq!(field("+cmd|'/C calc'!A0"), "\"'+cmd|'/C calc'!A0\"");
        assert_eq!(field("@SUM(A1:A9)"), "\"'@SUM(A1:A9)\"");
        assert_eq!(field("=1+1"), "\"'=1+1\"");
        assert_eq!(field("-2"), "\"'-2\"");
        assert_eq!(field("a;b"), "\"a;b\"");
        assert_eq!(field("diz \"oi\""), "\"diz \"\"oi\"\"\"");
        assert_eq!(row(["1", "x;y"]), "\"1\";\"x;y\"\n");
    }
}
