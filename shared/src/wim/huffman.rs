//! Canonical Huffman codes as LZX and XPRESS use them: codes assigned in order of (length,
//! symbol), read most significant bit first (MS-XCA §2.1.4.2; LZX DELTA §2.2.2).

/// A decoding table: `entries[peek(max_len)]` is `symbol << 8 | length`, or `INVALID`.
#[derive(Debug)]
pub(crate) struct Decoder {
    pub max_len: u32,
    entries: Vec<u32>,
}

const INVALID: u32 = u32::MAX;

impl Decoder {
    /// Builds the table for `lengths` (0 = symbol unused). Errors on an over-subscribed code;
    /// an incomplete code is allowed (its unused codes fail when decoded), as is an empty one.
    pub fn new(lengths: &[u8], limit: u32) -> Result<Decoder, ()> {
        let max_len = lengths.iter().copied().max().unwrap_or(0) as u32;
        if max_len > limit {
            return Err(());
        }
        let size = 1usize << max_len;
        let mut entries = vec![INVALID; size];
        if max_len == 0 {
            return Ok(Decoder { max_len, entries });
        }
        let codes = canonical_codes(lengths)?;
        for (symbol, (&len, &code)) in lengths.iter().zip(&codes).enumerate() {
            if len == 0 {
                continue;
            }
            let shift = max_len - u32::from(len);
            let start = (code as usize) << shift;
            let end = start + (1usize << shift);
            entries[start..end].fill((symbol as u32) << 8 | u32::from(len));
        }
        Ok(Decoder { max_len, entries })
    }

    /// Looks up the `max_len` bits in `peeked`: (symbol, length) or `None` for an unused code.
    #[inline]
    pub fn lookup(&self, peeked: u32) -> Option<(u32, u32)> {
        let entry = *self.entries.get(peeked as usize)?;
        (entry != INVALID).then_some((entry >> 8, entry & 0xff))
    }
}

/// Canonical codes for `lengths`; errors when the lengths over-subscribe the code space.
pub(crate) fn canonical_codes(lengths: &[u8]) -> Result<Vec<u32>, ()> {
    let mut count = [0u32; 33];
    for &len in lengths {
        count[len as usize] += 1;
    }
    count[0] = 0;
    // Kraft: the sum of 2^-len must not exceed 1.
    let mut left: i64 = 1;
    for &n in &count[1..] {
        left = left * 2 - i64::from(n);
        if left < 0 {
            return Err(());
        }
    }
    let mut next = [0u32; 33];
    let mut code = 0u32;
    for len in 1..=32 {
        code = (code + count[len - 1]) << 1;
        next[len] = code;
    }
    let mut codes = vec![0u32; lengths.len()];
    for (symbol, &len) in lengths.iter().enumerate() {
        if len != 0 {
            codes[symbol] = next[len as usize];
            next[len as usize] += 1;
        }
    }
    Ok(codes)
}

/// Code lengths of at most `limit` bits for `frequencies` (0 = unused). With a single used symbol a
/// second one gets length 1 too, so every code is complete.
pub(crate) fn lengths_for(frequencies: &[u32], limit: u32) -> Vec<u8> {
    let mut freqs: Vec<u64> = frequencies.iter().map(|&f| u64::from(f)).collect();
    loop {
        let lengths = unlimited_lengths(&freqs);
        if lengths.iter().all(|&len| u32::from(len) <= limit) {
            return lengths;
        }
        // Flatten the distribution and retry: halving keeps the order of frequencies and each
        // round shortens the deepest codes.
        for f in freqs.iter_mut().filter(|f| **f > 0) {
            *f = (*f >> 1).max(1);
        }
    }
}

fn unlimited_lengths(freqs: &[u64]) -> Vec<u8> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let mut lengths = vec![0u8; freqs.len()];
    let used: Vec<usize> = (0..freqs.len()).filter(|&s| freqs[s] > 0).collect();
    match used.len() {
        0 => return lengths,
        1 => {
            lengths[used[0]] = 1;
            let other = if used[0] == 0 { 1 } else { 0 };
            if other < lengths.len() {
                lengths[other] = 1;
            }
            return lengths;
        }
        _ => {}
    }
    // Nodes 0..n are leaves; internal nodes follow. Ties break on node number, so the result is
    // deterministic.
    let mut parent: Vec<usize> = vec![usize::MAX; used.len()];
    let mut heap: BinaryHeap<Reverse<(u64, usize)>> =
        used.iter().enumerate().map(|(node, &s)| Reverse((freqs[s], node))).collect();
    while heap.len() > 1 {
        let Some(Reverse((fa, a))) = heap.pop() else { break };
        let Some(Reverse((fb, b))) = heap.pop() else { break };
        let node = parent.len();
        parent.push(usize::MAX);
        parent[a] = node;
        parent[b] = node;
        heap.push(Reverse((fa + fb, node)));
    }
    for (leaf, &symbol) in used.iter().enumerate() {
        let mut depth = 0u8;
        let mut node = leaf;
        while parent[node] != usize::MAX {
            node = parent[node];
            depth = depth.saturating_add(1);
        }
        lengths[symbol] = depth;
    }
    lengths
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_are_limited_and_complete() {
        // Fibonacci frequencies make the deepest possible unlimited tree.
        let mut freqs = vec![0u32; 40];
        let (mut a, mut b) = (1u32, 1u32);
        for f in freqs.iter_mut() {
            *f = a;
            let c = a.saturating_add(b);
            a = b;
            b = c;
        }
        let lengths = lengths_for(&freqs, 15);
        assert!(lengths.iter().all(|&l| (1..=15).contains(&l)));
        let kraft: f64 = lengths.iter().map(|&l| 0.5f64.powi(i32::from(l))).sum();
        assert!((kraft - 1.0).abs() < 1e-9, "kraft sum {kraft}");
        assert!(Decoder::new(&lengths, 15).is_ok());
    }

    #[test]
    fn over_subscribed_code_is_refused() {
        assert!(Decoder::new(&[1, 1, 1], 16).is_err());
    }
}
