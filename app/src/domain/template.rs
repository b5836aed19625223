//! Opa! Suite (WhatsApp/Meta) template placeholders: finding them, filling them from client
//! data, and rendering. The browser's live preview and the server's sender share this code,
//! so what the operator previews is exactly what is sent.
//!
//! Meta fills template variables by position, not by name: every occurrence of a placeholder
//! is its own variable, even when the same name repeats (`{{nome}} … {{nome}}` is two values).

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::birthday::age_turning;

/// One `{{…}}` occurrence in a template text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placeholder {
    /// The trimmed text inside the braces: a name (`nome`) or a number (`1`).
    pub name: String,
    /// Byte offset of the opening `{{`.
    pub start: usize,
    /// Byte offset just past the closing `}}`.
    pub end: usize,
}

/// Every placeholder occurrence, in order of appearance (repeats included, see module docs).
///
/// A placeholder is `{{`, optional spaces, one or more of `[A-Za-z0-9_]`, optional spaces, `}}`.
/// Anything else between braces (`{{}}`, `{{a b}}`, `{{é}}`) is plain text.
pub fn placeholders(text: &str) -> Vec<Placeholder> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(offset) = text[from..].find("{{") {
        let start = from + offset;
        match placeholder_at(text, start) {
            Some(placeholder) => {
                from = placeholder.end;
                found.push(placeholder);
            }
            // `{` is one byte, so `start + 1` is a char boundary.
            None => from = start + 1,
        }
    }
    found
}

/// The placeholder whose `{{` starts at byte `start`, if well formed.
fn placeholder_at(text: &str, start: usize) -> Option<Placeholder> {
    let inner_start = start + 2;
    let after = &text[inner_start..];
    let inner_len = after
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ' '))
        .unwrap_or(after.len());
    if !after[inner_len..].starts_with("}}") {
        return None;
    }
    let name = after[..inner_len].trim_matches(' ');
    if name.is_empty() || name.contains(' ') {
        return None;
    }
    Some(Placeholder {
        name: name.to_string(),
        start,
        end: inner_start + inner_len + 2,
    })
}

/// What fills a placeholder.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Variable {
    FullName,
    FirstName,
    TradeName,
    BirthDate,
    Age,
    City,
    /// The date of the greeting, `dd/mm` in the business time zone ("Hoje, 28/11, ...").
    Today,
    /// The same text for every client.
    Fixed(String),
}

/// The client-derived variables, in the order the UI offers them.
pub const CATALOGUE: &[Variable] = &[
    Variable::FullName,
    Variable::FirstName,
    Variable::TradeName,
    Variable::BirthDate,
    Variable::Age,
    Variable::City,
    Variable::Today,
];

impl Variable {
    /// Portuguese label for pickers and previews.
    pub fn label(&self) -> String {
        match self {
            Self::FullName => "Nome completo".into(),
            Self::FirstName => "Primeiro nome".into(),
            Self::TradeName => "Nome fantasia".into(),
            Self::BirthDate => "Data de nascimento".into(),
            Self::Age => "Idade".into(),
            Self::City => "Cidade".into(),
            Self::Today => "Data de hoje (dd/mm)".into(),
            Self::Fixed(text) if text.trim().is_empty() => "Texto fixo".into(),
            Self::Fixed(text) => format!("Texto fixo: {text}"),
        }
    }

    /// Stable key for storage and `<select>` values; `Fixed` loses its text (see [`Self::from_key`]).
    pub fn key(&self) -> &'static str {
        match self {
            Self::FullName => "nome_completo",
            Self::FirstName => "primeiro_nome",
            Self::TradeName => "nome_fantasia",
            Self::BirthDate => "data_nascimento",
            Self::Age => "idade",
            Self::City => "cidade",
            Self::Today => "data_hoje",
            Self::Fixed(_) => "fixo",
        }
    }

    /// Inverse of [`Self::key`]. `"fixo"` yields `Fixed` with empty text for the caller to fill.
    pub fn from_key(key: &str) -> Option<Self> {
        match key {
            "fixo" => Some(Self::Fixed(String::new())),
            _ => CATALOGUE.iter().find(|v| v.key() == key).cloned(),
        }
    }
}

/// The client data a template can use.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientFields {
    pub full_name: String,
    pub trade_name: String,
    pub birth_date: Option<NaiveDate>,
    pub city: String,
}

/// A realistic client for the preview when the operator has not picked one.
pub fn sample_client() -> ClientFields {
    ClientFields {
        full_name: "Maria Aparecida da Silva".into(),
        trade_name: String::new(),
        birth_date: NaiveDate::from_ymd_opt(1985, 11, 28),
        city: "Campinas".into(),
    }
}

/// The value of `var` for `client`, or `None` when there is nothing to say.
///
/// Names and cities typed in a single case (`MARIA DA SILVA`, common in ISP systems) are
/// title-cased with Portuguese particles in lower case; mixed-case text is kept as typed,
/// since it already reflects someone's choice (`McDonald`). Trade names are kept as typed
/// (`LTDA`, `ME`). `Age` is the age celebrated in `today`'s year, see
/// [`super::birthday::age_turning`]; `Today` is `today` itself, the greeting's date in the
/// business time zone.
pub fn resolve(var: &Variable, client: &ClientFields, today: NaiveDate) -> Option<String> {
    let value = match var {
        Variable::FullName => proper_name(&client.full_name),
        Variable::FirstName => proper_name(&client.full_name)
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_string(),
        Variable::TradeName => client.trade_name.trim().to_string(),
        Variable::BirthDate => super::dates::date(client.birth_date?),
        Variable::Age => age_turning(client.birth_date?, today.year())?.to_string(),
        Variable::City => proper_name(&client.city),
        Variable::Today => super::dates::day_month(today),
        Variable::Fixed(text) => text.trim().to_string(),
    };
    (!value.is_empty()).then_some(value)
}

/// Words kept in lower case inside a name.
const PARTICLES: [&str; 6] = ["da", "de", "do", "das", "dos", "e"];

/// Title-cases a single-case name; returns mixed-case names with whitespace tidied only.
fn proper_name(raw: &str) -> String {
    let has_upper = raw.chars().any(char::is_uppercase);
    let has_lower = raw.chars().any(char::is_lowercase);
    if has_upper && has_lower {
        return sanitize(raw);
    }
    raw.split_whitespace()
        .enumerate()
        .map(|(i, word)| {
            let lower = word.to_lowercase();
            if i > 0 && PARTICLES.contains(&lower.as_str()) {
                lower
            } else {
                capitalize_parts(&lower)
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Upper-cases the first letter of each part of a lower-case word: `ana-maria` → `Ana-Maria`,
/// `d'ávila` → `D'Ávila`.
fn capitalize_parts(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut at_start = true;
    for c in word.chars() {
        if at_start && c.is_alphabetic() {
            out.extend(c.to_uppercase());
            at_start = false;
        } else {
            out.push(c);
            at_start = matches!(c, '-' | '\'' | '’');
        }
    }
    out
}

/// Meta rejects template variables containing newlines, tabs or more than four consecutive
/// spaces: every run of whitespace becomes one space, and the ends are trimmed.
pub fn sanitize(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The sanitised values for each placeholder, in placeholder order (`mapping[i]` fills the
/// i-th occurrence); `None` where the client has no value.
pub fn render_variables(
    mapping: &[Variable],
    client: &ClientFields,
    today: NaiveDate,
) -> Vec<Option<String>> {
    mapping
        .iter()
        .map(|var| {
            resolve(var, client, today)
                .map(|v| sanitize(&v))
                .filter(|v| !v.is_empty())
        })
        .collect()
}

/// Like [`render_variables`] for a mapping still being edited: `None` where no variable is
/// chosen yet. The preview calls this; for a complete mapping it equals what is sent.
pub fn render_mapping(
    mapping: &[Option<Variable>],
    client: &ClientFields,
    today: NaiveDate,
) -> Vec<Option<String>> {
    mapping
        .iter()
        .map(|m| {
            m.as_ref().and_then(|v| {
                render_variables(std::slice::from_ref(v), client, today)
                    .pop()
                    .flatten()
            })
        })
        .collect()
}

/// A piece of rendered template, so the preview can highlight values and gaps.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Segment {
    /// Literal template text.
    Text(String),
    /// A filled placeholder.
    Value(String),
    /// A placeholder without a value; holds the placeholder's name.
    Missing(String),
}

/// Splits `text` into literal text and filled or missing placeholders. `values[i]` fills the
/// i-th placeholder; an absent, `None` or empty value is [`Segment::Missing`].
/// Empty text segments are omitted.
pub fn render_preview(text: &str, values: &[Option<String>]) -> Vec<Segment> {
    let mut segments = Vec::new();
    let mut from = 0;
    for (i, placeholder) in placeholders(text).into_iter().enumerate() {
        if placeholder.start > from {
            segments.push(Segment::Text(text[from..placeholder.start].to_string()));
        }
        segments.push(match values.get(i).cloned().flatten() {
            Some(value) if !value.is_empty() => Segment::Value(value),
            _ => Segment::Missing(placeholder.name),
        });
        from = placeholder.end;
    }
    if from < text.len() {
        segments.push(Segment::Text(text[from..].to_string()));
    }
    segments
}

/// The rendered message as plain text; missing values stay as `{{name}}` so they stand out.
pub fn render_text(text: &str, values: &[Option<String>]) -> String {
    render_preview(text, values)
        .into_iter()
        .map(|segment| match segment {
            Segment::Text(s) | Segment::Value(s) => s,
            Segment::Missing(name) => format!("{{{{{name}}}}}"),
        })
        .collect()
}

/// Checks that every placeholder of `text` has a variable.
///
/// On error, returns the indices (in placeholder order) of the placeholders with no variable:
/// a `None` entry, a `Fixed` with blank text, or no entry at all because `mapping` is shorter
/// than the placeholder list. If `mapping` is longer, its surplus indices (`>=` the placeholder
/// count) are reported too, so a stale mapping is never silently accepted; the caller can tell
/// them apart by comparing with `placeholders(text).len()`.
pub fn check_mapping(text: &str, mapping: &[Option<Variable>]) -> Result<(), Vec<usize>> {
    let count = placeholders(text).len();
    let unmapped: Vec<usize> = (0..count.max(mapping.len()))
        .filter(|&i| i >= count || !is_mapped(mapping.get(i)))
        .collect();
    if unmapped.is_empty() {
        Ok(())
    } else {
        Err(unmapped)
    }
}

fn is_mapped(entry: Option<&Option<Variable>>) -> bool {
    match entry {
        Some(Some(Variable::Fixed(text))) => !text.trim().is_empty(),
        Some(Some(_)) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use Variable::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn names(text: &str) -> Vec<String> {
        placeholders(text).into_iter().map(|p| p.name).collect()
    }

    #[test]
    fn placeholders_table() {
        let cases: &[(&str, &[&str])] = &[
            ("Olá {{nome}}!", &["nome"]),
            ("Olá {{ nome }}, {{1}} e {{nome}}", &["nome", "1", "nome"]),
            ("{{1}}{{2}}", &["1", "2"]),
            ("{{{nome}}}", &["nome"]),
            ("{{}} {{ }} {{a b}} {{é}} {{nome} {nome}}", &[]),
            ("{{primeiro_nome}}", &["primeiro_nome"]),
            ("sem variáveis", &[]),
            ("{{", &[]),
            ("ção {{x}} ção", &["x"]),
        ];
        for (text, expected) in cases {
            assert_eq!(names(text), *expected, "{text:?}");
        }
        let p = &placeholders("Oi {{ nome }}!")[0];
        assert_eq!((p.start, p.end), (3, 13));
    }

    #[test]
    fn variable_keys_and_labels() {
        for var in CATALOGUE.iter().chain([&Fixed("x".into())]) {
            let back = Variable::from_key(var.key()).unwrap();
            assert_eq!(back.key(), var.key());
        }
        assert_eq!(Variable::from_key("fixo"), Some(Fixed(String::new())));
        assert_eq!(Variable::from_key("nada"), None);
        assert_eq!(FirstName.label(), "Primeiro nome");
        assert_eq!(Fixed("Equipe".into()).label(), "Texto fixo: Equipe");
        assert_eq!(Fixed(" ".into()).label(), "Texto fixo");
        assert_eq!(CATALOGUE.len(), 7);
        assert_eq!(Variable::from_key("data_hoje"), Some(Today));
    }

    #[test]
    fn resolve_table() {
        let today = d(2026, 11, 28);
        let shouting = ClientFields {
            full_name: " MARIA  DOS SANTOS E SILVA ".into(),
            trade_name: " MERCADINHO BOM PREÇO LTDA ".into(),
            birth_date: None,
            city: "SÃO JOSÉ DOS CAMPOS".into(),
        };
        let cases = [
            (&sample_client(), FullName, Some("Maria Aparecida da Silva")),
            (&sample_client(), FirstName, Some("Maria")),
            (&sample_client(), TradeName, None),
            (&sample_client(), BirthDate, Some("28/11/1985")),
            (&sample_client(), Age, Some("41")),
            (&sample_client(), Today, Some("28/11")),
            (&shouting, Today, Some("28/11")),
            (&sample_client(), City, Some("Campinas")),
            (
                &sample_client(),
                Fixed("Equipe Net".into()),
                Some("Equipe Net"),
            ),
            (&sample_client(), Fixed("  ".into()), None),
            (&shouting, FullName, Some("Maria dos Santos e Silva")),
            (&shouting, FirstName, Some("Maria")),
            (&shouting, TradeName, Some("MERCADINHO BOM PREÇO LTDA")),
            (&shouting, City, Some("São José dos Campos")),
            (&shouting, BirthDate, None),
            (&shouting, Age, None),
        ];
        for (client, var, expected) in cases {
            assert_eq!(resolve(&var, client, today).as_deref(), expected, "{var:?}");
        }
    }

    #[test]
    fn proper_names_table() {
        let cases = [
            ("MARIA DA SILVA", "Maria da Silva"),
            ("joão de souza", "João de Souza"),
            ("ANA-MARIA D'ÁVILA", "Ana-Maria D'Ávila"),
            ("DA SILVA", "Da Silva"),
            ("Ronald McDonald", "Ronald McDonald"),
            ("ÉRICA", "Érica"),
            ("", ""),
        ];
        for (raw, expected) in cases {
            assert_eq!(proper_name(raw), expected, "{raw:?}");
        }
    }

    #[test]
    fn sanitize_table() {
        let cases = [
            ("  Maria\n da\tSilva  ", "Maria da Silva"),
            ("a      b", "a b"),
            ("\r\n", ""),
            ("ok", "ok"),
        ];
        for (raw, expected) in cases {
            assert_eq!(sanitize(raw), expected, "{raw:?}");
        }
    }

    #[test]
    fn render_table() {
        let client = ClientFields {
            full_name: "JOSÉ\nPEREIRA".into(),
            ..sample_client()
        };
        let text = "Parabéns, {{1}}! {{2}} anos. {{3}}";
        let values = render_variables(&[FirstName, Age, TradeName], &client, d(2026, 1, 1));
        assert_eq!(values, vec![Some("José".into()), Some("41".into()), None]);
        assert_eq!(
            render_preview(text, &values),
            vec![
                Segment::Text("Parabéns, ".into()),
                Segment::Value("José".into()),
                Segment::Text("! ".into()),
                Segment::Value("41".into()),
                Segment::Text(" anos. ".into()),
                Segment::Missing("3".into()),
            ]
        );
        assert_eq!(render_text(text, &values), "Parabéns, José! 41 anos. {{3}}");
        assert_eq!(render_text("{{ nome }}", &[]), "{{nome}}");
        assert_eq!(render_text("{{a}}", &[Some(String::new())]), "{{a}}");
    }

    #[test]
    fn check_mapping_table() {
        let text = "{{1}} {{2}} {{3}}";
        let full = [Some(FirstName), Some(Age), Some(Fixed("x".into()))];
        assert_eq!(check_mapping(text, &full), Ok(()));
        assert_eq!(
            check_mapping(text, &[Some(FirstName), None, Some(Fixed(" ".into()))]),
            Err(vec![1, 2])
        );
        assert_eq!(check_mapping(text, &[Some(FirstName)]), Err(vec![1, 2]));
        assert_eq!(
            check_mapping("{{1}}", &[Some(FirstName), Some(Age)]),
            Err(vec![1])
        );
        assert_eq!(check_mapping("sem variáveis", &[]), Ok(()));
    }

    /// Template text made of literal pieces without braces and well-formed placeholders.
    fn template() -> impl Strategy<Value = (String, usize)> {
        proptest::collection::vec(
            prop_oneof![
                "[^{}]{0,8}".prop_map(|s| (s, 0)),
                "[A-Za-z0-9_]{1,6}".prop_map(|n| (format!("{{{{{n}}}}}"), 1)),
                "[0-9]{1,2}".prop_map(|n| (format!("{{{{ {n} }}}}"), 1)),
            ],
            0..8,
        )
        .prop_map(|parts| {
            let count = parts.iter().map(|(_, n)| n).sum();
            (parts.into_iter().map(|(s, _)| s).collect(), count)
        })
    }

    proptest! {
        #[test]
        fn sanitize_output_is_clean(raw in "\\PC*|[ \t\n\r a-z]*") {
            let clean = sanitize(&raw);
            prop_assert!(!clean.contains('\n') && !clean.contains('\t'));
            prop_assert!(!clean.contains("     "));
            prop_assert_eq!(clean.trim(), clean.as_str());
            prop_assert_eq!(sanitize(&clean), clean.clone());
        }

        #[test]
        fn placeholders_never_panic(text in "\\PC{0,40}|[{} a-z_]{0,40}") {
            for p in placeholders(&text) {
                prop_assert!(text[p.start..p.end].starts_with("{{"));
                prop_assert!(text[p.start..p.end].ends_with("}}"));
            }
        }

        #[test]
        fn generated_templates_are_counted((text, count) in template()) {
            prop_assert_eq!(placeholders(&text).len(), count);
        }

        #[test]
        fn all_values_leave_no_braces(
            (text, count) in template(),
            value in "[^{}\n]{1,10}",
        ) {
            let values = vec![Some(value); count];
            prop_assert!(!render_text(&text, &values).contains("{{"));
            prop_assert_eq!(check_mapping(&text, &vec![Some(FirstName); count]), Ok(()));
        }

        #[test]
        fn one_segment_per_placeholder(
            text in "\\PC{0,40}|[{} a-z0-9]{0,40}",
            values in proptest::collection::vec(proptest::option::of("[a-z]{0,3}"), 0..6),
        ) {
            let filled = render_preview(&text, &values)
                .iter()
                .filter(|s| !matches!(s, Segment::Text(_)))
                .count();
            prop_assert_eq!(filled, placeholders(&text).len());
        }

        #[test]
        fn missing_values_render_back_to_the_template((text, _) in template()) {
            let rendered = render_text(&text, &[]);
            prop_assert_eq!(names(&rendered), names(&text));
        }

        #[test]
        fn rendered_variables_are_sanitised(
            full_name in "\\PC{0,30}",
            city in "[ \t\nA-Za-z]{0,20}",
        ) {
            let client = ClientFields { full_name, city, ..sample_client() };
            for value in render_variables(CATALOGUE, &client, NaiveDate::MIN).into_iter().flatten() {
                prop_assert!(!value.is_empty());
                prop_assert_eq!(sanitize(&value), value);
            }
        }
    }
}
