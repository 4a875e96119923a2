//! Lab 3.4, reference solution: Q4_K dequantization.

use bytemuck::{Pod, Zeroable};
use half::f16;

/// Weights per super-block (ggml's `QK_K`).
pub const QK_K: usize = 256;

/// ggml's `block_q4_K`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable)]
pub struct BlockQ4K {
    pub d: f16,
    pub dmin: f16,
    pub scales: [u8; 12],
    pub qs: [u8; QK_K / 2],
}

const _: () = assert!(size_of::<BlockQ4K>() == 144);

/// ggml's `get_scale_min_k4`. Sub-blocks 0..4 use the low 6 bits of bytes 0..8; sub-blocks
/// 4..8 take their low 4 bits from the nibbles of bytes 8..12 and their top 2 bits from the
/// spare top bits of bytes 0..8.
pub fn scale_min_k4(j: usize, scales: &[u8; 12]) -> (u8, u8) {
    if j < 4 {
        (scales[j] & 63, scales[j + 4] & 63)
    } else {
        let sc = (scales[j + 4] & 0x0F) | ((scales[j - 4] >> 6) << 4);
        let m = (scales[j + 4] >> 4) | ((scales[j] >> 6) << 4);
        (sc, m)
    }
}

/// ggml's `dequantize_row_q4_K`.
pub fn dequantize(blocks: &[BlockQ4K]) -> Vec<f32> {
    let mut out = Vec::with_capacity(blocks.len() * QK_K);
    for b in blocks {
        let d = b.d.to_f32();
        let min = b.dmin.to_f32();
        // One 64-weight chunk = 32 bytes = two sub-blocks: low nibbles, then high nibbles.
        for (c, q) in b.qs.chunks_exact(32).enumerate() {
            let (sc, m) = scale_min_k4(2 * c, &b.scales);
            let (d1, m1) = (d * sc as f32, min * m as f32);
            out.extend(q.iter().map(|&q| d1 * (q & 0x0F) as f32 - m1));
            let (sc, m) = scale_min_k4(2 * c + 1, &b.scales);
            let (d2, m2) = (d * sc as f32, min * m as f32);
            out.extend(q.iter().map(|&q| d2 * (q >> 4) as f32 - m2));
        }
    }
    out
}
