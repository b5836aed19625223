//! Every integration test in one binary: one link of the whole server instead of one per
//! file. The app over real HTTP on loopback (`common::spawn`), and the process tests that
//! run the real `parabens` binary (`common::binary`).

mod common;

mod agenda;
mod auth;
mod clients;
mod ixc;
mod jobs;
mod messages;
mod opa;
mod process;
mod reliability;
mod security;
