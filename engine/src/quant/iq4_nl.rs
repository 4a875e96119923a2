//! IQ4_NL: like Q4_0, 32 weights share one f16 scale `d` and each weight is a 4-bit code,
//! but a code is not a point on an even grid: it indexes [`KVALUES_IQ4NL`], 16 levels that
//! crowd together near zero, and decodes to `d * KVALUES_IQ4NL[q]`. Trained weights are
//! mostly small, so spending more levels there lowers the error at the same 4.5 bits per
//! weight. The quantizer fits `d` by weighted least squares rather than taking `max / -8`.
//!
//! `quantize_row_iq4_nl_impl` is shared with IQ4_XS, which uses the same levels.

use bytemuck::{Pod, Zeroable};
use half::f16;

use super::Format;
use super::q8_0::BlockQ8_0;
use crate::tensor::{GgmlType, QK_K};

pub const QK4_NL: usize = 32;

/// ggml's `kvalues_iq4nl`: the 16 levels a 4-bit code stands for, in increasing order
/// (the binary search of `best_index_int8` relies on that).
pub const KVALUES_IQ4NL: [i8; 16] = [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113];

/// ggml's `block_iq4_nl`. Byte `j` of `qs` holds the code of weight `j` in its low nibble and
/// that of weight `j + 16` in its high nibble, as in Q4_0.
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable, PartialEq)]
pub struct BlockIQ4NL {
    pub d: f16,
    pub qs: [u8; QK4_NL / 2],
}

const _: () = assert!(size_of::<BlockIQ4NL>() == 18);

/// The level a 4-bit code stands for.
pub(crate) fn level(code: u8) -> i32 {
    KVALUES_IQ4NL[code as usize] as i32
}

/// Σ level·q8 over 32 weights whose codes are packed in `qs` (16 bytes) as in
/// [`BlockIQ4NL`], against the 32 activation codes `q8`. Integer, so exact in any order.
pub(crate) fn dot_levels_q8(qs: &[u8], q8: &[i8]) -> i32 {
    let (lo, hi) = q8.split_at(16);
    let mut sumi1 = 0i32;
    let mut sumi2 = 0i32;
    for ((&q, &a0), &a1) in qs.iter().zip(lo).zip(hi) {
        sumi1 += a0 as i32 * level(q & 0x0F);
        sumi2 += a1 as i32 * level(q >> 4);
    }
    sumi1 + sumi2
}

impl Format for BlockIQ4NL {
    const TYPE: GgmlType = GgmlType::IQ4_NL;
    const BLOCK_LEN: usize = QK4_NL;
    type Activation = BlockQ8_0;

    /// ggml's `dequantize_row_iq4_nl`.
    fn dequantize(blocks: &[Self], out: &mut [f32]) {
        for (block, y) in blocks.iter().zip(out.chunks_exact_mut(QK4_NL)) {
            let d = block.d.to_f32();
            for (j, &q) in block.qs.iter().enumerate() {
                y[j] = d * level(q & 0x0F) as f32;
                y[j + QK4_NL / 2] = d * level(q >> 4) as f32;
            }
        }
    }

    /// ggml's `quantize_row_iq4_nl_ref`: one least-squares fit per block, no scale search
    /// (`ntry = -1`; llama-quantize's `quantize_iq4_nl` searches with `ntry = 7` instead).
    fn quantize(x: &[f32], out: &mut [Self]) {
        // Like ggml's `L`, the codes buffer lives across blocks: an all-zero block leaves it
        // untouched and packs the previous block's codes (harmless: its `d` is 0).
        let mut codes = [0u8; QK4_NL];
        for (xb, block) in x.chunks_exact(QK4_NL).zip(out.iter_mut()) {
            block.d = quantize_row_iq4_nl_impl(xb, -1, &mut codes, &mut block.qs, &mut 0, &mut []);
        }
    }

    /// ggml's `ggml_vec_dot_iq4_nl_q8_0_generic`: integer sums per block, one float multiply
    /// by both scales per block. (This matches ggml's C as written; a ggml built with
    /// `-march=native` lets GCC fuse `sumf += d * sumi` into an FMA, which can differ in the
    /// last bit.)
    fn vec_dot(w: &[Self], a: &[BlockQ8_0]) -> f32 {
        let mut sumf = 0.0f32;
        for (x, y) in w.iter().zip(a) {
            let d = y.d.to_f32() * x.d.to_f32();
            sumf += d * dot_levels_q8(&x.qs, &y.qs) as f32;
        }
        sumf
    }
}

/// ggml's `quantize_iq4_nl` without importance weights, which is what llama-quantize writes:
/// like [`BlockIQ4NL::quantize`] but each block also tries 15 scales around the first fit
/// (`ntry = 7`) and keeps the one with the smallest error.
pub fn quantize_searching_scales(x: &[f32], out: &mut [BlockIQ4NL]) {
    let mut codes = [0u8; QK4_NL];
    for (xb, block) in x.chunks_exact(QK4_NL).zip(out.iter_mut()) {
        block.d = quantize_row_iq4_nl_impl(xb, 7, &mut codes, &mut block.qs, &mut 0, &mut []);
    }
}

/// ggml's `GROUP_MAX_EPS`: a block whose largest magnitude is below this counts as all zero.
const GROUP_MAX_EPS: f32 = 1e-15;

/// Weights per sub-block, each with its own fitted scale (ggml's `block_size`, always 32).
const SUB_BLOCK: usize = 32;

/// ggml's `nearest_int`: round to nearest, ties to even, by adding 1.5·2²³ so that the FPU's
/// rounding drops the fraction, then reading the integer back from the mantissa bits.
/// (Not `f32::round`, which sends ties away from zero.) Valid for |x| ≤ 2²²−1.
fn nearest_int(fval: f32) -> i32 {
    debug_assert!(fval.abs() <= 4_194_303.0);
    let val = fval + 12_582_912.0;
    (val.to_bits() as i32 & 0x007F_FFFF) - 0x0040_0000
}

/// ggml's `best_index_int8`: the index of the entry of the sorted table `values` nearest to
/// `x`, by binary search; on an exact tie between two neighbours, the upper one.
fn best_index_int8(values: &[i8; 16], x: f32) -> usize {
    let n = values.len();
    if x <= values[0] as f32 {
        return 0;
    }
    if x >= values[n - 1] as f32 {
        return n - 1;
    }
    let (mut ml, mut mu) = (0, n - 1);
    while mu - ml > 1 {
        let mav = (ml + mu) / 2;
        if x < values[mav] as f32 {
            mu = mav;
        } else {
            ml = mav;
        }
    }
    if x - (values[mu - 1] as f32) < values[mu] as f32 - x { mu - 1 } else { mu }
}

/// Codes the values of `xb` at inverse scale `id` (into `codes`), and returns the weighted
/// sums Σw·q·x and Σw·q² from which the least-squares scale is `Σw·q·x / Σw·q²`.
fn fit_codes(xb: &[f32], weight: &[f32], id: f32, codes: &mut [u8]) -> (f32, f32) {
    let mut sumqx = 0.0f32;
    let mut sumq2 = 0.0f32;
    for ((&x, &w), code) in xb.iter().zip(weight).zip(codes.iter_mut()) {
        let l = best_index_int8(&KVALUES_IQ4NL, id * x);
        *code = l as u8;
        let q = KVALUES_IQ4NL[l] as f32;
        sumqx += w * q * x;
        sumq2 += w * q * q;
    }
    (sumqx, sumq2)
}

/// ggml's `quantize_row_iq4_nl_impl` without importance weights (each value's error is
/// weighted by `x²`, as ggml does when `quant_weights` is NULL), for
/// one block of IQ4_NL (`x.len() == 32`) or one super-block of IQ4_XS (`x.len() == 256`).
///
/// Each 32-weight sub-block gets a scale fitted by weighted least squares, after trying
/// `2·ntry + 1` starting scales (none when `ntry < 0`). With one sub-block that scale is the
/// block's `d`, returned. With several, the returned `d` is the super-block scale and each
/// sub-block's is stored as a 6-bit multiple `l` of it, `+ 32`: its low 4 bits as a nibble of
/// `scales_l`, its high 2 bits as a pair in `scales_h`; the codes are then refitted to `d·l`.
///
/// `codes` (one byte per weight, ggml's `L`) is scratch space the caller keeps across blocks
/// for bit-exactness (see [`BlockIQ4NL::quantize`]); `qs` receives the packed codes.
pub(crate) fn quantize_row_iq4_nl_impl(
    x: &[f32],
    ntry: i32,
    codes: &mut [u8],
    qs: &mut [u8],
    scales_h: &mut u16,
    scales_l: &mut [u8],
) -> f16 {
    let n_sub = x.len() / SUB_BLOCK;
    debug_assert!(x.len().is_multiple_of(SUB_BLOCK) && n_sub <= QK_K / SUB_BLOCK);
    let values = &KVALUES_IQ4NL;
    let v0 = values[0] as f32;

    let mut scales = [0.0f32; QK_K / SUB_BLOCK];
    let mut weight = [0.0f32; SUB_BLOCK];
    let mut scratch = [0u8; SUB_BLOCK];
    let mut max_scale = 0.0f32;
    let mut amax_scale = 0.0f32;
    for (ib, (xb, lb)) in x.chunks_exact(SUB_BLOCK).zip(codes.chunks_exact_mut(SUB_BLOCK)).enumerate() {
        for (w, &v) in weight.iter_mut().zip(xb) {
            *w = v * v;
        }
        // The signed value of largest magnitude (the first one, on ties).
        let mut amax = 0.0f32;
        let mut max = 0.0f32;
        for &v in xb {
            if v.abs() > amax {
                amax = v.abs();
                max = v;
            }
        }
        if amax < GROUP_MAX_EPS {
            scales[ib] = 0.0;
            continue;
        }
        // Start from the scale that puts the largest magnitude at -127, the bottom level
        // (ntry < 0), or at +127, just past the top level 113 (ntry > 0); then take the
        // least-squares scale for the codes this gives.
        let mut d = if ntry > 0 { -max / v0 } else { max / v0 };
        let (mut sumqx, mut sumq2) = fit_codes(xb, &weight, 1.0 / d, lb);
        d = if sumq2 > 0.0 { sumqx / sumq2 } else { 0.0 };
        // Σw·(x − d·q)² = Σw·x² − d·Σw·q·x at the least-squares d: maximise `best = d·Σw·q·x`.
        let mut best = d * sumqx;
        // Other starting scales, putting the largest magnitude at -127 + itry; keep the best
        // least-squares fit. These only pick the scale: the codes are refitted to the final
        // one below. (IQ4_NL's ntry < 0 empties this loop and keeps the codes found above.)
        for itry in -ntry..=ntry {
            let id = (itry + values[0] as i32) as f32 / max;
            (sumqx, sumq2) = fit_codes(xb, &weight, id, &mut scratch);
            if sumq2 > 0.0 && sumqx * sumqx > best * sumq2 {
                d = sumqx / sumq2;
                best = d * sumqx;
            }
        }
        scales[ib] = d;
        if d.abs() > amax_scale {
            amax_scale = d.abs();
            max_scale = d;
        }
    }

    let dh;
    if n_sub > 1 {
        // The sub-block scale of largest magnitude becomes l = -32, the end of the 6-bit range.
        let d = -max_scale / 32.0;
        dh = f16::from_f32(d);
        let id = if d != 0.0 { 1.0 / d } else { 0.0 };
        *scales_h = 0;
        for (ib, (xb, lb)) in x.chunks_exact(SUB_BLOCK).zip(codes.chunks_exact_mut(SUB_BLOCK)).enumerate() {
            let l = nearest_int(id * scales[ib]).clamp(-32, 31);
            // Refit the codes to the scale actually stored (ggml uses the f32 `d` here, not
            // its f16 rounding).
            let dl = d * l as f32;
            let idl = if dl != 0.0 { 1.0 / dl } else { 0.0 };
            for (code, &v) in lb.iter_mut().zip(xb) {
                *code = best_index_int8(values, idl * v) as u8;
            }
            let l = (l + 32) as u8;
            if ib % 2 == 0 {
                scales_l[ib / 2] = l & 0x0F;
            } else {
                scales_l[ib / 2] |= (l & 0x0F) << 4;
            }
            *scales_h |= ((l >> 4) as u16) << (2 * ib);
        }
    } else {
        dh = f16::from_f32(scales[0]);
        if ntry > 0 {
            let id = if scales[0] != 0.0 { 1.0 / scales[0] } else { 0.0 };
            for (code, &v) in codes.iter_mut().zip(x) {
                *code = best_index_int8(values, id * v) as u8;
            }
        }
    }

    // Pack as in Q4_0: within each 32 weights, weight j low nibble, weight j + 16 high.
    for (q, l) in qs.chunks_exact_mut(16).zip(codes.chunks_exact(32)) {
        for j in 0..16 {
            q[j] = l[j] | (l[j + 16] << 4);
        }
    }
    dh
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quant::test_util::{Rng, check_format};

    #[test]
    fn iq4_nl_meets_ggml_error_bounds() {
        check_format::<BlockIQ4NL>(0.002);
    }

    #[test]
    fn codes_index_the_table_not_a_grid() {
        // Code 0 is -127 (not 0 - 8), code 8 is 1 (not 0), code 15 is 113 (not 7).
        let b = BlockIQ4NL { d: f16::from_f32(0.5), qs: [0xF0, 0x08, 0x7A, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] };
        let mut y = [0.0; 32];
        BlockIQ4NL::dequantize(&[b], &mut y);
        assert_eq!((y[0], y[16]), (-63.5, 56.5), "low nibble 0, high nibble 15");
        assert_eq!((y[1], y[17]), (0.5, -63.5), "low nibble 8, high nibble 0");
        assert_eq!((y[2], y[18]), (12.5, -5.0), "low nibble 10 (25), high nibble 7 (-10)");
    }

    #[test]
    fn best_index_finds_the_nearest_level_and_breaks_ties_upward() {
        let v = &KVALUES_IQ4NL;
        assert_eq!(best_index_int8(v, -1000.0), 0);
        assert_eq!(best_index_int8(v, 1000.0), 15);
        assert_eq!(best_index_int8(v, 0.0), 8, "1 is nearer than -10");
        assert_eq!(best_index_int8(v, -4.6), 7, "-10 is nearer than 1");
        assert_eq!(best_index_int8(v, -115.5), 1, "tie between -127 and -104 goes up");
        assert_eq!(best_index_int8(v, 101.0), 15, "tie between 89 and 113 goes up");
        assert_eq!(best_index_int8(v, 100.9), 14);
    }

    #[test]
    fn nearest_int_rounds_ties_to_even() {
        assert_eq!([2.5, 3.5, -2.5, -0.4, 31.6, -32.4].map(nearest_int), [2, 4, -2, 0, 32, -32]);
    }

    #[test]
    fn values_on_the_levels_come_back_exactly() {
        // x = 0.01 · level: every code is recovered. The largest magnitude is negative, so the
        // fitted scale is positive and -1.27 takes code 0.
        let x: Vec<f32> = (0..32).map(|j| 0.01 * KVALUES_IQ4NL[j % 16] as f32).collect();
        let mut b = [BlockIQ4NL::zeroed()];
        BlockIQ4NL::quantize(&x, &mut b);
        assert_eq!(b[0].d, f16::from_f32(0.01));
        for j in 0..16 {
            assert_eq!(b[0].qs[j], (j as u8) | (j as u8) << 4, "byte {j}");
        }
    }

    #[test]
    fn a_positive_largest_magnitude_gets_a_negative_scale() {
        // quantize_row_iq4_nl_ref starts from d = max / -127: the largest magnitude lands on
        // -127 (code 0) whatever its sign, and a positive max makes d negative.
        let mut x = [0.1f32; 32];
        x[3] = 2.0;
        let mut b = [BlockIQ4NL::zeroed()];
        BlockIQ4NL::quantize(&x, &mut b);
        assert!(b[0].d.to_f32() < 0.0);
        assert_eq!(b[0].qs[3] & 0x0F, 0);
        let mut y = [0.0; 32];
        BlockIQ4NL::dequantize(&b, &mut y);
        assert!((y[3] - 2.0).abs() < 0.02, "{}", y[3]);
    }

    #[test]
    fn an_all_zero_block_has_zero_scale() {
        let x = [0.0f32; 64];
        let mut b = [BlockIQ4NL::zeroed(); 2];
        BlockIQ4NL::quantize(&x, &mut b);
        assert!(b.iter().all(|b| b.d.to_f32() == 0.0));
    }

    #[test]
    fn matches_ggml_bytes() {
        // quantize_row_iq4_nl_ref from ggml's libggml-base on test-quantize-fns' data
        // (0.1 + 2·cos(i)), first two blocks.
        let x = crate::quant::test_util::ggml_test_data(0.0, 64);
        let mut b = [BlockIQ4NL::zeroed(); 2];
        BlockIQ4NL::quantize(&x, &mut b);
        #[rustfmt::skip]
        let ggml: [u8; 36] = [
            37, 164, 240, 163, 43, 15, 77, 197, 240, 193, 57, 15, 46, 167, 241, 224, 102, 14, 53, 164, 209, 72, 14, 31,
            153, 241, 224, 117, 29, 31, 107, 227, 240, 163, 44, 15,
        ];
        assert_eq!(bytemuck::cast_slice::<_, u8>(&b), ggml);
    }

    #[test]
    fn vec_dot_is_the_dot_of_the_decoded_rows() {
        // Exact case: d = 1, every code 15 (level 113) against activations of 1 with d = 1.
        let w = BlockIQ4NL { d: f16::ONE, qs: [0xFF; 16] };
        let a = BlockQ8_0 { d: f16::ONE, qs: [1; 32] };
        assert_eq!(BlockIQ4NL::vec_dot(&[w], &[a]), 32.0 * 113.0);

        // Random blocks: agrees with the float dot of both dequantized rows.
        let mut rng = Rng::fresh();
        let n = 32 * 8;
        let mut w = vec![BlockIQ4NL::zeroed(); n / 32];
        BlockIQ4NL::quantize(&rng.weights(n), &mut w);
        let mut a = vec![BlockQ8_0::zeroed(); n / 32];
        BlockQ8_0::quantize(&rng.weights(n), &mut a);
        let (mut wf, mut af) = (vec![0.0; n], vec![0.0; n]);
        BlockIQ4NL::dequantize(&w, &mut wf);
        BlockQ8_0::dequantize(&a, &mut af);
        let want: f64 = wf.iter().zip(&af).map(|(&p, &q)| p as f64 * q as f64).sum();
        let scale: f64 = wf.iter().zip(&af).map(|(&p, &q)| (p as f64 * q as f64).abs()).sum();
        let got = BlockIQ4NL::vec_dot(&w, &a);
        // Only the rounding of f32 accumulation separates the two.
        assert!((got as f64 - want).abs() <= 1e-5 * scale, "got {got}, want {want}");
    }
}
