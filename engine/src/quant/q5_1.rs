//! Q5_1: 32 weights share an f16 scale `d` and an f16 minimum `m`; each weight is a 5-bit
//! code q in 0..=31 and decodes to `q * d + m`. 24 bytes per 32 weights: 6 bits per weight.
//!
//! It is Q4_1's grid over [min, max] with Q5_0's packing: low four bits in nibbles, the
//! fifth bits of all 32 weights in the little-endian word `qh`.

use bytemuck::{Pod, Zeroable};
use half::f16;

use super::Format;
use super::q5_0::{pack_5bit, unpack_5bit};
use super::q8_1::BlockQ8_1;
use crate::tensor::GgmlType;

pub const QK5_1: usize = 32;

/// ggml's `block_q5_1`, packed like [`BlockQ5_0`](super::q5_0::BlockQ5_0).
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable, PartialEq)]
pub struct BlockQ5_1 {
    pub d: f16,
    pub m: f16,
    pub qh: [u8; 4],
    pub qs: [u8; QK5_1 / 2],
}

const _: () = assert!(size_of::<BlockQ5_1>() == 24);

impl Format for BlockQ5_1 {
    const TYPE: GgmlType = GgmlType::Q5_1;
    const BLOCK_LEN: usize = QK5_1;
    type Activation = BlockQ8_1;

    fn dequantize(blocks: &[Self], out: &mut [f32]) {
        for (block, y) in blocks.iter().zip(out.chunks_exact_mut(QK5_1)) {
            let d = block.d.to_f32();
            let m = block.m.to_f32();
            for (y, q) in y.iter_mut().zip(unpack_5bit(&block.qs, block.qh)) {
                *y = q as f32 * d + m;
            }
        }
    }

    /// ggml's `quantize_row_q5_1_ref`: `m` is the block's minimum, `d = (max - min) / 31`,
    /// and each code is `(x - min) / d` rounded to nearest.
    fn quantize(x: &[f32], out: &mut [Self]) {
        for (xb, block) in x.chunks_exact(QK5_1).zip(out.iter_mut()) {
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
            let d = (max - min) / 31.0;
            let id = if d != 0.0 { 1.0 / d } else { 0.0 };
            block.d = f16::from_f32(d);
            block.m = f16::from_f32(min);
            // Unlike Q4_1, ggml clamps nothing here: the maximum maps to 31 (+ 0.5, truncated),
            // so no code can reach 32.
            let mut codes = [0u8; QK5_1];
            for (c, &v) in codes.iter_mut().zip(xb) {
                *c = ((v - min) * id + 0.5) as u8;
            }
            (block.qs, block.qh) = pack_5bit(&codes);
        }
    }

    /// ggml's `ggml_vec_dot_q5_1_q8_1_generic`: d·Σ q·a as an integer sum, plus m times the
    /// activation's ready-made `s` (see [`BlockQ4_1`](super::q4_1::BlockQ4_1)'s `vec_dot`).
    fn vec_dot(w: &[Self], a: &[BlockQ8_1]) -> f32 {
        let mut sum = 0.0f32;
        for (x, y) in w.iter().zip(a) {
            let codes = unpack_5bit(&x.qs, x.qh);
            let sumi: i32 = codes.iter().zip(&y.qs).map(|(&c, &q)| c as i32 * q as i32).sum();
            sum += x.d.to_f32() * y.d.to_f32() * sumi as f32 + x.m.to_f32() * y.s.to_f32();
        }
        sum
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quant::test_util::check_format;

    /// A block of -1.0 except 30.0 at weight 5 and 15.0 at weight 20.
    fn sample() -> [f32; 32] {
        let mut x = [-1.0f32; 32];
        x[5] = 30.0;
        x[20] = 15.0;
        x
    }

    #[test]
    fn q5_1_meets_ggml_error_bounds() {
        check_format::<BlockQ5_1>(0.002);
    }

    #[test]
    fn q5_1_spans_min_to_max_with_the_fifth_bit_in_qh() {
        // min = -1, max = 30: d = 31 / 31 = 1, m = -1, codes x + 1: -1 → 0, 30 → 31 (0b11111),
        // 15 → 16 (0b10000). Fifth bits at weights 5 and 20: qh = (1 << 5) | (1 << 20),
        // little-endian bytes [0x20, 0x00, 0x10, 0x00]. Low nibbles: 0xF for weight 5 (byte 5,
        // low), 0x0 for weight 20 (byte 4, high).
        let mut b = [BlockQ5_1::zeroed()];
        BlockQ5_1::quantize(&sample(), &mut b);
        assert_eq!(b[0].d.to_f32(), 1.0);
        assert_eq!(b[0].m.to_f32(), -1.0);
        assert_eq!(b[0].qh, [0x20, 0x00, 0x10, 0x00]);
        assert_eq!(b[0].qs[5], 0x0F);
        assert_eq!(b[0].qs[4], 0x00);

        // Every value is on the grid q - 1, so decoding gives it back exactly.
        let mut y = [0.0f32; 32];
        BlockQ5_1::dequantize(&b, &mut y);
        assert_eq!(y, sample());
    }

    #[test]
    fn q5_1_dot_includes_the_minimum() {
        // Against activations of all ones the dot is the weights' sum: 30 * -1 + 30 + 15 = 15.
        // Dropping the m·s term would give d·Σq = 31 + 16 = 47 instead. The ones become Q8_1
        // codes 127 with d = f16(1/127), off by a few parts in 10⁴.
        let mut w = [BlockQ5_1::zeroed()];
        BlockQ5_1::quantize(&sample(), &mut w);
        let mut a = [BlockQ8_1::zeroed()];
        BlockQ8_1::quantize(&[1.0; 32], &mut a);
        let dot = BlockQ5_1::vec_dot(&w, &a);
        assert!((dot - 15.0).abs() < 0.05, "got {dot}");
    }
}
