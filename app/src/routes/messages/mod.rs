//! *Mensagens Omnichannel*: the list and the editor.

mod editor;
mod list;
mod pickers;

pub use editor::*;
pub use list::*;
