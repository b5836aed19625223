//! One file per page.

pub mod account;
pub mod agenda;
pub mod birthdays;
pub mod client_detail;
pub mod client_import;
pub mod clients;
pub mod dashboard;
pub mod integrations;
pub mod login;
pub mod messages;
pub mod not_found;
pub mod parameters;
pub mod queue;
