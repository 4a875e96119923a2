//! 512-bit kernels: two 32-weight blocks per register, `vpdpbusd` for the bytes.
//!
//! A block's 32 activation codes fill half a register, so each step takes blocks i and
//! i + 1: the low 256 bits hold block i, the high 256 bits block i + 1, and the scale
//! vector is dx·dy of block i in its low eight lanes and of block i + 1 in its high eight.
//! A row with an odd number of blocks ends with one 256-bit step from [`super::avx2`].
//!
//! AVX-512 has no `vpsignb`, so where llama.cpp's AVX2 code uses the sign trick these
//! kernels keep the weight codes unsigned and subtract the offset's dot instead
//! (Σ (q − 8)·y = Σ q·y − Σ 8·y), or, for Q8_0, negate y under a mask of x's signs.

use std::arch::x86_64::*;
use std::mem::{offset_of, size_of};

use super::avx2::{self, Avx512Vnni, Q8_0, Q8_1, read_u16, read_u32};
use crate::quant::VecDotFn;
use crate::quant::q4_0::BlockQ4_0;
use crate::quant::q4_1::BlockQ4_1;
use crate::quant::q5_0::BlockQ5_0;
use crate::quant::q5_1::BlockQ5_1;
use crate::quant::q8_0::BlockQ8_0;
use crate::quant::q8_1::BlockQ8_1;
use crate::tensor::GgmlType;

/// Blocks i and i + 1's 32 activation codes, `stride` bytes apart.
#[inline(always)]
unsafe fn load_pair(p: *const u8, stride: usize) -> __m512i {
    unsafe {
        let low = _mm512_castsi256_si512(_mm256_loadu_si256(p.cast()));
        _mm512_inserti64x4(low, _mm256_loadu_si256(p.add(stride).cast()), 1)
    }
}

/// Blocks i and i + 1's 4-bit codes as bytes in 0..=15, in weight order: block i's low
/// nibbles, its high nibbles, then block i + 1's.
#[inline(always)]
unsafe fn nibbles_pair(qs: *const u8, stride: usize) -> __m512i {
    unsafe {
        // 64-bit lanes [a0 a1 b0 b1], a and b being the two blocks' 16 bytes…
        let packed = _mm256_loadu2_m128i(qs.add(stride).cast(), qs.cast());
        // …copied to [a0 a1 a0 a1 b0 b1 b0 b1], the copies shifted right by four.
        let doubled = _mm512_permutexvar_epi64(_mm512_set_epi64(3, 2, 3, 2, 1, 0, 1, 0), _mm512_castsi256_si512(packed));
        let shifted = _mm512_srlv_epi64(doubled, _mm512_set_epi64(4, 4, 0, 0, 4, 4, 0, 0));
        _mm512_and_si512(shifted, _mm512_set1_epi8(0x0F))
    }
}

/// Blocks i and i + 1's fifth bits (the u32 `qh` of each) as a 64-bit byte mask, bit k for
/// byte k of a [`nibbles_pair`] register.
#[inline(always)]
unsafe fn fifth_bits_pair(qh: *const u8, stride: usize) -> __mmask64 {
    unsafe { read_u32(qh) as u64 | (read_u32(qh.add(stride)) as u64) << 32 }
}

/// dx·dy of block i in lanes 0..8 and of block i + 1 in lanes 8..16, from the f16 scales
/// at the start of each block (Q4_0, Q5_0, Q8_0, Q8_1).
#[inline(always)]
unsafe fn scale_pair(x: *const u8, x_stride: usize, y: *const u8, y_stride: usize) -> __m512 {
    unsafe {
        let halves = read_u16(x) as u64
            | (read_u16(y) as u64) << 16
            | (read_u16(x.add(x_stride)) as u64) << 32
            | (read_u16(y.add(y_stride)) as u64) << 48;
        let d = _mm_cvtph_ps(_mm_cvtsi64_si128(halves as i64)); // [dx_i, dy_i, dx_j, dy_j]
        let dd = _mm_mul_ps(d, _mm_movehdup_ps(d)); // [dx_i·dy_i, _, dx_j·dy_j, _]
        spread_pair(dd)
    }
}

/// Lane 0 of `v` into lanes 0..8, lane 2 into lanes 8..16.
#[inline(always)]
unsafe fn spread_pair(v: __m128) -> __m512 {
    unsafe { _mm512_permutexvar_ps(_mm512_set_epi32(2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0), _mm512_castps128_ps512(v)) }
}

/// For Q4_1/Q5_1 · Q8_1 (blocks starting with two f16s: `d, m` and `d, s`):
/// `[dx·dy, m·s]` of block i in lanes 0, 1 and of block i + 1 in lanes 2, 3.
#[inline(always)]
unsafe fn scale_and_min_pair(x: *const u8, x_stride: usize, y: *const u8, y_stride: usize) -> __m128 {
    unsafe {
        let x2 = read_u32(x) as u64 | (read_u32(x.add(x_stride)) as u64) << 32;
        let y2 = read_u32(y) as u64 | (read_u32(y.add(y_stride)) as u64) << 32;
        let h = _mm_unpacklo_epi64(_mm_cvtsi64_si128(x2 as i64), _mm_cvtsi64_si128(y2 as i64));
        let v = _mm256_cvtph_ps(h); // [dx_i, m_i, dx_j, m_j, dy_i, s_i, dy_j, s_j]
        _mm_mul_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1))
    }
}

/// Lanes 1 + 3: the m·s sums that [`scale_and_min_pair`] leaves there.
#[inline(always)]
unsafe fn odd_lanes_sum(v: __m128) -> f32 {
    let mut lanes = [0.0f32; 4];
    unsafe { _mm_storeu_ps(lanes.as_mut_ptr(), v) };
    lanes[1] + lanes[3]
}

/// Σ over each group of four of `u·s` (unsigned × signed), one `vpdpbusd`.
#[inline(always)]
unsafe fn dot(u: __m512i, s: __m512i) -> __m512i {
    unsafe { _mm512_dpbusd_epi32(_mm512_setzero_si512(), u, s) }
}

/// Σ (q − offset)·y for unsigned codes q: vpdpbusd wants one unsigned side, so the offset's
/// dot is subtracted afterwards.
#[inline(always)]
unsafe fn offset_dot(q: __m512i, offset: i8, y: __m512i) -> __m512i {
    unsafe { _mm512_sub_epi32(dot(q, y), dot(_mm512_set1_epi8(offset), y)) }
}

/// Q4_0 · Q8_0.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")]
unsafe fn q4_0_q8_0(x: *const u8, y: *const u8, blocks: usize) -> f32 {
    const XB: usize = size_of::<BlockQ4_0>();
    const YB: usize = size_of::<BlockQ8_0>();
    unsafe {
        let mut acc = _mm512_setzero_ps();
        for i in (0..blocks & !1).step_by(2) {
            let (xb, yb) = (x.add(i * XB), y.add(i * YB));
            let q = nibbles_pair(xb.add(offset_of!(BlockQ4_0, qs)), XB);
            let a = load_pair(yb.add(offset_of!(BlockQ8_0, qs)), YB);
            let d = scale_pair(xb.add(offset_of!(BlockQ4_0, d)), XB, yb.add(offset_of!(BlockQ8_0, d)), YB);
            acc = _mm512_fmadd_ps(d, _mm512_cvtepi32_ps(offset_dot(q, 8, a)), acc);
        }
        let mut sum = _mm512_reduce_add_ps(acc);
        if blocks % 2 == 1 {
            sum += avx2::q4_0_q8_0::<Avx512Vnni>(x.add((blocks - 1) * XB), y.add((blocks - 1) * YB), 1);
        }
        sum
    }
}

/// Q4_1 · Q8_1.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")]
unsafe fn q4_1_q8_1(x: *const u8, y: *const u8, blocks: usize) -> f32 {
    const XB: usize = size_of::<BlockQ4_1>();
    const YB: usize = size_of::<BlockQ8_1>();
    unsafe {
        let mut acc = _mm512_setzero_ps();
        let mut mins = _mm_setzero_ps(); // lanes 1 and 3 hold the m·s terms
        for i in (0..blocks & !1).step_by(2) {
            let (xb, yb) = (x.add(i * XB), y.add(i * YB));
            let q = nibbles_pair(xb.add(offset_of!(BlockQ4_1, qs)), XB);
            let a = load_pair(yb.add(offset_of!(BlockQ8_1, qs)), YB);
            let dm = scale_and_min_pair(xb.add(offset_of!(BlockQ4_1, d)), XB, yb.add(offset_of!(BlockQ8_1, d)), YB);
            acc = _mm512_fmadd_ps(spread_pair(dm), _mm512_cvtepi32_ps(dot(q, a)), acc);
            mins = _mm_add_ps(mins, dm);
        }
        let mut sum = _mm512_reduce_add_ps(acc) + odd_lanes_sum(mins);
        if blocks % 2 == 1 {
            sum += avx2::q4_1_q8_1::<Avx512Vnni>(x.add((blocks - 1) * XB), y.add((blocks - 1) * YB), 1);
        }
        sum
    }
}

/// Q5_0 · Q8_0.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")]
unsafe fn q5_0_q8_0(x: *const u8, y: *const u8, blocks: usize) -> f32 {
    const XB: usize = size_of::<BlockQ5_0>();
    const YB: usize = size_of::<BlockQ8_0>();
    unsafe {
        let mut acc = _mm512_setzero_ps();
        for i in (0..blocks & !1).step_by(2) {
            let (xb, yb) = (x.add(i * XB), y.add(i * YB));
            let low = nibbles_pair(xb.add(offset_of!(BlockQ5_0, qs)), XB);
            let fifth = fifth_bits_pair(xb.add(offset_of!(BlockQ5_0, qh)), XB);
            let q = _mm512_mask_add_epi8(low, fifth, low, _mm512_set1_epi8(16));
            let a = load_pair(yb.add(offset_of!(BlockQ8_0, qs)), YB);
            let d = scale_pair(xb.add(offset_of!(BlockQ5_0, d)), XB, yb.add(offset_of!(BlockQ8_0, d)), YB);
            acc = _mm512_fmadd_ps(d, _mm512_cvtepi32_ps(offset_dot(q, 16, a)), acc);
        }
        let mut sum = _mm512_reduce_add_ps(acc);
        if blocks % 2 == 1 {
            sum += avx2::q5_0_q8_0::<Avx512Vnni>(x.add((blocks - 1) * XB), y.add((blocks - 1) * YB), 1);
        }
        sum
    }
}

/// Q5_1 · Q8_1.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")]
unsafe fn q5_1_q8_1(x: *const u8, y: *const u8, blocks: usize) -> f32 {
    const XB: usize = size_of::<BlockQ5_1>();
    const YB: usize = size_of::<BlockQ8_1>();
    unsafe {
        let mut acc = _mm512_setzero_ps();
        let mut mins = _mm_setzero_ps(); // lanes 1 and 3 hold the m·s terms
        for i in (0..blocks & !1).step_by(2) {
            let (xb, yb) = (x.add(i * XB), y.add(i * YB));
            let low = nibbles_pair(xb.add(offset_of!(BlockQ5_1, qs)), XB);
            let fifth = fifth_bits_pair(xb.add(offset_of!(BlockQ5_1, qh)), XB);
            let q = _mm512_mask_add_epi8(low, fifth, low, _mm512_set1_epi8(16));
            let a = load_pair(yb.add(offset_of!(BlockQ8_1, qs)), YB);
            let dm = scale_and_min_pair(xb.add(offset_of!(BlockQ5_1, d)), XB, yb.add(offset_of!(BlockQ8_1, d)), YB);
            acc = _mm512_fmadd_ps(spread_pair(dm), _mm512_cvtepi32_ps(dot(q, a)), acc);
            mins = _mm_add_ps(mins, dm);
        }
        let mut sum = _mm512_reduce_add_ps(acc) + odd_lanes_sum(mins);
        if blocks % 2 == 1 {
            sum += avx2::q5_1_q8_1::<Avx512Vnni>(x.add((blocks - 1) * XB), y.add((blocks - 1) * YB), 1);
        }
        sum
    }
}

/// Q8_0 · Q8_0 and Q8_1 · Q8_1 (layouts as in [`avx2::q8_q8`]).
#[inline(always)]
unsafe fn q8_q8<const BLOCK: usize, const QS: usize>(x: *const u8, y: *const u8, blocks: usize) -> f32 {
    unsafe {
        let mut acc = _mm512_setzero_ps();
        for i in (0..blocks & !1).step_by(2) {
            let (xb, yb) = (x.add(i * BLOCK), y.add(i * BLOCK));
            let (w, a) = (load_pair(xb.add(QS), BLOCK), load_pair(yb.add(QS), BLOCK));
            // x·y = |x|·(±y): negate y where x is negative (see `avx2::signed_dot` on −128).
            let negative = _mm512_movepi8_mask(w);
            let signed = _mm512_mask_sub_epi8(a, negative, _mm512_setzero_si512(), a);
            let d = scale_pair(xb, BLOCK, yb, BLOCK);
            acc = _mm512_fmadd_ps(d, _mm512_cvtepi32_ps(dot(_mm512_abs_epi8(w), signed)), acc);
        }
        let mut sum = _mm512_reduce_add_ps(acc);
        if blocks % 2 == 1 {
            sum += avx2::q8_q8::<Avx512Vnni, BLOCK, QS>(x.add((blocks - 1) * BLOCK), y.add((blocks - 1) * BLOCK), 1);
        }
        sum
    }
}

#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")]
unsafe fn q8_0_q8_0(x: *const u8, y: *const u8, blocks: usize) -> f32 {
    unsafe { q8_q8::<{ Q8_0.0 }, { Q8_0.1 }>(x, y, blocks) }
}

#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")]
unsafe fn q8_1_q8_1(x: *const u8, y: *const u8, blocks: usize) -> f32 {
    unsafe { q8_q8::<{ Q8_1.0 }, { Q8_1.1 }>(x, y, blocks) }
}

/// The `avx512vnni` level's `vec_dot` for `ty`, if this CPU has every feature its kernels
/// are compiled with.
pub(super) fn vec_dot(ty: GgmlType) -> Option<VecDotFn> {
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
    Some(match ty {
        GgmlType::Q4_0 => entry!(q4_0_q8_0, size_of::<BlockQ4_0>(), size_of::<BlockQ8_0>()),
        GgmlType::Q4_1 => entry!(q4_1_q8_1, size_of::<BlockQ4_1>(), size_of::<BlockQ8_1>()),
        GgmlType::Q5_0 => entry!(q5_0_q8_0, size_of::<BlockQ5_0>(), size_of::<BlockQ8_0>()),
        GgmlType::Q5_1 => entry!(q5_1_q8_1, size_of::<BlockQ5_1>(), size_of::<BlockQ8_1>()),
        GgmlType::Q8_0 => entry!(q8_0_q8_0, size_of::<BlockQ8_0>(), size_of::<BlockQ8_0>()),
        GgmlType::Q8_1 => entry!(q8_1_q8_1, size_of::<BlockQ8_1>(), size_of::<BlockQ8_1>()),
        _ => return None,
    })
}

