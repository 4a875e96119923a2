//! Q8_K: the activation format of the k-quants: 256 values, an f32 scale, i8 codes, and the
//! sums of each group of 16 codes (so dots with formats that carry a minimum save work).
//!
//! A value decodes to `q * d`, with `d = max / -127` for the value of largest magnitude `max`
//! (ggml uses -127, not -128, so the codes stay symmetric for its SIMD kernels). The scale is a
//! full f32, not an f16: activations are quantized on the fly and never stored, so the extra
//! bytes cost nothing and keep the error down. The `bsums` let a weight format with per
//! sub-block minimums subtract `min · Σ q` with one multiply per 16 values.

use bytemuck::{Pod, Zeroable};

use super::Format;
use super::k_quants::nearest_int;
use crate::tensor::{GgmlType, QK_K};

/// ggml's `block_q8_K`. `bsums[j]` is the sum of `qs[16 * j..16 * (j + 1)]`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable, PartialEq)]
pub struct BlockQ8K {
    pub d: f32,
    pub qs: [i8; QK_K],
    pub bsums: [i16; QK_K / 16],
}

const _: () = assert!(size_of::<BlockQ8K>() == 292);

impl Format for BlockQ8K {
    const TYPE: GgmlType = GgmlType::Q8_K;
    const BLOCK_LEN: usize = QK_K;
    type Activation = BlockQ8K;

    fn dequantize(blocks: &[Self], out: &mut [f32]) {
        for (block, y) in blocks.iter().zip(out.chunks_exact_mut(QK_K)) {
            for (y, &q) in y.iter_mut().zip(&block.qs) {
                *y = block.d * q as f32;
            }
        }
    }

    /// ggml's `quantize_row_q8_K_ref`.
    fn quantize(x: &[f32], out: &mut [Self]) {
        for (xb, block) in x.chunks_exact(QK_K).zip(out.iter_mut()) {
            // The signed value of largest magnitude (the first one, on ties).
            let mut max = 0.0f32;
            let mut amax = 0.0f32;
            for &v in xb {
                if v.abs() > amax {
                    amax = v.abs();
                    max = v;
                }
            }
            if amax == 0.0 {
                // ggml leaves `bsums` as it found them here; all-zero codes sum to zero.
                *block = BlockQ8K::zeroed();
                continue;
            }
            let iscale = -127.0 / max;
            for (q, &v) in block.qs.iter_mut().zip(xb) {
                // `max` itself lands on -127; the clamp is ggml's guard for a value of the other
                // sign whose product with `iscale` rounds past +127.
                *q = nearest_int(iscale * v).min(127) as i8;
            }
            for (sum, group) in block.bsums.iter_mut().zip(block.qs.chunks_exact(16)) {
                *sum = group.iter().map(|&q| q as i16).sum();
            }
            block.d = 1.0 / iscale;
        }
    }

    /// Σ qa·qb per block, times both scales. ggml has no Q8_K·Q8_K dot; this one follows
    /// the shape of `ggml_vec_dot_q8_0_q8_0_generic`.
    fn vec_dot(w: &[Self], a: &[BlockQ8K]) -> f32 {
        let mut sum = 0.0f32;
        for (x, y) in w.iter().zip(a) {
            let sumi: i32 = x.qs.iter().zip(&y.qs).map(|(&p, &q)| p as i32 * q as i32).sum();
            sum += sumi as f32 * x.d * y.d;
        }
        sum
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quant::test_util::check_format;

    #[test]
    fn q8_k_meets_ggml_error_bounds() {
        check_format::<BlockQ8K>(0.002);
    }

    #[test]
    fn q8_k_maps_the_largest_magnitude_to_minus_127_and_sums_groups() {
        // max = -127 gives iscale = -127 / max = 1 and d = 1: codes are the values rounded
        // half to even (2.5 ↦ 2), and group 1 (values 16..32) sums to 50 + 50 + 2.
        let mut x = [0.0f32; QK_K];
        x[3] = -127.0;
        x[17] = 50.0;
        x[18] = 50.0;
        x[20] = 2.5;
        let mut b = [BlockQ8K::zeroed()];
        BlockQ8K::quantize(&x, &mut b);
        assert_eq!(b[0].d, 1.0);
        assert_eq!((b[0].qs[3], b[0].qs[17], b[0].qs[20]), (-127, 50, 2));
        assert_eq!(b[0].bsums[0], -127);
        assert_eq!(b[0].bsums[1], 102);
        assert!(b[0].bsums[2..].iter().all(|&s| s == 0));
    }

    #[test]
    fn q8_k_all_zero_block_is_all_zero() {
        let mut b = [BlockQ8K { d: 1.0, qs: [1; QK_K], bsums: [7; QK_K / 16] }];
        BlockQ8K::quantize(&[0.0; QK_K], &mut b);
        assert_eq!(b[0], BlockQ8K::zeroed());
    }
}
