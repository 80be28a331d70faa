//! LZX decompression of one WIM chunk (LZX DELTA, MS-PATCH §2, without the delta; wimlib's
//! documentation of the WIM variant).
//!
//! The WIM variant differs from the cabinet one: each chunk is compressed on its own (window =
//! chunk size, recent offsets and code lengths reset per chunk), there is no E8 header bit —
//! E8 translation is always on with a fixed translation size of 12,000,000 — and a block size
//! field of `1` means 32,768.

use super::bits::BitReader;
use super::huffman::Decoder;

const NUM_CHARS: usize = 256;
const LENGTH_SYMBOLS: usize = 249;
const PRETREE_SYMBOLS: usize = 20;
const ALIGNED_SYMBOLS: usize = 8;
const MIN_MATCH: usize = 2;
const MAX_CODE_LEN: u32 = 16;
const E8_FILE_SIZE: i64 = 12_000_000;
const DEFAULT_BLOCK_SIZE: usize = 32_768;

const BLOCK_VERBATIM: u32 = 1;
const BLOCK_ALIGNED: u32 = 2;
const BLOCK_UNCOMPRESSED: u32 = 3;

/// Number of position slots for a window (chunk) size (LZX DELTA §2.2.3, table of window sizes).
fn position_slots(window: usize) -> Option<usize> {
    Some(match window {
        0x8000 => 30,
        0x10000 => 32,
        0x20000 => 34,
        0x40000 => 36,
        0x80000 => 38,
        0x100000 => 42,
        0x200000 => 50,
        _ => return None,
    })
}

/// Extra bits and base of each position slot: slots 0–3 have none, then two slots per bit count,
/// at most 17 (LZX DELTA §2.2.3).
fn slot_tables() -> ([u32; 50], [u32; 50]) {
    let mut extra = [0u32; 50];
    let mut base = [0u32; 50];
    let mut next = 0u32;
    for slot in 0..50 {
        extra[slot] = if slot < 4 { 0 } else { ((slot as u32) / 2 - 1).min(17) };
        base[slot] = next;
        next += 1 << extra[slot];
    }
    (extra, base)
}

const CORRUPT: &str = "LZX";

/// Decompresses one chunk into exactly `out_len` bytes. `window` is the WIM's chunk size.
pub fn decompress_chunk(
    input: &[u8],
    out_len: usize,
    window: usize,
) -> Result<Vec<u8>, &'static str> {
    let slots = position_slots(window).ok_or(CORRUPT)?;
    if out_len > window {
        return Err(CORRUPT);
    }
    let (extra_bits, slot_base) = slot_tables();
    let main_symbols = NUM_CHARS + 8 * slots;
    let mut main_lengths = vec![0u8; main_symbols];
    let mut length_lengths = vec![0u8; LENGTH_SYMBOLS];
    let mut recent = [1u32; 3];
    let mut out: Vec<u8> = Vec::with_capacity(out_len);
    let mut bits = BitReader::new(input);

    while out.len() < out_len {
        let block_type = bits.bits(3);
        let block_size = if bits.bits(1) == 1 {
            DEFAULT_BLOCK_SIZE
        } else {
            let mut size = bits.bits(16) as usize;
            if window >= 65_536 {
                size = (size << 8) | bits.bits(8) as usize;
            }
            size
        };
        if block_size == 0 {
            return Err(CORRUPT);
        }
        let block_end = out_len.min(out.len() + block_size);
        match block_type {
            BLOCK_VERBATIM | BLOCK_ALIGNED => {
                let mut aligned = None;
                if block_type == BLOCK_ALIGNED {
                    let mut lengths = [0u8; ALIGNED_SYMBOLS];
                    for len in lengths.iter_mut() {
                        *len = bits.bits(3) as u8;
                    }
                    aligned = Some(Decoder::new(&lengths, 7).map_err(|()| CORRUPT)?);
                }
                read_lengths(&mut bits, &mut main_lengths[..NUM_CHARS])?;
                read_lengths(&mut bits, &mut main_lengths[NUM_CHARS..])?;
                read_lengths(&mut bits, &mut length_lengths)?;
                let main = Decoder::new(&main_lengths, MAX_CODE_LEN).map_err(|()| CORRUPT)?;
                let length = Decoder::new(&length_lengths, MAX_CODE_LEN).map_err(|()| CORRUPT)?;
                while out.len() < block_end {
                    let symbol = bits.symbol(&main).ok_or(CORRUPT)? as usize;
                    if symbol < NUM_CHARS {
                        out.push(symbol as u8);
                        continue;
                    }
                    let match_symbol = symbol - NUM_CHARS;
                    let slot = match_symbol >> 3;
                    let mut match_len = match_symbol & 7;
                    if match_len == 7 {
                        match_len += bits.symbol(&length).ok_or(CORRUPT)? as usize;
                    }
                    match_len += MIN_MATCH;
                    let offset = if slot < 3 {
                        recent.swap(slot, 0);
                        recent[0]
                    } else {
                        let extra = extra_bits[slot];
                        let mut formatted = slot_base[slot];
                        match &aligned {
                            Some(aligned) if extra >= 3 => {
                                formatted += bits.bits(extra - 3) << 3;
                                formatted += bits.symbol(aligned).ok_or(CORRUPT)?;
                            }
                            _ => formatted += bits.bits(extra),
                        }
                        let offset = formatted - 2;
                        recent[2] = recent[1];
                        recent[1] = recent[0];
                        recent[0] = offset;
                        offset
                    };
                    let offset = offset as usize;
                    if offset == 0 || offset > out.len() || match_len > block_end - out.len() {
                        return Err(CORRUPT);
                    }
                    let start = out.len() - offset;
                    for i in 0..match_len {
                        let byte = out[start + i];
                        out.push(byte);
                    }
                }
                if bits.overran() {
                    return Err(CORRUPT);
                }
            }
            BLOCK_UNCOMPRESSED => {
                let mut pos = bits.align_for_uncompressed();
                let header = input.get(pos..pos + 12).ok_or(CORRUPT)?;
                for (i, slot) in recent.iter_mut().enumerate() {
                    let at = 4 * i;
                    *slot = u32::from_le_bytes([
                        header[at],
                        header[at + 1],
                        header[at + 2],
                        header[at + 3],
                    ]);
                    if *slot == 0 || *slot as usize > window {
                        return Err(CORRUPT);
                    }
                }
                pos += 12;
                let take = block_end - out.len();
                out.extend_from_slice(input.get(pos..pos + take).ok_or(CORRUPT)?);
                pos += take;
                if block_size % 2 == 1 {
                    pos += 1;
                }
                bits.restart_at(pos);
            }
            _ => return Err(CORRUPT),
        }
    }
    undo_e8_translation(&mut out);
    Ok(out)
}

/// Reads code lengths coded with a pretree, as deltas (mod 17) against the previous lengths
/// (LZX DELTA §2.2.2: pretree symbols 0–16 are deltas, 17 and 18 runs of zeros, 19 a run of one
/// delta).
fn read_lengths(bits: &mut BitReader<'_>, lengths: &mut [u8]) -> Result<(), &'static str> {
    let mut pre_lengths = [0u8; PRETREE_SYMBOLS];
    for len in pre_lengths.iter_mut() {
        *len = bits.bits(4) as u8;
    }
    let pretree = Decoder::new(&pre_lengths, 15).map_err(|()| CORRUPT)?;
    let delta = |previous: u8, symbol: u32| ((i32::from(previous) - symbol as i32 + 17) % 17) as u8;
    let mut i = 0;
    while i < lengths.len() {
        let symbol = bits.symbol(&pretree).ok_or(CORRUPT)?;
        match symbol {
            0..=16 => {
                lengths[i] = delta(lengths[i], symbol);
                i += 1;
            }
            17 | 18 => {
                let run = if symbol == 17 { 4 + bits.bits(4) } else { 20 + bits.bits(5) } as usize;
                let end = i.checked_add(run).filter(|&e| e <= lengths.len()).ok_or(CORRUPT)?;
                lengths[i..end].fill(0);
                i = end;
            }
            19 => {
                let run = 4 + bits.bits(1) as usize;
                let value_symbol = bits.symbol(&pretree).ok_or(CORRUPT)?;
                if value_symbol > 16 {
                    return Err(CORRUPT);
                }
                let value = delta(lengths[i], value_symbol);
                let end = i.checked_add(run).filter(|&e| e <= lengths.len()).ok_or(CORRUPT)?;
                lengths[i..end].fill(value);
                i = end;
            }
            _ => return Err(CORRUPT),
        }
    }
    Ok(())
}

/// Undoes the x86 call translation: a 0xE8 byte followed by an absolute 32-bit target in
/// [-position, 12,000,000) becomes a relative one (LZX DELTA §2.3, with the WIM's fixed size).
fn undo_e8_translation(data: &mut [u8]) {
    if data.len() <= 10 {
        return;
    }
    let limit = data.len() - 10;
    let mut i = 0;
    while i < limit {
        if data[i] != 0xE8 {
            i += 1;
            continue;
        }
        let target = i32::from_le_bytes([data[i + 1], data[i + 2], data[i + 3], data[i + 4]]);
        let position = i as i64;
        let absolute = i64::from(target);
        let relative = if absolute >= 0 {
            (absolute < E8_FILE_SIZE).then(|| absolute - position)
        } else {
            (absolute >= -position).then(|| absolute + E8_FILE_SIZE)
        };
        if let Some(relative) = relative {
            data[i + 1..i + 5].copy_from_slice(&(relative as i32).to_le_bytes());
        }
        i += 5;
    }
}
