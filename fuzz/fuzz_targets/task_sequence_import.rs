//! Task sequence import (spec windows-artifacts.md §4: XML text in UTF-8/UTF-16, or a console
//! export zip) on arbitrary bytes: never panics, and anything imported exports to XML that imports
//! again and exports to the same text (export is a fixed point after one round).
#![no_main]

use libfuzzer_sys::fuzz_target;
use osdgate_model::preflight::lint_task_sequence;
use osdgate_model::preflight::import_oddity_findings;
use osdgate_model::tasksequence::{import_lenient, import_xml_lenient, to_xml};

fuzz_target!(|data: &[u8]| {
    // Lenient reading (what `osdgate ts` does): oddities are kept verbatim, so what is exported
    // reads back to the same text.
    let Ok(imported) = import_lenient(data) else { return };
    let _ = import_oddity_findings(&imported.oddities);
    let sequence = imported.sequence;
    let _ = lint_task_sequence(&sequence);
    let xml = to_xml(&sequence);
    let again = import_xml_lenient(&xml).expect("exported XML imports again");
    assert_eq!(to_xml(&again.sequence), xml, "export is stable after one round trip");
});
