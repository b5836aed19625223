//! One file per page.

pub mod account;
pub mod birthdays;
pub mod client_import;
pub mod clients;
pub mod dashboard;
pub mod integrations;
pub mod login;
pub mod not_found;
pub mod placeholder;
