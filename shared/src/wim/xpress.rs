//! XPRESS with Huffman coding ("LZ77+Huffman", MS-XCA §2.1 and §2.2) for one WIM chunk of at most
//! 64 KiB: decompression, and the compressor the writer uses for the new metadata resource.
//!
//! A chunk is a 256-byte table of 512 four-bit code lengths (symbol `2i` in the low nibble of byte
//! `i`), then a bit stream of 16-bit little-endian words read from their most significant bit,
//! with the extra length bytes of long matches interleaved as whole bytes. Symbols below 256 are
//! literals; symbol `256 + 16·log2(offset) + min(length − 3, 15)` is a match.

use super::huffman::{Decoder, canonical_codes, lengths_for};

const SYMBOLS: usize = 512;
const TABLE_BYTES: usize = 256;
const MAX_CODE_LEN: u32 = 15;
const MIN_MATCH: usize = 3;
/// Largest chunk: one Huffman table covers 65,536 output bytes (MS-XCA §2.2.4).
pub const MAX_CHUNK: usize = 65_536;
const CORRUPT: &str = "XPRESS";

/// The MS-XCA §2.2.4 reader: it always holds at least 16 unread bits after consuming any, so the
/// byte position where extra length bytes are read matches the writer's.
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    bits: u32,
    /// Valid bits beyond the 16 guaranteed ones (`ExtraBitCount`).
    extra: i32,
}

impl<'a> Reader<'a> {
    fn new(data: &'a [u8]) -> Self {
        let mut reader = Reader { data, pos: 0, bits: 0, extra: 16 };
        reader.bits = u32::from(reader.word()) << 16 | u32::from(reader.word());
        reader
    }

    /// The next 16-bit word, zero past the end (the last symbol's bits may reach there).
    fn word(&mut self) -> u16 {
        let word = match self.data.get(self.pos..self.pos + 2) {
            Some(w) => u16::from_le_bytes([w[0], w[1]]),
            None => 0,
        };
        self.pos += 2;
        word
    }

    fn consume(&mut self, n: u32) {
        if n == 0 {
            return;
        }
        self.bits <<= n;
        self.extra -= n as i32;
        if self.extra < 0 {
            let shift = (-self.extra) as u32;
            self.bits |= u32::from(self.word()) << shift;
            self.extra += 16;
        }
    }

    fn byte(&mut self) -> Option<u8> {
        let byte = *self.data.get(self.pos)?;
        self.pos += 1;
        Some(byte)
    }
}

/// Decompresses one chunk into exactly `out_len` (≤ 65,536) bytes.
pub fn decompress_chunk(input: &[u8], out_len: usize) -> Result<Vec<u8>, &'static str> {
    if out_len > MAX_CHUNK || input.len() < TABLE_BYTES {
        return Err(CORRUPT);
    }
    let mut lengths = [0u8; SYMBOLS];
    for (i, byte) in input[..TABLE_BYTES].iter().enumerate() {
        lengths[2 * i] = byte & 0x0f;
        lengths[2 * i + 1] = byte >> 4;
    }
    let decoder = Decoder::new(&lengths, MAX_CODE_LEN).map_err(|()| CORRUPT)?;
    let mut reader = Reader::new(&input[TABLE_BYTES..]);
    let mut out: Vec<u8> = Vec::with_capacity(out_len);
    while out.len() < out_len {
        if reader.pos > reader.data.len() + 4 {
            return Err(CORRUPT);
        }
        let peeked = reader.bits >> (32 - decoder.max_len.max(1));
        let (symbol, len) =
            if decoder.max_len == 0 { None } else { decoder.lookup(peeked) }.ok_or(CORRUPT)?;
        reader.consume(len);
        if symbol < 256 {
            out.push(symbol as u8);
            continue;
        }
        let symbol = symbol - 256;
        let mut length = (symbol & 15) as usize;
        let offset_bits = symbol >> 4;
        if length == 15 {
            length += usize::from(reader.byte().ok_or(CORRUPT)?);
            if length == 15 + 255 {
                let low = reader.byte().ok_or(CORRUPT)?;
                let high = reader.byte().ok_or(CORRUPT)?;
                length = usize::from(u16::from_le_bytes([low, high]));
            }
        }
        length += MIN_MATCH;
        let offset_low = if offset_bits == 0 { 0 } else { reader.bits >> (32 - offset_bits) };
        reader.consume(offset_bits);
        let offset = ((1u32 << offset_bits) | offset_low) as usize;
        if offset > out.len() || length > out_len - out.len() {
            return Err(CORRUPT);
        }
        let start = out.len() - offset;
        for i in 0..length {
            let byte = out[start + i];
            out.push(byte);
        }
    }
    Ok(out)
}

/// One item of the parse: a literal or a match.
#[derive(Debug, Clone, Copy)]
enum Item {
    Literal(u8),
    Match { length: usize, offset: usize },
}

const HASH_BITS: u32 = 15;
const MAX_CHAIN: usize = 48;
const NICE_LENGTH: usize = 258;

/// Greedy LZ77 parse with hash chains over 3-byte prefixes (offsets < 65,536, any length up to
/// the chunk's end).
fn parse(data: &[u8]) -> Vec<Item> {
    let mut items = Vec::with_capacity(data.len() / 2);
    let mut head = vec![u32::MAX; 1 << HASH_BITS];
    let mut prev = vec![u32::MAX; data.len()];
    let hash = |i: usize| {
        let v = u32::from(data[i]) | u32::from(data[i + 1]) << 8 | u32::from(data[i + 2]) << 16;
        (v.wrapping_mul(0x9E37_79B1) >> (32 - HASH_BITS)) as usize
    };
    let insert = |i: usize, head: &mut Vec<u32>, prev: &mut Vec<u32>| {
        if i + MIN_MATCH <= data.len() {
            let h = hash(i);
            prev[i] = head[h];
            head[h] = i as u32;
        }
    };
    let mut i = 0;
    while i < data.len() {
        let mut best_len = 0;
        let mut best_offset = 0;
        if i + MIN_MATCH <= data.len() {
            let max_len = data.len() - i;
            let mut candidate = head[hash(i)];
            let mut chain = 0;
            while candidate != u32::MAX && chain < MAX_CHAIN {
                let c = candidate as usize;
                let offset = i - c;
                if offset >= MAX_CHUNK {
                    break;
                }
                if data[c + best_len.min(max_len - 1)] == data[i + best_len.min(max_len - 1)] {
                    let len = data[c..]
                        .iter()
                        .zip(&data[i..])
                        .take(max_len)
                        .take_while(|(a, b)| a == b)
                        .count();
                    if len > best_len {
                        best_len = len;
                        best_offset = offset;
                        if len >= NICE_LENGTH || len == max_len {
                            break;
                        }
                    }
                }
                candidate = prev[c];
                chain += 1;
            }
        }
        if best_len >= MIN_MATCH {
            items.push(Item::Match { length: best_len, offset: best_offset });
            for j in i..i + best_len {
                insert(j, &mut head, &mut prev);
            }
            i += best_len;
        } else {
            items.push(Item::Literal(data[i]));
            insert(i, &mut head, &mut prev);
            i += 1;
        }
    }
    items
}

/// The MS-XCA §2.1.4.3 writer: bits go to reserved 16-bit slots, extra length bytes to the byte
/// position after them, so a reader keeping 16 bits ahead meets each byte where it was written.
struct Writer {
    out: Vec<u8>,
    bits_at: usize,
    bits2_at: usize,
    buf: u32,
    count: u32,
}

impl Writer {
    fn new(capacity: usize) -> Self {
        let mut out = Vec::with_capacity(capacity);
        out.extend_from_slice(&[0; 4]);
        Writer { out, bits_at: 0, bits2_at: 2, buf: 0, count: 0 }
    }

    fn put_word(&mut self, at: usize, word: u16) {
        self.out[at..at + 2].copy_from_slice(&word.to_le_bytes());
    }

    fn bits(&mut self, value: u32, n: u32) {
        if n == 0 {
            return;
        }
        self.buf = (self.buf << n) | (value & ((1 << n) - 1));
        self.count += n;
        if self.count > 16 {
            self.count -= 16;
            let word = (self.buf >> self.count) as u16;
            self.put_word(self.bits_at, word);
            self.bits_at = self.bits2_at;
            self.bits2_at = self.out.len();
            self.out.extend_from_slice(&[0, 0]);
        }
    }

    fn byte(&mut self, byte: u8) {
        self.out.push(byte);
    }

    fn finish(mut self) -> Vec<u8> {
        let word = ((self.buf << (16 - self.count)) & 0xffff) as u16;
        self.put_word(self.bits_at, word);
        self.put_word(self.bits2_at, 0);
        self.out
    }
}

fn match_symbol(length: usize, offset: usize) -> (usize, u32) {
    let adjusted = length - MIN_MATCH;
    let log2 = usize::BITS - 1 - offset.leading_zeros();
    (256 + ((log2 as usize) << 4) + adjusted.min(15), log2)
}

/// Compresses one chunk (at most 65,536 bytes). The result may be larger than the input; the
/// resource writer then stores the chunk as it is.
pub fn compress_chunk(data: &[u8]) -> Vec<u8> {
    assert!(data.len() <= MAX_CHUNK, "XPRESS chunks are at most 64 KiB");
    let items = parse(data);
    let mut frequencies = [0u32; SYMBOLS];
    for item in &items {
        match *item {
            Item::Literal(byte) => frequencies[usize::from(byte)] += 1,
            Item::Match { length, offset } => frequencies[match_symbol(length, offset).0] += 1,
        }
    }
    // The end-of-data symbol MS-XCA's compressor appends (a match of length 3 at offset 1, never
    // reached by a decoder that stops at the chunk size).
    frequencies[256] += 1;
    let lengths = lengths_for(&frequencies, MAX_CODE_LEN);
    let codes = canonical_codes(&lengths).unwrap_or_else(|()| vec![0; SYMBOLS]);
    let mut out = Vec::with_capacity(TABLE_BYTES + data.len());
    for pair in lengths.chunks_exact(2) {
        out.push(pair[0] | pair[1] << 4);
    }
    let mut writer = Writer::new(data.len());
    for item in &items {
        match *item {
            Item::Literal(byte) => {
                let s = usize::from(byte);
                writer.bits(codes[s], u32::from(lengths[s]));
            }
            Item::Match { length, offset } => {
                let (s, log2) = match_symbol(length, offset);
                writer.bits(codes[s], u32::from(lengths[s]));
                let adjusted = length - MIN_MATCH;
                if adjusted >= 15 {
                    if adjusted - 15 < 255 {
                        writer.byte((adjusted - 15) as u8);
                    } else {
                        writer.byte(255);
                        writer.byte(adjusted as u8);
                        writer.byte((adjusted >> 8) as u8);
                    }
                }
                writer.bits((offset - (1 << log2)) as u32, log2);
            }
        }
    }
    writer.bits(codes[256], u32::from(lengths[256]));
    out.extend_from_slice(&writer.finish());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(data: &[u8]) {
        let compressed = compress_chunk(data);
        let back = decompress_chunk(&compressed, data.len()).expect("decompresses");
        assert_eq!(back, data);
    }

    #[test]
    fn round_trips() {
        round_trip(b"a");
        round_trip(b"abcabcabcabcabcabcabcabcabc");
        round_trip(&[0u8; 65_536]);
        let text: Vec<u8> = (0..60_000u32).map(|i| (i * 7 % 251) as u8 ^ (i / 300) as u8).collect();
        round_trip(&text);
        let mut state = 1u32;
        let noise: Vec<u8> = (0..40_000)
            .map(|_| {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                (state >> 16) as u8
            })
            .collect();
        round_trip(&noise);
        // Match lengths that need the one-byte and the two-byte extension.
        let mut long = vec![b'x'; 20];
        long.extend(std::iter::repeat_n(b'y', 300));
        long.extend(std::iter::repeat_n(b'z', 5000));
        round_trip(&long);
    }
}
