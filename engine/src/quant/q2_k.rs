//! Q2_K: 256-weight super-blocks of 16 sub-blocks with 4-bit scales and mins; 2-bit codes.
//!
//! Each sub-block of 16 weights has a 4-bit scale `sc` and a 4-bit minimum `m`, themselves
//! scaled by the super-block's f16 `d` and `dmin`. A 2-bit code q decodes to
//! `d·sc·q - dmin·m`, so a sub-block spans 4 evenly spaced levels starting at `-dmin·m`.
//! 84 bytes per 256 weights: 2.625 bits per weight.

use bytemuck::{Pod, Zeroable};
use half::f16;

use super::Format;
use super::k_quants::{Qkx2Search, make_qkx2_quants, nearest_int};
use super::q8_k::BlockQ8K;
use crate::tensor::{GgmlType, QK_K};

/// ggml's `block_q2_K`. Byte `j` of `scales` holds sub-block `j`'s scale in its low nibble
/// and its minimum in its high nibble. The codes come in two halves of 128 weights, 32 bytes
/// each: bits `2k..2k+2` of byte `l` of a half hold its weight `32k + l`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable, PartialEq)]
pub struct BlockQ2K {
    pub scales: [u8; QK_K / 16],
    pub qs: [u8; QK_K / 4],
    pub d: f16,
    pub dmin: f16,
}

const _: () = assert!(size_of::<BlockQ2K>() == 84);

/// Packs 256 2-bit codes the way Q2_K and Q3_K store them (see [`BlockQ2K`]).
pub(crate) fn pack_2bit_codes(l: &[u8; QK_K], qs: &mut [u8; QK_K / 4]) {
    for (half, q) in l.chunks_exact(128).zip(qs.chunks_exact_mut(32)) {
        for (i, q) in q.iter_mut().enumerate() {
            *q = half[i] | (half[i + 32] << 2) | (half[i + 64] << 4) | (half[i + 96] << 6);
        }
    }
}

impl Format for BlockQ2K {
    const TYPE: GgmlType = GgmlType::Q2_K;
    const BLOCK_LEN: usize = QK_K;
    type Activation = BlockQ8K;

    fn dequantize(blocks: &[Self], out: &mut [f32]) {
        for (block, y) in blocks.iter().zip(out.chunks_exact_mut(QK_K)) {
            let d = block.d.to_f32();
            let min = block.dmin.to_f32();
            // 16 runs of 16 weights, in sub-block order: each 128-weight half takes its 32
            // bytes of codes 4 times, 2 bits further up each time.
            let runs = y.chunks_exact_mut(16).zip(&block.scales).enumerate();
            for (run, (y, &sc)) in runs {
                let q = &block.qs[32 * (run / 8) + 16 * (run % 2)..][..16];
                let shift = 2 * ((run % 8) / 2);
                let dl = d * (sc & 0x0F) as f32;
                let ml = min * (sc >> 4) as f32;
                for (y, &q) in y.iter_mut().zip(q) {
                    *y = dl * ((q >> shift) & 3) as f32 - ml;
                }
            }
        }
    }

    /// ggml's `quantize_row_q2_K_ref`.
    fn quantize(x: &[f32], out: &mut [Self]) {
        // 4-bit sub-block scales and minimums: the largest of each maps to 15.
        const Q4SCALE: f32 = 15.0;
        let search = Qkx2Search { rmin: -0.5, rdelta: 0.1, nstep: 15, use_mad: true };
        for (x, block) in x.chunks_exact(QK_K).zip(out.iter_mut()) {
            let mut l = [0u8; QK_K];
            let mut scales = [0.0f32; QK_K / 16];
            let mut mins = [0.0f32; QK_K / 16];
            // Scales are positive since the minimum is subtracted first.
            let mut max_scale = 0.0f32;
            let mut max_min = 0.0f32;
            for j in 0..QK_K / 16 {
                let xs = &x[16 * j..16 * (j + 1)];
                let weights: [f32; 16] = std::array::from_fn(|i| xs[i].abs());
                (scales[j], mins[j]) = make_qkx2_quants(3, xs, &weights, &mut l[16 * j..16 * (j + 1)], &search);
                if scales[j] > max_scale {
                    max_scale = scales[j];
                }
                if mins[j] > max_min {
                    max_min = mins[j];
                }
            }

            if max_scale > 0.0 {
                let iscale = Q4SCALE / max_scale;
                for (s, &scale) in block.scales.iter_mut().zip(&scales) {
                    *s = nearest_int(iscale * scale) as u8;
                }
                block.d = f16::from_f32(max_scale / Q4SCALE);
            } else {
                block.scales = [0; QK_K / 16];
                block.d = f16::from_f32(0.0);
            }
            if max_min > 0.0 {
                let iscale = Q4SCALE / max_min;
                for (s, &min) in block.scales.iter_mut().zip(&mins) {
                    *s |= (nearest_int(iscale * min) << 4) as u8;
                }
                block.dmin = f16::from_f32(max_min / Q4SCALE);
            } else {
                block.dmin = f16::from_f32(0.0);
            }

            // Requantize against the scales as stored. A sub-block whose scale rounded to 0
            // keeps the codes of its search; they decode to its minimum all the same.
            for j in 0..QK_K / 16 {
                let d = block.d.to_f32() * (block.scales[j] & 0x0F) as f32;
                if d == 0.0 {
                    continue;
                }
                let dm = block.dmin.to_f32() * (block.scales[j] >> 4) as f32;
                for ii in 0..16 {
                    l[16 * j + ii] = nearest_int((x[16 * j + ii] + dm) / d).clamp(0, 3) as u8;
                }
            }

            pack_2bit_codes(&l, &mut block.qs);
        }
    }

    /// ggml's `ggml_vec_dot_q2_K_q8_K_generic`: the minimums are applied once per super-block
    /// through Q8_K's group sums, the scaled codes in one integer sum.
    fn vec_dot(w: &[Self], a: &[BlockQ8K]) -> f32 {
        let mut sumf = 0.0f32;
        for (x, y) in w.iter().zip(a) {
            let summs: i32 = y.bsums.iter().zip(&x.scales).map(|(&s, &sc)| s as i32 * (sc >> 4) as i32).sum();
            let dall = y.d * x.d.to_f32();
            let dmin = y.d * x.dmin.to_f32();

            let mut isum = 0i32;
            for (half, (q2, q8)) in x.qs.chunks_exact(32).zip(y.qs.chunks_exact(128)).enumerate() {
                for (k, q8) in q8.chunks_exact(32).enumerate() {
                    let shift = 2 * k;
                    // Two sub-blocks of 16 share these 32 bytes of codes.
                    for (sub, (q2, q8)) in q2.chunks_exact(16).zip(q8.chunks_exact(16)).enumerate() {
                        let d = (x.scales[8 * half + 2 * k + sub] & 0x0F) as i32;
                        let isuml: i32 = q8.iter().zip(q2).map(|(&a, &q)| a as i32 * ((q >> shift) & 3) as i32).sum();
                        isum += d * isuml;
                    }
                }
            }
            sumf += dall * isum as f32 - dmin * summs as f32;
        }
        sumf
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quant::test_util::check_format_with_dot_bound;

    #[test]
    fn q2_k_meets_ggml_error_bounds() {
        check_format_with_dot_bound::<BlockQ2K>(0.0075, 0.04);
    }

    #[test]
    fn q2_k_decodes_scale_min_and_code_positions() {
        let mut b = BlockQ2K::zeroed();
        b.d = f16::from_f32(0.5);
        b.dmin = f16::from_f32(0.25);
        // Sub-block 3 (weights 48..64): scale 6, minimum 4 → q ↦ 3q - 1.
        b.scales[3] = 0x46;
        // Weight 48 is in the first half, 32·1 + 16: byte 16, bits 2..4.
        b.qs[16] = 0b0000_1000;
        // Sub-block 9 (weights 144..160): weight 159 is the second half's 32·0 + 31: byte
        // 32 + 31, bits 0..2. Scale 1, minimum 0 → q ↦ 0.5q.
        b.scales[9] = 0x01;
        b.qs[63] = 0b0000_0011;
        let mut y = [0.0f32; QK_K];
        BlockQ2K::dequantize(&[b], &mut y);
        assert_eq!(y[48], 3.0 * 2.0 - 1.0);
        assert_eq!(y[49], -1.0, "code 0 decodes to the minus minimum");
        assert_eq!(y[159], 1.5);
        assert_eq!(y[158], 0.0);
        assert_eq!(y[16], 0.0, "byte 16's low bits belong to sub-block 1, whose scales are 0");
    }
}
