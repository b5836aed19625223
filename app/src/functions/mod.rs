//! Server functions: the typed API between the pages and the server. Every one of them,
//! except `login`, starts with `require_admin`/`require_session` and validates its input.

pub mod agenda;
pub mod auth;
pub mod clients;
pub mod dashboard;
pub mod integrations;
pub mod messages;
pub mod queue;
