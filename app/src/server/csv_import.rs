//! CSV import of clients exported from IXC (`Cadastros > Clientes > Exportar`).
//!
//! Pure and synchronous: bytes in, records and rejected rows out. Hand-written on purpose
//! (no `csv`/`encoding_rs`): the needs are small and every path must be panic-free on
//! arbitrary uploads.
//!
//! - Encoding: UTF-8 (BOM stripped) when valid, otherwise Windows-1252 (what Excel on a
//!   Brazilian Windows saves).
//! - Delimiter: `;` or `,`, whichever splits the header into more known IXC columns.
//! - RFC 4180 quoting, CRLF/LF/CR line ends; the line of a record is the line it starts on.
//! - A bad row never stops the good ones: it becomes a [`RejectedRow`] with a Portuguese reason.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use chrono::{Datelike, NaiveDate, Utc};

use crate::models::client::{ClientRecord, PersonType, RejectedRow};

/// The most data rows one file may have.
pub const MAX_ROWS: usize = 100_000;

/// IXC column names this importer reads; any other column is ignored.
const KNOWN_COLUMNS: [&str; 11] = [
    "id",
    "razao",
    "fantasia",
    "tipo_pessoa",
    "ativo",
    "data_nascimento",
    "whatsapp",
    "telefone_celular",
    "email",
    "cidade",
    "uf",
];

/// Columns without which a file cannot be imported, in the order they are reported.
const REQUIRED_COLUMNS: [&str; 3] = ["id", "razao", "data_nascimento"];

/// Header fields kept (beyond that they are only counted): bounds memory on hostile input.
const MAX_HEADER_FIELDS: usize = 1_000;

/// Longest excerpt of a bad value quoted back in a reason.
const MAX_EXCERPT_CHARS: usize = 40;

/// Why a whole file was refused (bad rows are reported one by one instead).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CsvError {
    Empty,
    NotText,
    MissingColumns(Vec<String>),
    TooManyRows(usize),
}

impl fmt::Display for CsvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CsvError::Empty => f.write_str("O arquivo está vazio."),
            CsvError::NotText => f.write_str("O arquivo não parece ser um CSV de texto."),
            CsvError::MissingColumns(cols) => {
                write!(f, "Colunas obrigatórias ausentes: {}", cols.join(", "))
            }
            CsvError::TooManyRows(n) => write!(
                f,
                "O arquivo tem {} linhas; o máximo é {}.",
                thousands(*n),
                thousands(MAX_ROWS)
            ),
        }
    }
}

impl std::error::Error for CsvError {}

/// A parsed file: the good rows (with their line numbers) and the rejected ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedCsv {
    /// `(line where the row starts, 1-based; record)`, in file order, ids unique.
    pub records: Vec<(usize, ClientRecord)>,
    /// Sorted by line.
    pub rejected: Vec<RejectedRow>,
    pub delimiter: char,
    /// `"UTF-8"` or `"Windows-1252"`.
    pub encoding: &'static str,
}

/// Bytes to text: UTF-8 when valid (a leading BOM is dropped), else Windows-1252.
///
/// A file that starts with a UTF-8 BOM is read as UTF-8 even if some bytes are invalid
/// (they become U+FFFD). Any NUL byte means binary (or UTF-16): [`CsvError::NotText`].
pub fn decode(bytes: &[u8]) -> Result<(String, &'static str), CsvError> {
    if bytes.contains(&0) {
        return Err(CsvError::NotText);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return Ok((String::from_utf8_lossy(rest).into_owned(), "UTF-8"));
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok((s.to_owned(), "UTF-8")),
        Err(_) => Ok((bytes.iter().map(|&b| cp1252(b)).collect(), "Windows-1252")),
    }
}

/// One Windows-1252 byte as a char (the five unassigned bytes map to their C1 controls).
fn cp1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '\u{20AC}', '\u{0081}', '\u{201A}', '\u{0192}', '\u{201E}', '\u{2026}', '\u{2020}',
        '\u{2021}', '\u{02C6}', '\u{2030}', '\u{0160}', '\u{2039}', '\u{0152}', '\u{008D}',
        '\u{017D}', '\u{008F}', '\u{0090}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}',
        '\u{2022}', '\u{2013}', '\u{2014}', '\u{02DC}', '\u{2122}', '\u{0161}', '\u{203A}',
        '\u{0153}', '\u{009D}', '\u{017E}', '\u{0178}',
    ];
    match b {
        0x80..=0x9F => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

/// A birth date, `YYYY-MM-DD` (optionally followed by ` HH:MM[:SS]`) or `DD/MM/YYYY`.
///
/// Empty, `0000-00-00` and `00/00/0000` mean "unknown": `Ok(None)`. Impossible dates,
/// dates before 1900 and dates after today (UTC) are errors with a Portuguese reason
/// starting `Data de nascimento inválida: '…'`.
pub fn parse_date(s: &str) -> Result<Option<NaiveDate>, String> {
    parse_date_at(s, Utc::now().date_naive())
}

fn parse_date_at(s: &str, today: NaiveDate) -> Result<Option<NaiveDate>, String> {
    let t = s.trim();
    let invalid = |why: &str| format!("Data de nascimento inválida: '{}'{why}", excerpt(t));
    let date_part = strip_time(t);
    if date_part.is_empty() || date_part == "0000-00-00" || date_part == "00/00/0000" {
        return Ok(None);
    }
    let parts: Vec<&str> = if date_part.contains('/') {
        date_part.split('/').collect()
    } else {
        date_part.split('-').collect()
    };
    let digits = |p: &str, min: usize, max: usize| {
        (min..=max).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())
    };
    let (y, m, d) = match parts.as_slice() {
        [y, m, d]
            if date_part.contains('-') && digits(y, 4, 4) && digits(m, 1, 2) && digits(d, 1, 2) =>
        {
            (*y, *m, *d)
        }
        [d, m, y]
            if date_part.contains('/') && digits(d, 1, 2) && digits(m, 1, 2) && digits(y, 4, 4) =>
        {
            (*y, *m, *d)
        }
        _ => return Err(invalid("")),
    };
    let date = match (y.parse::<i32>(), m.parse::<u32>(), d.parse::<u32>()) {
        (Ok(y), Ok(m), Ok(d)) => NaiveDate::from_ymd_opt(y, m, d),
        _ => None,
    };
    match date {
        None => Err(invalid("")),
        Some(d) if d.year() < 1900 => Err(invalid(" (anterior a 1900)")),
        Some(d) if d > today => Err(invalid(" (no futuro)")),
        Some(d) => Ok(Some(d)),
    }
}

/// `"1985-11-28 00:00:00"` → `"1985-11-28"`; anything else unchanged.
fn strip_time(t: &str) -> &str {
    let Some((date, time)) = t.split_once([' ', 'T']) else {
        return t;
    };
    if date.trim().is_empty() {
        return t;
    }
    let pieces: Vec<&str> = time.trim().split(':').collect();
    let is_time = (2..=3).contains(&pieces.len())
        && pieces
            .iter()
            .all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit()));
    if is_time {
        date.trim_end()
    } else {
        t
    }
}

/// Parses an IXC client export. Whole-file problems are errors; row problems are in
/// [`ParsedCsv::rejected`].
pub fn parse(bytes: &[u8]) -> Result<ParsedCsv, CsvError> {
    let (text, encoding) = decode(bytes)?;
    if text.trim().is_empty() {
        return Err(CsvError::Empty);
    }
    let last_odd_run = last_odd_quote_run(&text);
    let delim = detect_delimiter(&text, last_odd_run);

    let mut tokens = Tokenizer::new(&text, delim, last_odd_run, MAX_HEADER_FIELDS);
    let header = tokens.next_record().ok_or(CsvError::Empty)?;
    let cols = Columns::from_header(&header.fields)?;
    tokens.max_fields = cols.total.max(cols.needed);

    let mut accepted: Vec<(usize, String, ClientRecord)> = Vec::new();
    let mut rejected = Vec::new();
    let mut rows = 0usize;
    while let Some(rec) = tokens.next_record() {
        rows += 1;
        if rows > MAX_ROWS {
            if rows == MAX_ROWS + 1 {
                // Only counting from here on: free what is no longer needed.
                accepted = Vec::new();
                rejected = Vec::new();
                tokens.max_fields = 0;
            }
            continue;
        }
        let raw_id = rec
            .fields
            .get(cols.id)
            .map(|s| s.trim().to_owned())
            .unwrap_or_default();
        match to_record(&rec, &cols) {
            Ok(r) => accepted.push((rec.line, raw_id, r)),
            Err(reason) => rejected.push(RejectedRow {
                line: rec.line,
                external_id: raw_id,
                reason,
            }),
        }
    }
    if rows > MAX_ROWS {
        return Err(CsvError::TooManyRows(rows));
    }

    // A repeated id: the last good row wins, the earlier ones are reported.
    let mut winner: HashMap<String, usize> = HashMap::new();
    for (line, _, r) in &accepted {
        winner.insert(r.external_id.clone(), *line);
    }
    let mut records = Vec::with_capacity(accepted.len());
    for (line, raw_id, r) in accepted {
        match winner.get(&r.external_id) {
            Some(&w) if w != line => rejected.push(RejectedRow {
                line,
                external_id: raw_id,
                reason: format!("Id repetido no arquivo (linha {w} prevalece)"),
            }),
            _ => records.push((line, r)),
        }
    }
    rejected.sort_by_key(|r| r.line);

    Ok(ParsedCsv {
        records,
        rejected,
        delimiter: char::from(delim),
        encoding,
    })
}

/// Positions of the known columns in the header.
#[derive(Debug)]
struct Columns {
    id: usize,
    razao: usize,
    data_nascimento: usize,
    fantasia: Option<usize>,
    tipo_pessoa: Option<usize>,
    ativo: Option<usize>,
    whatsapp: Option<usize>,
    telefone_celular: Option<usize>,
    email: Option<usize>,
    cidade: Option<usize>,
    uf: Option<usize>,
    /// Fields in the header.
    total: usize,
    /// Fields a row needs to reach every required column.
    needed: usize,
}

impl Columns {
    /// Position of an IXC column in this file, if it has it.
    fn index_of(&self, column: &str) -> Option<usize> {
        match column {
            "id" => Some(self.id),
            "razao" => Some(self.razao),
            "data_nascimento" => Some(self.data_nascimento),
            "fantasia" => self.fantasia,
            "tipo_pessoa" => self.tipo_pessoa,
            "ativo" => self.ativo,
            "whatsapp" => self.whatsapp,
            "telefone_celular" => self.telefone_celular,
            "email" => self.email,
            "cidade" => self.cidade,
            "uf" => self.uf,
            _ => None,
        }
    }

    fn from_header(fields: &[Cow<'_, str>]) -> Result<Self, CsvError> {
        let names: Vec<String> = fields.iter().map(|f| column_name(f)).collect();
        let find = |name: &str| names.iter().position(|n| n == name);
        let missing: Vec<String> = REQUIRED_COLUMNS
            .iter()
            .filter(|c| find(c).is_none())
            .map(|c| (*c).to_owned())
            .collect();
        let (Some(id), Some(razao), Some(data_nascimento)) =
            (find("id"), find("razao"), find("data_nascimento"))
        else {
            return Err(CsvError::MissingColumns(missing));
        };
        Ok(Columns {
            id,
            razao,
            data_nascimento,
            fantasia: find("fantasia"),
            tipo_pessoa: find("tipo_pessoa"),
            ativo: find("ativo"),
            whatsapp: find("whatsapp"),
            telefone_celular: find("telefone_celular"),
            email: find("email"),
            cidade: find("cidade"),
            uf: find("uf"),
            total: names.len(),
            needed: id.max(razao).max(data_nascimento) + 1,
        })
    }
}

fn column_name(field: &str) -> String {
    field.trim().to_lowercase()
}

/// `;` unless `,` splits the first record into more known columns.
fn detect_delimiter(text: &str, last_odd_run: Option<usize>) -> u8 {
    let known = |delim: u8| {
        let mut t = Tokenizer::new(text, delim, last_odd_run, MAX_HEADER_FIELDS);
        let Some(rec) = t.next_record() else {
            return 0;
        };
        let mut names: Vec<String> = rec.fields.iter().map(|f| column_name(f)).collect();
        names.sort();
        names.dedup();
        names
            .iter()
            .filter(|n| KNOWN_COLUMNS.contains(&n.as_str()))
            .count()
    };
    if known(b',') > known(b';') {
        b','
    } else {
        b';'
    }
}

/// One row into a record, or the Portuguese reason it cannot be imported.
fn to_record(rec: &RawRecord<'_>, cols: &Columns) -> Result<ClientRecord, String> {
    if rec.unclosed_quote {
        return Err("Aspas não fechadas".to_owned());
    }
    if rec.count < cols.needed {
        return Err(format!(
            "Linha com {} colunas; esperado {}",
            rec.count, cols.total
        ));
    }
    let get = |i: Option<usize>| -> &str {
        i.and_then(|i| rec.fields.get(i))
            .map(|s| s.trim())
            .unwrap_or("")
    };
    record_from_fields(|column| get(cols.index_of(column)))
}

/// One IXC client — a CSV row or a webservice record — from its fields by IXC column name
/// (`""` for a missing one), or the Portuguese reason it cannot be imported. The one place
/// where both sources are validated.
pub fn record_from_fields<'a>(get: impl Fn(&str) -> &'a str) -> Result<ClientRecord, String> {
    let get = |column: &str| get(column).trim();
    let raw_id = get("id");
    if raw_id.is_empty() {
        return Err("Sem id".to_owned());
    }
    let external_id = match raw_id.parse::<u64>() {
        Ok(n) if n > 0 && raw_id.bytes().all(|b| b.is_ascii_digit()) => n.to_string(),
        _ => return Err(format!("Id inválido: '{}'", excerpt(raw_id))),
    };

    let name = collapse_spaces(get("razao"));
    if name.is_empty() {
        return Err("Sem nome (razao)".to_owned());
    }

    let tipo = get("tipo_pessoa");
    let person_type = if tipo.is_empty() {
        PersonType::Fisica
    } else {
        PersonType::from_ixc(tipo)
            .ok_or_else(|| format!("Tipo de pessoa inválido: '{}'", excerpt(tipo)))?
    };

    let ativo = get("ativo");
    let active = match ativo.to_lowercase().as_str() {
        "" | "s" | "sim" | "1" | "true" => true,
        "n" | "não" | "nao" | "0" | "false" => false,
        _ => return Err(format!("Campo ativo inválido: '{}'", excerpt(ativo))),
    };

    let birth_date = parse_date(get("data_nascimento"))?;

    Ok(ClientRecord {
        external_id,
        name,
        trade_name: collapse_spaces(get("fantasia")),
        person_type,
        active,
        birth_date,
        whatsapp: get("whatsapp").to_owned(),
        mobile: get("telefone_celular").to_owned(),
        email: get("email").to_owned(),
        city: collapse_spaces(get("cidade")),
        state: get("uf").to_uppercase(),
    })
}

fn collapse_spaces(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A value as quoted back to the user: at most [`MAX_EXCERPT_CHARS`] characters.
fn excerpt(s: &str) -> Cow<'_, str> {
    match s.char_indices().nth(MAX_EXCERPT_CHARS) {
        Some((cut, _)) => Cow::Owned(format!("{}…", &s[..cut])),
        None => Cow::Borrowed(s),
    }
}

/// `100000` → `"100.000"`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// Start of the last run of consecutive `"` of odd length.
///
/// Inside a quoted field `""` is a literal quote, so the field closes at the first odd run
/// after its opening run: an opening quote with no odd run after it never closes. Knowing
/// that up front lets the tokenizer treat such a quote as a one-line error instead of
/// swallowing the rest of the file.
fn last_odd_quote_run(text: &str) -> Option<usize> {
    let b = text.as_bytes();
    let mut last = None;
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'"' {
            let start = i;
            while i < b.len() && b[i] == b'"' {
                i += 1;
            }
            if (i - start) % 2 == 1 {
                last = Some(start);
            }
        } else {
            i += 1;
        }
    }
    last
}

/// One record as split by the tokenizer.
#[derive(Debug)]
struct RawRecord<'a> {
    /// Line (1-based) where the record starts.
    line: usize,
    /// The first `max_fields` fields; unquoted ones trimmed.
    fields: Vec<Cow<'a, str>>,
    /// All fields, kept or not.
    count: usize,
    /// A field opened a quote that nothing closes (read as plain text up to the line end).
    unclosed_quote: bool,
}

enum FieldEnd {
    Delimiter,
    Line,
    Eof,
}

/// RFC 4180 record splitter over the decoded text. Works on bytes: every byte it looks
/// for is ASCII, so every cut falls on a char boundary.
struct Tokenizer<'a> {
    text: &'a str,
    delim: u8,
    pos: usize,
    line: usize,
    last_odd_run: Option<usize>,
    /// Fields beyond this are counted, not stored.
    max_fields: usize,
}

impl<'a> Tokenizer<'a> {
    fn new(text: &'a str, delim: u8, last_odd_run: Option<usize>, max_fields: usize) -> Self {
        Tokenizer {
            text,
            delim,
            pos: 0,
            line: 1,
            last_odd_run,
            max_fields,
        }
    }

    /// The next record that is not blank (every field empty), or `None` at the end.
    fn next_record(&mut self) -> Option<RawRecord<'a>> {
        while self.pos < self.text.len() {
            let line = self.line;
            let mut fields = Vec::new();
            let mut count = 0;
            let mut unclosed_quote = false;
            let mut blank = true;
            loop {
                let (value, end, unclosed) = self.field();
                count += 1;
                unclosed_quote |= unclosed;
                blank &= value.is_empty();
                if fields.len() < self.max_fields {
                    fields.push(value);
                }
                if !matches!(end, FieldEnd::Delimiter) {
                    break;
                }
            }
            if !blank {
                return Some(RawRecord {
                    line,
                    fields,
                    count,
                    unclosed_quote,
                });
            }
        }
        None
    }

    fn is_field_end(&self, b: u8) -> bool {
        b == self.delim || b == b'\n' || b == b'\r'
    }

    /// One field from `self.pos`, consuming its terminator.
    fn field(&mut self) -> (Cow<'a, str>, FieldEnd, bool) {
        let text = self.text;
        let b = text.as_bytes();
        let start = self.pos;
        let mut p = start;
        while p < b.len() && (b[p] == b' ' || b[p] == b'\t') {
            p += 1;
        }
        let mut unclosed = false;
        if p < b.len() && b[p] == b'"' {
            let run = b[p..].iter().take_while(|&&c| c == b'"').count();
            if run % 2 == 0 || self.last_odd_run.is_some_and(|last| last > p) {
                return self.quoted(p + 1);
            }
            unclosed = true;
        }
        while p < b.len() && !self.is_field_end(b[p]) {
            p += 1;
        }
        let value = text[start..p].trim();
        (Cow::Borrowed(value), self.finish(p), unclosed)
    }

    /// The rest of a quoted field whose content starts at `p` (known to close).
    fn quoted(&mut self, mut p: usize) -> (Cow<'a, str>, FieldEnd, bool) {
        let text = self.text;
        let b = text.as_bytes();
        let mut value: Cow<'a, str> = Cow::Borrowed("");
        let mut seg = p;
        loop {
            if p >= b.len() {
                // Unreachable when the quote is known to close; stay total anyway.
                append(&mut value, &text[seg..]);
                break;
            }
            match b[p] {
                b'"' if b.get(p + 1) == Some(&b'"') => {
                    append(&mut value, &text[seg..=p]);
                    p += 2;
                    seg = p;
                }
                b'"' => {
                    append(&mut value, &text[seg..p]);
                    p += 1;
                    break;
                }
                b'\n' => {
                    self.line += 1;
                    p += 1;
                }
                b'\r' => {
                    if b.get(p + 1) != Some(&b'\n') {
                        self.line += 1;
                    }
                    p += 1;
                }
                _ => p += 1,
            }
        }
        // Lenient: text after the closing quote (`"Bia" Maria`) is kept, trailing spaces not.
        let tail_start = p;
        while p < b.len() && !self.is_field_end(b[p]) {
            p += 1;
        }
        append(&mut value, text[tail_start..p].trim_end());
        (value, self.finish(p), false)
    }

    /// Consumes the terminator at `p` (delimiter, CRLF, LF, CR or end of text).
    fn finish(&mut self, p: usize) -> FieldEnd {
        let b = self.text.as_bytes();
        match b.get(p) {
            None => {
                self.pos = b.len();
                FieldEnd::Eof
            }
            Some(&c) if c == self.delim => {
                self.pos = p + 1;
                FieldEnd::Delimiter
            }
            Some(b'\r') if b.get(p + 1) == Some(&b'\n') => {
                self.pos = p + 2;
                self.line += 1;
                FieldEnd::Line
            }
            Some(_) => {
                self.pos = p + 1;
                self.line += 1;
                FieldEnd::Line
            }
        }
    }
}

fn append<'a>(value: &mut Cow<'a, str>, s: &'a str) {
    if s.is_empty() {
        return;
    }
    if value.is_empty() {
        *value = Cow::Borrowed(s);
    } else {
        value.to_mut().push_str(s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    /// A física, active client with only id, name and birth date set.
    fn client(id: &str, name: &str, born: Option<NaiveDate>) -> ClientRecord {
        ClientRecord {
            external_id: id.to_owned(),
            name: name.to_owned(),
            active: true,
            birth_date: born,
            ..Default::default()
        }
    }

    fn rejected(line: usize, id: &str, reason: &str) -> RejectedRow {
        RejectedRow {
            line,
            external_id: id.to_owned(),
            reason: reason.to_owned(),
        }
    }

    fn ok(input: &[u8]) -> ParsedCsv {
        match parse(input) {
            Ok(p) => p,
            Err(e) => panic!(
                "parse failed: {e:?} for {:?}",
                String::from_utf8_lossy(input)
            ),
        }
    }

    const SAMPLE: &[u8] = include_bytes!("../../../server/sample/clientes-ixc.csv");
    const SAMPLE_INVALID: &[u8] = include_bytes!("../../../server/sample/clientes-invalido.csv");

    // ---------------------------------------------------------------- decode

    #[test]
    fn decode_table() {
        type Case = (
            &'static [u8],
            Result<(&'static str, &'static str), CsvError>,
        );
        let cases: &[Case] = &[
            (b"", Ok(("", "UTF-8"))),
            (b"id;razao", Ok(("id;razao", "UTF-8"))),
            ("João".as_bytes(), Ok(("João", "UTF-8"))),
            (b"\xEF\xBB\xBFid;razao", Ok(("id;razao", "UTF-8"))),
            (b"\xEF\xBB\xBF", Ok(("", "UTF-8"))),
            // BOM then a stray Latin-1 byte: still UTF-8, the byte becomes U+FFFD.
            (b"\xEF\xBB\xBFJo\xe3o", Ok(("Jo\u{FFFD}o", "UTF-8"))),
            (b"Jo\xe3o", Ok(("João", "Windows-1252"))),
            (
                b"Concei\xe7\xe3o S\xe3o Jos\xe9",
                Ok(("Conceição São José", "Windows-1252")),
            ),
            (
                b"\x80 \x93ok\x94 \x96 \x85",
                Ok(("€ \u{201C}ok\u{201D} – …", "Windows-1252")),
            ),
            (
                b"\x81\x8d\x8f\x90\x9d\x9f\xff",
                Ok(("\u{81}\u{8D}\u{8F}\u{90}\u{9D}Ÿÿ", "Windows-1252")),
            ),
            (b"id;razao\0", Err(CsvError::NotText)),
            (b"\xFF\xFEi\0d\0", Err(CsvError::NotText)),
        ];
        for (input, expected) in cases {
            let got = decode(input);
            let expected = expected.clone().map(|(s, e)| (s.to_owned(), e));
            assert_eq!(got, expected, "input {input:?}");
        }
    }

    #[test]
    fn cp1252_high_half_is_the_full_table() {
        let decoded: String = (0x80u8..=0x9F).map(cp1252).collect();
        assert_eq!(
            decoded,
            "€\u{81}‚ƒ„…†‡ˆ‰Š‹Œ\u{8D}Ž\u{8F}\u{90}\u{2018}\u{2019}\u{201C}\u{201D}•–—˜™š›œ\u{9D}žŸ"
        );
        for b in (0u8..0x80).chain(0xA0..=0xFF) {
            assert_eq!(u32::from(cp1252(b)), u32::from(b));
        }
    }

    // ---------------------------------------------------------------- dates

    #[test]
    fn parse_date_table() {
        let today = date(2025, 6, 15);
        let invalid = |s: &str| Err(format!("Data de nascimento inválida: '{s}'"));
        let cases: Vec<(&str, Result<Option<NaiveDate>, String>)> = vec![
            ("", Ok(None)),
            ("   ", Ok(None)),
            ("0000-00-00", Ok(None)),
            ("00/00/0000", Ok(None)),
            ("0000-00-00 00:00:00", Ok(None)),
            ("1985-11-28", Ok(Some(date(1985, 11, 28)))),
            (" 1985-11-28 ", Ok(Some(date(1985, 11, 28)))),
            ("1985-11-28 00:00:00", Ok(Some(date(1985, 11, 28)))),
            ("1985-11-28T10:30", Ok(Some(date(1985, 11, 28)))),
            ("1985-1-8", Ok(Some(date(1985, 1, 8)))),
            ("28/11/1985", Ok(Some(date(1985, 11, 28)))),
            ("8/1/1985", Ok(Some(date(1985, 1, 8)))),
            ("29/02/1992", Ok(Some(date(1992, 2, 29)))),
            ("2000-02-29", Ok(Some(date(2000, 2, 29)))),
            ("1900-01-01", Ok(Some(date(1900, 1, 1)))),
            ("2025-06-15", Ok(Some(today))),
            ("2023-02-30", invalid("2023-02-30")),
            ("1900-02-29", invalid("1900-02-29")),
            ("31/13/2000", invalid("31/13/2000")),
            ("32/01/2000", invalid("32/01/2000")),
            ("2000-00-10", invalid("2000-00-10")),
            ("abc", invalid("abc")),
            ("T12:00", invalid("T12:00")),
            ("1985-11-28 lixo", invalid("1985-11-28 lixo")),
            ("85-11-28", invalid("85-11-28")),
            ("28/11/85", invalid("28/11/85")),
            ("1985/11/28", invalid("1985/11/28")),
            ("28-11-1985", invalid("28-11-1985")),
            ("1985-11-28-01", invalid("1985-11-28-01")),
            ("+985-11-28", invalid("+985-11-28")),
            ("28.11.1985", invalid("28.11.1985")),
            ("1985-011-28", invalid("1985-011-28")),
            (
                "1899-12-31",
                Err("Data de nascimento inválida: '1899-12-31' (anterior a 1900)".to_owned()),
            ),
            (
                "2025-06-16",
                Err("Data de nascimento inválida: '2025-06-16' (no futuro)".to_owned()),
            ),
            (
                "01/01/3000",
                Err("Data de nascimento inválida: '01/01/3000' (no futuro)".to_owned()),
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(parse_date_at(input, today), expected, "input {input:?}");
        }
    }

    #[test]
    fn parse_date_uses_today() {
        assert_eq!(parse_date("1985-11-28"), Ok(Some(date(1985, 11, 28))));
        assert!(parse_date("2999-01-01").is_err());
        let long = "x".repeat(100);
        let err = parse_date(&long).unwrap_err();
        assert_eq!(
            err,
            format!("Data de nascimento inválida: '{}…'", "x".repeat(40))
        );
    }

    // ---------------------------------------------------------------- errors

    #[test]
    fn error_messages() {
        let cases = [
            (CsvError::Empty, "O arquivo está vazio."),
            (
                CsvError::NotText,
                "O arquivo não parece ser um CSV de texto.",
            ),
            (
                CsvError::MissingColumns(vec!["id".into(), "razao".into()]),
                "Colunas obrigatórias ausentes: id, razao",
            ),
            (
                CsvError::TooManyRows(100_001),
                "O arquivo tem 100.001 linhas; o máximo é 100.000.",
            ),
            (
                CsvError::TooManyRows(1_234_567),
                "O arquivo tem 1.234.567 linhas; o máximo é 100.000.",
            ),
        ];
        for (err, msg) in cases {
            assert_eq!(err.to_string(), msg);
        }
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1.000");
    }

    #[test]
    fn whole_file_errors() {
        let all = || {
            CsvError::MissingColumns(vec!["id".into(), "razao".into(), "data_nascimento".into()])
        };
        let cases: &[(&[u8], CsvError)] = &[
            (b"", CsvError::Empty),
            (b"   \r\n\n\t\n", CsvError::Empty),
            (b"\xEF\xBB\xBF", CsvError::Empty),
            (b";;;\n ; ;\n\"\";\n", CsvError::Empty),
            (b"id;razao;data_nascimento\0\n", CsvError::NotText),
            (b"PK\x03\x04\x14\x00\x06\x00", CsvError::NotText),
            (SAMPLE_INVALID, all()),
            (b"Ol\xe1, isto n\xe3o \xe9 um CSV.\nNada aqui.\n", all()),
            (
                b"id;nome;nascimento\n1;Ana;2000-01-01\n",
                CsvError::MissingColumns(vec!["razao".into(), "data_nascimento".into()]),
            ),
            (
                b"id,razao,whatsapp\n1,Ana,11\n",
                CsvError::MissingColumns(vec!["data_nascimento".into()]),
            ),
            // Tie (one known column either way): `;` wins, leaving "id,razao" unknown.
            (
                b"id,razao;data_nascimento\n",
                CsvError::MissingColumns(vec!["id".into(), "razao".into()]),
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(
                parse(input),
                Err(expected.clone()),
                "input {:?}",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn too_many_rows() {
        let mut text = String::from("id;razao;data_nascimento\n");
        for i in 1..=MAX_ROWS {
            text.push_str(&format!("{i};Cliente {i};2000-01-01\n"));
        }
        let parsed = ok(text.as_bytes());
        assert_eq!(parsed.records.len(), MAX_ROWS);
        assert_eq!(parsed.records.last().map(|r| r.0), Some(MAX_ROWS + 1));

        // Blank lines do not count; one more data row does.
        text.push_str("\n\n;;\n");
        assert!(parse(text.as_bytes()).is_ok());
        text.push_str("x;;\n");
        assert_eq!(
            parse(text.as_bytes()),
            Err(CsvError::TooManyRows(MAX_ROWS + 1))
        );
        text.push_str("1;a;b\n");
        assert_eq!(
            parse(text.as_bytes()),
            Err(CsvError::TooManyRows(MAX_ROWS + 2))
        );
    }

    // ---------------------------------------------------------------- files

    /// Whole files: delimiter, encoding, records with lines, rejected rows.
    #[test]
    fn parse_table() {
        let born = Some(date(1985, 11, 28));
        let ana = |id: &str| client(id, "Ana", born);
        struct Case {
            name: &'static str,
            input: &'static [u8],
            delimiter: char,
            encoding: &'static str,
            records: Vec<(usize, ClientRecord)>,
            rejected: Vec<RejectedRow>,
        }
        let cases = vec![
            Case {
                name: "semicolon, full IXC header",
                input: "id;razao;fantasia;tipo_pessoa;ativo;data_nascimento;whatsapp;telefone_celular;email;cidade;uf\n\
                        1001;Maria Aparecida da Silva;;F;S;1985-11-28;(19) 99876-5432;;maria@example.com;Campinas;SP\n\
                        1003;ACME Telecom Ltda;ACME;J;N;0000-00-00;(11) 97777-0000;11 3456-7890;;São Paulo;sp\n"
                    .as_bytes(),
                delimiter: ';',
                encoding: "UTF-8",
                records: vec![
                    (
                        2,
                        ClientRecord {
                            whatsapp: "(19) 99876-5432".into(),
                            email: "maria@example.com".into(),
                            city: "Campinas".into(),
                            state: "SP".into(),
                            ..client("1001", "Maria Aparecida da Silva", born)
                        },
                    ),
                    (
                        3,
                        ClientRecord {
                            trade_name: "ACME".into(),
                            person_type: PersonType::Juridica,
                            active: false,
                            whatsapp: "(11) 97777-0000".into(),
                            mobile: "11 3456-7890".into(),
                            city: "São Paulo".into(),
                            state: "SP".into(),
                            ..client("1003", "ACME Telecom Ltda", None)
                        },
                    ),
                ],
                rejected: vec![],
            },
            Case {
                name: "comma, BOM, CRLF, any order, case and spaces in header, extra columns",
                input: b"\xEF\xBB\xBF Data_Nascimento ,OBS, RAZAO,ID\r\n28/11/1985,x,Ana,7\r\n1985-11-28,y,Bia,8\r\n",
                delimiter: ',',
                encoding: "UTF-8",
                records: vec![(2, ana("7")), (3, client("8", "Bia", born))],
                rejected: vec![],
            },
            Case {
                name: "Windows-1252",
                input: b"id;razao;cidade\xa0;data_nascimento;uf\n1;Jo\xe3o  da   Concei\xe7\xe3o;S\xe3o Paulo;28/11/1985;sp\n",
                delimiter: ';',
                encoding: "Windows-1252",
                records: vec![(
                    2,
                    ClientRecord {
                        city: "São Paulo".into(),
                        state: "SP".into(),
                        ..client("1", "João da Conceição", born)
                    },
                )],
                rejected: vec![],
            },
            Case {
                name: "quoted: delimiter, doubled quotes, newlines (LF and CRLF), spaces around",
                input: b"id;razao;fantasia;data_nascimento;email\n\
                         1;\"Silva; Souza & Cia\";\"Bar \"\"do Z\xc3\xa9\"\"\";1985-11-28;\"a\nb\"\n\
                         2;  \"Ana\"  ;\"linha1\r\nlinha2\r\nlinha3\";1985-11-28;\"x\"\n\
                         3;\"Bia\" Maria;;1985-11-28;\"\"\n\
                         4;Bar \"Z\";\"\";1985-11-28;\n",
                delimiter: ';',
                encoding: "UTF-8",
                records: vec![
                    (
                        2,
                        ClientRecord {
                            trade_name: "Bar \"do Zé\"".into(),
                            email: "a\nb".into(),
                            ..client("1", "Silva; Souza & Cia", born)
                        },
                    ),
                    (
                        4,
                        ClientRecord {
                            trade_name: "linha1 linha2 linha3".into(),
                            email: "x".into(),
                            ..ana("2")
                        },
                    ),
                    (7, client("3", "Bia Maria", born)),
                    (8, client("4", "Bar \"Z\"", born)),
                ],
                rejected: vec![],
            },
            Case {
                name: "comma with quoted commas",
                input: b"id,razao,data_nascimento,cidade\n5,\"Lima, Carlos\",1985-11-28,\"Itaja\xc3\xad, SC\"\n",
                delimiter: ',',
                encoding: "UTF-8",
                records: vec![(
                    2,
                    ClientRecord {
                        city: "Itajaí, SC".into(),
                        ..client("5", "Lima, Carlos", born)
                    },
                )],
                rejected: vec![],
            },
            Case {
                name: "blank lines, whitespace lines, delimiter-only lines, lone CR, no final newline",
                input: b"\n\nid;razao;data_nascimento\n\n   \n;;\n\"\";\"\";\n1;Ana;1985-11-28\r\r2;Bia;1985-11-28",
                delimiter: ';',
                encoding: "UTF-8",
                records: vec![(8, ana("1")), (10, client("2", "Bia", born))],
                rejected: vec![],
            },
            Case {
                name: "header only",
                input: b"id;razao;data_nascimento\r\n",
                delimiter: ';',
                encoding: "UTF-8",
                records: vec![],
                rejected: vec![],
            },
            Case {
                name: "optional columns absent or empty: física, active",
                input: b"id;razao;data_nascimento;tipo_pessoa;ativo\n1;Ana;1985-11-28\n2;Ana;1985-11-28;;\n3;Ana;1985-11-28;E;0\n",
                delimiter: ';',
                encoding: "UTF-8",
                records: vec![
                    (2, ana("1")),
                    (3, ana("2")),
                    (
                        4,
                        ClientRecord {
                            person_type: PersonType::Estrangeiro,
                            active: false,
                            ..ana("3")
                        },
                    ),
                ],
                rejected: vec![],
            },
            Case {
                name: "ativo and tipo_pessoa spellings",
                input: "id;razao;data_nascimento;tipo_pessoa;ativo\n\
                        1;Ana;1985-11-28;f;SIM\n2;Ana;1985-11-28;Física;Não\n3;Ana;1985-11-28;JURIDICA;nao\n\
                        4;Ana;1985-11-28;jurídica;TRUE\n5;Ana;1985-11-28;estrangeiro;False\n6;Ana;1985-11-28;F;1\n7;Ana;1985-11-28;F;n\n"
                    .as_bytes(),
                delimiter: ';',
                encoding: "UTF-8",
                records: vec![
                    (2, ana("1")),
                    (3, ClientRecord { active: false, ..ana("2") }),
                    (
                        4,
                        ClientRecord {
                            person_type: PersonType::Juridica,
                            active: false,
                            ..ana("3")
                        },
                    ),
                    (
                        5,
                        ClientRecord {
                            person_type: PersonType::Juridica,
                            ..ana("4")
                        },
                    ),
                    (
                        6,
                        ClientRecord {
                            person_type: PersonType::Estrangeiro,
                            active: false,
                            ..ana("5")
                        },
                    ),
                    (7, ana("6")),
                    (8, ClientRecord { active: false, ..ana("7") }),
                ],
                rejected: vec![],
            },
            Case {
                name: "short rows: kept when the required columns are there",
                input: b"id;razao;data_nascimento;whatsapp;email\n1;Ana;1985-11-28\n2;Ana\n3;Ana;1985-11-28;11 9;a@b;extra;more\n",
                delimiter: ';',
                encoding: "UTF-8",
                records: vec![
                    (2, ana("1")),
                    (
                        4,
                        ClientRecord {
                            whatsapp: "11 9".into(),
                            email: "a@b".into(),
                            ..ana("3")
                        },
                    ),
                ],
                rejected: vec![rejected(3, "2", "Linha com 2 colunas; esperado 5")],
            },
            Case {
                name: "ids: leading zeros are dropped, duplicates resolved on the number",
                input: b"id;razao;data_nascimento\n007;Ana;1985-11-28\n7;Bia;1985-11-28\n",
                delimiter: ';',
                encoding: "UTF-8",
                records: vec![(3, client("7", "Bia", born))],
                rejected: vec![rejected(2, "007", "Id repetido no arquivo (linha 3 prevalece)")],
            },
            Case {
                name: "duplicates: the last good row wins, a bad later row does not",
                input: b"id;razao;data_nascimento\n1;A;1985-11-28\n2;B;1985-11-28\n1;C;1985-11-28\n1;D;1985-11-28\n2;E;abc\n",
                delimiter: ';',
                encoding: "UTF-8",
                records: vec![(3, client("2", "B", born)), (5, client("1", "D", born))],
                rejected: vec![
                    rejected(2, "1", "Id repetido no arquivo (linha 5 prevalece)"),
                    rejected(4, "1", "Id repetido no arquivo (linha 5 prevalece)"),
                    rejected(6, "2", "Data de nascimento inválida: 'abc'"),
                ],
            },
            Case {
                name: "an unclosed quote costs one line, not the rest of the file",
                input: b"id;razao;data_nascimento\n1;\"Ana;1985-11-28\n2;Bia;1985-11-28\n",
                delimiter: ';',
                encoding: "UTF-8",
                records: vec![(3, client("2", "Bia", born))],
                rejected: vec![rejected(2, "1", "Aspas não fechadas")],
            },
            Case {
                name: "a quote that closes later does span lines",
                input: b"id;razao;data_nascimento\n1;\"Ana;1985-11-28\n2;Bia\";1985-11-28\n",
                delimiter: ';',
                encoding: "UTF-8",
                records: vec![(2, client("1", "Ana;1985-11-28 2;Bia", born))],
                rejected: vec![],
            },
        ];
        for case in cases {
            let parsed = ok(case.input);
            assert_eq!(parsed.delimiter, case.delimiter, "{}", case.name);
            assert_eq!(parsed.encoding, case.encoding, "{}", case.name);
            assert_eq!(parsed.records, case.records, "{}", case.name);
            assert_eq!(parsed.rejected, case.rejected, "{}", case.name);
        }
    }

    /// Every rejection reason, each on its own line, between good rows that survive.
    #[test]
    fn rejection_reasons_with_lines() {
        let long_id = "9".repeat(60);
        let rows: Vec<(String, Option<&str>, Option<String>)> = vec![
            // (row, raw id in the report, reason; None = accepted)
            ("10;Boa;F;S;2000-01-01".into(), None, None),
            (
                ";Sem Id;F;S;2000-01-01".into(),
                Some(""),
                Some("Sem id".into()),
            ),
            (
                "  ;Sem Id;F;S;2000-01-01".into(),
                Some(""),
                Some("Sem id".into()),
            ),
            (
                "abc;X;F;S;2000-01-01".into(),
                Some("abc"),
                Some("Id inválido: 'abc'".into()),
            ),
            (
                "0;X;F;S;2000-01-01".into(),
                Some("0"),
                Some("Id inválido: '0'".into()),
            ),
            (
                "-5;X;F;S;2000-01-01".into(),
                Some("-5"),
                Some("Id inválido: '-5'".into()),
            ),
            (
                "+5;X;F;S;2000-01-01".into(),
                Some("+5"),
                Some("Id inválido: '+5'".into()),
            ),
            (
                "1.5;X;F;S;2000-01-01".into(),
                Some("1.5"),
                Some("Id inválido: '1.5'".into()),
            ),
            (
                "1 2;X;F;S;2000-01-01".into(),
                Some("1 2"),
                Some("Id inválido: '1 2'".into()),
            ),
            (
                format!("{long_id};X;F;S;2000-01-01"),
                Some(long_id.as_str()),
                Some(format!("Id inválido: '{}…'", "9".repeat(40))),
            ),
            (
                "11;;F;S;2000-01-01".into(),
                Some("11"),
                Some("Sem nome (razao)".into()),
            ),
            (
                "12;   ;F;S;2000-01-01".into(),
                Some("12"),
                Some("Sem nome (razao)".into()),
            ),
            (
                "13;X;PF;S;2000-01-01".into(),
                Some("13"),
                Some("Tipo de pessoa inválido: 'PF'".into()),
            ),
            (
                "14;X;F;talvez;2000-01-01".into(),
                Some("14"),
                Some("Campo ativo inválido: 'talvez'".into()),
            ),
            (
                "15;X;F;S;2023-02-30".into(),
                Some("15"),
                Some("Data de nascimento inválida: '2023-02-30'".into()),
            ),
            (
                "16;X;F;S;31/13/2000".into(),
                Some("16"),
                Some("Data de nascimento inválida: '31/13/2000'".into()),
            ),
            (
                "17;X;F;S;2999-01-01".into(),
                Some("17"),
                Some("Data de nascimento inválida: '2999-01-01' (no futuro)".into()),
            ),
            (
                "18;X;F;S".into(),
                Some("18"),
                Some("Linha com 4 colunas; esperado 5".into()),
            ),
            (
                "19".into(),
                Some("19"),
                Some("Linha com 1 colunas; esperado 5".into()),
            ),
            (
                "20;\"X;F;S;2000-01-01".into(),
                Some("20"),
                Some("Aspas não fechadas".into()),
            ),
            ("21;Boa Também;J;N;0000-00-00".into(), None, None),
            (
                "30;Primeira;F;S;2000-01-01".into(),
                Some("30"),
                Some("Id repetido no arquivo (linha 24 prevalece)".into()),
            ),
            ("30;Segunda;F;S;2000-01-01".into(), None, None),
        ];
        let mut text = String::from("id;razao;tipo_pessoa;ativo;data_nascimento\n");
        for (row, _, _) in &rows {
            text.push_str(row);
            text.push('\n');
        }
        let parsed = ok(text.as_bytes());

        let expected_rejected: Vec<RejectedRow> = rows
            .iter()
            .enumerate()
            .filter_map(|(i, (_, id, reason))| Some(rejected(i + 2, (*id)?, reason.as_deref()?)))
            .collect();
        assert_eq!(parsed.rejected, expected_rejected);
        let lines: Vec<(usize, &str)> = parsed
            .records
            .iter()
            .map(|(l, r)| (*l, r.name.as_str()))
            .collect();
        assert_eq!(lines, [(2, "Boa"), (22, "Boa Também"), (24, "Segunda")]);
    }

    #[test]
    fn rejected_rows_keep_the_id_as_read() {
        let parsed = ok(b"razao;id;data_nascimento\nAna;\" 0042 \";abc\n");
        assert_eq!(
            parsed.rejected,
            [rejected(2, "0042", "Data de nascimento inválida: 'abc'")]
        );
    }

    #[test]
    fn line_numbers_after_multiline_fields() {
        let text = "id;razao;data_nascimento;email\r\n\
                    1;\"A\r\nB\";1985-11-28;\"x\n\ny\"\r\n\
                    \r\n\
                    2;\"C\";1985-11-28;\"\"\"\n\"\"\"\r\n\
                    3;D;1985-11-28;\r\n";
        let parsed = ok(text.as_bytes());
        let lines: Vec<usize> = parsed.records.iter().map(|r| r.0).collect();
        assert_eq!(lines, [2, 7, 9]);
        assert_eq!(parsed.records[0].1.name, "A B");
        assert_eq!(parsed.records[0].1.email, "x\n\ny");
        assert_eq!(parsed.records[1].1.email, "\"\n\"");
    }

    // ---------------------------------------------------------------- sample files

    #[test]
    fn sample_export_parses_cleanly() {
        let parsed = ok(SAMPLE);
        assert_eq!(parsed.delimiter, ';');
        assert_eq!(parsed.encoding, "UTF-8");
        assert_eq!(parsed.rejected, []);
        assert_eq!(parsed.records.len(), 60);
        let get = |id: &str| {
            parsed
                .records
                .iter()
                .map(|(_, r)| r)
                .find(|r| r.external_id == id)
                .unwrap_or_else(|| panic!("id {id} missing from the sample"))
        };
        assert_eq!(
            get("1001"),
            &ClientRecord {
                whatsapp: "(19) 99876-5432".into(),
                email: get("1001").email.clone(),
                mobile: get("1001").mobile.clone(),
                city: "Campinas".into(),
                state: "SP".into(),
                ..client("1001", "Maria Aparecida da Silva", Some(date(1985, 11, 28)))
            }
        );
        let joao = get("1002");
        assert_eq!(
            (
                joao.name.as_str(),
                joao.birth_date,
                joao.whatsapp.as_str(),
                joao.city.as_str()
            ),
            (
                "João Pedro Santos",
                Some(date(1992, 2, 29)),
                "11 98765-4321",
                "São Paulo"
            )
        );
        let acme = get("1003");
        assert_eq!(
            (
                acme.person_type,
                acme.trade_name.as_str(),
                acme.birth_date,
                acme.whatsapp.as_str()
            ),
            (
                PersonType::Juridica,
                "ACME",
                Some(date(2001, 11, 28)),
                "(11) 97777-0000"
            )
        );
        let ana = get("1004");
        assert_eq!(
            (
                ana.active,
                ana.birth_date,
                ana.whatsapp.as_str(),
                ana.city.as_str(),
                ana.state.as_str()
            ),
            (
                false,
                Some(date(1990, 11, 28)),
                "(41) 99123-4567",
                "Curitiba",
                "PR"
            )
        );
        let carlos = get("1005");
        assert_eq!(
            (
                carlos.whatsapp.as_str(),
                carlos.mobile.as_str(),
                carlos.birth_date,
                carlos.city.as_str()
            ),
            (
                "",
                "(31) 3333-4444",
                Some(date(1978, 11, 28)),
                "Belo Horizonte"
            )
        );

        let records: Vec<&ClientRecord> = parsed.records.iter().map(|(_, r)| r).collect();
        let count = |f: &dyn Fn(&ClientRecord) -> bool| records.iter().filter(|r| f(r)).count();
        assert_eq!(count(&|r| r.person_type == PersonType::Juridica), 8);
        assert_eq!(count(&|r| !r.active), 6);
        assert_eq!(count(&|r| r.birth_date.is_none()), 5);
        let lines: Vec<usize> = parsed.records.iter().map(|r| r.0).collect();
        assert_eq!(lines, (2..=61).collect::<Vec<_>>());
    }

    // ---------------------------------------------------------------- properties

    /// Writes one CSV field, quoted when it must be or when `force` says so.
    fn write_field(out: &mut String, value: &str, delim: char, force: bool) {
        let must = value.contains([delim, '"', '\n', '\r'])
            || value.starts_with([' ', '\t'])
            || value.ends_with([' ', '\t']);
        if must || force {
            out.push('"');
            out.push_str(&value.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(value);
        }
    }

    /// Writes rows, returning the text and the line each row starts on.
    fn write_csv(
        header: &[String],
        rows: &[Vec<String>],
        delim: char,
        crlf: bool,
        quote_bits: u64,
        blank_bits: u64,
    ) -> (String, Vec<usize>) {
        let eol = if crlf { "\r\n" } else { "\n" };
        let mut out = String::new();
        let mut starts = Vec::new();
        let mut k = 0u32;
        for (i, row) in std::iter::once(header)
            .chain(rows.iter().map(|r| r.as_slice()))
            .enumerate()
        {
            if i > 0 {
                starts.push(out.matches('\n').count() + 1);
            }
            for (j, value) in row.iter().enumerate() {
                if j > 0 {
                    out.push(delim);
                }
                write_field(&mut out, value, delim, quote_bits.rotate_left(k) & 1 == 1);
                k = k.wrapping_add(1);
            }
            out.push_str(eol);
            if blank_bits.rotate_left(i as u32) & 1 == 1 {
                if i % 2 == 1 {
                    out.push_str(&format!("  {delim}{delim} "));
                }
                out.push_str(eol);
            }
        }
        (out, starts)
    }

    fn name_strategy() -> impl Strategy<Value = String> {
        "[A-Za-zÀ-ÿ'.;,\"&-]{1,8}( [A-Za-zÀ-ÿ0-9'.;,\"&-]{1,8}){0,3}"
    }

    fn raw_strategy() -> impl Strategy<Value = String> {
        "[-+() 0-9a-z@.;,\"\n]{0,16}".prop_map(|s| s.trim().to_owned())
    }

    fn date_strategy() -> impl Strategy<Value = Option<NaiveDate>> {
        prop::option::of((1900i32..=2020, 1u32..=12, 1u32..=28).prop_map(|(y, m, d)| date(y, m, d)))
    }

    fn record_strategy() -> impl Strategy<Value = ClientRecord> {
        (
            (
                name_strategy(),
                prop_oneof![Just(String::new()).boxed(), name_strategy().boxed()],
            ),
            prop_oneof![
                Just(PersonType::Fisica),
                Just(PersonType::Juridica),
                Just(PersonType::Estrangeiro)
            ],
            any::<bool>(),
            date_strategy(),
            (raw_strategy(), raw_strategy(), raw_strategy()),
            (
                prop_oneof![Just(String::new()).boxed(), name_strategy().boxed()],
                "[A-Z]{0,2}",
            ),
        )
            .prop_map(
                |(
                    (name, trade_name),
                    person_type,
                    active,
                    birth_date,
                    (whatsapp, mobile, email),
                    (city, state),
                )| {
                    ClientRecord {
                        external_id: String::new(),
                        name,
                        trade_name,
                        person_type,
                        active,
                        birth_date,
                        whatsapp,
                        mobile,
                        email,
                        city,
                        state,
                    }
                },
            )
    }

    /// How a record's values are spelled in the file (picked by `style` bits).
    fn cell(column: &str, r: &ClientRecord, style: u64) -> String {
        let pick = |options: &[&str]| options[(style % options.len() as u64) as usize].to_owned();
        match column {
            "id" => r.external_id.clone(),
            "razao" => r.name.clone(),
            "fantasia" => r.trade_name.clone(),
            "tipo_pessoa" => match r.person_type {
                PersonType::Fisica => pick(&["F", "f", "Física", "FISICA"]),
                PersonType::Juridica => pick(&["J", "j", "Jurídica", "juridica"]),
                PersonType::Estrangeiro => pick(&["E", "Estrangeiro"]),
            },
            "ativo" => {
                if r.active {
                    pick(&["S", "s", "Sim", "1", "true", ""])
                } else {
                    pick(&["N", "n", "Não", "NAO", "0", "False"])
                }
            }
            "data_nascimento" => match r.birth_date {
                None => pick(&["", "0000-00-00", "00/00/0000"]),
                Some(d) if style.is_multiple_of(2) => d.format("%Y-%m-%d").to_string(),
                Some(d) => d.format("%d/%m/%Y").to_string(),
            },
            "whatsapp" => r.whatsapp.clone(),
            "telefone_celular" => r.mobile.clone(),
            "email" => r.email.clone(),
            "cidade" => r.city.clone(),
            "uf" => r.state.clone(),
            _ => format!("extra;\"{style}\"\n,"),
        }
    }

    fn header_strategy() -> impl Strategy<Value = Vec<String>> {
        let mut cols: Vec<String> = KNOWN_COLUMNS.iter().map(|c| (*c).to_owned()).collect();
        cols.push("observacao".to_owned());
        (Just(cols).prop_shuffle(), any::<bool>()).prop_map(|(cols, upper)| {
            if upper {
                cols.iter().map(|c| c.to_uppercase()).collect()
            } else {
                cols
            }
        })
    }

    fn cell_strategy() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            "[0-9]{1,4}",
            Just("0".to_owned()),
            "[A-Za-z ;,\"\n]{1,10}".prop_map(|s| s.trim().to_owned()),
            Just("2000-01-01".to_owned()),
            Just("29/02/2001".to_owned()),
            Just("0000-00-00".to_owned()),
            prop::sample::select(vec!["F", "J", "E", "X", "S", "N", "talvez"])
                .prop_map(str::to_owned),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
            let _ = decode(&bytes);
            let _ = parse(&bytes);
        }

        #[test]
        fn never_panics_on_csv_like_bytes(
            header in prop::sample::select(vec![
                "", "id;razao;data_nascimento\n", "id,razao,data_nascimento\r\n",
                "\"id\";\"razao\";\"data_nascimento\";ativo;tipo_pessoa\n",
            ]),
            body in prop::collection::vec(
                prop_oneof![
                    prop::sample::select(b"\";,\n\r \t1aZ-/0\xc3\xa3\xe3\x80".to_vec()),
                    any::<u8>(),
                ],
                0..512,
            ),
        ) {
            let mut bytes = header.as_bytes().to_vec();
            bytes.extend(body);
            if let Ok(parsed) = parse(&bytes) {
                let mut lines: Vec<usize> = parsed.records.iter().map(|r| r.0)
                    .chain(parsed.rejected.iter().map(|r| r.line)).collect();
                let n = lines.len();
                lines.sort_unstable();
                lines.dedup();
                prop_assert_eq!(lines.len(), n, "two rows on one line");
            }
        }

        #[test]
        fn parse_date_never_panics(s in "\\PC{0,24}", t in "[0-9/: T-]{0,20}") {
            let _ = parse_date(&s);
            let _ = parse_date(&t);
        }

        /// Every non-blank data row ends up exactly once, accepted or rejected, on its line.
        #[test]
        fn every_row_is_accounted_for(
            header in header_strategy(),
            rows in prop::collection::vec(prop::collection::vec(cell_strategy(), 0..14), 0..40),
            delim in prop::sample::select(vec![';', ',']),
            crlf in any::<bool>(),
            quote_bits in any::<u64>(),
            blank_bits in any::<u64>(),
        ) {
            let (text, starts) = write_csv(&header, &rows, delim, crlf, quote_bits, blank_bits);
            let parsed = parse(text.as_bytes()).expect("a valid header");
            prop_assert_eq!(parsed.delimiter, delim);
            let mut expected: Vec<usize> = rows.iter().zip(&starts)
                .filter(|(row, _)| row.iter().any(|c| !c.is_empty()))
                .map(|(_, line)| *line)
                .collect();
            expected.sort_unstable();
            let mut got: Vec<usize> = parsed.records.iter().map(|r| r.0)
                .chain(parsed.rejected.iter().map(|r| r.line)).collect();
            got.sort_unstable();
            prop_assert_eq!(parsed.records.len() + parsed.rejected.len(), expected.len());
            prop_assert_eq!(got, expected);
            let mut ids: Vec<&str> = parsed.records.iter().map(|r| r.1.external_id.as_str()).collect();
            ids.sort_unstable();
            let n = ids.len();
            ids.dedup();
            prop_assert_eq!(ids.len(), n, "ids must be unique");
        }

        /// With ids drawn from a tiny set, the last row of each id wins and every earlier one
        /// is reported as a repeat pointing at the winner.
        #[test]
        fn duplicates_last_wins(
            mut records in prop::collection::vec(record_strategy(), 1..20),
            ids in prop::collection::vec(1u64..=4, 20),
            header in header_strategy(),
            delim in prop::sample::select(vec![';', ',']),
            quote_bits in any::<u64>(),
        ) {
            for (r, id) in records.iter_mut().zip(&ids) {
                r.external_id = id.to_string();
            }
            let rows: Vec<Vec<String>> = records.iter()
                .map(|r| header.iter().map(|c| cell(&c.to_lowercase(), r, 0)).collect())
                .collect();
            let (text, starts) = write_csv(&header, &rows, delim, false, quote_bits, 0);
            let parsed = parse(text.as_bytes()).expect("a valid file");

            let mut winner: HashMap<&str, usize> = HashMap::new();
            for (r, line) in records.iter().zip(&starts) {
                winner.insert(r.external_id.as_str(), *line);
            }
            let mut expected_records = Vec::new();
            let mut expected_rejected = Vec::new();
            for (r, line) in records.iter().zip(&starts) {
                let w = winner[r.external_id.as_str()];
                if w == *line {
                    expected_records.push((*line, r.clone()));
                } else {
                    expected_rejected.push(rejected(
                        *line,
                        &r.external_id,
                        &format!("Id repetido no arquivo (linha {w} prevalece)"),
                    ));
                }
            }
            prop_assert_eq!(parsed.records, expected_records);
            prop_assert_eq!(parsed.rejected, expected_rejected);
        }

        /// Records written as CSV (any column order, delimiter, quoting, line ends,
        /// spellings, BOM, blank lines) come back identical, on the right lines.
        #[test]
        fn round_trip(
            mut records in prop::collection::vec(record_strategy(), 0..30),
            first_id in 1u64..1_000_000_000,
            header in header_strategy(),
            delim in prop::sample::select(vec![';', ',']),
            crlf in any::<bool>(),
            bom in any::<bool>(),
            quote_bits in any::<u64>(),
            blank_bits in any::<u64>(),
            style in any::<u64>(),
        ) {
            for (i, r) in records.iter_mut().enumerate() {
                r.external_id = (first_id + 7919 * i as u64).to_string();
            }
            let rows: Vec<Vec<String>> = records.iter().enumerate()
                .map(|(i, r)| header.iter()
                    .enumerate()
                    .map(|(j, c)| cell(&c.to_lowercase(), r, style.rotate_left((i * 13 + j) as u32) >> 3))
                    .collect())
                .collect();
            let (text, starts) = write_csv(&header, &rows, delim, crlf, quote_bits, blank_bits);
            let mut bytes = if bom { b"\xEF\xBB\xBF".to_vec() } else { Vec::new() };
            bytes.extend_from_slice(text.as_bytes());

            let parsed = parse(&bytes).expect("a valid file");
            prop_assert_eq!(&parsed.rejected, &Vec::<RejectedRow>::new());
            prop_assert_eq!(parsed.delimiter, delim);
            prop_assert_eq!(parsed.encoding, "UTF-8");
            let expected: Vec<(usize, ClientRecord)> = starts.into_iter().zip(records).collect();
            prop_assert_eq!(parsed.records, expected);
        }
    }
}
