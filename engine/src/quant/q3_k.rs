//! Q3_K: 256-weight super-blocks of 16 sub-blocks with 6-bit scales; 3-bit codes.
//!
//! Each sub-block of 16 weights has a signed 6-bit scale `sc` (stored as `sc + 32`), scaled by
//! the super-block's f16 `d`. A weight's 3-bit code is split: its low 2 bits sit in `qs`, its
//! high bit in `hmask`. The code q in 0..=7 decodes to `d·sc·(q - 4)`: the format is symmetric,
//! with no minimum. 110 bytes per 256 weights: 3.4375 bits per weight.

use bytemuck::{Pod, Zeroable};
use half::f16;

use super::Format;
use super::k_quants::{Lanes, accumulate_16, make_q3_quants, nearest_int};
use super::q2_k::pack_2bit_codes;
use super::q8_k::BlockQ8K;
use crate::tensor::{GgmlType, QK_K};

/// ggml's `block_q3_K`. The low 2 bits of the codes are laid out as in Q2_K: two halves of 128
/// weights, bits `2k..2k+2` of byte `l` of a half holding its weight `32k + l`. Bit `i / 32` of
/// `hmask[i % 32]` is the high bit of weight `i`. For the packing of `scales`, see
/// [`BlockQ3K::scale`].
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable, PartialEq)]
pub struct BlockQ3K {
    pub hmask: [u8; QK_K / 8],
    pub qs: [u8; QK_K / 4],
    pub scales: [u8; 12],
    pub d: f16,
}

const _: () = assert!(size_of::<BlockQ3K>() == 110);

impl BlockQ3K {
    /// The signed scale of sub-block `j` (0..16), in -32..=31.
    ///
    /// Its 6 bits are stored offset by 32: the low 4 in a nibble of bytes 0..8 (sub-blocks
    /// 0..8 in the low nibbles, 8..16 in the high ones), the high 2 in bits `2·(j/4)` of byte
    /// `8 + j%4`.
    pub fn scale(&self, j: usize) -> i32 {
        let low = if j < 8 { self.scales[j] & 0x0F } else { self.scales[j - 8] >> 4 };
        let high = (self.scales[8 + j % 4] >> (2 * (j / 4))) & 3;
        (low | (high << 4)) as i32 - 32
    }

    /// The 256 signed codes, `q - 4` in -4..=3: the high bit, when clear, subtracts 4.
    pub(crate) fn codes(&self) -> [i8; QK_K] {
        let mut a = [0i8; QK_K];
        for (half, (a, q3)) in a.chunks_exact_mut(128).zip(self.qs.chunks_exact(32)).enumerate() {
            for (k, a) in a.chunks_exact_mut(32).enumerate() {
                let shift = 2 * k;
                let m = 1u8 << (4 * half + k);
                for (l, a) in a.iter_mut().enumerate() {
                    let high = if self.hmask[l] & m != 0 { 0 } else { 4 };
                    *a = ((q3[l] >> shift) & 3) as i8 - high;
                }
            }
        }
        a
    }
}

impl Format for BlockQ3K {
    const TYPE: GgmlType = GgmlType::Q3_K;
    const BLOCK_LEN: usize = QK_K;
    type Activation = BlockQ8K;

    fn dequantize(blocks: &[Self], out: &mut [f32]) {
        for (block, y) in blocks.iter().zip(out.chunks_exact_mut(QK_K)) {
            let d_all = block.d.to_f32();
            let codes = block.codes();
            for (j, (y, codes)) in y.chunks_exact_mut(16).zip(codes.chunks_exact(16)).enumerate() {
                let dl = d_all * block.scale(j) as f32;
                for (y, &q) in y.iter_mut().zip(codes) {
                    *y = dl * q as f32;
                }
            }
        }
    }

    /// ggml's `quantize_row_q3_K_ref`.
    fn quantize(x: &[f32], out: &mut [Self]) {
        for (x, block) in x.chunks_exact(QK_K).zip(out.iter_mut()) {
            // Codes 0..=7 (q + 4), as make_q3_quants returns them.
            let mut l = [0i8; QK_K];
            let mut scales = [0.0f32; QK_K / 16];
            // The signed scale of largest magnitude.
            let mut max_scale = 0.0f32;
            let mut amax = 0.0f32;
            for j in 0..QK_K / 16 {
                scales[j] = make_q3_quants(4, &x[16 * j..16 * (j + 1)], &mut l[16 * j..16 * (j + 1)], true);
                if scales[j].abs() > amax {
                    amax = scales[j].abs();
                    max_scale = scales[j];
                }
            }

            block.scales = [0; 12];
            if max_scale != 0.0 {
                // Map the largest scale to -32, the end of the 6-bit range with the most room.
                let iscale = -32.0 / max_scale;
                for (j, &scale) in scales.iter().enumerate() {
                    // ggml narrows to i8 before clamping.
                    let ls = ((nearest_int(iscale * scale) as i8).clamp(-32, 31) + 32) as u8;
                    if j < 8 {
                        block.scales[j] = ls & 0x0F;
                    } else {
                        block.scales[j - 8] |= (ls & 0x0F) << 4;
                    }
                    block.scales[8 + j % 4] |= (ls >> 4) << (2 * (j / 4));
                }
                block.d = f16::from_f32(1.0 / iscale);
            } else {
                block.d = f16::from_f32(0.0);
            }

            // Requantize against the scales as stored. Where a scale rounded to 0, the codes
            // of the search stay; they decode to 0 all the same.
            for j in 0..QK_K / 16 {
                let d = block.d.to_f32() * block.scale(j) as f32;
                if d == 0.0 {
                    continue;
                }
                for ii in 0..16 {
                    l[16 * j + ii] = (nearest_int(x[16 * j + ii] / d).clamp(-4, 3) + 4) as i8;
                }
            }

            // Split each code into its high bit and its low 2 bits.
            block.hmask = [0; QK_K / 8];
            let mut low = [0u8; QK_K];
            for (i, (&q, low)) in l.iter().zip(&mut low).enumerate() {
                let mut q = q as u8;
                if q > 3 {
                    block.hmask[i % 32] |= 1 << (i / 32);
                    q -= 4;
                }
                *low = q;
            }
            pack_2bit_codes(&low, &mut block.qs);
        }
    }

    /// ggml's `ggml_vec_dot_q3_K_q8_K_generic`.
    fn vec_dot(w: &[Self], a: &[BlockQ8K]) -> f32 {
        let mut lanes = Lanes::new();
        for (x, y) in w.iter().zip(a) {
            let codes = x.codes();
            let mut aux32 = [0i32; 8];
            for (j, (q8, w)) in y.qs.chunks_exact(16).zip(codes.chunks_exact(16)).enumerate() {
                accumulate_16(&mut aux32, x.scale(j), q8, w);
            }
            lanes.add_block(x.d.to_f32() * y.d, &aux32);
        }
        lanes.finish(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quant::test_util::check_format;

    #[test]
    fn q3_k_meets_ggml_error_bounds() {
        check_format::<BlockQ3K>(0.004);
    }

    #[test]
    fn q3_k_decodes_split_scales_and_high_bits() {
        let mut b = BlockQ3K::zeroed();
        b.d = f16::from_f32(0.5);
        // Sub-block 13 stores 0b10_0101 = 37, i.e. scale 5: low nibble in the high nibble of
        // byte 13 - 8 = 5, high bits in bits 2·(13/4) = 6..8 of byte 8 + 13%4 = 9.
        b.scales[5] = 0x50;
        b.scales[9] = 0b10 << 6;
        // Weight 208 = 128 + 32·2 + 16: byte 32 + 16, bits 4..6, high bit 4 + 2 of hmask[16].
        b.qs[48] = 0b11 << 4;
        b.hmask[16] = 1 << 6;
        let mut y = [0.0f32; QK_K];
        BlockQ3K::dequantize(&[b], &mut y);
        assert_eq!(y[208], 0.5 * 5.0 * 3.0, "high bit set: code 7 - 4 = 3");
        assert_eq!(y[209], 0.5 * 5.0 * -4.0, "high bit clear: code 0 - 4");
        // All-zero scale bits mean -32, and all-zero codes mean -4.
        assert_eq!(y[0], 0.5 * -32.0 * -4.0);
    }
}
