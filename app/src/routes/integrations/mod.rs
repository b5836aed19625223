//! *Integrações*: one file per page.

mod ixc;
mod opa;
mod overview;

pub use ixc::*;
pub use opa::*;
pub use overview::*;
