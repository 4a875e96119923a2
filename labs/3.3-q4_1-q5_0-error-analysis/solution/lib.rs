//! Lab 3.3, reference solution: Q4_1 and Q5_0, and an analysis of their errors.

use bytemuck::{Pod, Zeroable};
use half::f16;

/// Weights per block, for both formats.
pub const QK: usize = 32;

/// ggml's `block_q4_1`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable)]
pub struct BlockQ4_1 {
    pub d: f16,
    pub m: f16,
    pub qs: [u8; QK / 2],
}

/// ggml's `block_q5_0`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable)]
pub struct BlockQ5_0 {
    pub d: f16,
    pub qh: [u8; 4],
    pub qs: [u8; QK / 2],
}

const _: () = assert!(size_of::<BlockQ4_1>() == 20 && size_of::<BlockQ5_0>() == 22);

fn blocks_of(x: &[f32]) -> std::slice::ChunksExact<'_, f32> {
    assert!(x.len().is_multiple_of(QK), "{} weights is not a whole number of blocks", x.len());
    x.chunks_exact(QK)
}

/// ggml's `quantize_row_q4_1_ref`.
pub fn quantize_q4_1(x: &[f32]) -> Vec<BlockQ4_1> {
    blocks_of(x)
        .map(|xb| {
            // Comparisons, not f32::min/max: ggml keeps the first of 0.0 and -0.0 it sees, and
            // that sign ends up in `m`.
            let (mut min, mut max) = (f32::MAX, -f32::MAX);
            for &v in xb {
                if v < min {
                    min = v;
                }
                if v > max {
                    max = v;
                }
            }
            let d = (max - min) / 15.0;
            let id = if d != 0.0 { 1.0 / d } else { 0.0 };
            // x - min >= 0, so truncating + 0.5 rounds to nearest.
            let code = |v: f32| (((v - min) * id + 0.5) as i8).min(15) as u8;
            let qs = std::array::from_fn(|j| code(xb[j]) | (code(xb[j + QK / 2]) << 4));
            BlockQ4_1 { d: f16::from_f32(d), m: f16::from_f32(min), qs }
        })
        .collect()
}

/// ggml's `dequantize_row_q4_1`.
pub fn dequantize_q4_1(blocks: &[BlockQ4_1]) -> Vec<f32> {
    let mut out = vec![0.0f32; blocks.len() * QK];
    for (b, y) in blocks.iter().zip(out.chunks_exact_mut(QK)) {
        let (d, m) = (b.d.to_f32(), b.m.to_f32());
        for (j, &q) in b.qs.iter().enumerate() {
            y[j] = (q & 0x0F) as f32 * d + m;
            y[j + QK / 2] = (q >> 4) as f32 * d + m;
        }
    }
    out
}

/// ggml's `quantize_row_q5_0_ref`.
pub fn quantize_q5_0(x: &[f32]) -> Vec<BlockQ5_0> {
    blocks_of(x)
        .map(|xb| {
            let (mut amax, mut max) = (0.0f32, 0.0f32);
            for &v in xb {
                if amax < v.abs() {
                    amax = v.abs();
                    max = v;
                }
            }
            let d = max / -16.0;
            let id = if d != 0.0 { 1.0 / d } else { 0.0 };
            let code = |v: f32| ((v * id + 16.5) as i8).min(31) as u8;
            let mut qs = [0u8; QK / 2];
            let mut qh = 0u32;
            for j in 0..QK / 2 {
                let (c0, c1) = (code(xb[j]), code(xb[j + QK / 2]));
                qs[j] = (c0 & 0x0F) | ((c1 & 0x0F) << 4);
                qh |= u32::from(c0 >> 4) << j;
                qh |= u32::from(c1 >> 4) << (j + QK / 2);
            }
            BlockQ5_0 { d: f16::from_f32(d), qh: qh.to_le_bytes(), qs }
        })
        .collect()
}

/// ggml's `dequantize_row_q5_0`.
pub fn dequantize_q5_0(blocks: &[BlockQ5_0]) -> Vec<f32> {
    let mut out = vec![0.0f32; blocks.len() * QK];
    for (b, y) in blocks.iter().zip(out.chunks_exact_mut(QK)) {
        let d = b.d.to_f32();
        let qh = u32::from_le_bytes(b.qh);
        for (j, &q) in b.qs.iter().enumerate() {
            let c0 = (q & 0x0F) as u32 | (((qh >> j) & 1) << 4);
            let c1 = (q >> 4) as u32 | (((qh >> (j + QK / 2)) & 1) << 4);
            y[j] = (c0 as i32 - 16) as f32 * d;
            y[j + QK / 2] = (c1 as i32 - 16) as f32 * d;
        }
    }
    out
}

/// How far decoded weights are from the originals.
#[derive(Clone, Debug, PartialEq)]
pub struct ErrorStats {
    pub rmse: f64,
    pub max_abs: f64,
    pub block_max_abs: Vec<f64>,
}

fn errors<'a>(original: &'a [f32], decoded: &'a [f32]) -> impl Iterator<Item = f64> + 'a {
    assert_eq!(original.len(), decoded.len(), "original and decoded differ in length");
    original.iter().zip(decoded).map(|(&x, &y)| y as f64 - x as f64)
}

pub fn error_stats(original: &[f32], decoded: &[f32], block_len: usize) -> ErrorStats {
    let e: Vec<f64> = errors(original, decoded).collect();
    let sum_sq: f64 = e.iter().map(|v| v * v).sum();
    let rmse = (sum_sq / e.len() as f64).sqrt();
    let block_max_abs: Vec<f64> =
        e.chunks(block_len).map(|b| b.iter().fold(0.0f64, |m, v| m.max(v.abs()))).collect();
    let max_abs = block_max_abs.iter().copied().fold(0.0, f64::max);
    ErrorStats { rmse, max_abs, block_max_abs }
}

pub fn error_histogram(original: &[f32], decoded: &[f32], limit: f64, n_bins: usize) -> Vec<usize> {
    let width = 2.0 * limit / n_bins as f64;
    let mut counts = vec![0usize; n_bins];
    for e in errors(original, decoded) {
        let bin = ((e + limit) / width).floor();
        // Errors outside [-limit, limit] (and e = limit) go to the end bins.
        let bin = if bin < 0.0 { 0 } else { (bin as usize).min(n_bins - 1) };
        counts[bin] += 1;
    }
    counts
}

pub fn render_histogram(counts: &[usize], limit: f64, width: usize) -> String {
    let n = counts.len() as f64;
    // Edge i is limit·(2i/n - 1): the middle edge comes out as exactly 0.
    let edge = |i: usize| limit * (2.0 * i as f64 / n - 1.0);
    let most = counts.iter().copied().max().unwrap_or(0);
    let mut out = String::new();
    for (i, &count) in counts.iter().enumerate() {
        let bar = if most == 0 { 0 } else { count * width / most };
        out += &format!("{:+.3e} .. {:+.3e} | {count:>8} {}\n", edge(i), edge(i + 1), "#".repeat(bar));
    }
    out
}
