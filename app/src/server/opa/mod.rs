//! Opa! Suite: the HTTP client Parabéns sends with, and a sandbox that speaks the same API.

pub mod client;
pub mod connection;
pub mod error;
pub mod sandbox;
pub mod types;

pub use client::OpaClient;
pub use error::{OpaError, OpaErrorKind};
