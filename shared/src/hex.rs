//! Hexadecimal text of bytes: the one encoder that the model, the relay and the tools use (SHA-256
//! content hashes are lower-case, certificate thumbprints and registry values upper-case, as
//! Windows writes them).

const LOWER: &[u8; 16] = b"0123456789abcdef";
const UPPER: &[u8; 16] = b"0123456789ABCDEF";

fn encode(bytes: &[u8], digits: &[u8; 16]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(digits[usize::from(byte >> 4)]));
        out.push(char::from(digits[usize::from(byte & 0x0f)]));
    }
    out
}

/// Lower-case hex, two digits per byte (`ab01`).
pub fn lower(bytes: &[u8]) -> String {
    encode(bytes, LOWER)
}

/// Upper-case hex, two digits per byte (`AB01`).
pub fn upper(bytes: &[u8]) -> String {
    encode(bytes, UPPER)
}

#[cfg(test)]
mod tests {
    #[test]
    fn both_cases_two_digits_per_byte() {
        assert_eq!(super::lower(&[0xab, 0x01, 0x00, 0xff]), "ab0100ff");
        assert_eq!(super::upper(&[0xab, 0x01, 0x00, 0xff]), "AB0100FF");
        assert_eq!(super::lower(&[]), "");
        let all: Vec<u8> = (0..=255).collect();
        let text = super::lower(&all);
        for (i, pair) in text.as_bytes().chunks(2).enumerate() {
            assert_eq!(
                u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap(),
                i as u8
            );
        }
    }
}
