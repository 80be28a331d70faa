//! Pages that are not part of the console's first load: they are rendered by the on-demand pages
//! module (`web-ui/pages`), fetched the first time an admin opens one of them. The main module
//! never references them, so none of their code is in the first load.

pub mod publish;
