//! Every integration test in one binary: one link of the whole server instead of one per
//! file. The app over real HTTP on loopback (`common::spawn`), and the process tests that
//! run the real `parabens` binary (`common::binary`).

mod common;

/// The server functions' generated input types (`ListAgenda`, `SaveMessage`, ...): tests call
/// the API through them and their argument types, so a renamed function or argument fails to compile.
mod fns {
    pub use app::domain::birthday::LeapDayRule;
    pub use app::functions::{
        agenda::*, auth::*, clients::*, dashboard::*, integrations::*, messages::*, queue::*,
    };
    pub use app::models::message::MessageInput;
    pub use app::models::settings::BirthdayParams;
    pub use leptos::server_fn::ServerFn;
}

mod agenda;
mod alerts;
mod assets;
mod auth;
mod backup;
mod clients;
mod ixc;
mod jobs;
mod messages;
mod metrics;
mod opa;
mod process;
mod reliability;
mod security;
