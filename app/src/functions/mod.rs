//! Server functions: the typed API between the pages and the server. Every one runs through
//! `server::signed_in` (only `login` through `server::anonymous`), so each body holds only its
//! logic; input is checked by `validate()` methods shared with the pages.

pub mod agenda;
pub mod auth;
pub mod clients;
pub mod dashboard;
pub mod integrations;
pub mod messages;
pub mod queue;
