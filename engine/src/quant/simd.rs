//! Fast `vec_dot` paths, chosen at run time; each is tested against the scalar reference and,
//! where it reproduces llama.cpp's own SIMD kernel, bit for bit against a scalar model of
//! that kernel (the test module `ggml_x86_order`).
//!
//! One module per architecture. Each offers, for a ggml type, the implementations this CPU
//! can run, best first; [`best_vec_dot`] takes the first and `quant::build_tables` installs
//! it. Types without a fast path, and every type on other architectures, keep the scalar
//! trait methods, which stay the reference everywhere.
//!
//! Only x86_64 has fast paths so far. NEON (aarch64) ones would sit beside `x86`, but no
//! machine this course tests on could run them, so they are not written.

use super::{VecDotFn, VecDotTileFn};
use crate::tensor::GgmlType;

#[cfg(target_arch = "x86_64")]
mod x86;

#[cfg(test)]
mod ggml_x86_order;

/// Every fast `vec_dot` this CPU runs for `ty`, best first, named ("avx512vnni", "avx2", …).
/// The scalar one is not in the list: it is `quant::scalar_kernels(ty)`.
pub fn available_vec_dots(ty: GgmlType) -> Vec<(&'static str, VecDotFn)> {
    #[cfg(target_arch = "x86_64")]
    return x86::vec_dots(ty);
    #[cfg(not(target_arch = "x86_64"))]
    return {
        let _ = ty;
        Vec::new()
    };
}

/// The fastest `vec_dot` this CPU runs for `ty` other than the scalar one, with its name.
pub fn best_vec_dot(ty: GgmlType) -> Option<(&'static str, VecDotFn)> {
    available_vec_dots(ty).into_iter().next()
}

/// Every tile kernel this CPU runs for `ty` (see [`VecDotTileFn`]), best first, named like
/// [`available_vec_dots`]. Formats without one are multiplied one `vec_dot` at a time.
pub fn available_vec_dot_tiles(ty: GgmlType) -> Vec<(&'static str, VecDotTileFn)> {
    #[cfg(target_arch = "x86_64")]
    return x86::vec_dot_tiles(ty);
    #[cfg(not(target_arch = "x86_64"))]
    return {
        let _ = ty;
        Vec::new()
    };
}

/// The fastest tile kernel this CPU runs for `ty`, with its name.
pub fn best_vec_dot_tile(ty: GgmlType) -> Option<(&'static str, VecDotTileFn)> {
    available_vec_dot_tiles(ty).into_iter().next()
}

#[cfg(test)]
mod tests {
    use bytemuck::Zeroable;
    use half::{bf16, f16};

    use super::*;
    use crate::quant::Format;
    use crate::quant::k_quants::pack_scale_min_k4;
    use crate::quant::q2_k::BlockQ2K;
    use crate::quant::q3_k::BlockQ3K;
    use crate::quant::q4_0::BlockQ4_0;
    use crate::quant::q4_1::BlockQ4_1;
    use crate::quant::q4_k::BlockQ4K;
    use crate::quant::q5_0::BlockQ5_0;
    use crate::quant::q5_1::BlockQ5_1;
    use crate::quant::q5_k::BlockQ5K;
    use crate::quant::q6_k::BlockQ6K;
    use crate::quant::q8_0::BlockQ8_0;
    use crate::quant::q8_1::BlockQ8_1;
    use crate::quant::q8_k::BlockQ8K;
    use crate::quant::test_util::Rng;

    /// Row lengths in blocks: every remainder mod 4 with and without full steps (the drivers
    /// take four blocks per step, then one at a time), and a 4096-weight row plus 9 blocks.
    const BLOCK_COUNTS: &[usize] = &[1, 2, 3, 6, 7, 16, 33, 128, 137];

    /// Row lengths of the float formats (one value per block): below, at and above each step
    /// (8 values, 32 per 256-bit step, 64 per 512-bit step), and a 4096-wide row plus 37.
    const FLOAT_COUNTS: &[usize] = &[1, 7, 8, 9, 31, 32, 33, 63, 64, 65, 100, 4133];

    /// How far a fast path may stray from the scalar sum, relative to Σ|terms|.
    ///
    /// Both sides add the same float terms — one per block, `dx·dy·Σq·y`, plus `m·s` for the
    /// formats with a minimum — only grouped differently (per lane, per pair of blocks).
    /// Each term is exact up to a rounding or two, and any order of float32 summation of k
    /// terms is off by at most about k·2⁻²⁴·Σ|terms|: for the longest row here, 137 blocks
    /// (274 terms), under 2e-5 per side. 1e-4 leaves room for that while one wrong block,
    /// lane or scale, about 1/k of Σ|terms| (≥ 4e-3 here), still fails loudly. The bound is
    /// relative to Σ|terms| and not to the result because terms cancel: the dot of two
    /// random rows is much smaller than the rounding of its parts. (The float formats have
    /// 4133 terms, but the scalar side sums in f64 and the fast paths spread them over 32 or
    /// 64 lanes of at most 130 each: again under 1e-5.)
    const RELATIVE_BOUND: f64 = 1e-4;

    /// Every fast path against the scalar `F::vec_dot` on fresh random rows quantized with the
    /// reference quantizers. `terms(w, a)` is Σ|terms| of one block pair (see
    /// [`RELATIVE_BOUND`]).
    fn agrees_with_scalar<F: Format>(counts: &[usize], terms: fn(&F, &F::Activation) -> f64) {
        let impls = available_vec_dots(F::TYPE);
        let mut rng = Rng::fresh();
        for &blocks in counts {
            let n = blocks * F::BLOCK_LEN;
            let mut w = vec![F::zeroed(); blocks];
            F::quantize(&rng.weights(n), &mut w);
            let mut a = vec![F::Activation::zeroed(); n / F::Activation::BLOCK_LEN];
            F::Activation::quantize(&rng.weights(n), &mut a);

            let want = F::vec_dot(&w, &a);
            let magnitude: f64 = w.iter().zip(&a).map(|(w, a)| terms(w, a)).sum();
            for (name, vec_dot) in &impls {
                let got = vec_dot(bytemuck::cast_slice(&w), bytemuck::cast_slice(&a));
                let err = (got as f64 - want as f64).abs();
                assert!(
                    err <= RELATIVE_BOUND * magnitude,
                    "{} {name}, {blocks} blocks: {got} vs scalar {want} (error {err:e}, Σ|terms| {magnitude:e})",
                    F::TYPE
                );
            }
        }
    }

    /// Σ|terms| of a block pair without a minimum: the one-block scalar dot is its only term.
    fn one_term<F: Format>(w: &F, a: &F::Activation) -> f64 {
        F::vec_dot(std::slice::from_ref(w), std::slice::from_ref(a)).abs() as f64
    }

    /// Σ|terms| of a Q4_1/Q5_1 block pair: |dx·dy·Σq·y| (the dot with m = 0) + |m·s|.
    macro_rules! with_min {
        ($block:ident) => {
            |w: &$block, a: &BlockQ8_1| {
                let no_min = $block::vec_dot(&[$block { m: f16::ZERO, ..*w }], std::slice::from_ref(a));
                no_min.abs() as f64 + (w.m.to_f32() * a.s.to_f32()).abs() as f64
            }
        };
    }

    /// With every scale 1 and integer minimums, every term is an integer, and while Σ|terms|
    /// stays below 2²⁴ every partial sum is exact in f32 in any order: the fast paths must
    /// then equal the scalar result bit for bit, which pins down the integer parts (codes,
    /// nibble order, fifth bits, signs, sub-block scales) apart from any float reordering.
    /// The blocks are random bytes, so every code pattern occurs; `fix(w, a, rng)` sets the
    /// scales and keeps activations in −127..=127 as the reference quantizers do. The callers
    /// pick `counts` so that even the worst case stays below 2²⁴.
    fn exact_on_integers<F: Format>(counts: &[usize], fix: fn(&mut F, &mut F::Activation, &mut Rng)) {
        let impls = available_vec_dots(F::TYPE);
        let mut rng = Rng::fresh();
        for &blocks in counts {
            let mut w: Vec<F> = bytemuck::pod_collect_to_vec(&rng.bytes(blocks * size_of::<F>()));
            let mut a: Vec<F::Activation> = bytemuck::pod_collect_to_vec(&rng.bytes(blocks * size_of::<F::Activation>()));
            for (w, a) in w.iter_mut().zip(&mut a) {
                fix(w, a, &mut rng);
            }
            let want = F::vec_dot(&w, &a);
            for (name, vec_dot) in &impls {
                let got = vec_dot(bytemuck::cast_slice(&w), bytemuck::cast_slice(&a));
                assert_eq!(got, want, "{} {name}, {blocks} blocks, unit scales", F::TYPE);
            }
        }
    }

    /// Block counts for the 32-weight formats: a block's integer dot is below 32·128·127 < 2¹⁹
    /// in magnitude (Q8_0, the largest; Q4_1's m·s adds at most 8·2¹²), so 31 stay below 2²⁴.
    const EXACT_COUNTS: &[usize] = &[1, 2, 3, 6, 7, 16, 31];

    fn unit_q8_0(a: &mut BlockQ8_0) {
        a.d = f16::ONE;
        a.qs.iter_mut().for_each(|q| *q = (*q).max(-127));
    }

    fn unit_q8_1(a: &mut BlockQ8_1) {
        a.d = f16::ONE;
        a.qs.iter_mut().for_each(|q| *q = (*q).max(-127));
        a.s = f16::from_f32(a.qs.iter().map(|&q| q as f32).sum());
    }

    /// A small integer minimum, −8..=7.
    fn small_int(rng: &mut Rng) -> f16 {
        f16::from_f32((rng.next_u64() % 16) as f32 - 8.0)
    }

    #[test]
    fn q4_0_matches_scalar() {
        agrees_with_scalar::<BlockQ4_0>(BLOCK_COUNTS, one_term);
        exact_on_integers::<BlockQ4_0>(EXACT_COUNTS, |w, a, _| {
            w.d = f16::ONE;
            unit_q8_0(a);
        });
    }

    #[test]
    fn q4_1_matches_scalar() {
        agrees_with_scalar::<BlockQ4_1>(BLOCK_COUNTS, with_min!(BlockQ4_1));
        exact_on_integers::<BlockQ4_1>(EXACT_COUNTS, |w, a, rng| {
            (w.d, w.m) = (f16::ONE, small_int(rng));
            unit_q8_1(a);
        });
    }

    #[test]
    fn q5_0_matches_scalar() {
        agrees_with_scalar::<BlockQ5_0>(BLOCK_COUNTS, one_term);
        exact_on_integers::<BlockQ5_0>(EXACT_COUNTS, |w, a, _| {
            w.d = f16::ONE;
            unit_q8_0(a);
        });
    }

    #[test]
    fn q5_1_matches_scalar() {
        agrees_with_scalar::<BlockQ5_1>(BLOCK_COUNTS, with_min!(BlockQ5_1));
        exact_on_integers::<BlockQ5_1>(EXACT_COUNTS, |w, a, rng| {
            (w.d, w.m) = (f16::ONE, small_int(rng));
            unit_q8_1(a);
        });
    }

    #[test]
    fn q8_0_matches_scalar() {
        agrees_with_scalar::<BlockQ8_0>(BLOCK_COUNTS, one_term);
        // Weights keep −128 (only an activation of −128 would break the sign trick).
        exact_on_integers::<BlockQ8_0>(EXACT_COUNTS, |w, a, _| {
            w.d = f16::ONE;
            unit_q8_0(a);
        });
    }

    #[test]
    fn q8_1_matches_scalar() {
        agrees_with_scalar::<BlockQ8_1>(BLOCK_COUNTS, one_term);
        exact_on_integers::<BlockQ8_1>(EXACT_COUNTS, |w, a, _| {
            w.d = f16::ONE;
            unit_q8_1(a);
        });
    }

    /// Every fast path against a scalar model of llama.cpp's x86 kernel (`ggml`), bit for
    /// bit, on fresh random rows quantized with the reference quantizers; the model itself
    /// must also be close to the scalar `F::vec_dot` (as [`agrees_with_scalar`]), so that a
    /// wrong model cannot pass. Each row is tried again after `plant(w, a, rng)` put in inputs
    /// the quantizers never make but the kernels still see in a file (−128 codes), where
    /// ggml's sign trick is off and ours must be off the same way.
    fn equals_ggml_x86<F: Format>(
        counts: &[usize],
        ggml: fn(&[F], &[F::Activation]) -> f32,
        terms: fn(&F, &F::Activation) -> f64,
        plant: fn(&mut [F], &mut [F::Activation], &mut Rng),
    ) {
        let impls = available_vec_dots(F::TYPE);
        let mut rng = Rng::fresh();
        for &blocks in counts {
            let n = blocks * F::BLOCK_LEN;
            let mut w = vec![F::zeroed(); blocks];
            F::quantize(&rng.weights(n), &mut w);
            let mut a = vec![F::Activation::zeroed(); n / F::Activation::BLOCK_LEN];
            F::Activation::quantize(&rng.weights(n), &mut a);

            let model = ggml(&w, &a) as f64;
            let magnitude: f64 = w.iter().zip(&a).map(|(w, a)| terms(w, a)).sum();
            let scalar = F::vec_dot(&w, &a) as f64;
            assert!((model - scalar).abs() <= RELATIVE_BOUND * magnitude, "{} model {model} vs scalar {scalar}", F::TYPE);

            for planted in [false, true] {
                if planted {
                    plant(&mut w, &mut a, &mut rng);
                }
                let want = ggml(&w, &a);
                for (name, vec_dot) in &impls {
                    let got = vec_dot(bytemuck::cast_slice(&w), bytemuck::cast_slice(&a));
                    assert_eq!(
                        got.to_bits(),
                        want.to_bits(),
                        "{} {name}, {blocks} blocks{}: {got:e} vs ggml's order {want:e}",
                        F::TYPE,
                        if planted { ", with −128 codes" } else { "" }
                    );
                }
            }
        }
    }

    /// Sets about one code in eight to −128.
    fn plant_i8_min(qs: &mut [i8], rng: &mut Rng) {
        qs.iter_mut().filter(|_| rng.next_u64().is_multiple_of(8)).for_each(|q| *q = i8::MIN);
    }

    #[test]
    fn q4_0_equals_ggml_x86_order() {
        equals_ggml_x86::<BlockQ4_0>(BLOCK_COUNTS, ggml_x86_order::q4_0, one_term, |_, a, rng| {
            a.iter_mut().for_each(|a| plant_i8_min(&mut a.qs, rng));
        });
    }

    #[test]
    fn q4_1_equals_ggml_x86_order() {
        equals_ggml_x86::<BlockQ4_1>(BLOCK_COUNTS, ggml_x86_order::q4_1, with_min!(BlockQ4_1), |_, a, rng| {
            a.iter_mut().for_each(|a| plant_i8_min(&mut a.qs, rng));
        });
    }

    #[test]
    fn q5_0_equals_ggml_x86_order() {
        equals_ggml_x86::<BlockQ5_0>(BLOCK_COUNTS, ggml_x86_order::q5_0, one_term, |_, a, rng| {
            a.iter_mut().for_each(|a| plant_i8_min(&mut a.qs, rng));
        });
    }

    #[test]
    fn q5_1_equals_ggml_x86_order() {
        equals_ggml_x86::<BlockQ5_1>(BLOCK_COUNTS, ggml_x86_order::q5_1, with_min!(BlockQ5_1), |_, a, rng| {
            a.iter_mut().for_each(|a| plant_i8_min(&mut a.qs, rng));
        });
    }

    #[test]
    fn q8_0_equals_ggml_x86_order() {
        equals_ggml_x86::<BlockQ8_0>(BLOCK_COUNTS, ggml_x86_order::q8_0, one_term, |w, a, rng| {
            w.iter_mut().for_each(|w| plant_i8_min(&mut w.qs, rng));
            a.iter_mut().for_each(|a| plant_i8_min(&mut a.qs, rng));
        });
    }

    #[test]
    fn q8_1_equals_ggml_x86_order() {
        equals_ggml_x86::<BlockQ8_1>(BLOCK_COUNTS, ggml_x86_order::q8_1, one_term, |w, a, rng| {
            w.iter_mut().for_each(|w| plant_i8_min(&mut w.qs, rng));
            a.iter_mut().for_each(|a| plant_i8_min(&mut a.qs, rng));
        });
    }

    #[test]
    fn q2_k_equals_ggml_x86_order() {
        equals_ggml_x86::<BlockQ2K>(BLOCK_COUNTS, ggml_x86_order::q2_k, q2_k_terms, |_, a, rng| {
            a.iter_mut().for_each(|a| plant_i8_min(&mut a.qs, rng));
        });
    }

    #[test]
    fn q3_k_equals_ggml_x86_order() {
        equals_ggml_x86::<BlockQ3K>(BLOCK_COUNTS, ggml_x86_order::q3_k, abs_products, |_, a, rng| {
            a.iter_mut().for_each(|a| plant_i8_min(&mut a.qs, rng));
        });
    }

    #[test]
    fn q4_k_equals_ggml_x86_order() {
        equals_ggml_x86::<BlockQ4K>(BLOCK_COUNTS, ggml_x86_order::q4_k, q4_k_terms, |_, a, rng| {
            a.iter_mut().for_each(|a| plant_i8_min(&mut a.qs, rng));
        });
    }

    #[test]
    fn q5_k_equals_ggml_x86_order() {
        equals_ggml_x86::<BlockQ5K>(BLOCK_COUNTS, ggml_x86_order::q5_k, q5_k_terms, |_, a, rng| {
            a.iter_mut().for_each(|a| plant_i8_min(&mut a.qs, rng));
        });
    }

    #[test]
    fn q6_k_equals_ggml_x86_order() {
        equals_ggml_x86::<BlockQ6K>(BLOCK_COUNTS, ggml_x86_order::q6_k, abs_products, |_, a, rng| {
            a.iter_mut().for_each(|a| plant_i8_min(&mut a.qs, rng));
        });
    }

    /// Σ|wᵢ·aᵢ| over a block pair's dequantized values. The k-quants' kernels and the scalar
    /// reference group a super-block's products into integer lanes differently, so no single
    /// term is common to both; every lane, and so every float term, is bounded by this.
    fn abs_products<F: Format>(w: &F, a: &F::Activation) -> f64 {
        let mut x = vec![0.0; F::BLOCK_LEN];
        F::dequantize(std::slice::from_ref(w), &mut x);
        let mut y = vec![0.0; F::BLOCK_LEN];
        F::Activation::dequantize(std::slice::from_ref(a), &mut y);
        x.iter().zip(&y).map(|(&x, &y)| (x as f64 * y as f64).abs()).sum()
    }

    /// Q4_K sums its scaled codes and its minimums apart (d·sc·q·y and dmin·m·y): bound each.
    fn q4_k_terms(w: &BlockQ4K, a: &BlockQ8K) -> f64 {
        abs_products(&BlockQ4K { dmin: f16::ZERO, ..*w }, a) + abs_products(&BlockQ4K { d: f16::ZERO, ..*w }, a)
    }

    /// Q2_K, likewise.
    fn q2_k_terms(w: &BlockQ2K, a: &BlockQ8K) -> f64 {
        abs_products(&BlockQ2K { dmin: f16::ZERO, ..*w }, a) + abs_products(&BlockQ2K { d: f16::ZERO, ..*w }, a)
    }

    /// Q5_K, likewise.
    fn q5_k_terms(w: &BlockQ5K, a: &BlockQ8K) -> f64 {
        abs_products(&BlockQ5K { dmin: f16::ZERO, ..*w }, a) + abs_products(&BlockQ5K { d: f16::ZERO, ..*w }, a)
    }

    /// Block counts for the k-quants' exact test, with |y| ≤ 31 and sub-block scales (and
    /// minimums) of magnitude ≤ 3: every integer a kernel builds for a super-block (Q6_K's lanes
    /// before and after taking off the codes' offset 32 included) stays below
    /// 256·3·(63 + 32)·31 < 2.3·10⁶, so three super-blocks stay below 2²⁴.
    const EXACT_COUNTS_K: &[usize] = &[1, 2, 3];

    fn unit_q8_k(a: &mut BlockQ8K) {
        a.d = 1.0;
        a.qs.iter_mut().for_each(|q| *q %= 32);
        for (sum, qs) in a.bsums.iter_mut().zip(a.qs.chunks_exact(16)) {
            *sum = qs.iter().map(|&q| q as i16).sum();
        }
    }

    #[test]
    fn q2_k_matches_scalar() {
        agrees_with_scalar::<BlockQ2K>(BLOCK_COUNTS, q2_k_terms);
        exact_on_integers::<BlockQ2K>(EXACT_COUNTS_K, |w, a, rng| {
            (w.d, w.dmin) = (f16::ONE, f16::ONE);
            // Scales and minimums 0..=3, one of each per byte.
            w.scales.iter_mut().for_each(|s| *s = (rng.next_u64() % 4) as u8 | ((rng.next_u64() % 4) as u8) << 4);
            unit_q8_k(a);
        });
    }

    #[test]
    fn q3_k_matches_scalar() {
        agrees_with_scalar::<BlockQ3K>(BLOCK_COUNTS, abs_products);
        exact_on_integers::<BlockQ3K>(EXACT_COUNTS_K, |w, a, rng| {
            w.d = f16::ONE;
            // Scales −3..=3: stored + 32 in 6 bits, low 4 in nibbles of bytes 0..8, high 2 in
            // bytes 8..12 (see `BlockQ3K::scale`).
            let stored: [u8; 16] = std::array::from_fn(|_| (32 + (rng.next_u64() % 7) as i32 - 3) as u8);
            w.scales = [0; 12];
            for (j, &q) in stored.iter().enumerate() {
                w.scales[j % 8] |= (q & 0x0F) << (4 * (j / 8));
                w.scales[8 + j % 4] |= (q >> 4) << (2 * (j / 4));
            }
            unit_q8_k(a);
        });
    }

    #[test]
    fn q4_k_matches_scalar() {
        agrees_with_scalar::<BlockQ4K>(BLOCK_COUNTS, q4_k_terms);
        exact_on_integers::<BlockQ4K>(EXACT_COUNTS_K, |w, a, rng| {
            (w.d, w.dmin) = (f16::ONE, f16::ONE);
            let mut small = || std::array::from_fn(|_| (rng.next_u64() % 4) as u8);
            w.scales = pack_scale_min_k4(&small(), &small());
            unit_q8_k(a);
        });
    }

    #[test]
    fn q5_k_matches_scalar() {
        agrees_with_scalar::<BlockQ5K>(BLOCK_COUNTS, q5_k_terms);
        exact_on_integers::<BlockQ5K>(EXACT_COUNTS_K, |w, a, rng| {
            (w.d, w.dmin) = (f16::ONE, f16::ONE);
            let mut small = || std::array::from_fn(|_| (rng.next_u64() % 4) as u8);
            w.scales = pack_scale_min_k4(&small(), &small());
            unit_q8_k(a);
        });
    }

    #[test]
    fn q6_k_matches_scalar() {
        agrees_with_scalar::<BlockQ6K>(BLOCK_COUNTS, abs_products);
        exact_on_integers::<BlockQ6K>(EXACT_COUNTS_K, |w, a, rng| {
            w.d = f16::ONE;
            w.scales.iter_mut().for_each(|s| *s = (rng.next_u64() % 7) as i8 - 3);
            unit_q8_k(a);
        });
    }

    /// A small integer, −15..=15, in any float format: products and sums of 4133 of them stay
    /// below 2²⁴, so they are exact.
    fn small_float(rng: &mut Rng) -> f32 {
        (rng.next_u64() % 31) as f32 - 15.0
    }

    #[test]
    fn f32_matches_scalar() {
        agrees_with_scalar::<f32>(FLOAT_COUNTS, abs_products);
        exact_on_integers::<f32>(FLOAT_COUNTS, |w, a, rng| (*w, *a) = (small_float(rng), small_float(rng)));
    }

    #[test]
    fn f16_matches_scalar() {
        agrees_with_scalar::<f16>(FLOAT_COUNTS, abs_products);
        exact_on_integers::<f16>(FLOAT_COUNTS, |w, a, rng| {
            (*w, *a) = (f16::from_f32(small_float(rng)), f16::from_f32(small_float(rng)));
        });
    }

    #[test]
    fn bf16_matches_scalar() {
        agrees_with_scalar::<bf16>(FLOAT_COUNTS, abs_products);
        exact_on_integers::<bf16>(FLOAT_COUNTS, |w, a, rng| {
            (*w, *a) = (bf16::from_f32(small_float(rng)), bf16::from_f32(small_float(rng)));
        });
    }

    /// Every tile kernel against the one-row kernels, bit for bit: every tile shape (1 to
    /// `TILE_COLS` activation rows), every row length of [`BLOCK_COUNTS`] (every remainder of
    /// the four-block steps), on random rows quantized with the reference quantizers, then
    /// again with −128 codes planted (the sign trick's corner). The tile must give each
    /// output exactly what every level's `vec_dot` gives it.
    fn tiles_equal_vec_dot<F: Format>(plant: fn(&mut [F], &mut [F::Activation], &mut Rng)) {
        use crate::quant::{TILE_COLS, TILE_ROWS};
        let tiles = available_vec_dot_tiles(F::TYPE);
        let dots = available_vec_dots(F::TYPE);
        let mut rng = Rng::fresh();
        for &blocks in BLOCK_COUNTS {
            let n = blocks * F::BLOCK_LEN;
            let mut w = vec![F::zeroed(); TILE_ROWS * blocks];
            F::quantize(&rng.weights(TILE_ROWS * n), &mut w);
            let mut a = vec![F::Activation::zeroed(); TILE_COLS * n / F::Activation::BLOCK_LEN];
            F::Activation::quantize(&rng.weights(TILE_COLS * n), &mut a);
            for planted in [false, true] {
                if planted {
                    plant(&mut w, &mut a, &mut rng);
                }
                let w_bytes: &[u8] = bytemuck::cast_slice(&w);
                let a_bytes: &[u8] = bytemuck::cast_slice(&a);
                let (w_row, a_row) = (w_bytes.len() / TILE_ROWS, a_bytes.len() / TILE_COLS);
                for cols in 1..=TILE_COLS {
                    for (name, tile) in &tiles {
                        let mut out = vec![f32::NAN; TILE_ROWS * TILE_COLS];
                        tile(w_bytes, &a_bytes[..cols * a_row], cols, &mut out);
                        for (t, r) in (0..cols).flat_map(|t| (0..TILE_ROWS).map(move |r| (t, r))) {
                            let got = out[t * TILE_ROWS + r];
                            for (dot_name, vec_dot) in &dots {
                                let want = vec_dot(&w_bytes[r * w_row..][..w_row], &a_bytes[t * a_row..][..a_row]);
                                assert_eq!(
                                    got.to_bits(),
                                    want.to_bits(),
                                    "{} {name} tile of {TILE_ROWS}×{cols}, {blocks} blocks{}, row {r} × activation {t}: \
                                     {got:e} vs {dot_name} vec_dot {want:e}",
                                    F::TYPE,
                                    if planted { ", with −128 codes" } else { "" }
                                );
                            }
                        }
                        assert!(out[cols * TILE_ROWS..].iter().all(|v| v.is_nan()), "{name} wrote past its {cols} columns");
                    }
                }
            }
        }
    }

    #[test]
    fn tiles_equal_vec_dot_bit_for_bit() {
        tiles_equal_vec_dot::<BlockQ4_0>(|_, a, rng| a.iter_mut().for_each(|a| plant_i8_min(&mut a.qs, rng)));
        tiles_equal_vec_dot::<BlockQ4_1>(|_, a, rng| a.iter_mut().for_each(|a| plant_i8_min(&mut a.qs, rng)));
        tiles_equal_vec_dot::<BlockQ5_0>(|_, a, rng| a.iter_mut().for_each(|a| plant_i8_min(&mut a.qs, rng)));
        tiles_equal_vec_dot::<BlockQ5_1>(|_, a, rng| a.iter_mut().for_each(|a| plant_i8_min(&mut a.qs, rng)));
        tiles_equal_vec_dot::<BlockQ8_0>(|w, a, rng| {
            w.iter_mut().for_each(|w| plant_i8_min(&mut w.qs, rng));
            a.iter_mut().for_each(|a| plant_i8_min(&mut a.qs, rng));
        });
    }

    /// The formats the tile kernels cover, on every x86 CPU with AVX2 (so that the test above
    /// cannot pass by testing nothing), and tile entries check their lengths.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn tiles_are_offered_and_check_lengths() {
        use crate::quant::{TILE_COLS, TILE_ROWS};
        if !std::arch::is_x86_feature_detected!("avx2") {
            return;
        }
        for ty in [GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q8_0] {
            assert!(crate::quant::kernels(ty).unwrap().vec_dot_tile_fn().is_some(), "{ty} has no tile kernel");
        }
        for (name, tile) in available_vec_dot_tiles(GgmlType::Q4_0) {
            let w = [0u8; TILE_ROWS * 2 * size_of::<BlockQ4_0>()];
            let a = [0u8; 2 * 2 * size_of::<BlockQ8_0>()];
            let bad = [(3, TILE_ROWS * TILE_COLS), (2, 1), (0, TILE_ROWS * TILE_COLS), (TILE_COLS + 1, 64)];
            for (n, out_len) in bad {
                let result = std::panic::catch_unwind(|| tile(&w, &a[..n.min(2) * 2 * size_of::<BlockQ8_0>()], n, &mut vec![0.0; out_len]));
                assert!(result.is_err(), "{name} accepted {n} activation rows with {out_len} outputs");
            }
        }
    }

    /// The tests above compare whatever `available_vec_dots` lists; make sure it lists every
    /// level this CPU has, so they cannot pass by testing nothing.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn every_level_this_cpu_has_is_offered() {
        let mut expected = Vec::new();
        use std::arch::is_x86_feature_detected as has;
        if has!("avx512f") && has!("avx512bw") && has!("avx512vl") && has!("avx512vnni") {
            expected.push("avx512vnni");
        }
        if has!("avxvnni") {
            expected.push("avxvnni");
        }
        if has!("avx2") {
            expected.push("avx2");
        }
        let names: Vec<_> = available_vec_dots(GgmlType::Q4_0).iter().map(|(name, _)| *name).collect();
        assert_eq!(names, expected);
        assert_eq!(best_vec_dot(GgmlType::Q4_0).map(|(name, _)| name), expected.first().copied());
        assert_eq!(crate::quant::kernels(GgmlType::Q4_1).unwrap().vec_dot_impl, expected.first().copied().unwrap_or("scalar"));
    }

    /// The entries read rows through raw pointers, so they check lengths themselves.
    #[test]
    fn rows_of_different_lengths_are_refused() {
        for (name, vec_dot) in available_vec_dots(GgmlType::Q4_0) {
            let w = [0u8; 2 * size_of::<BlockQ4_0>()];
            let a = [0u8; size_of::<BlockQ8_0>()];
            let result = std::panic::catch_unwind(|| vec_dot(&w, &a));
            assert!(result.is_err(), "{name} accepted 2 weight blocks with 1 activation block");
        }
    }
}
