//! One file per page, a folder per area with more than one.

pub mod account;
pub mod agenda;
pub mod audit;
pub mod clients;
pub mod dashboard;
pub mod integrations;
pub mod lazy;
pub mod login;
pub mod messages;
pub mod not_found;
pub mod parameters;
pub mod queue;
