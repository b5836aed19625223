//! Reusable pieces of UI.

pub mod clients_nav;
pub mod forecast;
pub mod form;
pub mod import_progress;
pub mod layout;
pub mod live;
pub mod loaded;
pub mod pager;
pub mod queue_status;
pub mod resource;
pub mod time;
