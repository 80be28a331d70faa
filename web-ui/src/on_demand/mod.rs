//! Pages that are not part of the console's first load: they are rendered by the on-demand pages
//! module (`web-ui/pages`), fetched the first time an admin opens one of them. [`bridge`] is the
//! protocol both modules speak (the main module uses it to feed a mounted page); the main module
//! never renders anything else from here, so none of the pages' code is in the first load.

pub mod bridge;
pub mod publish;
