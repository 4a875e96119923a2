//! Helpers shared by the k-quant reference quantizers (ggml-quants.c: `nearest_int`,
//! `make_qx_quants`, `make_q3_quants`, `make_qkx2_quants`, `get_scale_min_k4`), and the 8-lane
//! accumulation that ggml's generic k-quant dot products share.
//!
//! Each sub-block of a k-quant gets its own scale (and, in Q2_K, Q4_K and Q5_K, its own minimum),
//! found by a small search that minimises a weighted squared or absolute error instead of just
//! mapping the largest weight to the largest code. The searches are ported operation for
//! operation, in the same order: model files must come out byte-identical to llama-quantize's,
//! and a single differently rounded float can flip a code.

/// Below this magnitude a group of weights counts as all zero (ggml's `GROUP_MAX_EPS`).
pub(crate) const GROUP_MAX_EPS: f32 = 1e-15;

/// Rounds to the nearest integer, ties to even, for `|fval| <= 4194303` (ggml's `nearest_int`).
///
/// Adding 1.5·2²³ pushes the value into the binade where the spacing of f32 is exactly 1, so
/// the hardware's round-to-nearest-even does the rounding and the integer is read back from the
/// low mantissa bits. Out of range the result is meaningless, exactly as in ggml, whose
/// assertion on the range is compiled out in release builds; we keep the same bits rather than
/// panic, so that such inputs still quantize like llama-quantize does.
pub(crate) fn nearest_int(fval: f32) -> i32 {
    let val = fval + 12_582_912.0;
    let bits = val.to_bits() as i32;
    (bits & 0x007f_ffff) - 0x0040_0000
}

/// The value of largest magnitude in `x`, signed, and that magnitude (the first one on ties).
fn signed_max(x: &[f32]) -> (f32, f32) {
    let mut max = 0.0f32;
    let mut amax = 0.0f32;
    for &v in x {
        let ax = v.abs();
        if ax > amax {
            amax = ax;
            max = v;
        }
    }
    (max, amax)
}

/// Symmetric quantization of `x` to codes `0..2·nmax` (stored with `+nmax` offset in `l`),
/// returning the scale: `x[i] ≈ scale · (l[i] - nmax)` (ggml's `make_qx_quants`).
///
/// The starting scale maps the value of largest magnitude to `-nmax`. With `rmse_type == 0`
/// that is the answer. Otherwise the scale is refit by weighted least squares and 18 nearby
/// starting scales are tried, keeping the one with the smallest weighted error. The weight of
/// `x[i]` is `qw[i]` when given, else by `rmse_type`: 1 → x², 2 → 1, 3 → |x|, other → √|x|.
/// A negative `rmse_type` stops after the first refit and returns the mean of both scales.
pub(crate) fn make_qx_quants(nmax: i32, x: &[f32], l: &mut [i8], rmse_type: i32, qw: Option<&[f32]>) -> f32 {
    let (max, amax) = signed_max(x);
    if amax < GROUP_MAX_EPS {
        l.fill(0);
        return 0.0;
    }
    let clamp = |q: i32| q.clamp(-nmax, nmax - 1);
    let mut iscale = -nmax as f32 / max;
    if rmse_type == 0 {
        for (li, &xi) in l.iter_mut().zip(x) {
            *li = (nmax + clamp(nearest_int(iscale * xi))) as i8;
        }
        return 1.0 / iscale;
    }
    let return_early = rmse_type < 0;
    let rmse_type = rmse_type.abs();
    let weight = |i: usize| match (qw, rmse_type) {
        (Some(qw), _) => qw[i],
        (None, 1) => x[i] * x[i],
        (None, 2) => 1.0,
        (None, 3) => x[i].abs(),
        (None, _) => x[i].abs().sqrt(),
    };

    // Σ w·x·q and Σ w·q² for the codes that `iscale` gives; their ratio is the best scale for
    // those codes, and sumlx²/suml2 grows as the weighted error shrinks.
    let sums_for = |iscale: f32| {
        let (mut sumlx, mut suml2) = (0.0f32, 0.0f32);
        for (i, &xi) in x.iter().enumerate() {
            let q = clamp(nearest_int(iscale * xi)) as f32;
            let w = weight(i);
            sumlx += w * xi * q;
            suml2 += w * q * q;
        }
        (sumlx, suml2)
    };

    let (sumlx, suml2) = sums_for(iscale);
    for (li, &xi) in l.iter_mut().zip(x) {
        *li = (clamp(nearest_int(iscale * xi)) + nmax) as i8;
    }
    let mut scale = if suml2 != 0.0 { sumlx / suml2 } else { 0.0 };
    if return_early {
        return if suml2 > 0.0 { 0.5 * (scale + 1.0 / iscale) } else { 1.0 / iscale };
    }
    let mut best = scale * sumlx;
    for is in (-9..=9).filter(|&is| is != 0) {
        iscale = -(nmax as f32 + 0.1 * is as f32) / max;
        let (sumlx, suml2) = sums_for(iscale);
        if suml2 > 0.0 && sumlx * sumlx > best * suml2 {
            for (li, &xi) in l.iter_mut().zip(x) {
                *li = (nmax + clamp(nearest_int(iscale * xi))) as i8;
            }
            scale = sumlx / suml2;
            best = scale * sumlx;
        }
    }
    scale
}

/// Symmetric quantization of `x` to codes `0..2·nmax` (stored with `+nmax` offset in `l`),
/// returning the scale (ggml's `make_q3_quants`).
///
/// With `do_rmse`, the codes start from "largest magnitude → `-nmax`" and are then improved one
/// at a time: each code is moved to the value that is best given all the others, if that lowers
/// the x²-weighted error, for up to 5 sweeps; the scale returned is the least-squares fit.
pub(crate) fn make_q3_quants(nmax: i32, x: &[f32], l: &mut [i8], do_rmse: bool) -> f32 {
    let (max, amax) = signed_max(x);
    if amax < GROUP_MAX_EPS {
        l.fill(0);
        return 0.0;
    }
    let clamp = |q: i32| q.clamp(-nmax, nmax - 1);
    let iscale = -nmax as f32 / max;
    if !do_rmse {
        for (li, &xi) in l.iter_mut().zip(x) {
            *li = (clamp(nearest_int(iscale * xi)) + nmax) as i8;
        }
        return 1.0 / iscale;
    }

    // Work on signed codes first; the +nmax offset is added at the end.
    let (mut sumlx, mut suml2) = (0.0f32, 0.0f32);
    for (li, &xi) in l.iter_mut().zip(x) {
        let q = clamp(nearest_int(iscale * xi));
        *li = q as i8;
        let w = xi * xi;
        sumlx += w * xi * q as f32;
        suml2 += w * q as f32 * q as f32;
    }
    for _ in 0..5 {
        let mut n_changed = 0;
        for (li, &xi) in l.iter_mut().zip(x) {
            let w = xi * xi;
            let old = *li as f32;
            // The sums without weight i: the best code for it is then x·Σq²/Σxq.
            let mut slx = sumlx - w * xi * old;
            if slx > 0.0 {
                let mut sl2 = suml2 - w * old * old;
                let new_l = clamp(nearest_int(xi * sl2 / slx));
                if new_l != *li as i32 {
                    slx += w * xi * new_l as f32;
                    sl2 += w * new_l as f32 * new_l as f32;
                    // Keep the change if it raises (Σxq)²/Σq², i.e. lowers the error.
                    if sl2 > 0.0 && slx * slx * suml2 > sumlx * sumlx * sl2 {
                        *li = new_l as i8;
                        sumlx = slx;
                        suml2 = sl2;
                        n_changed += 1;
                    }
                }
            }
        }
        if n_changed == 0 {
            break;
        }
    }
    for li in l.iter_mut() {
        *li += nmax as i8;
    }
    if suml2 > 0.0 { sumlx / suml2 } else { 0.0 }
}

/// The search parameters of [`make_qkx2_quants`]: starting scales `(nmax + rmin + rdelta·k) /
/// (max - min)` for `k` in `0..=nstep` are tried; `use_mad` measures the error as |diff|
/// instead of diff².
pub(crate) struct Qkx2Search {
    pub rmin: f32,
    pub rdelta: f32,
    pub nstep: i32,
    pub use_mad: bool,
}

/// Asymmetric quantization of `x` to codes `0..=nmax` in `l`, with `x[i] ≈ scale · l[i] - min`;
/// returns `(scale, min)` with `min >= 0` (ggml's `make_qkx2_quants`).
///
/// The offset `-min` is never positive: the range always reaches down to 0, and in a sub-block
/// of positive weights code 0 decodes to exactly 0.
/// For each starting scale of `search`, the codes it gives are fixed and scale and minimum are
/// refit by weighted least squares; the pair with the smallest weighted error wins.
pub(crate) fn make_qkx2_quants(nmax: i32, x: &[f32], weights: &[f32], l: &mut [u8], search: &Qkx2Search) -> (f32, f32) {
    let n = x.len();
    let mut min = x[0];
    let mut max = x[0];
    let mut sum_w = weights[0];
    let mut sum_x = sum_w * x[0];
    for i in 1..n {
        if x[i] < min {
            min = x[i];
        }
        if x[i] > max {
            max = x[i];
        }
        sum_w += weights[i];
        sum_x += weights[i] * x[i];
    }
    if min > 0.0 {
        min = 0.0;
    }
    if max == min {
        l.fill(0);
        return (0.0, -min);
    }

    let error_of = |diff: f32| if search.use_mad { diff.abs() } else { diff * diff };
    let code_for = |iscale: f32, xi: f32, min: f32| nearest_int(iscale * (xi - min)).clamp(0, nmax) as u8;

    let iscale = nmax as f32 / (max - min);
    let mut scale = 1.0 / iscale;
    let mut best_error = 0.0f32;
    for i in 0..n {
        l[i] = code_for(iscale, x[i], min);
        let diff = scale * l[i] as f32 + min - x[i];
        best_error += weights[i] * error_of(diff);
    }
    if search.nstep < 1 {
        return (scale, -min);
    }

    // The codes of the candidate being tried (sub-blocks have at most 32 weights).
    let mut laux_buf = [0u8; 32];
    let laux = &mut laux_buf[..n];
    // Note that `min` is the best minimum so far: once a candidate wins, the later starting
    // scales and codes are taken relative to its minimum, as in ggml.
    for is in 0..=search.nstep {
        let iscale = (search.rmin + search.rdelta * is as f32 + nmax as f32) / (max - min);
        let (mut sum_l, mut sum_l2, mut sum_xl) = (0.0f32, 0.0f32, 0.0f32);
        for i in 0..n {
            laux[i] = code_for(iscale, x[i], min);
            let q = laux[i] as f32;
            let w = weights[i];
            sum_l += w * q;
            sum_l2 += w * q * q;
            sum_xl += w * q * x[i];
        }
        // Normal equations of the weighted fit x ≈ scale·q + m, solved by Cramer's rule.
        let det = sum_w * sum_l2 - sum_l * sum_l;
        if det > 0.0 {
            let mut this_scale = (sum_w * sum_xl - sum_x * sum_l) / det;
            let mut this_min = (sum_l2 * sum_x - sum_l * sum_xl) / det;
            if this_min > 0.0 {
                // A positive offset is not representable: refit the scale alone.
                this_min = 0.0;
                this_scale = sum_xl / sum_l2;
            }
            let mut cur_error = 0.0f32;
            for i in 0..n {
                let diff = this_scale * laux[i] as f32 + this_min - x[i];
                cur_error += weights[i] * error_of(diff);
            }
            if cur_error < best_error {
                l.copy_from_slice(laux);
                best_error = cur_error;
                scale = this_scale;
                min = this_min;
            }
        }
    }
    (scale, -min)
}

/// The 6-bit scale and 6-bit minimum of sub-block `j` (0..8) of a Q4_K or Q5_K super-block
/// (ggml's `get_scale_min_k4`).
///
/// The 12 bytes hold 16 six-bit numbers: bytes 0..4 are the scales of sub-blocks 0..4 and
/// bytes 4..8 their minimums, in the low 6 bits. Sub-blocks 4..8 keep their low 4 bits in
/// the nibbles of bytes 8..12 (scale low, minimum high) and their top 2 bits in the spare
/// top bits of bytes 0..4 (scales) and 4..8 (minimums).
pub(crate) fn get_scale_min_k4(j: usize, q: &[u8; 12]) -> (u8, u8) {
    if j < 4 {
        (q[j] & 63, q[j + 4] & 63)
    } else {
        let d = (q[j + 4] & 0x0F) | ((q[j - 4] >> 6) << 4);
        let m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
        (d, m)
    }
}

/// The inverse of [`get_scale_min_k4`] for all 8 sub-blocks at once: packs 6-bit scales `ls`
/// and minimums `lm` the way `quantize_row_q4_K_ref` and `quantize_row_q5_K_ref` do.
pub(crate) fn pack_scale_min_k4(ls: &[u8; 8], lm: &[u8; 8]) -> [u8; 12] {
    let mut q = [0u8; 12];
    for j in 0..8 {
        if j < 4 {
            q[j] = ls[j];
            q[j + 4] = lm[j];
        } else {
            q[j + 4] = (ls[j] & 0x0F) | ((lm[j] & 0x0F) << 4);
            q[j - 4] |= (ls[j] >> 4) << 6;
            q[j] |= (lm[j] >> 4) << 6;
        }
    }
    q
}

/// The 8-lane accumulation of ggml's generic k-quant dot products.
///
/// ggml sums the integer products of a super-block into 8 `i32` lanes (so that compilers can
/// vectorize the scalar code), scales each lane into its own float accumulator, and adds the 8
/// floats only at the very end. Float addition is not associative, so we keep the same lanes to
/// get the same float result.
pub(crate) struct Lanes {
    sums: [f32; 8],
}

impl Lanes {
    pub(crate) fn new() -> Lanes {
        Lanes { sums: [0.0; 8] }
    }

    /// Adds one super-block: `d` times each integer lane.
    pub(crate) fn add_block(&mut self, d: f32, aux32: &[i32; 8]) {
        for (s, &a) in self.sums.iter_mut().zip(aux32) {
            *s += d * a as f32;
        }
    }

    /// `start` plus the 8 lanes, in lane order.
    pub(crate) fn finish(&self, start: f32) -> f32 {
        self.sums.iter().fold(start, |acc, &s| acc + s)
    }
}

/// Adds `scale · q8[l] · w[l]` for 16 consecutive values into the 8 lanes: two groups of 8,
/// lane `l` taking element `l` of each (the inner step of ggml's generic k-quant dots).
pub(crate) fn accumulate_16(aux32: &mut [i32; 8], scale: i32, q8: &[i8], w: &[i8]) {
    for (q8, w) in q8[..16].chunks_exact(8).zip(w[..16].chunks_exact(8)) {
        for l in 0..8 {
            // An i16 in ggml; the product of an i8 and a code of at most 6 bits never overflows it.
            aux32[l] += scale * (q8[l] as i32 * w[l] as i32);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_int_rounds_half_to_even() {
        assert_eq!(nearest_int(0.5), 0);
        assert_eq!(nearest_int(1.5), 2);
        assert_eq!(nearest_int(2.5), 2);
        assert_eq!(nearest_int(-0.5), 0);
        assert_eq!(nearest_int(-1.5), -2);
        assert_eq!(nearest_int(-3.7), -4);
        assert_eq!(nearest_int(4194303.0), 4194303);
    }

    #[test]
    fn scale_min_packing_round_trips_through_get_scale_min_k4() {
        // Values that use all 6 bits, so each of the two high bits lands somewhere checkable.
        let ls = [0, 1, 63, 32, 17, 48, 63, 5];
        let lm = [63, 62, 0, 31, 33, 16, 2, 63];
        let q = pack_scale_min_k4(&ls, &lm);
        for j in 0..8 {
            assert_eq!(get_scale_min_k4(j, &q), (ls[j], lm[j]), "sub-block {j}");
        }
        // Sub-block 5: scale 48 = 0b11_0000 → low nibble 0 in byte 9, top bits 0b11 in byte 1;
        // minimum 16 = 0b01_0000 → high nibble of byte 9 is 0, top bits 0b01 in byte 5.
        assert_eq!(q[9], 0x00);
        assert_eq!(q[1] >> 6, 0b11);
        assert_eq!(q[5] >> 6, 0b01);
        assert_eq!(q[1] & 63, 1, "sub-block 1's own scale is untouched");
    }

    #[test]
    fn make_qkx2_quants_hits_an_exact_grid() {
        // x = 0.5·q - 1 for q = 0..=15 is exactly representable: scale 0.5, min 1.
        let x: Vec<f32> = (0..16).map(|q| 0.5 * q as f32 - 1.0).collect();
        let w = vec![1.0; 16];
        let mut l = [0u8; 16];
        let search = Qkx2Search { rmin: -1.0, rdelta: 0.1, nstep: 20, use_mad: false };
        let (scale, min) = make_qkx2_quants(15, &x, &w, &mut l, &search);
        assert_eq!((scale, min), (0.5, 1.0));
        assert_eq!(l.to_vec(), (0..16).collect::<Vec<u8>>());
    }
}
