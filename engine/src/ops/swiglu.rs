//! The SwiGLU gate of the feed-forward network: `silu(gate) * up`, with
//! `silu(x) = x * sigmoid(x) = x / (1 + e^-x)`.
//!
//! `e^-x` is computed with ggml's vectorised approximation (`ggml_v_expf`, a degree-5
//! polynomial after range reduction, within 1.5 ulp of the true value) rather than the C
//! library's `expf`: the two differ in the last bit now and then, and since activations are
//! then rounded to 8 bits, such a bit can flip a quantized value and, a few layers later, a
//! near-tie between two tokens. Using ggml's formula keeps our tokens identical to llama.cpp's.

use crate::threadpool::{SharedSlice, ThreadPool};

/// `gate[i] = silu(gate[i]) * up[i]`, in place.
pub fn swiglu(gate: &mut [f32], up: &[f32]) {
    for (g, &u) in gate.iter_mut().zip(up) {
        *g = *g / (1.0 + expf_like_ggml(-*g)) * u;
    }
}

/// [`swiglu`] in chunks spread over the pool's threads (a batch's feed-forward activations
/// are `n_ff` values per token: for a prompt, too many for one thread to do while the others
/// wait). Every element is computed alone, so the result is the same.
pub fn swiglu_threaded(pool: &ThreadPool, gate: &mut [f32], up: &[f32]) {
    const CHUNK: usize = 4096;
    assert_eq!(gate.len(), up.len());
    let len = gate.len();
    let gate = SharedSlice::new(gate);
    pool.for_each(len.div_ceil(CHUNK), &|c| {
        let range = c * CHUNK..((c + 1) * CHUNK).min(len);
        // SAFETY: each chunk is one item, run once.
        swiglu(unsafe { gate.range(range.clone()) }, &up[range]);
    });
}

/// ggml's `ggml_v_expf` (AVX-512 and AVX2 variants), one lane at a time: `e^x = 2^n · e^b`
/// with `n = round(x / ln 2)` and `|b| ≤ ln 2 / 2`, `e^b` by a polynomial.
///
/// It is written without branches — every case is computed, then the right result selected —
/// so that a loop over it compiles to vector instructions, 8 or 16 lanes at a time, as ggml's
/// does. (It computes what a version with early returns would: a test checks every f32.)
#[inline]
pub fn expf_like_ggml(x: f32) -> f32 {
    let c = f32::from_bits;
    let r = c(0x4b40_0000); // 1.5 · 2^23: adding it rounds to an integer
    let z = x.mul_add(c(0x3fb8_aa3b), r); // x · log2(e) + r
    let n = z - r;
    // b = x - n·ln2, with ln 2 split in two parts for precision
    let b = (-n).mul_add(c(0x35bf_be8e), (-n).mul_add(c(0x3f31_7200), x));
    let u = b * b;
    let j = c(0x3c07_2010)
        .mul_add(b, c(0x3d2b_9f17))
        .mul_add(u, c(0x3e2a_af33).mul_add(b, c(0x3eff_fedb)))
        .mul_add(u, c(0x3f7f_fff6).mul_add(b, 1.0));
    // j · 2^n with a single rounding (as `vscalefps` does) when 2^n is a normal f32; beyond
    // (|n| ≤ 192, where the result is 0, subnormal or infinite anyway) in two halves.
    let n_int = n as i32; // (0 for a NaN)
    let scaled = if (-126..=127).contains(&n_int) {
        j * power_of_two(n_int)
    } else {
        let half = n_int / 2;
        j * power_of_two(half) * power_of_two(n_int - half)
    };
    let saturated = if n <= 0.0 { 0.0 } else { f32::INFINITY };
    if n.abs() > 192.0 { saturated } else { scaled }
}

/// `2^n` for `-126 ≤ n ≤ 127` (some other number otherwise, never used).
#[inline]
fn power_of_two(n: i32) -> f32 {
    f32::from_bits((n.wrapping_add(127) as u32) << 23)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swiglu_multiplies_silu_of_gate_by_up() {
        // silu(0) = 0; silu(2) = 2 / (1 + e^-2) = 1.7616
        let mut g = [0.0, 2.0];
        swiglu(&mut g, &[5.0, 3.0]);
        assert_eq!(g[0], 0.0);
        assert!((g[1] - 3.0 * 2.0 / (1.0 + (-2f32).exp())).abs() < 1e-6);
    }

    #[test]
    fn ggml_expf_is_within_two_ulp_of_exp() {
        let mut x = -87.0f32;
        while x < 88.0 {
            let (got, want) = (expf_like_ggml(x), (x as f64).exp());
            let ulp = (want as f32).to_bits().abs_diff(got.to_bits());
            assert!(ulp <= 2, "e^{x}: {got} vs {want} ({ulp} ulp)");
            x += 0.0137;
        }
        assert_eq!(expf_like_ggml(-200.0), 0.0);
        assert_eq!(expf_like_ggml(200.0), f32::INFINITY);
    }

    /// The first version of `expf_like_ggml`, with branches and a recursion: clearer, but
    /// slow in loops, which it keeps from being vectorized.
    fn expf_with_branches(x: f32) -> f32 {
        let c = f32::from_bits;
        let r = c(0x4b40_0000);
        let z = x.mul_add(c(0x3fb8_aa3b), r);
        let n = z - r;
        let b = (-n).mul_add(c(0x35bf_be8e), (-n).mul_add(c(0x3f31_7200), x));
        if n.abs() > 192.0 {
            return if n <= 0.0 { 0.0 } else { f32::INFINITY };
        }
        let u = b * b;
        let j = c(0x3c07_2010)
            .mul_add(b, c(0x3d2b_9f17))
            .mul_add(u, c(0x3e2a_af33).mul_add(b, c(0x3eff_fedb)))
            .mul_add(u, c(0x3f7f_fff6).mul_add(b, 1.0));
        scale_by_power_of_two(j, n as i32)
    }

    /// `j · 2^n` with a single rounding (as `vscalefps` does).
    fn scale_by_power_of_two(j: f32, n: i32) -> f32 {
        if (-126..=127).contains(&n) {
            j * f32::from_bits(((n + 127) as u32) << 23)
        } else {
            let half = n / 2;
            scale_by_power_of_two(scale_by_power_of_two(j, half), n - half)
        }
    }

    fn assert_equal_for(bits: impl Iterator<Item = u32>) {
        let xs: Vec<f32> = bits.map(f32::from_bits).collect();
        let got: Vec<f32> = xs.iter().map(|&x| expf_like_ggml(x)).collect();
        for (&x, &got) in xs.iter().zip(&got) {
            let want = expf_with_branches(x);
            let same = got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan());
            assert!(same, "e^{x:e} ({:#x}): {got:e} != {want:e}", x.to_bits());
        }
    }

    #[test]
    fn branch_free_expf_equals_the_version_with_branches() {
        // Every 251st f32, and every f32 where the cases change: where 2^n stops being a
        // normal number (|x| near 87.3 and 88.7) and where the result saturates (near 133).
        assert_equal_for((0..=u32::MAX).step_by(251));
        for edge in [87.3f32, 88.0, 88.7, 133.0, 133.4] {
            for sign in [1.0, -1.0] {
                let bits = (sign * edge).to_bits();
                assert_equal_for(bits - (1 << 17)..bits + (1 << 17));
            }
        }
    }
}
