//! Q6_K: 256-weight super-blocks of 16 sub-blocks with 8-bit scales; 6-bit codes.
//!
//! Each sub-block of 16 weights has a signed 8-bit scale `sc`, scaled by the super-block's f16
//! `d`. A code's low 4 bits sit in `ql`, its high 2 bits in `qh`; the code q in 0..=63 decodes
//! to `d·sc·(q - 32)`: symmetric, with no minimum. 210 bytes per 256 weights: 6.5625 bits per
//! weight.

use bytemuck::{Pod, Zeroable};
use half::f16;

use super::Format;
use super::k_quants::{GROUP_MAX_EPS, Lanes, accumulate_16, make_qx_quants, nearest_int};
use super::q8_k::BlockQ8K;
use crate::tensor::{GgmlType, QK_K};

/// ggml's `block_q6_K`. The codes come in two halves of 128 weights; a half has 64 bytes of
/// `ql` and 32 of `qh`. Its weight `32k + l` (k in 0..4, l in 0..32) keeps its low 4 bits in
/// byte `l + 32·(k % 2)` of `ql` (low nibble for k < 2, high nibble otherwise) and its high
/// 2 bits in bits `2k..2k+2` of byte `l` of `qh`. `scales[j]` belongs to weights `16j..16j+16`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable, PartialEq)]
pub struct BlockQ6K {
    pub ql: [u8; QK_K / 2],
    pub qh: [u8; QK_K / 4],
    pub scales: [i8; QK_K / 16],
    pub d: f16,
}

const _: () = assert!(size_of::<BlockQ6K>() == 210);

impl BlockQ6K {
    /// The 256 signed codes, `q - 32` in -32..=31, in weight order.
    pub(crate) fn codes(&self) -> [i8; QK_K] {
        let mut a = [0i8; QK_K];
        let halves = a.chunks_exact_mut(128).zip(self.ql.chunks_exact(64).zip(self.qh.chunks_exact(32)));
        for (a, (ql, qh)) in halves {
            for l in 0..32 {
                a[l] = ((ql[l] & 0x0F) | ((qh[l] & 3) << 4)) as i8 - 32;
                a[l + 32] = ((ql[l + 32] & 0x0F) | (((qh[l] >> 2) & 3) << 4)) as i8 - 32;
                a[l + 64] = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) as i8 - 32;
                a[l + 96] = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) as i8 - 32;
            }
        }
        a
    }
}

impl Format for BlockQ6K {
    const TYPE: GgmlType = GgmlType::Q6_K;
    const BLOCK_LEN: usize = QK_K;
    type Activation = BlockQ8K;

    fn dequantize(blocks: &[Self], out: &mut [f32]) {
        for (block, y) in blocks.iter().zip(out.chunks_exact_mut(QK_K)) {
            let d = block.d.to_f32();
            let codes = block.codes();
            let runs = y.chunks_exact_mut(16).zip(codes.chunks_exact(16)).zip(&block.scales);
            for ((y, codes), &sc) in runs {
                for (y, &q) in y.iter_mut().zip(codes) {
                    *y = d * sc as f32 * q as f32;
                }
            }
        }
    }

    /// ggml's `quantize_row_q6_K_ref`.
    fn quantize(x: &[f32], out: &mut [Self]) {
        for (x, block) in x.chunks_exact(QK_K).zip(out.iter_mut()) {
            // Codes 0..=63 (q + 32), as make_qx_quants returns them.
            let mut l = [0i8; QK_K];
            let mut scales = [0.0f32; QK_K / 16];
            // The signed scale of largest magnitude.
            let mut max_scale = 0.0f32;
            let mut max_abs_scale = 0.0f32;
            for ib in 0..QK_K / 16 {
                let scale = make_qx_quants(32, &x[16 * ib..16 * (ib + 1)], &mut l[16 * ib..16 * (ib + 1)], 1, None);
                scales[ib] = scale;
                if scale.abs() > max_abs_scale {
                    max_abs_scale = scale.abs();
                    max_scale = scale;
                }
            }

            if max_abs_scale < GROUP_MAX_EPS {
                *block = BlockQ6K::zeroed();
                continue;
            }

            // Map the largest scale to -128, the end of the i8 range with the most room.
            let iscale = -128.0 / max_scale;
            block.d = f16::from_f32(1.0 / iscale);
            for (s, &scale) in block.scales.iter_mut().zip(&scales) {
                *s = nearest_int(iscale * scale).min(127) as i8;
            }

            // Requantize against the scales as stored. Where a scale rounded to 0, the codes
            // of the search stay; they decode to 0 all the same.
            for j in 0..QK_K / 16 {
                let d = block.d.to_f32() * block.scales[j] as f32;
                if d == 0.0 {
                    continue;
                }
                for ii in 0..16 {
                    l[16 * j + ii] = (nearest_int(x[16 * j + ii] / d).clamp(-32, 31) + 32) as i8;
                }
            }

            let halves = l.chunks_exact(128).zip(block.ql.chunks_exact_mut(64).zip(block.qh.chunks_exact_mut(32)));
            for (l, (ql, qh)) in halves {
                let l: [u8; 128] = std::array::from_fn(|i| l[i] as u8);
                for i in 0..32 {
                    ql[i] = (l[i] & 0x0F) | ((l[i + 64] & 0x0F) << 4);
                    ql[i + 32] = (l[i + 32] & 0x0F) | ((l[i + 96] & 0x0F) << 4);
                    qh[i] = (l[i] >> 4) | ((l[i + 32] >> 4) << 2) | ((l[i + 64] >> 4) << 4) | ((l[i + 96] >> 4) << 6);
                }
            }
        }
    }

    /// ggml's `ggml_vec_dot_q6_K_q8_K_generic`.
    fn vec_dot(w: &[Self], a: &[BlockQ8K]) -> f32 {
        let mut lanes = Lanes::new();
        for (x, y) in w.iter().zip(a) {
            let codes = x.codes();
            let mut aux32 = [0i32; 8];
            let runs = y.qs.chunks_exact(16).zip(codes.chunks_exact(16)).zip(&x.scales);
            for ((q8, w), &scale) in runs {
                accumulate_16(&mut aux32, scale as i32, q8, w);
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
    fn q6_k_meets_ggml_error_bounds() {
        check_format::<BlockQ6K>(0.002);
    }

    #[test]
    fn q6_k_codes_are_offset_by_32() {
        let mut b = BlockQ6K::zeroed();
        b.d = f16::from_f32(1.0);
        // Sub-block 5 (weights 80..96) has scale -2.
        b.scales[5] = -2;
        // Weight 80 = 64 + 16 is the first half's k = 2, l = 16: the high nibble of ql[16] and
        // bits 4..6 of qh[16]. Code 0b10_0111 = 39 means 39 - 32 = 7.
        b.ql[16] = 0x70;
        b.qh[16] = 0b10 << 4;
        let mut y = [0.0f32; QK_K];
        BlockQ6K::dequantize(&[b], &mut y);
        assert_eq!(y[80], -2.0 * 7.0);
        assert_eq!(y[81], -2.0 * -32.0, "code 0 is the most negative, -32");
        assert_eq!(y[16], 0.0, "ql[16]'s low nibble belongs to sub-block 1, whose scale is 0");
    }

    #[test]
    fn q6_k_quantize_maps_largest_scale_to_minus_128() {
        // One nonzero sub-block, values (i - 8)/4: codes 16·x = 4(i - 8) fit it exactly with
        // sub-block scale 1/16. Being the only scale, it becomes -128 with d = -1/2048, and the
        // block decodes back exactly (every number here is a power of two times an integer).
        let mut x = [0.0f32; QK_K];
        for (i, v) in x[32..48].iter_mut().enumerate() {
            *v = (i as f32 - 8.0) * 0.25;
        }
        let mut b = [BlockQ6K::zeroed()];
        BlockQ6K::quantize(&x, &mut b);
        assert_eq!(b[0].scales[2], -128);
        assert!(b[0].scales.iter().enumerate().all(|(j, &s)| j == 2 || s == 0));
        assert_eq!(b[0].d.to_f32(), -1.0 / 2048.0);
        let mut y = [0.0f32; QK_K];
        BlockQ6K::dequantize(&b, &mut y);
        assert_eq!(y, x);
    }
}
