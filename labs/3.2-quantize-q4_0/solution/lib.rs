//! Lab 3.2, reference solution: Q4_0, bit-exact with ggml.

use bytemuck::{Pod, Zeroable};
use half::f16;

/// Weights per block (ggml's `QK4_0`).
pub const QK4_0: usize = 32;

/// One Q4_0 block, byte for byte ggml's `block_q4_0`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable)]
pub struct BlockQ4_0 {
    pub d: f16,
    pub qs: [u8; QK4_0 / 2],
}

const _: () = assert!(size_of::<BlockQ4_0>() == 18);

/// ggml's `quantize_row_q4_0_ref`.
pub fn quantize(x: &[f32]) -> Vec<BlockQ4_0> {
    assert!(x.len().is_multiple_of(QK4_0), "{} weights is not a whole number of blocks", x.len());
    x.chunks_exact(QK4_0)
        .map(|xb| {
            // The signed weight of largest magnitude; `<` keeps the first one on a tie.
            let (mut amax, mut max) = (0.0f32, 0.0f32);
            for &v in xb {
                if amax < v.abs() {
                    amax = v.abs();
                    max = v;
                }
            }
            // `max` lands on code 0 (value -8·d), so no code range is wasted on its side.
            let d = max / -8.0;
            let id = if d != 0.0 { 1.0 / d } else { 0.0 };
            // x·id is in [-8, 8], so x·id + 8.5 > 0 and truncation rounds to nearest, halves
            // up. Only x = -max reaches 16.5, hence the clamp to 15.
            let code = |v: f32| ((v * id + 8.5) as i8).min(15) as u8;
            let qs = std::array::from_fn(|j| code(xb[j]) | (code(xb[j + QK4_0 / 2]) << 4));
            BlockQ4_0 { d: f16::from_f32(d), qs }
        })
        .collect()
}

/// ggml's `dequantize_row_q4_0`.
pub fn dequantize(blocks: &[BlockQ4_0]) -> Vec<f32> {
    let mut out = vec![0.0f32; blocks.len() * QK4_0];
    for (block, y) in blocks.iter().zip(out.chunks_exact_mut(QK4_0)) {
        let d = block.d.to_f32();
        for (j, &q) in block.qs.iter().enumerate() {
            y[j] = ((q & 0x0F) as i32 - 8) as f32 * d;
            y[j + QK4_0 / 2] = ((q >> 4) as i32 - 8) as f32 * d;
        }
    }
    out
}
