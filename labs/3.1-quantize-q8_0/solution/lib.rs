//! Lab 3.1, reference solution: Q8_0 quantize and dequantize.

use bytemuck::{Pod, Zeroable};
use half::f16;

/// Weights per block (ggml's `QK8_0`).
pub const QK8_0: usize = 32;

/// One Q8_0 block, byte for byte ggml's `block_q8_0`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable)]
pub struct BlockQ8_0 {
    pub d: f16,
    pub qs: [i8; QK8_0],
}

const _: () = assert!(size_of::<BlockQ8_0>() == 34);

/// ggml's `quantize_row_q8_0_ref`.
pub fn quantize(x: &[f32]) -> Vec<BlockQ8_0> {
    assert!(x.len().is_multiple_of(QK8_0), "{} weights is not a whole number of blocks", x.len());
    x.chunks_exact(QK8_0)
        .map(|xb| {
            let amax = xb.iter().fold(0.0f32, |m, v| m.max(v.abs()));
            let d = amax / 127.0;
            let id = if d != 0.0 { 1.0 / d } else { 0.0 };
            // `f32::round` is C's `roundf`: halves go away from zero.
            let qs = std::array::from_fn(|i| (xb[i] * id).round() as i8);
            BlockQ8_0 { d: f16::from_f32(d), qs }
        })
        .collect()
}

/// ggml's `dequantize_row_q8_0`.
pub fn dequantize(blocks: &[BlockQ8_0]) -> Vec<f32> {
    let mut out = Vec::with_capacity(blocks.len() * QK8_0);
    for block in blocks {
        let d = block.d.to_f32();
        out.extend(block.qs.iter().map(|&q| q as f32 * d));
    }
    out
}
