//! One file per page.

pub mod account;
pub mod dashboard;
pub mod login;
pub mod not_found;
pub mod placeholder;
