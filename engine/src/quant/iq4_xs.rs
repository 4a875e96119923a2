//! IQ4_XS: IQ4_NL's non-linear 4-bit codes in 256-weight super-blocks. Instead of an f16 scale
//! per 32 weights (0.5 bits per weight), each 32-weight sub-block stores a 6-bit multiple
//! `ls - 32` of one f16 super-block scale `d`: weight j of sub-block ib decodes to
//! `d * (ls[ib] - 32) * KVALUES_IQ4NL[q]`. The low 4 bits of each `ls` are packed two to a
//! byte in `scales_l`, the high 2 bits all eight pairs into the `u16` `scales_h`.
//! 136 bytes per 256 weights: 4.25 bits per weight, for about IQ4_NL's accuracy.

use bytemuck::{Pod, Zeroable};
use half::f16;

use super::Format;
use super::iq4_nl::{dot_levels_q8, level, quantize_row_iq4_nl_impl};
use super::q8_k::BlockQ8K;
use crate::tensor::{GgmlType, QK_K};

/// ggml's `block_iq4_xs`. `qs` holds 8 sub-blocks of 16 bytes, each packed like a
/// [`BlockIQ4NL`](super::iq4_nl::BlockIQ4NL)'s: byte j has weight j low, weight j + 16 high.
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable, PartialEq)]
pub struct BlockIQ4XS {
    pub d: f16,
    /// Bits 2·ib and 2·ib + 1: bits 4 and 5 of sub-block ib's scale.
    pub scales_h: u16,
    /// Byte ib / 2, low nibble for even ib, high for odd: bits 0–3 of sub-block ib's scale.
    pub scales_l: [u8; QK_K / 64],
    pub qs: [u8; QK_K / 2],
}

const _: () = assert!(size_of::<BlockIQ4XS>() == 136);

impl BlockIQ4XS {
    /// The signed scale of sub-block `ib` (0..8), in units of `d`: its 6 stored bits minus 32.
    pub fn sub_block_scale(&self, ib: usize) -> i32 {
        let low = (self.scales_l[ib / 2] >> (4 * (ib % 2))) & 0x0F;
        let high = (self.scales_h >> (2 * ib)) & 0x03;
        (low as i32 | (high as i32) << 4) - 32
    }
}

impl Format for BlockIQ4XS {
    const TYPE: GgmlType = GgmlType::IQ4_XS;
    const BLOCK_LEN: usize = QK_K;
    type Activation = BlockQ8K;

    /// ggml's `dequantize_row_iq4_xs`.
    fn dequantize(blocks: &[Self], out: &mut [f32]) {
        for (block, y) in blocks.iter().zip(out.chunks_exact_mut(QK_K)) {
            let d = block.d.to_f32();
            for (ib, (qs, y)) in block.qs.chunks_exact(16).zip(y.chunks_exact_mut(32)).enumerate() {
                let dl = d * block.sub_block_scale(ib) as f32;
                for (j, &q) in qs.iter().enumerate() {
                    y[j] = dl * level(q & 0x0F) as f32;
                    y[j + 16] = dl * level(q >> 4) as f32;
                }
            }
        }
    }

    /// ggml's `quantize_row_iq4_xs_ref` (`quantize_iq4_xs` without importance weights):
    /// each sub-block's scale is the best of 16 least-squares fits (`ntry = 7`).
    fn quantize(x: &[f32], out: &mut [Self]) {
        let mut codes = [0u8; QK_K];
        for (xb, block) in x.chunks_exact(QK_K).zip(out.iter_mut()) {
            block.d =
                quantize_row_iq4_nl_impl(xb, 7, &mut codes, &mut block.qs, &mut block.scales_h, &mut block.scales_l);
        }
    }

    /// ggml's `ggml_vec_dot_iq4_xs_q8_K_generic`: an integer sum per 32-weight sub-block,
    /// scaled by `d·d8·(ls - 32)` and accumulated in f32 sub-block by sub-block.
    fn vec_dot(w: &[Self], a: &[BlockQ8K]) -> f32 {
        let mut sumf = 0.0f32;
        for (x, y) in w.iter().zip(a) {
            let d4d8 = x.d.to_f32() * y.d;
            for (ib, (qs, q8)) in x.qs.chunks_exact(16).zip(y.qs.chunks_exact(32)).enumerate() {
                let dl = d4d8 * x.sub_block_scale(ib) as f32;
                sumf += dl * dot_levels_q8(qs, q8) as f32;
            }
        }
        sumf
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quant::test_util::{Rng, check_format};

    #[test]
    fn iq4_xs_meets_ggml_error_bounds() {
        // Needs Q8_K's quantizer for the activations.
        check_format::<BlockIQ4XS>(0.002);
    }

    #[test]
    fn sub_block_scales_combine_nibbles_and_bit_pairs_minus_32() {
        // Stored 6-bit scales 0, 63, 32, 33, 1, 47, 16, 31 → -32, 31, 0, 1, -31, 15, -16, -1.
        let stored = [0u8, 63, 32, 33, 1, 47, 16, 31];
        let mut b = BlockIQ4XS::zeroed();
        for (ib, &s) in stored.iter().enumerate() {
            b.scales_l[ib / 2] |= (s & 0x0F) << (4 * (ib % 2));
            b.scales_h |= ((s >> 4) as u16) << (2 * ib);
        }
        assert_eq!(b.scales_l, [0xF0, 0x10, 0xF1, 0xF0]);
        assert_eq!(b.scales_h, 0b01_01_10_00_10_10_11_00);
        let want = [-32, 31, 0, 1, -31, 15, -16, -1];
        assert_eq!(std::array::from_fn::<i32, 8, _>(|ib| b.sub_block_scale(ib)), want);

        // With d = 0.5 and every code 8 (level 1), sub-block ib decodes to 0.5 · scale.
        b.d = f16::from_f32(0.5);
        b.qs = [0x88; QK_K / 2];
        let mut y = [0.0; QK_K];
        BlockIQ4XS::dequantize(&[b], &mut y);
        for (ib, y) in y.chunks_exact(32).enumerate() {
            assert!(y.iter().all(|&v| v == 0.5 * want[ib] as f32), "sub-block {ib}: {y:?}");
        }
    }

    #[test]
    fn codes_index_the_table_within_each_sub_block() {
        let mut b = BlockIQ4XS::zeroed();
        b.d = f16::ONE;
        // Stored 33 = 0b10_0001 everywhere (scale 1): nibbles 1, bit pairs 0b10.
        b.scales_l = [0x11; 4];
        b.scales_h = 0xAAAA;
        b.qs[16] = 0xF0; // sub-block 1, byte 0: weight 32 is code 0, weight 48 is code 15
        b.qs[0] = 0x8F;
        let mut y = [0.0; QK_K];
        BlockIQ4XS::dequantize(&[b], &mut y);
        assert_eq!((y[0], y[16]), (113.0, 1.0));
        assert_eq!((y[32], y[48]), (-127.0, 113.0));
        assert_eq!(y[33], -127.0, "code 0 elsewhere");
    }

    #[test]
    fn the_largest_sub_block_scale_is_stored_as_minus_32() {
        // Sub-block 5 reaches 5.0, the others stay within ±0.5: its fitted scale sets
        // d = -scale / 32, so it is stored as l = -32 (bits 0) and the others as small l.
        let mut rng = Rng::fresh();
        let mut x: Vec<f32> = (0..QK_K).map(|_| 0.5 * rng.unit()).collect();
        x[5 * 32..6 * 32].iter_mut().for_each(|v| *v *= 10.0);
        x[5 * 32 + 7] = 5.0;
        let mut b = [BlockIQ4XS::zeroed()];
        BlockIQ4XS::quantize(&x, &mut b);
        assert_eq!(b[0].sub_block_scale(5), -32);
        for ib in (0..8).filter(|&ib| ib != 5) {
            let l = b[0].sub_block_scale(ib);
            assert!((-8..=8).contains(&l) && l != 0, "sub-block {ib}: {l}");
        }
    }

    #[test]
    fn an_all_zero_super_block_is_all_zero() {
        let mut b = [BlockIQ4XS::zeroed()];
        BlockIQ4XS::quantize(&[0.0; QK_K], &mut b);
        let mut y = [1.0; QK_K];
        BlockIQ4XS::dequantize(&b, &mut y);
        assert!(y.iter().all(|&v| v == 0.0));
    }

    #[test]
    fn matches_ggml_bytes() {
        // quantize_row_iq4_xs_ref from ggml's libggml-base on test-quantize-fns' data
        // (0.1 + 2·cos(i)), first super-block.
        let x = crate::quant::test_util::ggml_test_data(0.0, QK_K);
        let mut b = [BlockIQ4XS::zeroed()];
        BlockIQ4XS::quantize(&x, &mut b);
        #[rustfmt::skip]
        let ggml: [u8; 136] = [
            64, 16, 0, 0, 17, 17, 32, 33, 240, 163, 44, 15, 77, 213, 240, 193, 57, 15, 46, 167, 241, 224, 102, 14,
            209, 71, 14, 31, 153, 241, 224, 117, 29, 15, 107, 226, 240, 163, 44, 15, 148, 29, 15, 92, 211, 240, 178, 43,
            15, 62, 198, 240, 209, 72, 14, 31, 57, 15, 46, 183, 241, 224, 86, 14, 31, 138, 242, 240, 132, 29, 15, 92,
            29, 31, 107, 226, 240, 163, 44, 15, 77, 212, 240, 194, 57, 15, 46, 183, 15, 62, 197, 240, 209, 72, 15, 31,
            168, 241, 224, 101, 14, 15, 123, 226, 31, 138, 241, 240, 132, 29, 15, 92, 227, 240, 178, 43, 15, 62, 197, 240,
            77, 212, 240, 193, 58, 15, 46, 182, 240, 224, 87, 14, 31, 137, 241, 240,
        ];
        assert_eq!(bytemuck::cast_slice::<_, u8>(&b), ggml);
    }

    /// A Q8_K block with random codes (and their bsums), filled field by field so this test
    /// does not depend on Q8_K's quantizer.
    fn random_q8k(rng: &mut Rng) -> BlockQ8K {
        let mut b = BlockQ8K::zeroed();
        b.d = 0.01 + rng.unit().abs() * 0.02;
        for q in &mut b.qs {
            *q = ((rng.next_u64() % 255) as i32 - 127) as i8;
        }
        for (s, q) in b.bsums.iter_mut().zip(b.qs.chunks_exact(16)) {
            *s = q.iter().map(|&v| v as i16).sum();
        }
        b
    }

    #[test]
    fn vec_dot_is_the_dot_of_the_decoded_rows() {
        let mut rng = Rng::fresh();
        let nb = 4;
        let mut w = vec![BlockIQ4XS::zeroed(); nb];
        BlockIQ4XS::quantize(&rng.weights(nb * QK_K), &mut w);
        let a: Vec<BlockQ8K> = (0..nb).map(|_| random_q8k(&mut rng)).collect();
        let mut wf = vec![0.0; nb * QK_K];
        BlockIQ4XS::dequantize(&w, &mut wf);
        let af: Vec<f32> = a.iter().flat_map(|b| b.qs.map(|q| b.d * q as f32)).collect();
        let want: f64 = wf.iter().zip(&af).map(|(&p, &q)| p as f64 * q as f64).sum();
        let scale: f64 = wf.iter().zip(&af).map(|(&p, &q)| (p as f64 * q as f64).abs()).sum();
        let got = BlockIQ4XS::vec_dot(&w, &a);
        // Only the rounding of f32 accumulation separates the two.
        assert!((got as f64 - want).abs() <= 1e-5 * scale, "got {got}, want {want}");
    }
}
