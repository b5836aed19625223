//! Benchmarks (`parabens bench ...`): each prints one line of figures on stdout, the log
//! goes to stderr.

mod birthdays;
mod cluster;
mod drain;
mod import;
mod pages;
mod serve;

pub use birthdays::{birthdays, BirthdaysArgs};
pub use cluster::{cluster, ClusterArgs};
pub use drain::{drain, DrainArgs};
pub use import::{import, ImportArgs};
pub use pages::{pages, PagesArgs};

use app::models::client::{ClientRecord, PersonType};
use chrono::NaiveDate;

const FIRST: [&str; 40] = [
    "Maria",
    "José",
    "Ana",
    "João",
    "Antônio",
    "Francisca",
    "Carlos",
    "Paulo",
    "Pedro",
    "Lucas",
    "Luiz",
    "Marcos",
    "Luís",
    "Gabriel",
    "Rafael",
    "Daniel",
    "Márcia",
    "Marcelo",
    "Bruno",
    "Eduardo",
    "Felipe",
    "Raimundo",
    "Rodrigo",
    "Adriana",
    "Juliana",
    "Fernanda",
    "Patrícia",
    "Aline",
    "Sandra",
    "Camila",
    "Amanda",
    "Bruna",
    "Jéssica",
    "Letícia",
    "Júlia",
    "Luciana",
    "Vanessa",
    "Mariana",
    "Sebastião",
    "Conceição",
];
const LAST: [&str; 40] = [
    "Silva",
    "Santos",
    "Oliveira",
    "Souza",
    "Rodrigues",
    "Ferreira",
    "Alves",
    "Pereira",
    "Lima",
    "Gomes",
    "Costa",
    "Ribeiro",
    "Martins",
    "Carvalho",
    "Almeida",
    "Lopes",
    "Soares",
    "Fernandes",
    "Vieira",
    "Barbosa",
    "Rocha",
    "Dias",
    "Nascimento",
    "Andrade",
    "Moreira",
    "Nunes",
    "Marques",
    "Machado",
    "Mendes",
    "Freitas",
    "Cardoso",
    "Ramos",
    "Gonçalves",
    "Santana",
    "Teixeira",
    "Araújo",
    "Correia",
    "Cavalcanti",
    "Monteiro",
    "Falcão",
];

/// A Brazilian-looking name: first name and two surnames from `seed`.
fn name(seed: u64) -> String {
    let (f, a, b) = (seed % 40, (seed / 40) % 40, (seed / 1600) % 40);
    format!(
        "{} {} {}",
        FIRST[f as usize], LAST[a as usize], LAST[b as usize]
    )
}

/// A deterministic pseudo-random client (xorshift), so runs are comparable.
pub(crate) fn synthetic(i: usize) -> ClientRecord {
    let mut x = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let birth =
        NaiveDate::from_ymd_opt(1940, 1, 1).unwrap() + chrono::Days::new(next() % (365 * 65));
    ClientRecord {
        external_id: (i + 1).to_string(),
        name: name(next()),
        person_type: if next() % 10 == 0 {
            PersonType::Juridica
        } else {
            PersonType::Fisica
        },
        active: next() % 8 != 0,
        birth_date: (next() % 20 != 0).then_some(birth),
        whatsapp: format!("(11) 9{:04}-{:04}", next() % 10_000, next() % 10_000),
        city: "São Paulo".into(),
        state: "SP".into(),
        ..Default::default()
    }
}

pub(crate) fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}
