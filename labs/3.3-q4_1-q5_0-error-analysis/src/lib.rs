//! Lab 3.3: Q4_1 and Q5_0, and an analysis of their errors.
//!
//! The references are `engine/src/quant/q4_1.rs` and `engine/src/quant/q5_0.rs`. Replace each
//! `todo!()`; `cargo learn lab 3.3` grades your code against the engine and a float64
//! computation.
#![allow(unused_variables)] // the stubs below do not use their arguments yet

use bytemuck::{Pod, Zeroable};
use half::f16;

/// Weights per block, for both formats.
pub const QK: usize = 32;

/// One Q4_1 block (ggml's `block_q4_1`, 20 bytes): scale `d`, minimum `m`, and 4-bit codes
/// packed as in Q4_0 (byte `j`: weight `j` in the low nibble, weight `j + 16` in the high one).
/// A code `q` (0..=15) decodes to `q * d + m`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable)]
pub struct BlockQ4_1 {
    pub d: f16,
    pub m: f16,
    pub qs: [u8; QK / 2],
}

/// One Q5_0 block (ggml's `block_q5_0`, 22 bytes): scale `d`, the fifth bits of the 32 codes in
/// `qh` (bit `j` of `u32::from_le_bytes(qh)` belongs to weight `j`), and their low four bits
/// packed as in Q4_0. A code `q` (0..=31) decodes to `(q - 16) * d`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable)]
pub struct BlockQ5_0 {
    pub d: f16,
    pub qh: [u8; 4],
    pub qs: [u8; QK / 2],
}

const _: () = assert!(size_of::<BlockQ4_1>() == 20 && size_of::<BlockQ5_0>() == 22);

/// ggml's `quantize_row_q4_1_ref`, per block: `min` and `max` of the block (found with `<` and
/// `>` comparisons, starting from `f32::MAX` and `-f32::MAX`), `d = (max - min) / 15`,
/// `id = 1 / d` (0 when `d` is 0), code = `((x - min) * id + 0.5)` truncated, at most 15.
/// Stores `f16(d)` and `f16(min)`.
pub fn quantize_q4_1(x: &[f32]) -> Vec<BlockQ4_1> {
    todo!()
}

/// Decodes Q4_1 blocks: `q as f32 * d + m`, with `d` and `m` read as f32.
pub fn dequantize_q4_1(blocks: &[BlockQ4_1]) -> Vec<f32> {
    todo!()
}

/// ggml's `quantize_row_q5_0_ref`: Q4_0's algorithm with 32 levels. `max` = the signed weight
/// of largest magnitude (the first on a tie), `d = max / -16`, `id = 1 / d` (0 when `d` is 0),
/// code = `(x * id + 16.5)` truncated, at most 31.
pub fn quantize_q5_0(x: &[f32]) -> Vec<BlockQ5_0> {
    todo!()
}

/// Decodes Q5_0 blocks: `(q - 16) as f32 * d`.
pub fn dequantize_q5_0(blocks: &[BlockQ5_0]) -> Vec<f32> {
    todo!()
}

/// How far decoded weights are from the originals.
#[derive(Clone, Debug, PartialEq)]
pub struct ErrorStats {
    /// `sqrt(mean((decoded - original)²))`, accumulated in f64.
    pub rmse: f64,
    /// The largest `|decoded - original|`.
    pub max_abs: f64,
    /// The largest `|decoded - original|` of each block of `block_len` weights.
    pub block_max_abs: Vec<f64>,
}

/// The error statistics of `decoded` against `original` (same length, a whole number of
/// blocks of `block_len`). Compute every error as `decoded as f64 - original as f64`.
pub fn error_stats(original: &[f32], decoded: &[f32], block_len: usize) -> ErrorStats {
    todo!()
}

/// Counts the signed errors `e = decoded as f64 - original as f64` in `n_bins` bins of equal
/// width spanning `[-limit, limit]`: bin `floor((e + limit) / width)` with
/// `width = 2 * limit / n_bins`, clamped to `0..n_bins` (so `e = limit` falls in the last bin).
pub fn error_histogram(original: &[f32], decoded: &[f32], limit: f64, n_bins: usize) -> Vec<usize> {
    todo!()
}

/// Draws `counts` (bins spanning `[-limit, limit]`, as [`error_histogram`] makes them) as text,
/// one line per bin:
///
/// ```text
/// {lower edge:+.3e} .. {upper edge:+.3e} | {count:>8} {bar}
/// ```
///
/// where edge `i` is `limit * (2i / n_bins - 1)` (so the middle edge is exactly 0) and the bar
/// is `count * width / max_count` `#` characters (integer division; no bar when every count is
/// 0). Lines end with `\n`.
pub fn render_histogram(counts: &[usize], limit: f64, width: usize) -> String {
    todo!()
}
