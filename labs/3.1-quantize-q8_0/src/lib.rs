//! Lab 3.1: Q8_0, quantize and dequantize.
//!
//! The reference is `engine/src/quant/q8_0.rs`. Replace each `todo!()`; `cargo learn lab 3.1`
//! grades your code against the engine.
#![allow(unused_variables)] // the stubs below do not use their arguments yet

use bytemuck::{Pod, Zeroable};
use half::f16;

/// Weights per block (ggml's `QK8_0`).
pub const QK8_0: usize = 32;

/// One Q8_0 block, byte for byte ggml's `block_q8_0`: a 2-byte f16 scale then 32 signed
/// codes, 34 bytes for 32 weights. Weight `i` decodes to `qs[i] * d`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable)]
pub struct BlockQ8_0 {
    pub d: f16,
    pub qs: [i8; QK8_0],
}

const _: () = assert!(size_of::<BlockQ8_0>() == 34);

/// Quantizes `x` (a whole number of 32-weight blocks) with ggml's reference quantizer,
/// `quantize_row_q8_0_ref`, one block at a time:
///
/// - `amax` = the largest `|x|` of the block, `d = amax / 127` (in f32),
/// - `id = 1 / d`, or 0 when `d` is 0 (a block of zeros must not produce NaN),
/// - code `i` = `x[i] * id` rounded to the nearest integer, halves away from zero (C's
///   `roundf`),
/// - the block stores `d` rounded to f16; the codes were chosen with the f32 `d`.
///
/// # Panics
/// If `x.len()` is not a multiple of [`QK8_0`].
pub fn quantize(x: &[f32]) -> Vec<BlockQ8_0> {
    todo!("quantize each 32-weight block of x")
}

/// Decodes `blocks` into `blocks.len() * 32` weights: `qs[i] as f32 * d.to_f32()`.
pub fn dequantize(blocks: &[BlockQ8_0]) -> Vec<f32> {
    todo!("decode every block")
}
