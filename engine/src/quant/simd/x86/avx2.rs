//! 256-bit kernels, one 32-weight block per step, as llama.cpp's AVX2 paths do it.
//!
//! Each kernel is written once, generic over [`ByteDot`] (the step that multiplies bytes),
//! and instantiated for two levels: `avx2` (`vpmaddubsw` + `vpmaddwd`) and `avxvnni`
//! (`vpdpbusd`). The AVX-512 level reuses them, with EVEX `vpdpbusd`, for a row's last block
//! when the row has an odd number of blocks.
//!
//! The generic functions are `#[inline(always)]` and have no target features of their own:
//! they are compiled inside the `#[target_feature]` function that instantiates them, with
//! that function's features (the `memchr` crate's pattern). Calling one anywhere else would
//! run instructions the CPU may lack; only the instantiations below, and `avx512`'s, do.

use std::arch::x86_64::*;
use std::mem::{offset_of, size_of};

use crate::quant::VecDotFn;
use crate::quant::q4_0::BlockQ4_0;
use crate::quant::q4_1::BlockQ4_1;
use crate::quant::q5_0::BlockQ5_0;
use crate::quant::q5_1::BlockQ5_1;
use crate::quant::q8_0::BlockQ8_0;
use crate::quant::q8_1::BlockQ8_1;
use crate::tensor::GgmlType;

/// How a kernel multiplies 32 unsigned bytes by 32 signed bytes: eight i32 lanes, each the
/// sum of four adjacent products. Before AVX-VNNI-INT8, x86 has no signed × signed byte
/// multiply, so the kernels arrange for one side to be unsigned.
pub(super) trait ByteDot {
    /// Whether [`ByteDot::dot`] is one instruction. Kernels then prefer a second dot to the
    /// byte operations that would otherwise make a signed side unsigned.
    const ONE_INSTRUCTION: bool;
    /// `acc + Σ u·s` over each group of four bytes (`u` unsigned, `s` signed).
    unsafe fn dot(acc: __m256i, u: __m256i, s: __m256i) -> __m256i;
}

/// AVX2: `vpmaddubsw` multiplies and adds pairs into saturating i16, `vpmaddwd` by ones
/// adds pairs of those into i32. Nothing saturates here: the unsigned side is at most 128
/// in every kernel (a 4- or 5-bit code, or |i8|), so a pair lies in
/// [2·128·(−128), 2·128·127] = [−32768, 32512], inside i16.
pub(super) struct Maddubs;

impl ByteDot for Maddubs {
    const ONE_INSTRUCTION: bool = false;

    #[inline(always)]
    unsafe fn dot(acc: __m256i, u: __m256i, s: __m256i) -> __m256i {
        unsafe {
            let pairs = _mm256_maddubs_epi16(u, s);
            _mm256_add_epi32(acc, _mm256_madd_epi16(pairs, _mm256_set1_epi16(1)))
        }
    }
}

/// AVX-VNNI: VEX-encoded `vpdpbusd`, straight to i32.
pub(super) struct AvxVnni;

impl ByteDot for AvxVnni {
    const ONE_INSTRUCTION: bool = true;

    #[inline(always)]
    unsafe fn dot(acc: __m256i, u: __m256i, s: __m256i) -> __m256i {
        unsafe { _mm256_dpbusd_avx_epi32(acc, u, s) }
    }
}

/// AVX-512 VNNI + VL: EVEX-encoded `vpdpbusd` on 256-bit registers.
pub(super) struct Avx512Vnni;

impl ByteDot for Avx512Vnni {
    const ONE_INSTRUCTION: bool = true;

    #[inline(always)]
    unsafe fn dot(acc: __m256i, u: __m256i, s: __m256i) -> __m256i {
        unsafe { _mm256_dpbusd_epi32(acc, u, s) }
    }
}

// ---- Helpers shared by the kernels (and by `avx512`) ----

#[inline(always)]
pub(super) unsafe fn read_u16(p: *const u8) -> u16 {
    unsafe { p.cast::<u16>().read_unaligned() }
}

#[inline(always)]
pub(super) unsafe fn read_u32(p: *const u8) -> u32 {
    unsafe { p.cast::<u32>().read_unaligned() }
}

#[inline(always)]
unsafe fn load(p: *const u8) -> __m256i {
    unsafe { _mm256_loadu_si256(p.cast()) }
}

/// `dx·dy` in every lane, from the f16 scales at `xd` and `yd`. F16C converts both at once.
#[inline(always)]
unsafe fn scale(xd: *const u8, yd: *const u8) -> __m256 {
    unsafe {
        let halves = read_u16(xd) as u32 | (read_u16(yd) as u32) << 16;
        let d = _mm_cvtph_ps(_mm_cvtsi32_si128(halves as i32)); // [dx, dy, 0, 0]
        _mm256_broadcastss_ps(_mm_mul_ss(d, _mm_movehdup_ps(d)))
    }
}

/// For blocks that start with two f16s — Q4_1/Q5_1 `d, m` and Q8_1 `d, s` — the vector
/// `[dx·dy, m·s, _, _]`: the factor of the block's integer dot, and its minimum term
/// (`m·Σ dy·y = m·s`, which is why Q8_1 stores `s`).
#[inline(always)]
unsafe fn scale_and_min(x: *const u8, y: *const u8) -> __m128 {
    unsafe {
        let halves = _mm_unpacklo_epi32(_mm_cvtsi32_si128(read_u32(x) as i32), _mm_cvtsi32_si128(read_u32(y) as i32));
        let v = _mm_cvtph_ps(halves); // [dx, m, dy, s]
        _mm_mul_ps(v, _mm_movehl_ps(v, v)) // [dx·dy, m·s, dy·dy, s·s]
    }
}

/// The 32 4-bit codes of a Q4/Q5 block as bytes in 0..=15, in weight order: byte j of `qs`
/// holds weight j in its low nibble and weight j + 16 in its high one.
#[inline(always)]
unsafe fn nibbles(qs: *const u8) -> __m256i {
    unsafe {
        let packed = _mm_loadu_si128(qs.cast());
        // 16-bit shifts leak the neighbouring byte's bits in; the mask drops them.
        let both = _mm256_set_m128i(_mm_srli_epi16(packed, 4), packed);
        _mm256_and_si256(both, _mm256_set1_epi8(0x0F))
    }
}

/// 0xFF in byte j where bit j of the little-endian u32 at `qh` is set, else 0 (Q5 blocks keep
/// their codes' fifth bits there).
#[inline(always)]
unsafe fn bytes_from_bits(qh: *const u8) -> __m256i {
    unsafe {
        // Byte j gets byte j / 8 of qh (the shuffle works within 128-bit halves, so each half
        // indexes its own copy of the four bytes)…
        let spread = _mm256_shuffle_epi8(
            _mm256_set1_epi32(read_u32(qh) as i32),
            _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0),
        );
        // …then every bit but bit j % 8 is set: the byte is all ones iff that bit was set.
        let probed = _mm256_or_si256(spread, _mm256_set1_epi64x(0x7FBF_DFEF_F7FB_FDFE));
        _mm256_cmpeq_epi8(probed, _mm256_set1_epi8(-1))
    }
}

/// Σ x·y over groups of four bytes, both signed: move x's sign onto y, x·y = |x|·(±y).
/// Wrong only where y = −128 meets a negative x (negating −128 wraps); activations never
/// hold −128, the reference quantizers round into −127..=127.
#[inline(always)]
unsafe fn signed_dot<D: ByteDot>(x: __m256i, y: __m256i) -> __m256i {
    unsafe { D::dot(_mm256_setzero_si256(), _mm256_sign_epi8(x, x), _mm256_sign_epi8(y, x)) }
}

#[inline(always)]
unsafe fn hsum(v: __m256) -> f32 {
    unsafe {
        let s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
        let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
        _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)))
    }
}

// ---- Kernels: (weight row, activation row, number of blocks) → dot product ----

/// Q4_0 · Q8_0: Σ dx·dy·Σ (q − 8)·y.
#[inline(always)]
pub(super) unsafe fn q4_0_q8_0<D: ByteDot>(x: *const u8, y: *const u8, blocks: usize) -> f32 {
    unsafe {
        let mut acc = _mm256_setzero_ps();
        for i in 0..blocks {
            let xb = x.add(i * size_of::<BlockQ4_0>());
            let yb = y.add(i * size_of::<BlockQ8_0>());
            let q = nibbles(xb.add(offset_of!(BlockQ4_0, qs)));
            let a = load(yb.add(offset_of!(BlockQ8_0, qs)));
            let sumi = if D::ONE_INSTRUCTION {
                // Keep the codes unsigned: Σ (q − 8)·y = Σ q·y − Σ 8·y.
                let zero = _mm256_setzero_si256();
                _mm256_sub_epi32(D::dot(zero, q, a), D::dot(zero, _mm256_set1_epi8(8), a))
            } else {
                signed_dot::<D>(_mm256_sub_epi8(q, _mm256_set1_epi8(8)), a)
            };
            let d = scale(xb.add(offset_of!(BlockQ4_0, d)), yb.add(offset_of!(BlockQ8_0, d)));
            acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(sumi), acc);
        }
        hsum(acc)
    }
}

/// Q4_1 · Q8_1: Σ dx·dy·Σ q·y + m·s. The codes are already unsigned.
#[inline(always)]
pub(super) unsafe fn q4_1_q8_1<D: ByteDot>(x: *const u8, y: *const u8, blocks: usize) -> f32 {
    unsafe {
        let mut acc = _mm256_setzero_ps();
        let mut mins = _mm_setzero_ps(); // only lane 1, the m·s terms, is used
        for i in 0..blocks {
            let xb = x.add(i * size_of::<BlockQ4_1>());
            let yb = y.add(i * size_of::<BlockQ8_1>());
            let q = nibbles(xb.add(offset_of!(BlockQ4_1, qs)));
            let a = load(yb.add(offset_of!(BlockQ8_1, qs)));
            let sumi = D::dot(_mm256_setzero_si256(), q, a);
            let dm = scale_and_min(xb.add(offset_of!(BlockQ4_1, d)), yb.add(offset_of!(BlockQ8_1, d)));
            acc = _mm256_fmadd_ps(_mm256_broadcastss_ps(dm), _mm256_cvtepi32_ps(sumi), acc);
            mins = _mm_add_ps(mins, dm);
        }
        hsum(acc) + _mm_cvtss_f32(_mm_movehdup_ps(mins))
    }
}

/// Q5_0 · Q8_0: Σ dx·dy·Σ (q − 16)·y, q = low nibble + 16·fifth bit.
#[inline(always)]
pub(super) unsafe fn q5_0_q8_0<D: ByteDot>(x: *const u8, y: *const u8, blocks: usize) -> f32 {
    unsafe {
        let mut acc = _mm256_setzero_ps();
        for i in 0..blocks {
            let xb = x.add(i * size_of::<BlockQ5_0>());
            let yb = y.add(i * size_of::<BlockQ8_0>());
            let low = nibbles(xb.add(offset_of!(BlockQ5_0, qs)));
            let high = bytes_from_bits(xb.add(offset_of!(BlockQ5_0, qh)));
            let a = load(yb.add(offset_of!(BlockQ8_0, qs)));
            let sumi = if D::ONE_INSTRUCTION {
                // Σ (q − 16)·y = Σ q·y − Σ 16·y with q unsigned.
                let q = _mm256_or_si256(low, _mm256_and_si256(high, _mm256_set1_epi8(0x10)));
                let zero = _mm256_setzero_si256();
                _mm256_sub_epi32(D::dot(zero, q, a), D::dot(zero, _mm256_set1_epi8(16), a))
            } else {
                // Set the top four bits where the fifth bit is clear: as an i8 that byte is
                // low − 16, and where it is set, low + 16 − 16 = low. No subtraction needed.
                let w = _mm256_or_si256(low, _mm256_andnot_si256(high, _mm256_set1_epi8(0xF0u8 as i8)));
                signed_dot::<D>(w, a)
            };
            let d = scale(xb.add(offset_of!(BlockQ5_0, d)), yb.add(offset_of!(BlockQ8_0, d)));
            acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(sumi), acc);
        }
        hsum(acc)
    }
}

/// Q5_1 · Q8_1: Σ dx·dy·Σ q·y + m·s, q = low nibble + 16·fifth bit (unsigned).
#[inline(always)]
pub(super) unsafe fn q5_1_q8_1<D: ByteDot>(x: *const u8, y: *const u8, blocks: usize) -> f32 {
    unsafe {
        let mut acc = _mm256_setzero_ps();
        let mut mins = _mm_setzero_ps(); // only lane 1, the m·s terms, is used
        for i in 0..blocks {
            let xb = x.add(i * size_of::<BlockQ5_1>());
            let yb = y.add(i * size_of::<BlockQ8_1>());
            let low = nibbles(xb.add(offset_of!(BlockQ5_1, qs)));
            let high = bytes_from_bits(xb.add(offset_of!(BlockQ5_1, qh)));
            let q = _mm256_or_si256(low, _mm256_and_si256(high, _mm256_set1_epi8(0x10)));
            let a = load(yb.add(offset_of!(BlockQ8_1, qs)));
            let sumi = D::dot(_mm256_setzero_si256(), q, a);
            let dm = scale_and_min(xb.add(offset_of!(BlockQ5_1, d)), yb.add(offset_of!(BlockQ8_1, d)));
            acc = _mm256_fmadd_ps(_mm256_broadcastss_ps(dm), _mm256_cvtepi32_ps(sumi), acc);
            mins = _mm_add_ps(mins, dm);
        }
        hsum(acc) + _mm_cvtss_f32(_mm_movehdup_ps(mins))
    }
}

/// Q8_0 · Q8_0 (`B = BlockQ8_0`) and Q8_1 · Q8_1 (`B = BlockQ8_1`, whose `s` is not
/// needed): Σ dx·dy·Σ x·y. Both layouts start with `d`; `QS` is where the codes start.
#[inline(always)]
pub(super) unsafe fn q8_q8<D: ByteDot, const BLOCK: usize, const QS: usize>(x: *const u8, y: *const u8, blocks: usize) -> f32 {
    unsafe {
        let mut acc = _mm256_setzero_ps();
        for i in 0..blocks {
            let (xb, yb) = (x.add(i * BLOCK), y.add(i * BLOCK));
            let sumi = signed_dot::<D>(load(xb.add(QS)), load(yb.add(QS)));
            acc = _mm256_fmadd_ps(scale(xb, yb), _mm256_cvtepi32_ps(sumi), acc);
        }
        hsum(acc)
    }
}

pub(super) const Q8_0: (usize, usize) = (size_of::<BlockQ8_0>(), offset_of!(BlockQ8_0, qs));
pub(super) const Q8_1: (usize, usize) = (size_of::<BlockQ8_1>(), offset_of!(BlockQ8_1, qs));
const _: () = assert!(offset_of!(BlockQ8_0, d) == 0 && offset_of!(BlockQ8_1, d) == 0);

// ---- The two levels ----

/// Instantiates every kernel with `$dot` under `$features` and returns `$ty`'s entry.
macro_rules! kernels_256 {
    ($ty:expr, $dot:ty, $features:literal) => {{
        #[target_feature(enable = $features)]
        unsafe fn q4_0(x: *const u8, y: *const u8, blocks: usize) -> f32 {
            unsafe { q4_0_q8_0::<$dot>(x, y, blocks) }
        }
        #[target_feature(enable = $features)]
        unsafe fn q4_1(x: *const u8, y: *const u8, blocks: usize) -> f32 {
            unsafe { q4_1_q8_1::<$dot>(x, y, blocks) }
        }
        #[target_feature(enable = $features)]
        unsafe fn q5_0(x: *const u8, y: *const u8, blocks: usize) -> f32 {
            unsafe { q5_0_q8_0::<$dot>(x, y, blocks) }
        }
        #[target_feature(enable = $features)]
        unsafe fn q5_1(x: *const u8, y: *const u8, blocks: usize) -> f32 {
            unsafe { q5_1_q8_1::<$dot>(x, y, blocks) }
        }
        #[target_feature(enable = $features)]
        unsafe fn q8_0(x: *const u8, y: *const u8, blocks: usize) -> f32 {
            unsafe { q8_q8::<$dot, { Q8_0.0 }, { Q8_0.1 }>(x, y, blocks) }
        }
        #[target_feature(enable = $features)]
        unsafe fn q8_1(x: *const u8, y: *const u8, blocks: usize) -> f32 {
            unsafe { q8_q8::<$dot, { Q8_1.0 }, { Q8_1.1 }>(x, y, blocks) }
        }
        match $ty {
            GgmlType::Q4_0 => Some(entry!(q4_0, size_of::<BlockQ4_0>(), size_of::<BlockQ8_0>())),
            GgmlType::Q4_1 => Some(entry!(q4_1, size_of::<BlockQ4_1>(), size_of::<BlockQ8_1>())),
            GgmlType::Q5_0 => Some(entry!(q5_0, size_of::<BlockQ5_0>(), size_of::<BlockQ8_0>())),
            GgmlType::Q5_1 => Some(entry!(q5_1, size_of::<BlockQ5_1>(), size_of::<BlockQ8_1>())),
            GgmlType::Q8_0 => Some(entry!(q8_0, size_of::<BlockQ8_0>(), size_of::<BlockQ8_0>())),
            GgmlType::Q8_1 => Some(entry!(q8_1, size_of::<BlockQ8_1>(), size_of::<BlockQ8_1>())),
            _ => None,
        }
    }};
}

/// The `avx2` level's `vec_dot` for `ty`, if this CPU has AVX2, FMA and F16C.
pub(super) fn avx2_vec_dot(ty: GgmlType) -> Option<VecDotFn> {
    if !(is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") && is_x86_feature_detected!("f16c")) {
        return None;
    }
    kernels_256!(ty, Maddubs, "avx2,fma,f16c")
}

/// The `avxvnni` level's `vec_dot` for `ty`, if this CPU also has AVX-VNNI.
pub(super) fn avxvnni_vec_dot(ty: GgmlType) -> Option<VecDotFn> {
    if !(is_x86_feature_detected!("avx2")
        && is_x86_feature_detected!("fma")
        && is_x86_feature_detected!("f16c")
        && is_x86_feature_detected!("avxvnni"))
    {
        return None;
    }
    kernels_256!(ty, AvxVnni, "avx2,fma,f16c,avxvnni")
}
