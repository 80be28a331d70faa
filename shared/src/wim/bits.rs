//! The LZX bit stream: 16-bit little-endian words, each read from its most significant bit
//! (LZX DELTA §2.2.1). Reading past the end yields zero bits, as the format's decoders do; every
//! caller bounds its work by the output size, so that cannot loop.

use super::huffman::Decoder;

#[derive(Debug)]
pub(crate) struct BitReader<'a> {
    data: &'a [u8],
    /// Next byte to load.
    pos: usize,
    /// Buffered bits, left-aligned.
    buf: u64,
    count: u32,
    /// Words "read" past the end of the data.
    overrun: u32,
}

impl<'a> BitReader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        BitReader { data, pos: 0, buf: 0, count: 0, overrun: 0 }
    }

    #[inline]
    fn refill(&mut self) {
        while self.count <= 48 {
            let word = match self.data.get(self.pos..self.pos + 2) {
                Some(w) => u16::from_le_bytes([w[0], w[1]]),
                None => {
                    self.overrun += 1;
                    0
                }
            };
            self.pos += 2;
            self.buf |= u64::from(word) << (48 - self.count);
            self.count += 16;
        }
    }

    /// Whether the reader went past the end of its data by more than the zero padding a stream
    /// may end with (a corrupt stream).
    pub fn overran(&self) -> bool {
        self.overrun > 2 && self.consumed_bytes() > self.data.len() + 4
    }

    fn consumed_bytes(&self) -> usize {
        self.pos - (self.count as usize / 16) * 2
    }

    /// Reads `n` (at most 32) bits.
    #[inline]
    pub fn bits(&mut self, n: u32) -> u32 {
        if n == 0 {
            return 0;
        }
        if self.count < n {
            self.refill();
        }
        let value = (self.buf >> (64 - n)) as u32;
        self.buf <<= n;
        self.count -= n;
        value
    }

    /// Decodes one symbol.
    #[inline]
    pub fn symbol(&mut self, decoder: &Decoder) -> Option<u32> {
        if decoder.max_len == 0 {
            return None;
        }
        if self.count < decoder.max_len {
            self.refill();
        }
        let peeked = (self.buf >> (64 - decoder.max_len)) as u32;
        let (symbol, len) = decoder.lookup(peeked)?;
        self.buf <<= len;
        self.count -= len;
        Some(symbol)
    }

    /// Aligns to the next 16-bit word as an LZX uncompressed block requires (discarding a whole
    /// word when already aligned) and returns the byte position of the data that follows.
    pub fn align_for_uncompressed(&mut self) -> usize {
        if self.count.is_multiple_of(16) {
            // Aligned: the next 16 bits are padding.
            if self.count == 0 {
                self.refill();
            }
            self.buf <<= 16;
            self.count -= 16;
        } else {
            let drop = self.count % 16;
            self.buf <<= drop;
            self.count -= drop;
        }
        self.consumed_bytes()
    }

    /// Continues reading bits at byte `pos` (after an uncompressed block).
    pub fn restart_at(&mut self, pos: usize) {
        self.pos = pos;
        self.buf = 0;
        self.count = 0;
    }
}
