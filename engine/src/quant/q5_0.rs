//! Q5_0: 32 weights share one f16 scale `d`; each weight is a 5-bit code q in 0..=31 and
//! decodes to `(q - 16) * d`. 22 bytes per 32 weights: 5.5 bits per weight.
//!
//! The low four bits of the codes are packed in nibbles as in Q4_0; the fifth bits of all 32
//! weights are gathered in one 32-bit word, `qh`. The scale is Q4_0's with 16 levels a side,
//! `d = max / -16`, so the weight of largest magnitude lands on code 0.

use bytemuck::{Pod, Zeroable};
use half::f16;

use super::Format;
use super::q8_0::BlockQ8_0;
use crate::tensor::GgmlType;

pub const QK5_0: usize = 32;

/// ggml's `block_q5_0`. Byte `j` of `qs` holds the low four bits of weight `j` in its low
/// nibble and those of weight `j + 16` in its high nibble; bit `j` of `qh`, read as a
/// little-endian u32, is the fifth bit of weight `j`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable, PartialEq)]
pub struct BlockQ5_0 {
    pub d: f16,
    pub qh: [u8; 4],
    pub qs: [u8; QK5_0 / 2],
}

const _: () = assert!(size_of::<BlockQ5_0>() == 22);

/// The 32 five-bit codes of a Q5_0 or Q5_1 block, in weight order.
pub(super) fn unpack_5bit(qs: &[u8; 16], qh: [u8; 4]) -> [u8; 32] {
    let qh = u32::from_le_bytes(qh);
    let high = |i: usize| (((qh >> i) & 1) as u8) << 4;
    let mut codes = [0u8; 32];
    for (j, &q) in qs.iter().enumerate() {
        codes[j] = (q & 0x0F) | high(j);
        codes[j + 16] = (q >> 4) | high(j + 16);
    }
    codes
}

/// Packs 32 five-bit codes into a Q5_0 or Q5_1 block's `(qs, qh)`; bits above the fifth are
/// dropped.
pub(super) fn pack_5bit(codes: &[u8; 32]) -> ([u8; 16], [u8; 4]) {
    let mut qs = [0u8; 16];
    let mut qh = 0u32;
    let (lo, hi) = codes.split_at(16);
    for (j, ((q, &c0), &c1)) in qs.iter_mut().zip(lo).zip(hi).enumerate() {
        *q = (c0 & 0x0F) | ((c1 & 0x0F) << 4);
        qh |= u32::from((c0 >> 4) & 1) << j;
        qh |= u32::from((c1 >> 4) & 1) << (j + 16);
    }
    (qs, qh.to_le_bytes())
}

impl Format for BlockQ5_0 {
    const TYPE: GgmlType = GgmlType::Q5_0;
    const BLOCK_LEN: usize = QK5_0;
    type Activation = BlockQ8_0;

    fn dequantize(blocks: &[Self], out: &mut [f32]) {
        for (block, y) in blocks.iter().zip(out.chunks_exact_mut(QK5_0)) {
            let d = block.d.to_f32();
            for (y, q) in y.iter_mut().zip(unpack_5bit(&block.qs, block.qh)) {
                *y = (q as i32 - 16) as f32 * d;
            }
        }
    }

    /// ggml's `quantize_row_q5_0_ref`: Q4_0's algorithm with 32 levels instead of 16.
    fn quantize(x: &[f32], out: &mut [Self]) {
        for (xb, block) in x.chunks_exact(QK5_0).zip(out.iter_mut()) {
            // The signed value of largest magnitude (the first one, on ties).
            let mut amax = 0.0f32;
            let mut max = 0.0f32;
            for &v in xb {
                if amax < v.abs() {
                    amax = v.abs();
                    max = v;
                }
            }
            let d = max / -16.0;
            let id = if d != 0.0 { 1.0 / d } else { 0.0 };
            block.d = f16::from_f32(d);
            // `as i8` truncates toward zero like C's (int8_t) cast: +16.5 rounds to nearest,
            // and the weight of largest magnitude lands on code 0.
            let mut codes = [0u8; QK5_0];
            for (c, &v) in codes.iter_mut().zip(xb) {
                *c = ((v * id + 16.5) as i8).min(31) as u8;
            }
            (block.qs, block.qh) = pack_5bit(&codes);
        }
    }

    /// ggml's `ggml_vec_dot_q5_0_q8_0_generic`: integer sums per block, one float multiply
    /// by both scales per block.
    fn vec_dot(w: &[Self], a: &[BlockQ8_0]) -> f32 {
        let mut sum = 0.0f32;
        for (x, y) in w.iter().zip(a) {
            let codes = unpack_5bit(&x.qs, x.qh);
            let sumi: i32 = codes.iter().zip(&y.qs).map(|(&c, &q)| (c as i32 - 16) * q as i32).sum();
            sum += x.d.to_f32() * y.d.to_f32() * sumi as f32;
        }
        sum
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quant::test_util::check_format;

    #[test]
    fn q5_0_meets_ggml_error_bounds() {
        check_format::<BlockQ5_0>(0.002);
    }

    #[test]
    fn q5_0_puts_the_fifth_bit_of_weight_j_at_bit_j_of_qh() {
        // max = -16, so d = 1 and the codes are x + 16: -16 → 0, -5 → 11 (0b01011),
        // 0 → 16 (0b10000), 3 → 19 (0b10011). Only weights 1 and 17 have a fifth bit, so
        // qh = (1 << 1) | (1 << 17), little-endian bytes [0x02, 0x00, 0x02, 0x00].
        let mut x = [-5.0f32; 32];
        x[0] = -16.0;
        x[1] = 0.0;
        x[17] = 3.0;
        let mut b = [BlockQ5_0::zeroed()];
        BlockQ5_0::quantize(&x, &mut b);
        assert_eq!(b[0].d.to_f32(), 1.0);
        assert_eq!(b[0].qh, [0x02, 0x00, 0x02, 0x00]);
        assert_eq!(b[0].qs[0], 0xB0, "weight 0 → 0, weight 16 → 11");
        assert_eq!(b[0].qs[1], 0x30, "weight 1 → 16 & 0xF = 0, weight 17 → 19 & 0xF = 3");

        // Integers in -16..=15 are on the grid: decoding gives them back exactly.
        let mut y = [0.0f32; 32];
        BlockQ5_0::dequantize(&b, &mut y);
        assert_eq!(y, x);
    }

    #[test]
    fn q5_0_reads_the_top_bit_of_qh_as_weight_31() {
        // qs = 0 and only bit 31 of qh (top bit of the last byte) set: weight 31 has code 16,
        // i.e. 0, every other weight code 0, i.e. -16 * d = -8. Against activations of 1 the
        // dot is 31 * -8 = -248.
        let w = BlockQ5_0 { d: f16::from_f32(0.5), qh: [0, 0, 0, 0x80], qs: [0; 16] };
        let mut y = [0.0f32; 32];
        BlockQ5_0::dequantize(&[w], &mut y);
        assert_eq!(y[31], 0.0);
        assert_eq!(y[15], -8.0);
        let a = BlockQ8_0 { d: f16::from_f32(1.0), qs: [1; 32] };
        assert_eq!(BlockQ5_0::vec_dot(&[w], &[a]), -248.0);
    }
}
