//! The integrity table (WIM white paper, "Integrity table"; wimlib `integrity.c`): `u32` size of
//! the table, `u32` number of entries, `u32` chunk size (10 MiB as written by DISM and wimlib), then
//! the SHA-1 of each chunk of the file from the end of the header to the end of the blob table.

use super::{Sha1, WimError, WimErrorKind, WimResult, le_u32};

/// The chunk size DISM and wimlib use.
pub const DEFAULT_CHUNK_SIZE: u32 = 10 * 1024 * 1024;

/// A parsed integrity table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegrityTable {
    /// Bytes per hashed chunk.
    pub chunk_size: u32,
    /// One SHA-1 per chunk.
    pub hashes: Vec<Sha1>,
}

impl IntegrityTable {
    /// Parses the table found at file offset `at`.
    pub fn parse(bytes: &[u8], at: u64) -> WimResult<IntegrityTable> {
        let bad = || WimError::file(WimErrorKind::BadIntegrityTable, at);
        if bytes.len() < 12 {
            return Err(bad());
        }
        let size = le_u32(bytes, 0) as usize;
        let count = le_u32(bytes, 4) as usize;
        let chunk_size = le_u32(bytes, 8);
        let expected = count.checked_mul(20).and_then(|n| n.checked_add(12)).ok_or_else(bad)?;
        if size != expected || expected > bytes.len() || chunk_size == 0 {
            return Err(bad());
        }
        let hashes = bytes[12..expected]
            .chunks_exact(20)
            .map(|h| {
                let mut hash = [0u8; 20];
                hash.copy_from_slice(h);
                hash
            })
            .collect();
        Ok(IntegrityTable { chunk_size, hashes })
    }

    /// The on-disk bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let size = 12 + 20 * self.hashes.len();
        let mut out = Vec::with_capacity(size);
        out.extend_from_slice(&(size as u32).to_le_bytes());
        out.extend_from_slice(&(self.hashes.len() as u32).to_le_bytes());
        out.extend_from_slice(&self.chunk_size.to_le_bytes());
        for hash in &self.hashes {
            out.extend_from_slice(hash);
        }
        out
    }
}
