//! Brazilian phone numbers: normalisation to the E.164 form WhatsApp needs (`+55DD9XXXXXXXX`).
//!
//! ISP databases hold numbers typed by hand over decades: with or without the country code,
//! with the trunk prefix `0`, with a carrier code, in the old 8-digit mobile format. Only
//! mobiles can receive WhatsApp, so landlines are rejected with a reason the operator can act on.

use serde::{Deserialize, Serialize};

/// Why a number cannot receive a WhatsApp greeting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PhoneRejection {
    /// The field holds no digit at all.
    Empty,
    /// A fixed line: it has no WhatsApp.
    Landline,
    /// The area code is not one of ANATEL's 67 DDDs.
    BadDdd,
    /// Too many or too few digits, or a local number that no Brazilian line starts with.
    WrongLength,
    /// Written in international form (`+`) with a country code other than 55.
    NotBrazilian,
}

impl PhoneRejection {
    /// Short Portuguese reason, shown beside the client in the UI.
    pub fn message(&self) -> &'static str {
        match self {
            Self::Empty => "Sem telefone",
            Self::Landline => "Telefone fixo (sem WhatsApp)",
            Self::BadDdd => "DDD inválido",
            Self::WrongLength => "Quantidade de dígitos inválida",
            Self::NotBrazilian => "Número estrangeiro",
        }
    }
}

/// The area codes (DDD) in use in Brazil. The list has been stable since the 1990s; a stricter
/// check than "two non-zero digits" catches typos before they greet a stranger.
const DDDS: [&str; 67] = [
    "11", "12", "13", "14", "15", "16", "17", "18", "19", //
    "21", "22", "24", "27", "28", //
    "31", "32", "33", "34", "35", "37", "38", //
    "41", "42", "43", "44", "45", "46", "47", "48", "49", //
    "51", "53", "54", "55", //
    "61", "62", "63", "64", "65", "66", "67", "68", "69", //
    "71", "73", "74", "75", "77", "79", //
    "81", "82", "83", "84", "85", "86", "87", "88", "89", //
    "91", "92", "93", "94", "95", "96", "97", "98", "99",
];

/// Longest national number: DDD (2) + mobile (9).
const NATIONAL_MAX: usize = 11;

/// Normalises a hand-typed Brazilian mobile number to `+55DD9XXXXXXXX`.
///
/// Only digits count, plus a leading `+` (which marks an international number). Then:
/// - a leading `+` must be followed by `55`, which is dropped
///   (else [`PhoneRejection::NotBrazilian`]);
/// - leading zeros are dial prefixes (trunk `0`, international `00`) and are dropped, but only
///   from numbers longer than 11 digits: a 10/11-digit string starting with `0`, like
///   `(01) 98765-4321`, is more likely a mistyped DDD than a trunk prefix before an old
///   8-digit number, and guessing wrong would greet a stranger;
/// - if 12–13 digits remain after dropping zeros, the first two are a carrier code
///   (`0 15 11 …`); without zeros, a 12–13-digit number starting with `55` carries the country
///   code without `+`. Either way those two digits are dropped;
/// - what remains must be DDD + 9-digit mobile starting with `9`, or DDD + old 8-digit mobile
///   starting with 6–9 (the `9` is inserted). A local part starting with 2–5 is a landline.
///
/// On success the result always matches `^\+55[1-9]{2}9\d{8}$`, and normalising it again
/// returns it unchanged.
pub fn normalize(raw: &str) -> Result<String, PhoneRejection> {
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return Err(PhoneRejection::Empty);
    }
    let international = raw.trim_start().starts_with('+');
    let national = national_part(&digits, international)?;
    match classify(national) {
        // `011 3456-7890`: the trunk `0` was kept (see above), but if dropping it reveals a
        // landline, say so; no number is ever guessed into a greeting this way.
        Err(PhoneRejection::BadDdd)
            if national.starts_with('0')
                && classify(&national[1..]) == Err(PhoneRejection::Landline) =>
        {
            Err(PhoneRejection::Landline)
        }
        result => result,
    }
}

/// Strips country code and dial prefixes, leaving what should be DDD + local number.
fn national_part(digits: &str, international: bool) -> Result<&str, PhoneRejection> {
    let mut rest = digits;
    if international {
        rest = rest
            .strip_prefix("55")
            .ok_or(PhoneRejection::NotBrazilian)?;
    }
    let had_prefix = rest.len() > NATIONAL_MAX && rest.starts_with('0');
    if had_prefix {
        rest = rest.trim_start_matches('0');
    }
    if matches!(rest.len(), 12 | 13) && (had_prefix || rest.starts_with("55")) {
        // Carrier code or country code: two ASCII digits, so slicing is on a char boundary.
        rest = &rest[2..];
    }
    Ok(rest)
}

/// Decides mobile vs landline for a national number (DDD + local part).
fn classify(national: &str) -> Result<String, PhoneRejection> {
    if !matches!(national.len(), 10 | 11) {
        return Err(PhoneRejection::WrongLength);
    }
    let (ddd, local) = national.split_at(2);
    if !DDDS.contains(&ddd) {
        return Err(PhoneRejection::BadDdd);
    }
    match (local.len(), local.as_bytes()[0]) {
        (9, b'9') => Ok(format!("+55{ddd}{local}")),
        (8, b'6'..=b'9') => Ok(format!("+55{ddd}9{local}")),
        (8, b'2'..=b'5') => Err(PhoneRejection::Landline),
        _ => Err(PhoneRejection::WrongLength),
    }
}

/// Picks the number to greet: the WhatsApp field first, then the mobile field.
///
/// When both fail, the WhatsApp field's reason wins because that is the field the operator
/// should fix, unless it was simply empty, in which case the mobile's reason is more telling.
pub fn best_number(whatsapp: &str, mobile: &str) -> Result<String, PhoneRejection> {
    match normalize(whatsapp) {
        Ok(number) => Ok(number),
        Err(PhoneRejection::Empty) => normalize(mobile),
        Err(rejection) => normalize(mobile).map_err(|_| rejection),
    }
}

/// Formats a normalised number for people: `+5511987654321` → `(11) 98765-4321`.
///
/// Anything not in the normalised shape is returned unchanged rather than mangled.
pub fn format_display(e164: &str) -> String {
    match e164.strip_prefix("+55") {
        Some(national) if national.len() == 11 && national.bytes().all(|b| b.is_ascii_digit()) => {
            format!(
                "({}) {}-{}",
                &national[..2],
                &national[2..7],
                &national[7..]
            )
        }
        _ => e164.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use PhoneRejection::*;

    /// `^\+55[1-9]{2}9\d{8}$`, without pulling in a regex crate.
    fn is_e164_mobile(s: &str) -> bool {
        let b = s.as_bytes();
        b.len() == 14
            && s.starts_with("+55")
            && b[3..5].iter().all(|d| (b'1'..=b'9').contains(d))
            && b[5] == b'9'
            && b[6..].iter().all(u8::is_ascii_digit)
    }

    #[test]
    fn normalize_table() {
        let cases: &[(&str, Result<&str, PhoneRejection>)] = &[
            ("(11) 98765-4321", Ok("+5511987654321")),
            ("+55 11 98765-4321", Ok("+5511987654321")),
            ("+55 (11) 9 8765-4321", Ok("+5511987654321")),
            ("011 98765-4321", Ok("+5511987654321")),
            ("0 15 11 98765-4321", Ok("+5511987654321")),
            ("0XX15 11 8765-4321", Ok("+5511987654321")),
            ("00 55 11 98765-4321", Ok("+5511987654321")),
            ("+55 011 98765-4321", Ok("+5511987654321")),
            ("5511987654321", Ok("+5511987654321")),
            ("551187654321", Ok("+5511987654321")),
            ("11987654321", Ok("+5511987654321")),
            ("11 8765-4321", Ok("+5511987654321")),
            ("(19) 6123.4567", Ok("+5519961234567")),
            ("(55) 98765-4321", Ok("+5555987654321")),
            ("  (85)99999-0000  ", Ok("+5585999990000")),
            ("(11) 3456-7890", Err(Landline)),
            ("+55 21 2345-6789", Err(Landline)),
            ("011 3456-7890", Err(Landline)),
            ("(01) 98765-4321", Err(BadDdd)),
            ("(10) 98765-4321", Err(BadDdd)),
            ("(23) 98765-4321", Err(BadDdd)),
            ("(11) 1234-5678", Err(WrongLength)),
            ("(11) 8765-432", Err(WrongLength)),
            ("(11) 98765-43210", Err(WrongLength)),
            ("(11) 38765-4321", Err(WrongLength)),
            ("+1 415 555 2671", Err(NotBrazilian)),
            ("", Err(Empty)),
            ("   ", Err(Empty)),
            ("abc", Err(Empty)),
            ("não tem", Err(Empty)),
            ("0", Err(WrongLength)),
        ];
        for (raw, expected) in cases {
            let expected = expected.map(str::to_string);
            assert_eq!(normalize(raw), expected, "{raw:?}");
        }
    }

    #[test]
    fn best_number_table() {
        let ok = Ok("+5511987654321".to_string());
        assert_eq!(best_number("11987654321", "21987654321"), ok);
        assert_eq!(best_number("", "(11) 98765-4321"), ok);
        assert_eq!(best_number("(11) 3456-7890", "11987654321"), ok);
        assert_eq!(best_number("(11) 3456-7890", ""), Err(Landline));
        assert_eq!(best_number("(01) 98765-4321", "123"), Err(BadDdd));
        assert_eq!(best_number("", "(11) 3456-7890"), Err(Landline));
        assert_eq!(best_number("", ""), Err(Empty));
    }

    #[test]
    fn display_table() {
        assert_eq!(format_display("+5511987654321"), "(11) 98765-4321");
        assert_eq!(format_display("+5585999990000"), "(85) 99999-0000");
        assert_eq!(format_display("abc"), "abc");
        assert_eq!(format_display("+55119876"), "+55119876");
        assert_eq!(format_display("+55ééééééééééé"), "+55ééééééééééé");
    }

    #[test]
    fn messages_are_portuguese() {
        assert_eq!(Empty.message(), "Sem telefone");
        assert_eq!(Landline.message(), "Telefone fixo (sem WhatsApp)");
        assert_eq!(BadDdd.message(), "DDD inválido");
        assert_eq!(WrongLength.message(), "Quantidade de dígitos inválida");
    }

    fn ddd() -> impl Strategy<Value = &'static str> {
        proptest::sample::select(DDDS.to_vec())
    }

    /// A mobile in one of the shapes found in client records, with its expected normal form.
    fn written_mobile() -> impl Strategy<Value = (String, String)> {
        (ddd(), "[6-9][0-9]{7}", any::<bool>(), 0..6usize).prop_map(|(ddd, local, new, shape)| {
            let local = if new { format!("9{local}") } else { local };
            let expected = if local.len() == 9 {
                format!("+55{ddd}{local}")
            } else {
                format!("+55{ddd}9{local}")
            };
            let raw = match shape {
                0 => format!("{ddd}{local}"),
                1 => format!("({ddd}) {local}"),
                2 => format!("+55 {ddd} {local}"),
                3 => format!("55{ddd}{local}"),
                // A trunk `0` is only recognised when more than 11 digits result.
                4 if local.len() == 9 => format!("0{ddd}{local}"),
                _ => format!("0 41 {ddd} {local}"),
            };
            (raw, expected)
        })
    }

    proptest! {
        #[test]
        fn output_is_always_e164_mobile(raw in "\\PC{0,30}") {
            if let Ok(n) = normalize(&raw) {
                prop_assert!(is_e164_mobile(&n), "{raw:?} -> {n}");
            }
        }

        #[test]
        fn digit_strings_never_panic_and_are_e164(raw in "\\+?[0-9]{0,16}") {
            if let Ok(n) = normalize(&raw) {
                prop_assert!(is_e164_mobile(&n), "{raw:?} -> {n}");
            }
        }

        #[test]
        fn normalize_is_idempotent(raw in "\\+?[0-9 ()-]{0,20}") {
            if let Ok(n) = normalize(&raw) {
                prop_assert_eq!(normalize(&n), Ok(n.clone()));
            }
        }

        #[test]
        fn written_mobiles_normalise((raw, expected) in written_mobile()) {
            prop_assert_eq!(normalize(&raw), Ok(expected));
        }

        #[test]
        fn formatting_characters_do_not_matter(
            digits in "[0-9]{0,15}",
            noise in proptest::collection::vec((0..16usize, "[ ().\\-/]{1,2}"), 0..6),
        ) {
            let mut dressed = digits.clone();
            for (at, junk) in noise {
                dressed.insert_str(at.min(dressed.len()), &junk);
            }
            prop_assert_eq!(normalize(&dressed), normalize(&digits));
        }

        #[test]
        fn display_round_trips((raw, _) in written_mobile()) {
            let n = normalize(&raw).unwrap();
            prop_assert_eq!(normalize(&format_display(&n)), Ok(n));
        }
    }
}
