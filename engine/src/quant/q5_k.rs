//! Q5_K: 256-weight super-blocks of 8 sub-blocks with 6-bit scales and mins; 5-bit codes.
//!
//! Q4_K with one more bit per code: each sub-block of 32 weights has a 6-bit scale `sc` and a
//! 6-bit minimum `m` (packed as in Q4_K), scaled by the super-block's f16 `d` and `dmin`. A
//! code's low 4 bits sit in `qs`, its fifth bit in `qh`; the code q in 0..=31 decodes to
//! `d·sc·q - dmin·m`. 176 bytes per 256 weights: 5.5 bits per weight.

use bytemuck::{Pod, Zeroable};
use half::f16;

use super::Format;
use super::k_quants::{Qkx2Search, get_scale_min_k4};
use super::q4_k::{choose_scales_k4, requantize_k4, vec_dot_k4};
use super::q8_k::BlockQ8K;
use crate::tensor::{GgmlType, QK_K};

/// ggml's `block_q5_K`. The low 4 bits of the codes are laid out as in Q4_K: 4 chunks of 64
/// weights, byte `l` of a chunk holding its weight `l` in the low nibble and `32 + l` in the
/// high nibble. Bit `i / 32` of `qh[i % 32]` is the fifth bit of weight `i`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable, PartialEq)]
pub struct BlockQ5K {
    pub d: f16,
    pub dmin: f16,
    pub scales: [u8; 12],
    pub qh: [u8; QK_K / 8],
    pub qs: [u8; QK_K / 2],
}

const _: () = assert!(size_of::<BlockQ5K>() == 176);

impl BlockQ5K {
    /// The 256 codes, 0..=31, in weight order.
    pub(crate) fn codes(&self) -> [i8; QK_K] {
        let mut a = [0i8; QK_K];
        for (chunk, (a, q)) in a.chunks_exact_mut(64).zip(self.qs.chunks_exact(32)).enumerate() {
            let (m1, m2) = (1u8 << (2 * chunk), 2u8 << (2 * chunk));
            for (l, &q) in q.iter().enumerate() {
                a[l] = (q & 0x0F) as i8 + if self.qh[l] & m1 != 0 { 16 } else { 0 };
                a[l + 32] = (q >> 4) as i8 + if self.qh[l] & m2 != 0 { 16 } else { 0 };
            }
        }
        a
    }
}

impl Format for BlockQ5K {
    const TYPE: GgmlType = GgmlType::Q5_K;
    const BLOCK_LEN: usize = QK_K;
    type Activation = BlockQ8K;

    fn dequantize(blocks: &[Self], out: &mut [f32]) {
        for (block, y) in blocks.iter().zip(out.chunks_exact_mut(QK_K)) {
            let d = block.d.to_f32();
            let min = block.dmin.to_f32();
            let codes = block.codes();
            for (j, (y, codes)) in y.chunks_exact_mut(32).zip(codes.chunks_exact(32)).enumerate() {
                let (sc, m) = get_scale_min_k4(j, &block.scales);
                let d = d * sc as f32;
                let m = min * m as f32;
                for (y, &q) in y.iter_mut().zip(codes) {
                    *y = d * q as f32 - m;
                }
            }
        }
    }

    /// ggml's `quantize_row_q5_K_ref`: Q4_K's algorithm with 32 levels and a shorter search.
    fn quantize(x: &[f32], out: &mut [Self]) {
        let search = Qkx2Search { rmin: -0.5, rdelta: 0.1, nstep: 15, use_mad: false };
        for (x, block) in x.chunks_exact(QK_K).zip(out.iter_mut()) {
            let (mut l, scales, d, dmin) = choose_scales_k4(x, 31, &search);
            block.scales = scales;
            block.d = d;
            block.dmin = dmin;
            requantize_k4(x, 31, &block.scales, d, dmin, &mut l);

            block.qh = [0; QK_K / 8];
            for (chunk, (l, ql)) in l.chunks_exact(64).zip(block.qs.chunks_exact_mut(32)).enumerate() {
                let (m1, m2) = (1u8 << (2 * chunk), 2u8 << (2 * chunk));
                for (j, ql) in ql.iter_mut().enumerate() {
                    let (mut l1, mut l2) = (l[j], l[j + 32]);
                    if l1 > 15 {
                        l1 -= 16;
                        block.qh[j] |= m1;
                    }
                    if l2 > 15 {
                        l2 -= 16;
                        block.qh[j] |= m2;
                    }
                    *ql = l1 | (l2 << 4);
                }
            }
        }
    }

    /// ggml's `ggml_vec_dot_q5_K_q8_K_generic`.
    fn vec_dot(w: &[Self], a: &[BlockQ8K]) -> f32 {
        vec_dot_k4(w.iter().map(|b| (b.codes(), b.scales, b.d, b.dmin)), a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quant::test_util::check_format;

    #[test]
    fn q5_k_meets_ggml_error_bounds() {
        check_format::<BlockQ5K>(0.002);
    }

    #[test]
    fn q5_k_fifth_bit_adds_16() {
        let mut b = BlockQ5K::zeroed();
        b.d = f16::from_f32(1.0);
        b.dmin = f16::from_f32(1.0);
        // Sub-block 7 (weights 224..256): scale 0b00_0001 = 1, minimum 0b00_0011 = 3, both in
        // the nibbles of byte 11; the top bits in bytes 3 and 7 stay 0.
        b.scales[11] = 0x31;
        // Weight 255 = 192 + 32 + 31: high nibble of byte 96 + 31, fifth bit 7 of qh[31].
        b.qs[127] = 0x50;
        b.qh[31] = 1 << 7;
        // Weight 254: same chunk, high nibble 5 of byte 126 but no fifth bit.
        b.qs[126] = 0x50;
        let mut y = [0.0f32; QK_K];
        BlockQ5K::dequantize(&[b], &mut y);
        assert_eq!(y[255], (16.0 + 5.0) - 3.0);
        assert_eq!(y[254], 5.0 - 3.0);
    }
}
