//! The validated book: everything the renderers need, with every catalog
//! reference resolved. Renderers never see sources or diagnostics. This
//! file only names what its files hold; none of them imports it.

mod book;
mod history;
mod names;
mod support;
mod verification;

pub use book::*;
pub use history::*;
pub use names::*;
pub use support::*;
pub use verification::*;
