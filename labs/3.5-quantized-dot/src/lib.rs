//! Lab 3.5: the dot product of Q4_0 weights with Q8_0 activations, as ggml computes it.
//!
//! The reference is `vec_dot` in `engine/src/quant/q4_0.rs` (ggml's
//! `ggml_vec_dot_q4_0_q8_0_generic`) and `quantize` in `engine/src/quant/q8_0.rs`. Replace each
//! `todo!()`; `cargo learn lab 3.5` grades your code against the engine and a float64 dot.
#![allow(unused_variables)] // the stubs below do not use their arguments yet

use bytemuck::{Pod, Zeroable};
use half::f16;

/// Weights (or activations) per block, for both formats.
pub const QK: usize = 32;

/// A Q4_0 block (lab 3.2): code `q` of weight `j` is in the low nibble of `qs[j]` for
/// `j < 16` and in the high nibble of `qs[j - 16]` otherwise; it decodes to `(q - 8) * d`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable)]
pub struct BlockQ4_0 {
    pub d: f16,
    pub qs: [u8; QK / 2],
}

/// A Q8_0 block (lab 3.1): `qs[i] * d`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable)]
pub struct BlockQ8_0 {
    pub d: f16,
    pub qs: [i8; QK],
}

const _: () = assert!(size_of::<BlockQ4_0>() == 18 && size_of::<BlockQ8_0>() == 34);

/// Quantizes activations to Q8_0 exactly as lab 3.1 (ggml's `quantize_row_q8_0_ref`):
/// `d = max|x| / 127`, `id = 1 / d` (0 when `d` is 0), codes `(x * id).round()`, `d` stored
/// as f16.
pub fn quantize_q8_0(x: &[f32]) -> Vec<BlockQ8_0> {
    todo!("lab 3.1's quantizer")
}

/// Σ wᵢ·aᵢ over one row, as ggml's `ggml_vec_dot_q4_0_q8_0_generic`: for each block pair, the
/// integer sum `sumi = Σ (q_w - 8) * q_a` in i32, then `sum += sumi as f32 * w.d * a.d` (f32,
/// multiplied in that order), blocks in order.
///
/// # Panics
/// If `w` and `a` differ in length.
pub fn vec_dot_q4_0_q8_0(w: &[BlockQ4_0], a: &[BlockQ8_0]) -> f32 {
    todo!("integer sums per block, then scaled")
}

/// `rows` is a matrix of Q4_0 weights, `n` weights per row (`n / 32` blocks each), stored row
/// after row. Returns one dot product per row with the activations `x` (`x.len() == n`),
/// quantizing `x` to Q8_0 once, as ggml's matrix multiplication does.
pub fn matvec(rows: &[BlockQ4_0], n: usize, x: &[f32]) -> Vec<f32> {
    todo!("quantize x once, then one vec_dot per row")
}
