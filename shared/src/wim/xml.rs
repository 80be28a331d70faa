//! The XML data: UTF-16LE (with a byte-order mark) describing the WIM and each image —
//! `<WIM><TOTALBYTES/><IMAGE INDEX="n"><NAME/><DIRCOUNT/><FILECOUNT/><TOTALBYTES/>
//! <LASTMODIFICATIONTIME><HIGHPART/><LOWPART/></LASTMODIFICATIONTIME>…</IMAGE></WIM>` (WIM white
//! paper, "XML data"). The WIM-level `TOTALBYTES` is the offset of the XML data itself (what
//! wimlib writes).
//!
//! The document is machine-written and flat, so a small scanner reads it and records where each
//! value's text lies; updating replaces exactly those texts and keeps everything else (elements
//! this code does not know, Windows' `<WINDOWS>` block, whitespace) as it was.

use std::ops::Range;

use super::{Place, WimError, WimErrorKind, WimResult};

/// What the XML says about one image.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct XmlImage {
    /// `INDEX` attribute (serialised by the owner of this record, which knows the image).
    #[serde(skip)]
    pub index: u32,
    /// `<NAME>`.
    pub name: Option<String>,
    /// `<DESCRIPTION>`.
    pub description: Option<String>,
    /// `<DIRCOUNT>`.
    pub dir_count: Option<u64>,
    /// `<FILECOUNT>`.
    pub file_count: Option<u64>,
    /// `<TOTALBYTES>`: the size of all files' contents.
    pub total_bytes: Option<u64>,
    #[serde(skip)]
    pub(crate) total_bytes_text: Option<Range<usize>>,
    #[serde(skip)]
    pub(crate) modified_high_text: Option<Range<usize>>,
    #[serde(skip)]
    pub(crate) modified_low_text: Option<Range<usize>>,
}

/// The parsed XML data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WimXml {
    text: String,
    had_bom: bool,
    /// The images, in document order.
    pub images: Vec<XmlImage>,
    pub(crate) total_bytes_text: Option<Range<usize>>,
}

fn bad(what: &'static str, at: usize) -> WimError {
    WimError { kind: WimErrorKind::BadXml(what), offset: at as u64, place: Place::Xml }
}

/// Decodes the XML entities this format uses.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let Some(semi) = after.find(';') else {
            out.push_str(&rest[amp..]);
            return out;
        };
        let entity = &after[..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|dec| dec.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &after[semi + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

impl WimXml {
    /// Parses the XML data resource.
    pub fn parse(bytes: &[u8]) -> WimResult<WimXml> {
        if !bytes.len().is_multiple_of(2) {
            return Err(bad("odd length for UTF-16", bytes.len()));
        }
        let units: Vec<u16> =
            bytes.chunks_exact(2).map(|p| u16::from_le_bytes([p[0], p[1]])).collect();
        let had_bom = units.first() == Some(&0xfeff);
        let body = if had_bom { &units[1..] } else { &units[..] };
        let text = String::from_utf16(body).map_err(|_| bad("not UTF-16LE", 0))?;
        let mut images: Vec<XmlImage> = Vec::new();
        let mut total_bytes_text = None;
        let mut stack: Vec<String> = Vec::new();
        let mut pos = 0;
        while pos < text.len() {
            let Some(lt) = text[pos..].find('<').map(|i| pos + i) else { break };
            // Text between tags belongs to the innermost open element.
            if lt > pos {
                record_text(&stack, pos..lt, &text, &mut images, &mut total_bytes_text);
            }
            let gt =
                text[lt..].find('>').map(|i| lt + i).ok_or_else(|| bad("unterminated tag", lt))?;
            let tag = &text[lt + 1..gt];
            pos = gt + 1;
            if tag.starts_with('?') || tag.starts_with('!') {
                continue;
            }
            if let Some(name) = tag.strip_prefix('/') {
                let name = name.trim();
                match stack.pop() {
                    Some(open) if open == name => {}
                    _ => return Err(bad("closing tag does not match", lt)),
                }
                // An element with no text at all still counts (an empty NAME).
                continue;
            }
            let self_closing = tag.ends_with('/');
            let tag = tag.trim_end_matches('/');
            let name = tag.split(|c: char| c.is_whitespace()).next().unwrap_or("").to_owned();
            if name.is_empty() {
                return Err(bad("empty tag name", lt));
            }
            if name == "IMAGE" && stack.len() == 1 {
                let index = attribute(tag, "INDEX")
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(|| bad("IMAGE without INDEX", lt))?;
                images.push(XmlImage { index, ..XmlImage::default() });
            }
            if stack.len() > 64 {
                return Err(bad("nested too deeply", lt));
            }
            if !self_closing {
                stack.push(name);
            }
        }
        if !stack.is_empty() {
            return Err(bad("element never closed", text.len()));
        }
        Ok(WimXml { text, had_bom, images, total_bytes_text })
    }

    /// The image with this index.
    pub fn image(&self, index: u32) -> Option<&XmlImage> {
        self.images.iter().find(|i| i.index == index)
    }

    /// The XML data after replacing a file of `old_size` bytes with one of `new_size` in image
    /// `index`: that image's `TOTALBYTES` and `LASTMODIFICATIONTIME` (a FILETIME, when given),
    /// and the WIM's `TOTALBYTES` (the offset the XML data will be written at).
    pub fn updated(
        &self,
        index: u32,
        old_size: u64,
        new_size: u64,
        modified: Option<u64>,
        xml_offset: u64,
    ) -> Vec<u8> {
        let mut edits: Vec<(Range<usize>, String)> = Vec::new();
        if let Some(range) = &self.total_bytes_text {
            edits.push((range.clone(), xml_offset.to_string()));
        }
        if let Some(image) = self.image(index) {
            if let (Some(range), Some(total)) = (&image.total_bytes_text, image.total_bytes) {
                edits.push((
                    range.clone(),
                    total.saturating_sub(old_size).saturating_add(new_size).to_string(),
                ));
            }
            if let (Some(high), Some(low), Some(time)) =
                (&image.modified_high_text, &image.modified_low_text, modified)
            {
                edits.push((high.clone(), format!("0x{:08X}", time >> 32)));
                edits.push((low.clone(), format!("0x{:08X}", time & 0xffff_ffff)));
            }
        }
        edits.sort_by_key(|(range, _)| std::cmp::Reverse(range.start));
        let mut text = self.text.clone();
        for (range, replacement) in edits {
            text.replace_range(range, &replacement);
        }
        let mut out = Vec::with_capacity(text.len() * 2 + 2);
        if self.had_bom {
            out.extend_from_slice(&[0xff, 0xfe]);
        }
        for unit in text.encode_utf16() {
            out.extend_from_slice(&unit.to_le_bytes());
        }
        out
    }
}

fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let at = tag.find(&format!("{name}="))? + name.len() + 1;
    let rest = &tag[at..];
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let end = rest[1..].find(quote)?;
    Some(&rest[1..1 + end])
}

fn record_text(
    stack: &[String],
    range: Range<usize>,
    text: &str,
    images: &mut [XmlImage],
    total_bytes_text: &mut Option<Range<usize>>,
) {
    let value = &text[range.clone()];
    let path: Vec<&str> = stack.iter().map(String::as_str).collect();
    let number = || value.trim().parse::<u64>().ok();
    match path.as_slice() {
        ["WIM", "TOTALBYTES"] => *total_bytes_text = Some(range),
        ["WIM", "IMAGE", rest @ ..] => {
            let Some(image) = images.last_mut() else { return };
            match rest {
                ["NAME"] => image.name = Some(unescape(value)),
                ["DESCRIPTION"] => image.description = Some(unescape(value)),
                ["DIRCOUNT"] => image.dir_count = number(),
                ["FILECOUNT"] => image.file_count = number(),
                ["TOTALBYTES"] => {
                    image.total_bytes = number();
                    image.total_bytes_text = Some(range);
                }
                ["LASTMODIFICATIONTIME", "HIGHPART"] => image.modified_high_text = Some(range),
                ["LASTMODIFICATIONTIME", "LOWPART"] => image.modified_low_text = Some(range),
                _ => {}
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(text: &str) -> Vec<u8> {
        let mut out = vec![0xff, 0xfe];
        for unit in text.encode_utf16() {
            out.extend_from_slice(&unit.to_le_bytes());
        }
        out
    }

    #[test]
    fn reads_and_updates_only_the_named_values() {
        let source = "<WIM><TOTALBYTES>1000</TOTALBYTES><IMAGE INDEX=\"1\"><NAME>Microsoft Windows PE (x64) &amp; more</NAME>\
<DIRCOUNT>4</DIRCOUNT><FILECOUNT>303</FILECOUNT><TOTALBYTES>500</TOTALBYTES><LASTMODIFICATIONTIME><HIGHPART>0x01DD8200</HIGHPART>\
<LOWPART>0x8F5E36FC</LOWPART></LASTMODIFICATIONTIME><WINDOWS><ARCH>9</ARCH></WINDOWS></IMAGE><IMAGE INDEX=\"2\"><NAME>Setup</NAME>\
<TOTALBYTES>7</TOTALBYTES></IMAGE></WIM>";
        let xml = WimXml::parse(&utf16(source)).expect("parses");
        assert_eq!(xml.images.len(), 2);
        let first = xml.image(1).expect("image 1");
        assert_eq!(first.name.as_deref(), Some("Microsoft Windows PE (x64) & more"));
        assert_eq!(
            (first.dir_count, first.file_count, first.total_bytes),
            (Some(4), Some(303), Some(500))
        );
        let updated = xml.updated(1, 9, 2000, Some(0x01DD_8300_0000_0001), 4242);
        let expected = source
            .replacen("<TOTALBYTES>1000</TOTALBYTES>", "<TOTALBYTES>4242</TOTALBYTES>", 1)
            .replace("<TOTALBYTES>500<", "<TOTALBYTES>2491<")
            .replace("0x01DD8200", "0x01DD8300")
            .replace("0x8F5E36FC", "0x00000001");
        assert_eq!(updated, utf16(&expected));
    }

    #[test]
    fn malformed_xml_is_refused_with_a_position() {
        let error =
            WimXml::parse(&utf16("<WIM><IMAGE INDEX=\"1\"></WIM>")).expect_err("mismatched");
        assert_eq!(error.place, Place::Xml);
        assert!(matches!(error.kind, WimErrorKind::BadXml(_)));
    }
}
