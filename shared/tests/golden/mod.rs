//! The golden-file check every format test uses: compare bytes with a checked-in file and name the
//! first differing byte; `OSDGATE_UPDATE_GOLDEN=1` rewrites the file instead.

use std::path::Path;

/// Asserts that `actual` equals the golden file `path` byte for byte.
pub fn assert_golden(path: &Path, actual: &[u8]) {
    let file = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if std::env::var_os("OSDGATE_UPDATE_GOLDEN").is_some() {
        std::fs::write(path, actual).unwrap();
        return;
    }
    let expected = std::fs::read(path).unwrap_or_else(|e| {
        panic!("{}: {e}; generate with OSDGATE_UPDATE_GOLDEN=1", path.display())
    });
    if expected != actual {
        let at = expected
            .iter()
            .zip(actual)
            .position(|(a, b)| a != b)
            .unwrap_or(expected.len().min(actual.len()));
        panic!(
            "{file}: bytes differ from the golden file at byte {at} (golden {} bytes, actual {} bytes)",
            expected.len(),
            actual.len()
        );
    }
}
