//! Lab 3.4: Q4_K dequantization: 256-weight super-blocks with 6-bit packed scales and minimums.
//!
//! The reference is `engine/src/quant/q4_k.rs` and `get_scale_min_k4` in
//! `engine/src/quant/k_quants.rs`. Replace each `todo!()`; `cargo learn lab 3.4` grades your
//! code against the engine.
#![allow(unused_variables)] // the stubs below do not use their arguments yet

use bytemuck::{Pod, Zeroable};
use half::f16;

/// Weights per super-block (ggml's `QK_K`).
pub const QK_K: usize = 256;

/// One Q4_K super-block, byte for byte ggml's `block_q4_K` (144 bytes, 4.5 bits per weight).
///
/// The 256 weights form 8 sub-blocks of 32. Sub-block `j` has a 6-bit scale `sc` and a 6-bit
/// minimum `m` (packed in `scales`, see [`scale_min_k4`]); its code `q` (0..=15) decodes to
/// `d * sc * q - dmin * m`.
///
/// The codes come in 4 chunks of 64 weights, 32 bytes each: byte `l` of chunk `c`
/// (`qs[32 * c + l]`) holds weight `64 * c + l` in its low nibble and weight `64 * c + 32 + l`
/// in its high nibble. So chunk `c` covers sub-blocks `2c` (low nibbles) and `2c + 1` (high).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable)]
pub struct BlockQ4K {
    /// Multiplies the 6-bit scales.
    pub d: f16,
    /// Multiplies the 6-bit minimums.
    pub dmin: f16,
    /// 8 scales and 8 minimums, 6 bits each, in 12 bytes.
    pub scales: [u8; 12],
    /// 256 four-bit codes.
    pub qs: [u8; QK_K / 2],
}

const _: () = assert!(size_of::<BlockQ4K>() == 144);

/// The 6-bit scale and minimum of sub-block `j` (0..8), as ggml's `get_scale_min_k4`:
///
/// - `j < 4`: the scale is the low 6 bits of `scales[j]`, the minimum the low 6 bits of
///   `scales[j + 4]`;
/// - `j >= 4`: the low 4 bits of the scale are the low nibble of `scales[j + 4]`, its top 2
///   bits the top 2 bits of `scales[j - 4]`; the low 4 bits of the minimum are the high
///   nibble of `scales[j + 4]`, its top 2 bits the top 2 bits of `scales[j]`.
pub fn scale_min_k4(j: usize, scales: &[u8; 12]) -> (u8, u8) {
    todo!("unpack sub-block j's scale and minimum")
}

/// Decodes `blocks` into `blocks.len() * 256` weights in weight order, as ggml's
/// `dequantize_row_q4_K`: per sub-block, `d1 = d * sc` and `m1 = dmin * m` (f32), then each
/// weight is `d1 * q - m1`.
pub fn dequantize(blocks: &[BlockQ4K]) -> Vec<f32> {
    todo!("decode every super-block")
}
