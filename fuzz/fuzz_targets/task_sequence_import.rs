//! Task sequence import (spec windows-artifacts.md §4: XML text in UTF-8/UTF-16, or a console
//! export zip) on arbitrary bytes: never panics, and anything imported exports to XML that imports
//! again and exports to the same text (export is a fixed point after one round).
#![no_main]

use libfuzzer_sys::fuzz_target;
use osdgate_model::preflight::lint_task_sequence;
use osdgate_model::tasksequence::{import, import_xml, to_xml};

fuzz_target!(|data: &[u8]| {
    let Ok(sequence) = import(data) else { return };
    let _ = lint_task_sequence(&sequence);
    let xml = to_xml(&sequence);
    let again = import_xml(&xml).expect("exported XML imports again");
    assert_eq!(to_xml(&again), xml, "export is stable after one round trip");
});
