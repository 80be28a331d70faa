//! Form pieces the pages share, built on the main module's field components.

mod parsed_text_field;
mod reference_choice;

pub use parsed_text_field::ParsedTextField;
pub use reference_choice::ReferenceChoice;
