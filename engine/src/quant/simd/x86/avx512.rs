//! 512-bit kernels: two 32-weight blocks per register, `vpdpbusd` for the bytes.
//!
//! A block's 32 activation codes fill half a register, so a register holds blocks i and
//! i + 1, and its scale vector holds dx·dy of block i in the low eight lanes and of block
//! i + 1 in the high eight. The formats are `avx2`'s block types; each adds only how to get
//! two blocks' integer dots in one register ([`Pairs::dot2`]). The driver, [`drive`], takes
//! four blocks (two registers) per step so one F16C conversion serves four blocks' scales
//! ([`scales4`]) and two accumulators keep consecutive FMAs independent; a row's last one
//! to three blocks go to the 256-bit driver.
//!
//! Both drivers prefetch the weights ahead (see [`avx2::prefetch_ahead`]).
//!
//! Why bother with the scales: while 512-bit instructions are in flight an Intel core issues
//! vector work on two ports instead of three, so every instruction counts, and per block the
//! scale is the largest cost after the dot itself. Four blocks per step measured ~10% faster
//! than two in L2-resident runs.
//!
//! AVX-512 has no `vpsignb`, so where llama.cpp's AVX2 code uses the sign trick these
//! kernels keep the weight codes unsigned and subtract the offset's dot instead
//! (Σ (q − 8)·y = Σ q·y − Σ 8·y), or, for Q8_0, negate y under a mask of x's signs.

use std::arch::x86_64::*;
use std::mem::offset_of;

use super::avx2::{self, Avx512Vnni, Block, Q4_0, Q4_1, Q5_0, Q5_1, Q8, Q8_0, Q8_1, odd_lanes_sum, prefetch_ahead, read_u32, scales4};
use crate::quant::VecDotFn;
use crate::quant::q4_0::BlockQ4_0;
use crate::quant::q4_1::BlockQ4_1;
use crate::quant::q5_0::BlockQ5_0;
use crate::quant::q5_1::BlockQ5_1;
use crate::quant::q8_0::BlockQ8_0;
use crate::quant::q8_1::BlockQ8_1;
use crate::tensor::GgmlType;

// ---- Loading two blocks into one register ----

/// Blocks i and i + 1's 32 activation codes, `stride` bytes apart.
#[inline(always)]
unsafe fn load_pair(p: *const u8, stride: usize) -> __m512i {
    unsafe {
        let low = _mm512_castsi256_si512(_mm256_loadu_si256(p.cast()));
        _mm512_inserti64x4(low, _mm256_loadu_si256(p.add(stride).cast()), 1)
    }
}

/// Blocks i and i + 1's 4-bit codes as bytes in 0..=15, in weight order: block i's low
/// nibbles (weights 0..16), its high nibbles (16..32), then block i + 1's.
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

/// Blocks i and i + 1's 5-bit codes (Q5_0, Q5_1): nibbles plus 16 where the block's u32
/// `qh` has bit j set. The two `qh` words make a 64-bit mask, bit k for byte k.
#[inline(always)]
unsafe fn five_bit_pair(qs: *const u8, qh: *const u8, stride: usize) -> __m512i {
    unsafe {
        let low = nibbles_pair(qs, stride);
        let fifth: __mmask64 = read_u32(qh) as u64 | (read_u32(qh.add(stride)) as u64) << 32;
        _mm512_mask_add_epi8(low, fifth, low, _mm512_set1_epi8(16))
    }
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

// ---- The formats: avx2's block types, two blocks at a time ----

/// A block pairing whose two-block integer dot has a 512-bit form.
trait Pairs: Block {
    /// Blocks i and i + 1's integer dots, block i's in lanes 0..8 and block i + 1's in 8..16.
    unsafe fn dot2(x: *const u8, y: *const u8) -> __m512i;
}

impl Pairs for Q4_0 {
    #[inline(always)]
    unsafe fn dot2(x: *const u8, y: *const u8) -> __m512i {
        unsafe {
            let q = nibbles_pair(x.add(offset_of!(BlockQ4_0, qs)), Self::X);
            offset_dot(q, 8, load_pair(y.add(offset_of!(BlockQ8_0, qs)), Self::Y))
        }
    }
}

impl Pairs for Q4_1 {
    #[inline(always)]
    unsafe fn dot2(x: *const u8, y: *const u8) -> __m512i {
        unsafe {
            let q = nibbles_pair(x.add(offset_of!(BlockQ4_1, qs)), Self::X);
            dot(q, load_pair(y.add(offset_of!(BlockQ8_1, qs)), Self::Y))
        }
    }
}

impl Pairs for Q5_0 {
    #[inline(always)]
    unsafe fn dot2(x: *const u8, y: *const u8) -> __m512i {
        unsafe {
            let q = five_bit_pair(x.add(offset_of!(BlockQ5_0, qs)), x.add(offset_of!(BlockQ5_0, qh)), Self::X);
            offset_dot(q, 16, load_pair(y.add(offset_of!(BlockQ8_0, qs)), Self::Y))
        }
    }
}

impl Pairs for Q5_1 {
    #[inline(always)]
    unsafe fn dot2(x: *const u8, y: *const u8) -> __m512i {
        unsafe {
            let q = five_bit_pair(x.add(offset_of!(BlockQ5_1, qs)), x.add(offset_of!(BlockQ5_1, qh)), Self::X);
            dot(q, load_pair(y.add(offset_of!(BlockQ8_1, qs)), Self::Y))
        }
    }
}

impl<const BLOCK: usize, const QS: usize> Pairs for Q8<BLOCK, QS> {
    #[inline(always)]
    unsafe fn dot2(x: *const u8, y: *const u8) -> __m512i {
        unsafe {
            let (w, a) = (load_pair(x.add(QS), BLOCK), load_pair(y.add(QS), BLOCK));
            // x·y = |x|·(±y): negate y where x is negative (see `avx2::signed_dot` on −128).
            let negative = _mm512_movepi8_mask(w);
            dot(_mm512_abs_epi8(w), _mm512_mask_sub_epi8(a, negative, _mm512_setzero_si512(), a))
        }
    }
}

// ---- The driver ----

/// Lane `A` of `s` in lanes 0..8 and lane `A + 2` in lanes 8..16: the scale vector of the
/// pair whose [`scales4`] lanes start at `A`.
#[inline(always)]
unsafe fn spread<const A: i32>(s: __m256) -> __m512 {
    unsafe {
        let index = _mm512_set_epi32(A + 2, A + 2, A + 2, A + 2, A + 2, A + 2, A + 2, A + 2, A, A, A, A, A, A, A, A);
        _mm512_permutexvar_ps(index, _mm512_castps256_ps512(s))
    }
}

/// Σ over `blocks` block pairs of dx·dy·(integer dot) (+ m·s): four blocks (two registers)
/// per step, the last one to three blocks by the 256-bit driver.
#[inline(always)]
unsafe fn drive<P: Pairs>(x: *const u8, y: *const u8, blocks: usize) -> f32 {
    unsafe {
        let (mut acc0, mut acc1) = (_mm512_setzero_ps(), _mm512_setzero_ps());
        let mut mins = _mm256_setzero_ps(); // m·s terms in the odd lanes, if P::MIN
        let mut i = 0;
        while i + 4 <= blocks {
            let (xb, yb) = (x.add(i * P::X), y.add(i * P::Y));
            prefetch_ahead(xb, 4 * P::X);
            let s = scales4::<P>(xb, yb);
            acc0 = _mm512_fmadd_ps(spread::<0>(s), _mm512_cvtepi32_ps(P::dot2(xb, yb)), acc0);
            acc1 = _mm512_fmadd_ps(spread::<4>(s), _mm512_cvtepi32_ps(P::dot2(xb.add(2 * P::X), yb.add(2 * P::Y))), acc1);
            if P::MIN {
                mins = _mm256_add_ps(mins, s);
            }
            i += 4;
        }
        let mut sum = _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
        if P::MIN {
            sum += odd_lanes_sum(mins);
        }
        if i < blocks {
            sum += avx2::drive::<P, Avx512Vnni>(x.add(i * P::X), y.add(i * P::Y), blocks - i);
        }
        sum
    }
}

/// The driver for `$pairs` under this level's target features, as a [`VecDotFn`].
macro_rules! kernel {
    ($pairs:ty) => {{
        #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")]
        unsafe fn kernel(x: *const u8, y: *const u8, blocks: usize) -> f32 {
            unsafe { drive::<$pairs>(x, y, blocks) }
        }
        entry!(kernel, <$pairs>::X, <$pairs>::Y)
    }};
}

/// The `avx512vnni` level's `vec_dot` for `ty`, if this CPU has every feature its kernels
/// are compiled with.
pub(super) fn avx512vnni_vec_dot(ty: GgmlType) -> Option<VecDotFn> {
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
        GgmlType::Q4_0 => kernel!(Q4_0),
        GgmlType::Q4_1 => kernel!(Q4_1),
        GgmlType::Q5_0 => kernel!(Q5_0),
        GgmlType::Q5_1 => kernel!(Q5_1),
        GgmlType::Q8_0 => kernel!(Q8_0),
        GgmlType::Q8_1 => kernel!(Q8_1),
        // The k-quants' 256-bit kernels, with EVEX `vpdpwssd`.
        GgmlType::Q4_K | GgmlType::Q6_K => return kernels_256!(ty, Avx512Vnni, "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c"),
        _ => return None,
    })
}

