//! *Integrações*: one file per page.

mod alerts;
mod ixc;
mod opa;
mod overview;

pub use alerts::*;
pub use ixc::*;
pub use opa::*;
pub use overview::*;
