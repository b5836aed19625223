//! CSV import of clients exported from IXC (`Cadastros > Clientes > Exportar`).
//!
//! Pure and synchronous: bytes in, records and rejected rows out; panic-free on arbitrary
//! uploads.
//!
//! - Encoding: UTF-8 (BOM stripped) when valid, otherwise Windows-1252 (what Excel on a
//!   Brazilian Windows saves), decoded by [`encoding_rs`].
//! - Records: split by [`csv`] (RFC 4180 quoting, CRLF/LF/CR line ends, rows of any length);
//!   the line of a record is the line it starts on.
//! - Delimiter: `;` or `,`, whichever splits the header into more known IXC columns.
//! - A bad row never stops the good ones: it becomes a [`RejectedRow`] with a Portuguese reason.
//!
//! Kept by hand, small, because `csv` reads these differently (each measured by the tests
//! failing without it):
//!
//! - [`quote_fixes`]: `csv` opens a quote only as the very first byte of a field, so
//!   `;  "Ana"` came out as `"Ana"` with its quotes, and a quote that nothing closes took
//!   the rest of the file into one field (`20;"X;…` swallowed every later row instead of
//!   being rejected alone as `Aspas não fechadas`). One pass over the quotes of the text drops
//!   the spaces before an opening quote and puts a space before an unclosed one, which `csv`
//!   then reads as plain text.
//! - [`Records`]: `csv`'s `position().line()` counts `\n` only and is taken before the line
//!   ends a record follows, so it put a record one line early after a CRLF, on the first of
//!   the blank lines before it, and did not count a lone CR. It is corrected from the
//!   record's `position().byte()`.
//! - [`is_blank`]: `csv` does not say which fields were quoted; a quoted `" "` is a value.
//!
//! `csv` keeps every field of the record it is reading (8 bytes each), where the hand-written
//! reader kept only the ones it needed: [`fits`] counts each record's fields with `csv`'s own
//! tokenizer first, and a file with a record of more than [`MAX_FIELDS`] is refused. `csv`
//! also drops a second UTF-8 BOM right after the first.
//!
//! A file is read twice ([`check`], then [`Checked::read`]): the first pass decides whether
//! it can be imported and which row of a repeated id wins, holding no record; the second
//! hands the good rows out in batches to be written.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use chrono::{Datelike, NaiveDate, Utc};
use csv::ByteRecord;
use encoding_rs::WINDOWS_1252;

use crate::domain::number::thousands;
use crate::models::client::{ClientRecord, PersonType, RejectedRow};

/// The most data rows one file may have.
pub const MAX_ROWS: usize = 1_000_000;

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

/// The most fields a record may have. `csv` holds every field of the record it reads (8
/// bytes each): a 256 MB line of delimiters would be 2 GB. An IXC export has about 200.
const MAX_FIELDS: usize = 10_000;

/// Header fields looked at (beyond that they are only counted).
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
    /// A record with more than [`MAX_FIELDS`] fields.
    TooWide,
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
                thousands(*n as u64),
                thousands(MAX_ROWS as u64)
            ),
            CsvError::TooWide => write!(
                f,
                "Uma linha do arquivo tem mais de {} campos: não parece uma exportação de clientes do IXC.",
                thousands(MAX_FIELDS as u64)
            ),
        }
    }
}

impl std::error::Error for CsvError {}

/// A parsed file: the good rows (with their line numbers) and the rejected ones. What the
/// tests compare; imports read through [`check`] and [`Checked::read`].
#[cfg(test)]
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
pub fn decode(bytes: &[u8]) -> Result<(Cow<'_, str>, &'static str), CsvError> {
    if bytes.contains(&0) {
        return Err(CsvError::NotText);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return Ok((String::from_utf8_lossy(rest), "UTF-8"));
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok((Cow::Borrowed(text), "UTF-8")),
        // Without BOM sniffing: `FF FE` at the start is two letters here, not UTF-16.
        Err(_) => {
            let (text, _) = WINDOWS_1252.decode_without_bom_handling(bytes);
            Ok((text, "Windows-1252"))
        }
    }
}

/// One Windows-1252 byte as a char, through `encoding_rs` (its table test reads this).
#[cfg(test)]
fn cp1252(b: u8) -> char {
    let byte = [b];
    let (text, _) = WINDOWS_1252.decode_without_bom_handling(&byte);
    text.chars().next().unwrap_or(char::REPLACEMENT_CHARACTER)
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

/// Parses an IXC client export whole. Whole-file problems are errors; row problems are in
/// [`ParsedCsv::rejected`].
#[cfg(test)]
pub fn parse(bytes: &[u8]) -> Result<ParsedCsv, CsvError> {
    let checked = check(bytes)?;
    let mut records = Vec::with_capacity(checked.rows);
    checked.read(bytes, usize::MAX, |batch| {
        records.extend(batch);
        true
    })?;
    Ok(ParsedCsv {
        records,
        rejected: checked.rejected,
        delimiter: checked.delimiter,
        encoding: checked.encoding,
    })
}

/// A file read once through ([`check`]): whether it can be imported, its rejected rows, and
/// which row of each id is the one to write. Holds no record: a second pass
/// ([`Checked::read`]) hands the good rows out in batches, so a file of a million rows is never
/// a million records in memory.
#[derive(Debug)]
pub struct Checked {
    /// Good rows to write.
    pub rows: usize,
    /// Sorted by line.
    pub rejected: Vec<RejectedRow>,
    pub delimiter: char,
    /// `"UTF-8"` or `"Windows-1252"`.
    pub encoding: &'static str,
    /// The line of each id's row to write (a repeated id's last good row), and the id as
    /// written there when that differs (`007` for 7).
    winners: HashMap<String, (usize, Option<Box<str>>)>,
}

/// The first pass over a file: whole-file problems are errors, row problems
/// [`Checked::rejected`].
pub fn check(bytes: &[u8]) -> Result<Checked, CsvError> {
    check_at_most(bytes, MAX_ROWS)
}

/// [`check`] with another limit on the rows (tests).
fn check_at_most(bytes: &[u8], max_rows: usize) -> Result<Checked, CsvError> {
    // Each id's last good row: its line, and the id as written there when that differs
    // (`007` for 7).
    let mut winners: HashMap<String, (usize, Option<Box<str>>)> = HashMap::new();
    // Rows that a later good row of the same id replaces: (line, id as written, id).
    let mut replaced: Vec<(usize, String, String)> = Vec::new();
    let mut rejected = Vec::new();
    let (mut count, mut good) = (0usize, 0usize);
    let (delimiter, encoding) = rows(bytes, |line, raw_id, record| {
        count += 1;
        if count > max_rows {
            if count == max_rows + 1 {
                // Only counting from here on: free what is no longer needed.
                (winners, replaced, rejected) = Default::default();
            }
            return;
        }
        match record {
            Ok(r) => {
                let written = (raw_id != r.external_id).then(|| raw_id.into());
                match winners.insert(r.external_id.clone(), (line, written)) {
                    Some((earlier, written)) => {
                        let raw = written.map_or_else(|| r.external_id.clone(), String::from);
                        replaced.push((earlier, raw, r.external_id));
                    }
                    None => good += 1,
                }
            }
            Err(reason) => rejected.push(RejectedRow {
                line,
                external_id: raw_id.to_owned(),
                reason,
            }),
        }
    })?;
    if count > max_rows {
        return Err(CsvError::TooManyRows(count));
    }
    // A repeated id: the last good row wins, the earlier ones are reported.
    rejected.extend(replaced.into_iter().map(|(line, raw_id, id)| RejectedRow {
        line,
        external_id: raw_id,
        reason: format!(
            "Id repetido no arquivo (linha {} prevalece)",
            winners[&id].0
        ),
    }));
    rejected.sort_by_key(|r| r.line);
    Ok(Checked {
        rows: good,
        rejected,
        delimiter,
        encoding,
        winners,
    })
}

impl Checked {
    /// The second pass over the same `bytes`: the rows to write, in file order, `batch` at a
    /// time to `each` (which says whether to go on).
    pub fn read(
        &self,
        bytes: &[u8],
        batch: usize,
        mut each: impl FnMut(Vec<(usize, ClientRecord)>) -> bool,
    ) -> Result<(), CsvError> {
        let mut pending = Vec::new();
        let mut going = true;
        rows(bytes, |line, _, record| {
            let Ok(r) = record else { return };
            if !going || self.winners.get(&r.external_id).map(|w| w.0) != Some(line) {
                return;
            }
            pending.push((line, r));
            if pending.len() >= batch {
                going = each(std::mem::take(&mut pending));
            }
        })?;
        if going && !pending.is_empty() {
            each(pending);
        }
        Ok(())
    }
}

/// Every data row of a file, in order, to `each` with its line, its id as written and its
/// record (or why it is rejected). Returns the file's delimiter and encoding.
fn rows(
    bytes: &[u8],
    mut each: impl FnMut(usize, &str, Result<ClientRecord, String>),
) -> Result<(char, &'static str), CsvError> {
    let (text, encoding) = decode(bytes)?;
    if text.trim().is_empty() {
        return Err(CsvError::Empty);
    }
    let (delim, fixed, unclosed) = detect_delimiter(&text);
    if !fits(&fixed, delim, false) {
        return Err(CsvError::TooWide);
    }
    let mut rows = Records::new(&fixed, delim);
    let mut rec = ByteRecord::new();
    rows.next(&mut rec).ok_or(CsvError::Empty)?;
    let cols = Columns::from_header(&rec)?;
    while let Some(row) = rows.next(&mut rec) {
        let raw_id = field(&rec, cols.id).trim();
        let unclosed_quote = unclosed.is_some_and(|u| row.bytes.contains(&u));
        each(row.line, raw_id, to_record(&rec, unclosed_quote, &cols));
    }
    Ok((char::from(delim), encoding))
}

/// Whether every record of `text` (only the first, if `first`) has at most [`MAX_FIELDS`]
/// fields, counted by `csv`'s own tokenizer, which holds none of them.
fn fits(text: &str, delim: u8, first: bool) -> bool {
    use csv_core::ReadFieldResult;
    let mut reader = csv_core::ReaderBuilder::new().delimiter(delim).build();
    let (mut input, mut out) = (text.as_bytes(), [0u8; 4096]);
    let mut fields = 0usize;
    loop {
        let (result, read, _) = reader.read_field(input, &mut out);
        input = &input[read..];
        match result {
            ReadFieldResult::InputEmpty | ReadFieldResult::OutputFull => {}
            ReadFieldResult::Field { record_end } => {
                fields += 1;
                if fields > MAX_FIELDS {
                    return false;
                }
                if record_end {
                    if first {
                        return true;
                    }
                    fields = 0;
                }
            }
            ReadFieldResult::End => return true,
        }
    }
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
    /// Fields in the header (at most [`MAX_HEADER_FIELDS`]).
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

    fn from_header(header: &ByteRecord) -> Result<Self, CsvError> {
        let names = column_names(header);
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

/// The header's first [`MAX_HEADER_FIELDS`] fields as column names.
fn column_names(header: &ByteRecord) -> Vec<String> {
    (0..header.len().min(MAX_HEADER_FIELDS))
        .map(|i| field(header, i).trim().to_lowercase())
        .collect()
}

/// `;` unless `,` splits the first record into more known columns; with the text as `csv`
/// must read it for that delimiter and its unclosed quote (see [`quote_fixes`]).
fn detect_delimiter(text: &str) -> (u8, Cow<'_, str>, Option<usize>) {
    let last_odd_run = last_odd_quote_run(text);
    let known = |fixed: &str, delim: u8| {
        let mut rec = ByteRecord::new();
        if !fits(fixed, delim, true) || Records::new(fixed, delim).next(&mut rec).is_none() {
            return 0;
        }
        let mut names = column_names(&rec);
        names.sort();
        names.dedup();
        names
            .iter()
            .filter(|n| KNOWN_COLUMNS.contains(&n.as_str()))
            .count()
    };
    let (semi, semi_unclosed) = quote_fixes(text, b';', last_odd_run);
    let semi_known = known(&semi, b';');
    // Every known column under `;` already: `,` cannot do better, spare its pass.
    if semi_known < KNOWN_COLUMNS.len() {
        let (comma, comma_unclosed) = quote_fixes(text, b',', last_odd_run);
        if known(&comma, b',') > semi_known {
            return (b',', comma, comma_unclosed);
        }
    }
    (b';', semi, semi_unclosed)
}

/// One row into a record, or the Portuguese reason it cannot be imported.
fn to_record(
    rec: &ByteRecord,
    unclosed_quote: bool,
    cols: &Columns,
) -> Result<ClientRecord, String> {
    if unclosed_quote {
        return Err("Aspas não fechadas".to_owned());
    }
    if rec.len() < cols.needed {
        return Err(format!(
            "Linha com {} colunas; esperado {}",
            rec.len(),
            cols.total
        ));
    }
    let get = |i: Option<usize>| i.map_or("", |i| field(rec, i).trim());
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

/// Start of the last run of consecutive `"` of odd length.
///
/// Inside a quoted field `""` is a literal quote, so the field closes at the first odd run
/// after its opening run: an opening quote with no odd run after it never closes. Knowing
/// that up front lets [`quote_fixes`] make such a quote a one-line error instead of letting
/// it swallow the rest of the file.
fn last_odd_quote_run(text: &str) -> Option<usize> {
    let mut last = None;
    let mut i = 0;
    while let Some(start) = find_quote(text, i) {
        let run = quote_run(text, start);
        if run % 2 == 1 {
            last = Some(start);
        }
        i = start + run;
    }
    last
}

/// The first `"` at or after `from`.
fn find_quote(text: &str, from: usize) -> Option<usize> {
    Some(from + text.get(from..)?.find('"')?)
}

/// How many `"` in a row start at `at`.
fn quote_run(text: &str, at: usize) -> usize {
    text.as_bytes()
        .get(at..)
        .map_or(0, |rest| rest.iter().take_while(|&&c| c == b'"').count())
}

/// The text as `csv` must read it to split fields the way this importer always has, and the
/// offset (in that text) of the one quote that nothing closes, if any.
///
/// `csv` has no option for either: it opens a quote only as a field's first byte, and an
/// unclosed quote runs to the end of the file. Here spaces and tabs before an opening quote
/// are dropped, and a quote that never closes gets a space before it, so `csv` reads it as
/// plain text up to the field end. Only quotes are visited (csv's own rules: a quote opens a
/// field only at its start, `""` inside is a literal quote, the first lone one closes it).
/// Line ends are never touched, and every cut falls next to an ASCII byte.
fn quote_fixes(
    text: &str,
    delim: u8,
    last_odd_run: Option<usize>,
) -> (Cow<'_, str>, Option<usize>) {
    let b = text.as_bytes();
    // Copied into only once there is something to change.
    let mut out: Option<String> = None;
    let new_out = || String::with_capacity(text.len() + 1);
    let mut copied = 0;
    let mut unclosed = None;
    let mut i = 0;
    // Outside any quoted field from `i` on.
    while let Some(q) = find_quote(text, i) {
        let run = quote_run(text, q);
        let ws = b[..q]
            .iter()
            .rev()
            .take_while(|&&c| c == b' ' || c == b'\t')
            .count();
        let field_start = q - ws;
        let opens = field_start == 0
            || matches!(b[field_start - 1], c if c == delim || c == b'\n' || c == b'\r');
        if !opens {
            // A literal quote inside an unquoted field (`Bar "Z"`).
            i = q + run;
        } else if run.is_multiple_of(2) || last_odd_run.is_some_and(|last| last > q) {
            if ws > 0 {
                out.get_or_insert_with(new_out)
                    .push_str(&text[copied..field_start]);
                copied = q;
            }
            i = closing_quote(text, q + 1).saturating_add(1);
        } else {
            let out = out.get_or_insert_with(new_out);
            out.push_str(&text[copied..q]);
            copied = q;
            if ws == 0 {
                out.push(' ');
            }
            unclosed = Some(out.len());
            i = q + run;
        }
    }
    match out {
        Some(mut out) => {
            out.push_str(&text[copied..]);
            (Cow::Owned(out), unclosed)
        }
        None => (Cow::Borrowed(text), None),
    }
}

/// The quote that closes a quoted field whose content starts at `p` (`""` is a literal
/// quote), or the end of the text.
fn closing_quote(text: &str, mut p: usize) -> usize {
    while let Some(k) = find_quote(text, p) {
        if text.as_bytes().get(k + 1) != Some(&b'"') {
            return k;
        }
        p = k + 2;
    }
    text.len()
}

/// A non-blank record's place in the text.
struct Row {
    /// Line (1-based) where the record starts.
    line: usize,
    /// Bytes from its first field to its line end, inclusive.
    bytes: std::ops::Range<usize>,
}

/// The records of a text, as `csv` splits them, with the line each starts on (corrected:
/// `csv` counts `\n` only, and dates a record before the line ends it skipped to reach it).
struct Records<'a> {
    reader: csv::Reader<&'a [u8]>,
    text: &'a str,
    /// Lone CRs (line ends to us, not to `csv`) before `next_cr`.
    lone_crs: usize,
    /// The first `\r` not yet counted.
    next_cr: Option<usize>,
}

impl<'a> Records<'a> {
    fn new(text: &'a str, delim: u8) -> Self {
        let reader = csv::ReaderBuilder::new()
            .delimiter(delim)
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        Records {
            reader,
            text,
            lone_crs: 0,
            next_cr: text.find('\r'),
        }
    }

    /// The next record that is not blank (see [`is_blank`]) into `rec`, or `None` at the end.
    fn next(&mut self, rec: &mut ByteRecord) -> Option<Row> {
        loop {
            match self.reader.read_byte_record(rec) {
                Ok(true) => {}
                Ok(false) => return None,
                // Only I/O errors, none from memory; the reader stops after one anyway.
                Err(_) => return None,
            }
            let (at, line) = rec
                .position()
                .map_or((0, 1), |p| (to_usize(p.byte()), to_usize(p.line())));
            // `csv` places a record before the line ends it skipped to reach it.
            let skipped = self.text.get(at..).map_or(0, |rest| {
                rest.bytes()
                    .take_while(|&c| c == b'\r' || c == b'\n')
                    .count()
            });
            let start = at + skipped;
            let lfs = self
                .text
                .as_bytes()
                .get(at..start)
                .map_or(0, |skipped| skipped.iter().filter(|&&c| c == b'\n').count());
            let end = to_usize(self.reader.position().byte()).max(start);
            let line = line + lfs + self.lone_crs_before(start);
            if is_blank(rec, self.text.get(start..end).unwrap_or("")) {
                continue;
            }
            return Some(Row {
                line,
                bytes: start..end,
            });
        }
    }

    /// Lone CRs before byte `at` (never before the last one asked): line ends here, as they
    /// always were, but not in `csv`'s line count.
    fn lone_crs_before(&mut self, at: usize) -> usize {
        while let Some(cr) = self.next_cr.filter(|&cr| cr < at) {
            if self.text.as_bytes().get(cr + 1) != Some(&b'\n') {
                self.lone_crs += 1;
            }
            self.next_cr = self
                .text
                .get(cr + 1..)
                .and_then(|rest| rest.find('\r'))
                .map(|k| cr + 1 + k);
        }
        self.lone_crs
    }
}

/// Every field empty once trimmed, except that a quoted field keeps its spaces (`" "` is a
/// value, as it always was here; `csv` does not say which fields were quoted).
fn is_blank(rec: &ByteRecord, raw: &str) -> bool {
    if !(0..rec.len()).all(|i| field(rec, i).trim().is_empty()) {
        return false;
    }
    // No field holds a quote, so the quotes in `raw` open and close fields, in pairs.
    let mut quotes = raw.match_indices('"').map(|(i, _)| i);
    while let Some(open) = quotes.next() {
        if quotes.next() != Some(open + 1) {
            return false;
        }
    }
    true
}

/// Field `i` of a record, `""` past its end. Bytes, not `StringRecord`: `csv` would check
/// every byte for UTF-8 again, and the text is UTF-8 already, cut only at ASCII bytes.
fn field(rec: &ByteRecord, i: usize) -> &str {
    rec.get(i)
        .and_then(|f| std::str::from_utf8(f).ok())
        .unwrap_or("")
}

/// A `csv` byte offset or line as an index (it fits: the text is in memory).
fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
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
            let got = decode(input).map(|(t, e)| (t.into_owned(), e));
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
                CsvError::TooManyRows(1_000_001),
                "O arquivo tem 1.000.001 linhas; o máximo é 1.000.000.",
            ),
            (
                CsvError::TooManyRows(1_234_567),
                "O arquivo tem 1.234.567 linhas; o máximo é 1.000.000.",
            ),
            (
                CsvError::TooWide,
                "Uma linha do arquivo tem mais de 10.000 campos: não parece uma exportação de clientes do IXC.",
            ),
        ];
        for (err, msg) in cases {
            assert_eq!(err.to_string(), msg);
        }
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
    fn records_of_more_fields_than_any_export_refuse_the_file() {
        let more = |n: usize| ";".repeat(n);
        // Exactly the most fields a record may have: read.
        let widest = format!(
            "id;razao;data_nascimento\n1;Ana;2000-01-01{}\n",
            more(MAX_FIELDS - 3)
        );
        assert_eq!(ok(widest.as_bytes()).records.len(), 1);
        for hostile in [
            // One line of delimiters.
            format!(
                "id;razao;data_nascimento\n1;Ana;2000-01-01{}\n",
                more(MAX_FIELDS - 2)
            ),
            // One record over many lines, each ending inside a quoted field.
            format!(
                "id;razao;data_nascimento\n1;Ana;2000-01-01{}\n",
                ";\"\n\"".repeat(MAX_FIELDS)
            ),
            // The header.
            format!(
                "id;razao;data_nascimento{}\n1;Ana;2000-01-01\n",
                more(MAX_FIELDS)
            ),
        ] {
            assert_eq!(
                parse(hostile.as_bytes()).map(|p| p.records.len()),
                Err(CsvError::TooWide)
            );
        }
    }

    #[test]
    fn the_second_pass_hands_out_the_first_passes_rows_in_batches() {
        let mut text = String::from("id;razao;data_nascimento\n");
        // Ids 2 to 6 twice: their first rows lose.
        for i in 1..=25 {
            text.push_str(&format!("{};Cliente {i};2000-01-01\n", i % 20 + 1));
        }
        let checked = check(text.as_bytes()).unwrap();
        assert_eq!((checked.rows, checked.rejected.len()), (20, 5));
        let (mut sizes, mut lines) = (Vec::new(), Vec::new());
        checked
            .read(text.as_bytes(), 8, |b| {
                sizes.push(b.len());
                lines.extend(b.iter().map(|r| r.0));
                true
            })
            .unwrap();
        assert_eq!(sizes, [8, 8, 4]);
        assert_eq!(lines, (7..=26).collect::<Vec<_>>());
        // Told to stop, it hands out nothing more.
        let mut batches = 0;
        checked
            .read(text.as_bytes(), 8, |_| {
                batches += 1;
                false
            })
            .unwrap();
        assert_eq!(batches, 1);
    }

    #[test]
    fn too_many_rows() {
        const MAX: usize = 1_000;
        let mut text = String::from("id;razao;data_nascimento\n");
        for i in 1..=MAX {
            text.push_str(&format!("{i};Cliente {i};2000-01-01\n"));
        }
        let checked = check_at_most(text.as_bytes(), MAX).unwrap();
        assert_eq!(checked.rows, MAX);
        let mut last = None;
        checked
            .read(text.as_bytes(), 300, |b| {
                last = b.last().map(|r| r.0);
                true
            })
            .unwrap();
        assert_eq!(last, Some(MAX + 1));

        // Blank lines do not count; one more data row does.
        text.push_str("\n\n;;\n");
        assert!(check_at_most(text.as_bytes(), MAX).is_ok());
        text.push_str("x;;\n");
        assert_eq!(
            check_at_most(text.as_bytes(), MAX).map(|c| c.rows),
            Err(CsvError::TooManyRows(MAX + 1))
        );
        text.push_str("1;a;b\n");
        assert_eq!(
            check_at_most(text.as_bytes(), MAX).map(|c| c.rows),
            Err(CsvError::TooManyRows(MAX + 2))
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
