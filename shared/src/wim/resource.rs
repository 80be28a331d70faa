//! Reading and writing resources: stored as they are, or chunk-compressed (WIM white paper,
//! "Compressed resources"): the data is cut into chunks of the header's chunk size, each
//! compressed on its own; a chunk table of `chunks − 1` offsets (4 bytes each, 8 when the
//! uncompressed size exceeds 4 GiB), relative to the end of the table, precedes the chunks. A
//! chunk whose stored size equals its uncompressed size is stored as it is.

use super::header::{Compression, Header, ResourceHeader, resource_flags};
use super::{WimError, WimErrorKind, WimResult, WimSource, lzx, read_range, xpress};

/// Reads and decompresses a resource, refusing one larger than `limit` bytes before allocating.
pub fn read_resource<S: WimSource + ?Sized>(
    source: &S,
    header: &Header,
    resource: &ResourceHeader,
    limit: u64,
) -> WimResult<Vec<u8>> {
    let at = resource.offset;
    if resource.original_size > limit {
        return Err(WimError::file(WimErrorKind::MetadataTooLarge(resource.original_size), at));
    }
    let stored = read_range(source, resource.offset, resource.size_in_wim, "resource")?;
    if !resource.is_compressed() {
        if resource.size_in_wim != resource.original_size {
            return Err(WimError::file(WimErrorKind::BadResource, at));
        }
        return Ok(stored);
    }
    decompress_resource(&stored, header, resource.original_size, at)
}

/// Decompresses the stored bytes of a chunk-compressed resource of `original_size` bytes that
/// starts at file offset `at` (for error positions).
pub(crate) fn decompress_resource(
    stored: &[u8],
    header: &Header,
    original_size: u64,
    at: u64,
) -> WimResult<Vec<u8>> {
    let chunk_size = u64::from(header.chunk_size);
    let bad_table = |offset: u64| WimError::file(WimErrorKind::BadChunkTable, offset);
    if header.compression == Compression::None || chunk_size == 0 {
        return Err(WimError::file(WimErrorKind::BadResource, at));
    }
    let chunks = original_size.div_ceil(chunk_size);
    let entry_size: u64 = if original_size > u64::from(u32::MAX) { 8 } else { 4 };
    let table_size =
        chunks.saturating_sub(1).checked_mul(entry_size).ok_or_else(|| bad_table(at))?;
    if table_size > stored.len() as u64 {
        return Err(bad_table(at));
    }
    let table_size = table_size as usize;
    let data = &stored[table_size..];
    let mut starts = Vec::with_capacity(chunks as usize);
    starts.push(0u64);
    for i in 0..chunks.saturating_sub(1) as usize {
        let entry = &stored[i * entry_size as usize..(i + 1) * entry_size as usize];
        let mut word = [0u8; 8];
        word[..entry.len()].copy_from_slice(entry);
        starts.push(u64::from_le_bytes(word));
    }
    // Grows with the data actually produced; the first reservation is capped.
    let mut out = Vec::with_capacity(original_size.min(1 << 26) as usize);
    for (i, &start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(data.len() as u64);
        let chunk_at = at + table_size as u64 + start;
        if start > end || end > data.len() as u64 {
            return Err(bad_table(at + (i as u64) * entry_size));
        }
        let uncompressed = (original_size - i as u64 * chunk_size).min(chunk_size) as usize;
        let chunk = &data[start as usize..end as usize];
        if chunk.len() == uncompressed {
            out.extend_from_slice(chunk);
            continue;
        }
        if chunk.len() > uncompressed {
            return Err(bad_table(at + (i as u64) * entry_size));
        }
        let decompressed = match header.compression {
            Compression::Xpress => xpress::decompress_chunk(chunk, uncompressed),
            Compression::Lzx => {
                lzx::decompress_chunk(chunk, uncompressed, header.chunk_size as usize)
            }
            Compression::None => unreachable_none(),
        }
        .map_err(|method| WimError::file(WimErrorKind::CorruptData(method), chunk_at))?;
        out.extend_from_slice(&decompressed);
    }
    Ok(out)
}

fn unreachable_none() -> Result<Vec<u8>, &'static str> {
    Err("uncompressed")
}

/// Writes `data` as a resource at file offset `offset`: chunk-compressed with XPRESS when the WIM
/// uses XPRESS, stored otherwise (this crate has no LZX compressor; a stored resource in an LZX
/// WIM is valid — its flags say it is not compressed — see `docs/bootimage.md`). `extra_flags`
/// adds [`resource_flags::METADATA`] for metadata resources. Returns the resource header and the
/// bytes to write.
pub fn write_resource(
    data: &[u8],
    header: &Header,
    offset: u64,
    extra_flags: u8,
) -> (ResourceHeader, Vec<u8>) {
    let stored = |data: &[u8]| {
        (
            ResourceHeader {
                size_in_wim: data.len() as u64,
                flags: extra_flags,
                offset,
                original_size: data.len() as u64,
            },
            data.to_vec(),
        )
    };
    let chunk_size = header.chunk_size as usize;
    if header.compression != Compression::Xpress
        || data.is_empty()
        || chunk_size == 0
        || chunk_size > xpress::MAX_CHUNK
    {
        return stored(data);
    }
    let chunks: Vec<Vec<u8>> = data
        .chunks(chunk_size)
        .map(|chunk| {
            let compressed = xpress::compress_chunk(chunk);
            if compressed.len() < chunk.len() { compressed } else { chunk.to_vec() }
        })
        .collect();
    let entry_size = if data.len() as u64 > u64::from(u32::MAX) { 8 } else { 4 };
    let mut out = Vec::with_capacity(data.len());
    let mut position = 0u64;
    for chunk in &chunks[..chunks.len() - 1] {
        position += chunk.len() as u64;
        out.extend_from_slice(&position.to_le_bytes()[..entry_size]);
    }
    for chunk in &chunks {
        out.extend_from_slice(chunk);
    }
    if out.len() >= data.len() {
        return stored(data);
    }
    (
        ResourceHeader {
            size_in_wim: out.len() as u64,
            flags: extra_flags | resource_flags::COMPRESSED,
            offset,
            original_size: data.len() as u64,
        },
        out,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wim::header::{HEADER_SIZE, flags};

    fn xpress_header(chunk_size: u32) -> Header {
        let mut raw = [0u8; HEADER_SIZE];
        raw[..8].copy_from_slice(b"MSWIM\0\0\0");
        raw[8..12].copy_from_slice(&(HEADER_SIZE as u32).to_le_bytes());
        raw[12..16].copy_from_slice(&0x10d00u32.to_le_bytes());
        raw[16..20].copy_from_slice(&(flags::COMPRESSION | flags::COMPRESS_XPRESS).to_le_bytes());
        raw[20..24].copy_from_slice(&chunk_size.to_le_bytes());
        raw[40..42].copy_from_slice(&1u16.to_le_bytes());
        raw[42..44].copy_from_slice(&1u16.to_le_bytes());
        Header::parse(&raw).expect("a valid header")
    }

    #[test]
    fn written_resources_read_back_at_every_xpress_chunk_size() {
        let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8 ^ (i / 4096) as u8).collect();
        for chunk_size in [4096, 32_768, 65_536] {
            let header = xpress_header(chunk_size);
            let (resource, bytes) = write_resource(&data, &header, 1000, resource_flags::METADATA);
            assert!(resource.is_compressed());
            assert_eq!(resource.size_in_wim, bytes.len() as u64);
            assert!(bytes.len() < data.len() / 2, "{chunk_size}: {} bytes", bytes.len());
            let back = decompress_resource(&bytes, &header, resource.original_size, 1000)
                .expect("reads back");
            assert_eq!(back, data);
        }
    }

    #[test]
    fn incompressible_data_is_stored() {
        let mut state = 7u32;
        let noise: Vec<u8> = (0..100_000)
            .map(|_| {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (state >> 24) as u8
            })
            .collect();
        let (resource, bytes) = write_resource(&noise, &xpress_header(32_768), 0, 0);
        assert!(!resource.is_compressed());
        assert_eq!(bytes, noise);
    }
}
