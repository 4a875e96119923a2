//! Q4_1: 32 weights share an f16 scale `d` and an f16 minimum `m`; each weight is a 4-bit
//! code q in 0..=15 and decodes to `q * d + m`. 20 bytes per 32 weights: 5 bits per weight.
//!
//! Where Q4_0's grid is centred on zero, this one spans exactly [min, max] of the block, so a
//! block whose weights are all of one sign still gets all 16 codes, for half a bit more.

use bytemuck::{Pod, Zeroable};
use half::f16;

use super::Format;
use super::q8_1::BlockQ8_1;
use crate::tensor::GgmlType;

pub const QK4_1: usize = 32;

/// ggml's `block_q4_1`. Byte `j` of `qs` holds weight `j` in its low nibble and weight
/// `j + 16` in its high nibble, as in Q4_0.
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable, PartialEq)]
pub struct BlockQ4_1 {
    pub d: f16,
    pub m: f16,
    pub qs: [u8; QK4_1 / 2],
}

const _: () = assert!(size_of::<BlockQ4_1>() == 20);

impl Format for BlockQ4_1 {
    const TYPE: GgmlType = GgmlType::Q4_1;
    const BLOCK_LEN: usize = QK4_1;
    type Activation = BlockQ8_1;

    fn dequantize(blocks: &[Self], out: &mut [f32]) {
        for (block, y) in blocks.iter().zip(out.chunks_exact_mut(QK4_1)) {
            let d = block.d.to_f32();
            let m = block.m.to_f32();
            for (j, &q) in block.qs.iter().enumerate() {
                y[j] = (q & 0x0F) as f32 * d + m;
                y[j + QK4_1 / 2] = (q >> 4) as f32 * d + m;
            }
        }
    }

    /// ggml's `quantize_row_q4_1_ref`: `m` is the block's minimum, `d = (max - min) / 15`,
    /// and each code is `(x - min) / d` rounded to nearest.
    fn quantize(x: &[f32], out: &mut [Self]) {
        for (xb, block) in x.chunks_exact(QK4_1).zip(out.iter_mut()) {
            // Comparisons rather than `f32::min`/`max`, which may pick either of 0.0 and -0.0:
            // ggml keeps the first one seen, and it becomes the sign bit of `m`.
            let mut min = f32::MAX;
            let mut max = -f32::MAX;
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
            block.d = f16::from_f32(d);
            block.m = f16::from_f32(min);
            // The codes are chosen against the f32 `min` and `d`, not their f16 roundings.
            // `x - min` is never negative, so truncating `+ 0.5` rounds to nearest.
            let code = |v: f32| (((v - min) * id + 0.5) as i8).min(15) as u8;
            let (lo, hi) = xb.split_at(QK4_1 / 2);
            for ((q, &v0), &v1) in block.qs.iter_mut().zip(lo).zip(hi) {
                *q = code(v0) | (code(v1) << 4);
            }
        }
    }

    /// ggml's `ggml_vec_dot_q4_1_q8_1_generic`. Σ (q·d + m)·a splits into d·Σ q·a + m·Σ a;
    /// the first is an integer sum, the second comes ready-made in the activation's `s`.
    fn vec_dot(w: &[Self], a: &[BlockQ8_1]) -> f32 {
        let mut sum = 0.0f32;
        for (x, y) in w.iter().zip(a) {
            let mut sumi = 0i32;
            for j in 0..QK4_1 / 2 {
                let v0 = (x.qs[j] & 0x0F) as i32;
                let v1 = (x.qs[j] >> 4) as i32;
                sumi += v0 * y.qs[j] as i32 + v1 * y.qs[j + QK4_1 / 2] as i32;
            }
            sum += x.d.to_f32() * y.d.to_f32() * sumi as f32 + x.m.to_f32() * y.s.to_f32();
        }
        sum
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quant::test_util::check_format;

    /// A block of -1.0 except 6.5 at weight 3 and 1.0 at weight 20.
    fn sample() -> [f32; 32] {
        let mut x = [-1.0f32; 32];
        x[3] = 6.5;
        x[20] = 1.0;
        x
    }

    #[test]
    fn q4_1_meets_ggml_error_bounds() {
        check_format::<BlockQ4_1>(0.002);
    }

    #[test]
    fn q4_1_maps_the_minimum_to_code_zero_and_the_maximum_to_fifteen() {
        // min = -1, max = 6.5: d = 7.5 / 15 = 0.5, m = -1. Codes are (x + 1) / 0.5 rounded:
        // -1 → 0, 6.5 → 15, 1.0 → 4. Weight 20 sits in the high nibble of byte 4.
        let mut b = [BlockQ4_1::zeroed()];
        BlockQ4_1::quantize(&sample(), &mut b);
        assert_eq!(b[0].d.to_f32(), 0.5);
        assert_eq!(b[0].m.to_f32(), -1.0);
        assert_eq!(b[0].qs[3], 0x0F, "weight 3 → 15, weight 19 → 0");
        assert_eq!(b[0].qs[4], 0x40, "weight 4 → 0, weight 20 → 4");
        assert_eq!(b[0].qs[0], 0x00);

        // Every value is on the grid q * 0.5 - 1, so decoding gives it back exactly.
        let mut y = [0.0f32; 32];
        BlockQ4_1::dequantize(&b, &mut y);
        assert_eq!(y, sample());
    }

    #[test]
    fn q4_1_dot_includes_the_minimum() {
        // Against activations of all ones the dot is the weights' sum: 30 * -1 + 6.5 + 1.0 =
        // -22.5. Dropping the m·s term would give d·Σq = 0.5 * (15 + 4) = 9.5 instead. The
        // ones become Q8_1 codes 127 with d = f16(1/127), off by a few parts in 10⁴.
        let mut w = [BlockQ4_1::zeroed()];
        BlockQ4_1::quantize(&sample(), &mut w);
        let mut a = [BlockQ8_1::zeroed()];
        BlockQ8_1::quantize(&[1.0; 32], &mut a);
        let dot = BlockQ4_1::vec_dot(&w, &a);
        assert!((dot - -22.5).abs() < 0.02, "got {dot}");
    }
}
