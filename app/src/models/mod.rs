//! Data shapes shared by the server and the browser (serde only, no I/O).

pub mod account;
pub mod agenda;
pub mod alerts;
pub mod audit;
pub mod client;
pub mod forecast;
pub mod message;
pub mod opa;
pub mod page;
pub mod queue;
pub mod settings;
