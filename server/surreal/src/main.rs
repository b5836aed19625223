//! `surreal start ...`: SurrealDB's server through the entry point its own binary uses.

// SurrealDB's query engine nests futures deeper than the default limit.
#![recursion_limit = "256"]

fn main() -> std::process::ExitCode {
    surrealdb_server::init(surrealdb_server::core::CommunityComposer())
}
