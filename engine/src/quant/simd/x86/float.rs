//! Plain float rows — F32, F16, BF16 — dotted in f32 with FMA: 256-bit for the `avx2` level,
//! 512-bit for the `avx512vnni` one.
//!
//! The formats differ only in how eight (or sixteen) values become f32 lanes ([`Floats`]):
//! F32 loads them, F16 converts with F16C's `vcvtph2ps`, BF16 is the top half of an f32
//! so a zero-extending shift by 16 does it. The scalar references accumulate in f64; these
//! keep four f32 accumulators, so for a 4096-wide row each lane adds 128 (256-bit) or 64
//! (512-bit) products, each with one rounding of at most 2⁻²⁴ relative, far inside the
//! tests' bound. Rows may have any length (a "block" is one value): a remainder of fewer
//! than eight values is done one at a time.

use std::arch::x86_64::*;

use super::avx2::{hsum, prefetch_ahead, read_u16};
use crate::quant::VecDotFn;
use crate::tensor::GgmlType;

/// How one float format becomes f32 lanes.
trait Floats {
    /// Bytes per value.
    const BYTES: usize;
    /// Eight values at `p`.
    unsafe fn load8(p: *const u8) -> __m256;
    /// Sixteen values at `p` (needs AVX-512 F).
    unsafe fn load16(p: *const u8) -> __m512;
    /// One value at `p`.
    unsafe fn load1(p: *const u8) -> f32;
}

struct F32;

impl Floats for F32 {
    const BYTES: usize = 4;

    #[inline(always)]
    unsafe fn load8(p: *const u8) -> __m256 {
        unsafe { _mm256_loadu_ps(p.cast()) }
    }

    #[inline(always)]
    unsafe fn load16(p: *const u8) -> __m512 {
        unsafe { _mm512_loadu_ps(p.cast()) }
    }

    #[inline(always)]
    unsafe fn load1(p: *const u8) -> f32 {
        unsafe { p.cast::<f32>().read_unaligned() }
    }
}

struct F16;

impl Floats for F16 {
    const BYTES: usize = 2;

    #[inline(always)]
    unsafe fn load8(p: *const u8) -> __m256 {
        unsafe { _mm256_cvtph_ps(_mm_loadu_si128(p.cast())) }
    }

    #[inline(always)]
    unsafe fn load16(p: *const u8) -> __m512 {
        unsafe { _mm512_cvtph_ps(_mm256_loadu_si256(p.cast())) }
    }

    #[inline(always)]
    unsafe fn load1(p: *const u8) -> f32 {
        unsafe { _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(read_u16(p) as i32))) }
    }
}

struct BF16;

impl Floats for BF16 {
    const BYTES: usize = 2;

    #[inline(always)]
    unsafe fn load8(p: *const u8) -> __m256 {
        unsafe { _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128(p.cast())), 16)) }
    }

    #[inline(always)]
    unsafe fn load16(p: *const u8) -> __m512 {
        unsafe { _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_loadu_si256(p.cast())), 16)) }
    }

    #[inline(always)]
    unsafe fn load1(p: *const u8) -> f32 {
        unsafe { f32::from_bits((read_u16(p) as u32) << 16) }
    }
}

/// Σ xᵢ·yᵢ over `n` values, 256-bit: 32 values per step in four accumulators.
#[inline(always)]
unsafe fn dot256<F: Floats>(x: *const u8, y: *const u8, n: usize) -> f32 {
    unsafe {
        let at = |p: *const u8, i: usize| p.add(i * F::BYTES);
        let mut acc = [_mm256_setzero_ps(); 4];
        let mut i = 0;
        while i + 32 <= n {
            prefetch_ahead(at(x, i), 32 * F::BYTES);
            for (k, acc) in acc.iter_mut().enumerate() {
                *acc = _mm256_fmadd_ps(F::load8(at(x, i + 8 * k)), F::load8(at(y, i + 8 * k)), *acc);
            }
            i += 32;
        }
        while i + 8 <= n {
            acc[0] = _mm256_fmadd_ps(F::load8(at(x, i)), F::load8(at(y, i)), acc[0]);
            i += 8;
        }
        let mut sum = hsum(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])));
        while i < n {
            sum += F::load1(at(x, i)) * F::load1(at(y, i));
            i += 1;
        }
        sum
    }
}

/// Σ xᵢ·yᵢ over `n` values, 512-bit: 64 values per step in four accumulators, the last
/// fewer than 64 by [`dot256`].
#[inline(always)]
unsafe fn dot512<F: Floats>(x: *const u8, y: *const u8, n: usize) -> f32 {
    unsafe {
        let at = |p: *const u8, i: usize| p.add(i * F::BYTES);
        let mut acc = [_mm512_setzero_ps(); 4];
        let mut i = 0;
        while i + 64 <= n {
            prefetch_ahead(at(x, i), 64 * F::BYTES);
            for (k, acc) in acc.iter_mut().enumerate() {
                *acc = _mm512_fmadd_ps(F::load16(at(x, i + 16 * k)), F::load16(at(y, i + 16 * k)), *acc);
            }
            i += 64;
        }
        let sum = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(acc[0], acc[1]), _mm512_add_ps(acc[2], acc[3])));
        sum + dot256::<F>(at(x, i), at(y, i), n - i)
    }
}

/// The `avx2` level's float `vec_dot` for `ty`, if this CPU has AVX2, FMA and F16C.
pub(super) fn avx2_vec_dot(ty: GgmlType) -> Option<VecDotFn> {
    if !(is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") && is_x86_feature_detected!("f16c")) {
        return None;
    }
    macro_rules! kernel {
        ($floats:ty) => {{
            #[target_feature(enable = "avx2,fma,f16c")]
            unsafe fn kernel(x: *const u8, y: *const u8, n: usize) -> f32 {
                unsafe { dot256::<$floats>(x, y, n) }
            }
            entry!(kernel, <$floats>::BYTES, <$floats>::BYTES)
        }};
    }
    match ty {
        GgmlType::F32 => Some(kernel!(F32)),
        GgmlType::F16 => Some(kernel!(F16)),
        GgmlType::BF16 => Some(kernel!(BF16)),
        _ => None,
    }
}

/// The `avx512vnni` level's float `vec_dot` for `ty`, if this CPU has that level's features.
pub(super) fn avx512_vec_dot(ty: GgmlType) -> Option<VecDotFn> {
    let detected = is_x86_feature_detected!("avx512f")
        && is_x86_feature_detected!("avx512bw")
        && is_x86_feature_detected!("avx512vl")
        && is_x86_feature_detected!("avx512vnni")
        && is_x86_feature_detected!("avx2")
        && is_x86_feature_detected!("fma")
        && is_x86_feature_detected!("f16c");
    if !detected {
        return None;
    }
    macro_rules! kernel {
        ($floats:ty) => {{
            #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")]
            unsafe fn kernel(x: *const u8, y: *const u8, n: usize) -> f32 {
                unsafe { dot512::<$floats>(x, y, n) }
            }
            entry!(kernel, <$floats>::BYTES, <$floats>::BYTES)
        }};
    }
    match ty {
        GgmlType::F32 => Some(kernel!(F32)),
        GgmlType::F16 => Some(kernel!(F16)),
        GgmlType::BF16 => Some(kernel!(BF16)),
        _ => None,
    }
}
