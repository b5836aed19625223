//! *Clientes*: the list, one client, the import and the day's birthdays.

mod birthdays;
mod detail;
mod import;
mod list;

pub use birthdays::*;
pub use detail::*;
pub use import::*;
pub use list::*;
