//! The relay's tests build their requests one way (issue 14, item 14): `support::Relay::call`,
//! whose `bearer` and `admin` set the credential. A test that writes an `Authorization: Bearer`
//! credential by hand would drift from what the support sends (and from how clients send it).
#![cfg(not(target_arch = "wasm32"))]

use std::path::Path;

#[test]
fn no_test_writes_a_bearer_credential_by_hand() {
    // Built from pieces so this file does not match itself.
    let by_hand = ["Bearer", " {"].concat();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut offenders = Vec::new();
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue; // support/ is the one place that writes the header
        }
        files += 1;
        let text = std::fs::read_to_string(&path).unwrap();
        for (number, line) in text.lines().enumerate() {
            if line.contains(&by_hand) {
                offenders.push(format!("{}:{}: {}", path.display(), number + 1, line.trim()));
            }
        }
    }
    assert!(files > 10, "the relay's test files are in {}", dir.display());
    let support = std::fs::read_to_string(dir.join("support/mod.rs")).unwrap();
    assert!(support.contains(&by_hand), "the support writes the credential");
    assert!(
        offenders.is_empty(),
        "build these requests with relay.call(..).bearer(token) or .admin():\n{}",
        offenders.join("\n")
    );
}
