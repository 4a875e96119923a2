//! Lab 3.5, reference solution: Q4_0 · Q8_0 dot products, as ggml computes them.

use bytemuck::{Pod, Zeroable};
use half::f16;

/// Weights (or activations) per block, for both formats.
pub const QK: usize = 32;

/// ggml's `block_q4_0`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable)]
pub struct BlockQ4_0 {
    pub d: f16,
    pub qs: [u8; QK / 2],
}

/// ggml's `block_q8_0`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable)]
pub struct BlockQ8_0 {
    pub d: f16,
    pub qs: [i8; QK],
}

const _: () = assert!(size_of::<BlockQ4_0>() == 18 && size_of::<BlockQ8_0>() == 34);

/// ggml's `quantize_row_q8_0_ref`.
pub fn quantize_q8_0(x: &[f32]) -> Vec<BlockQ8_0> {
    assert!(x.len().is_multiple_of(QK), "{} values is not a whole number of blocks", x.len());
    x.chunks_exact(QK)
        .map(|xb| {
            let amax = xb.iter().fold(0.0f32, |m, v| m.max(v.abs()));
            let d = amax / 127.0;
            let id = if d != 0.0 { 1.0 / d } else { 0.0 };
            BlockQ8_0 { d: f16::from_f32(d), qs: std::array::from_fn(|i| (xb[i] * id).round() as i8) }
        })
        .collect()
}

/// ggml's `ggml_vec_dot_q4_0_q8_0_generic`.
pub fn vec_dot_q4_0_q8_0(w: &[BlockQ4_0], a: &[BlockQ8_0]) -> f32 {
    assert_eq!(w.len(), a.len(), "weights and activations differ in length");
    let mut sum = 0.0f32;
    for (x, y) in w.iter().zip(a) {
        // At most 32 · 8 · 128 = 32768 in magnitude: exact in i32, and exact again as f32.
        let mut sumi = 0i32;
        for j in 0..QK / 2 {
            let v0 = (x.qs[j] & 0x0F) as i32 - 8;
            let v1 = (x.qs[j] >> 4) as i32 - 8;
            sumi += v0 * y.qs[j] as i32 + v1 * y.qs[j + QK / 2] as i32;
        }
        // One rounding per block for the scales, instead of one per weight.
        sum += sumi as f32 * x.d.to_f32() * y.d.to_f32();
    }
    sum
}

pub fn matvec(rows: &[BlockQ4_0], n: usize, x: &[f32]) -> Vec<f32> {
    assert_eq!(x.len(), n, "x has {} values, rows have {n}", x.len());
    let a = quantize_q8_0(x);
    rows.chunks_exact(n / QK).map(|row| vec_dot_q4_0_q8_0(row, &a)).collect()
}
