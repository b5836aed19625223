//! Reusable pieces of UI.

pub mod clients_nav;
pub mod form;
pub mod import_progress;
pub mod layout;
