//! Pure rules with no I/O, compiled both into the server and into the browser's WASM, so the
//! UI and the server validate and compute with the very same code.

pub mod account;
pub mod birthday;
pub mod dates;
pub mod limits;
pub mod money;
pub mod number;
pub mod phone;
pub mod schedule;
pub mod spreadsheet;
pub mod template;
pub mod url;
