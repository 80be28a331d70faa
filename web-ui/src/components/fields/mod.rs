//! Labelled form fields bound to one place in the document. Each carries its preflight path in
//! `data-field-path` (so a finding can lead to it) and shows the findings about that exact path.

mod checkbox_field;
pub mod field_findings;
mod select_field;
mod text_field;

pub use checkbox_field::CheckboxField;
pub use field_findings::FieldFindings;
pub use select_field::SelectField;
pub use text_field::TextField;

/// An element ID for the field at a preflight path (`gateways[0].name` → `field-gateways-0-name`).
pub fn field_id(path: &str) -> String {
    let mut id = String::from("field-");
    for c in path.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            id.push(c);
        } else if !id.ends_with('-') {
            id.push('-');
        }
    }
    while id.ends_with('-') {
        id.pop();
    }
    id
}

#[cfg(test)]
mod tests {
    #[test]
    fn field_ids_are_valid_and_distinct() {
        assert_eq!(super::field_id("gateways[0].name"), "field-gateways-0-name");
        assert_eq!(super::field_id("site.code"), "field-site-code");
        assert_ne!(super::field_id("gateways[1].id"), super::field_id("gateways[11].id"));
    }
}
