//! Distinguished names as Windows shows them (issue 4, item 2: "subject and issuer as Windows shows
//! them").
//!
//! Choice: `CertNameToStr(X509_ASN_ENCODING, name, CERT_X500_NAME_STR | CERT_NAME_STR_REVERSE_FLAG)`,
//! i.e. the most specific RDN first (`CN=Contoso Root, O=Contoso, C=US`), RDNs separated by `, `,
//! the attributes of a multi-valued RDN by ` + `, Windows' short keys (`CN`, `O`, `OU`, `L`, `S`,
//! `C`, `E`, `DC`, `STREET`, `SERIALNUMBER`, ...) and `OID.<dotted>` for the others. A value is put
//! in double quotes when it contains `,`, `+`, `=`, `"`, `<`, `>`, `#`, `;`, a line break, or starts
//! or ends with a space (inner quotes doubled), as crypt32 does.

use der::asn1::ObjectIdentifier;
use der::{Tag, Tagged};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::name::Name;

/// Windows' short key for an attribute type (`CertOIDToX500` table), or `OID.<dotted>`.
pub fn attribute_key(oid: &ObjectIdentifier) -> String {
    let key = match oid.to_string().as_str() {
        "2.5.4.3" => "CN",
        "2.5.4.7" => "L",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "1.2.840.113549.1.9.1" => "E",
        "2.5.4.6" => "C",
        "2.5.4.8" => "S",
        "2.5.4.9" => "STREET",
        "2.5.4.12" => "T",
        "2.5.4.42" => "G",
        "2.5.4.43" => "I",
        "2.5.4.4" => "SN",
        "0.9.2342.19200300.100.1.25" => "DC",
        "0.9.2342.19200300.100.1.1" => "UID",
        "2.5.4.5" => "SERIALNUMBER",
        "2.5.4.13" => "Description",
        "2.5.4.17" => "PostalCode",
        "2.5.4.18" => "POBox",
        "2.5.4.20" => "Phone",
        "2.5.4.23" => "X21Address",
        "2.5.4.46" => "dnQualifier",
        "1.2.840.113549.1.9.2" => "UnstructuredName",
        "1.2.840.113549.1.9.8" => "UnstructuredAddress",
        other => return format!("OID.{other}"),
    };
    key.to_string()
}

/// The text of an attribute value, decoding the string types X.520 allows. Values that are not
/// strings are shown as `#` followed by the hex of their DER, like RFC 4514.
pub fn attribute_text(atv: &AttributeTypeAndValue) -> String {
    let value = &atv.value;
    let bytes = value.value();
    match value.tag() {
        Tag::Utf8String | Tag::PrintableString | Tag::Ia5String | Tag::VisibleString => {
            String::from_utf8_lossy(bytes).into_owned()
        }
        // T.61 is treated as Latin-1, which is what every real-world TeletexString holds.
        Tag::TeletexString => bytes.iter().map(|b| char::from(*b)).collect(),
        Tag::BmpString => {
            let units: Vec<u16> =
                bytes.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
            String::from_utf16_lossy(&units)
        }
        Tag::NumericString => String::from_utf8_lossy(bytes).into_owned(),
        _ => {
            let mut der = Vec::new();
            let _ = der::Encode::encode_to_vec(value, &mut der);
            format!("#{}", super::certificate::hex_upper(&der))
        }
    }
}

fn needs_quotes(text: &str) -> bool {
    text.is_empty()
        || text.starts_with(' ')
        || text.ends_with(' ')
        || text
            .chars()
            .any(|c| matches!(c, ',' | '+' | '=' | '"' | '<' | '>' | '#' | ';' | '\r' | '\n'))
}

fn quoted(text: &str) -> String {
    if needs_quotes(text) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text.to_string() }
}

/// `CertNameToStr(CERT_X500_NAME_STR | CERT_NAME_STR_REVERSE_FLAG)`.
pub fn x500_reversed(name: &Name) -> String {
    let mut out = String::new();
    for rdn in name.0.iter().rev() {
        if !out.is_empty() {
            out.push_str(", ");
        }
        for (index, atv) in rdn.0.iter().enumerate() {
            if index > 0 {
                out.push_str(" + ");
            }
            out.push_str(&attribute_key(&atv.oid));
            out.push('=');
            out.push_str(&quoted(&attribute_text(atv)));
        }
    }
    out
}

/// `CertGetNameString(CERT_NAME_SIMPLE_DISPLAY_TYPE)`: the first CN, else OU, else O, else the
/// e-mail address, else the whole name.
pub fn simple_display(name: &Name) -> String {
    const ORDER: [&str; 4] = ["2.5.4.3", "2.5.4.11", "2.5.4.10", "1.2.840.113549.1.9.1"];
    for wanted in ORDER {
        // Windows takes the last such attribute in DER order (the most specific one).
        let found = name
            .0
            .iter()
            .rev()
            .flat_map(|rdn| rdn.0.iter())
            .find(|atv| atv.oid.to_string() == wanted);
        if let Some(atv) = found {
            return attribute_text(atv);
        }
    }
    x500_reversed(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn reversed_order_and_quoting() {
        let name = Name::from_str("CN=Contoso\\, Root,O=Contoso,C=US").unwrap();
        // RFC 4514 strings list the most specific RDN first; the DER holds C first.
        assert_eq!(x500_reversed(&name), "CN=\"Contoso, Root\", O=Contoso, C=US");
        assert_eq!(simple_display(&name), "Contoso, Root");
    }

    #[test]
    fn unknown_attributes_use_oid_prefix() {
        let name = Name::from_str("2.5.4.97=VATDE-123,CN=X").unwrap();
        assert_eq!(x500_reversed(&name), "OID.2.5.4.97=VATDE-123, CN=X");
    }
}
