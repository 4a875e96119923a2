//! Lab 3.2: Q4_0, bit-exact with the engine.
//!
//! The reference is `engine/src/quant/q4_0.rs`. Replace each `todo!()`; `cargo learn lab 3.2`
//! grades your code against the engine.
#![allow(unused_variables)] // the stubs below do not use their arguments yet

use bytemuck::{Pod, Zeroable};
use half::f16;

/// Weights per block (ggml's `QK4_0`).
pub const QK4_0: usize = 32;

/// One Q4_0 block, byte for byte ggml's `block_q4_0`: an f16 scale then 16 bytes of 4-bit
/// codes, 18 bytes for 32 weights. Byte `j` of `qs` holds the code of weight `j` in its low
/// nibble and the code of weight `j + 16` in its high nibble. A code `q` (0..=15) decodes to
/// `(q - 8) * d`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable)]
pub struct BlockQ4_0 {
    pub d: f16,
    pub qs: [u8; QK4_0 / 2],
}

const _: () = assert!(size_of::<BlockQ4_0>() == 18);

/// Quantizes `x` (a whole number of 32-weight blocks) exactly as ggml's
/// `quantize_row_q4_0_ref` does, one block at a time:
///
/// - `max` = the weight of largest magnitude, with its sign (the first one on a tie),
/// - `d = max / -8` (f32), `id = 1 / d` (0 when `d` is 0),
/// - code = `(x * id + 8.5)` truncated toward zero (C's `(int8_t)` cast), then at most 15,
/// - the block stores `d` rounded to f16; the codes were chosen with the f32 `id`.
///
/// # Panics
/// If `x.len()` is not a multiple of [`QK4_0`].
pub fn quantize(x: &[f32]) -> Vec<BlockQ4_0> {
    todo!("quantize each 32-weight block of x")
}

/// Decodes `blocks` into `blocks.len() * 32` weights, in weight order.
pub fn dequantize(blocks: &[BlockQ4_0]) -> Vec<f32> {
    todo!("decode every block")
}
