//! 256-bit kernels for the k-quants, one 256-weight super-block per step: llama.cpp's
//! `__AVX2__` loops (which a `-march=native` build also takes on AVX-512 machines), to the bit.
//! Generic over [`ByteDot`] like the kernels in [`super::avx2`], and instantiated by every level.
//!
//! A super-block's sub-blocks each have their own small integer scale, so the bytes cannot go
//! straight to i32 (`vpdpbusd`): `vpmaddubsw` makes i16 sums of pairs, and the scale
//! multiplies those on the way to i32 ([`ByteDot::scaled_add`]: `vpmaddwd` by the scale, or
//! `vpdpwssd` with VNNI). The whole super-block's integer sum, in eight i32 lanes, then takes
//! one float multiply-add into one accumulator, as in ggml.
//!
//! As for the 32-weight formats, what has to match ggml is every float operation and the
//! integer in each lane (which products go to which lane: the order within a lane does not
//! matter, integers are exact). The scale products here involve Q8_K's f32 scale, so they
//! are rounded, but one rounding of the same two factors gives the same float in any order.

use std::arch::x86_64::*;
use std::mem::{offset_of, size_of};

use super::avx2::{ByteDot, hsum, prefetch_ahead, read_u16, read_u32};
use crate::quant::q2_k::BlockQ2K;
use crate::quant::q3_k::BlockQ3K;
use crate::quant::q4_k::BlockQ4K;
use crate::quant::q5_k::BlockQ5K;
use crate::quant::q6_k::BlockQ6K;
use crate::quant::q8_k::BlockQ8K;

#[inline(always)]
unsafe fn load(p: *const u8) -> __m256i {
    unsafe { _mm256_loadu_si256(p.cast()) }
}

/// Q8_K's f32 scale.
#[inline(always)]
unsafe fn q8k_d(y: *const u8) -> f32 {
    unsafe { y.add(offset_of!(BlockQ8K, d)).cast::<f32>().read_unaligned() }
}

/// Q8_K's 16 `bsums` (sums of 16 codes each), as i16 lanes.
#[inline(always)]
unsafe fn q8k_bsums(y: *const u8) -> __m256i {
    unsafe { load(y.add(offset_of!(BlockQ8K, bsums))) }
}

/// A byte shuffle that repeats i16 lane `k` (bytes 2k, 2k + 1) across a 128-bit half.
#[inline(always)]
unsafe fn repeat_i16(k: i16) -> __m256i {
    unsafe { _mm256_set1_epi16(((2 * k + 1) << 8) | (2 * k)) }
}

/// The 8 scales and 8 minimums of a Q4_K/Q5_K super-block, 6 bits each, packed into 12 bytes
/// at `s` (see `k_quants::get_scale_min_k4`), unpacked four at a time with u32 masks as ggml
/// does: `[sc0..sc8 | m0..m8]` as i16.
#[inline(always)]
unsafe fn scales_mins_k4(s: *const u8) -> __m256i {
    unsafe {
        let (w0, w1, w2) = (read_u32(s), read_u32(s.add(4)), read_u32(s.add(8)));
        let scales_0_3 = w0 & 0x3F3F_3F3F;
        let scales_4_7 = (w2 & 0x0F0F_0F0F) | ((w0 >> 6) & 0x0303_0303) << 4;
        let mins_0_3 = w1 & 0x3F3F_3F3F;
        let mins_4_7 = ((w2 >> 4) & 0x0F0F_0F0F) | ((w1 >> 6) & 0x0303_0303) << 4;
        _mm256_cvtepu8_epi16(_mm_set_epi32(mins_4_7 as i32, mins_0_3 as i32, scales_4_7 as i32, scales_0_3 as i32))
    }
}

/// The minimums' integer part of a Q4_K/Q5_K super-block: Σ_j m_j · (Σ of sub-block j's 32
/// activation codes, from Q8_K's bsums), in four i32 lanes, lane k holding sub-blocks 2k and
/// 2k + 1.
#[inline(always)]
unsafe fn min_sums(scales_mins: __m256i, y: *const u8) -> __m128i {
    unsafe {
        let bsums = q8k_bsums(y);
        let sub_block_sums = _mm_hadd_epi16(_mm256_castsi256_si128(bsums), _mm256_extracti128_si256(bsums, 1));
        _mm_madd_epi16(_mm256_extracti128_si256(scales_mins, 1), sub_block_sums)
    }
}

/// The codes' integer part of a Q4_K/Q5_K super-block: Σ_j sc_j · Σ q·y in eight i32 lanes.
/// The codes come in 4 chunks of 64 weights, 32 bytes of `qs` each: low nibbles are the
/// chunk's weights 0..32 (sub-block 2c), high nibbles its weights 32..64 (sub-block 2c + 1).
/// With `FIFTH` (Q5_K), 16 is added where bit j of byte l of the 32 bytes at `qh` is set, for
/// weight l of sub-block j; without, `qh` is not read.
#[inline(always)]
unsafe fn codes_dot_k4<D: ByteDot, const FIFTH: bool>(qs: *const u8, qh: *const u8, scales_mins: __m256i, ys: *const u8) -> __m256i {
    unsafe {
        let scales = _mm256_broadcastsi128_si256(_mm256_castsi256_si128(scales_mins));
        let nibble = _mm256_set1_epi8(0x0F);
        let high_bits = if FIFTH { load(qh) } else { _mm256_setzero_si256() };
        let mut bit = _mm256_set1_epi8(1); // sub-block j's bit in every byte of `qh`
        let mut sumi = _mm256_setzero_si256();
        for c in 0..4 {
            let packed = load(qs.add(32 * c));
            let mut low = _mm256_and_si256(packed, nibble);
            let mut high = _mm256_and_si256(_mm256_srli_epi16(packed, 4), nibble);
            if FIFTH {
                low = _mm256_or_si256(low, sixteen_where(high_bits, bit));
                bit = _mm256_slli_epi16(bit, 1);
                high = _mm256_or_si256(high, sixteen_where(high_bits, bit));
                bit = _mm256_slli_epi16(bit, 1);
            }
            let scale_low = _mm256_shuffle_epi8(scales, repeat_i16(2 * c as i16));
            let scale_high = _mm256_shuffle_epi8(scales, repeat_i16(2 * c as i16 + 1));
            // Pairs of code·y fit i16: 2·31·128.
            sumi = D::scaled_add(sumi, _mm256_maddubs_epi16(low, load(ys.add(64 * c))), scale_low);
            sumi = D::scaled_add(sumi, _mm256_maddubs_epi16(high, load(ys.add(64 * c + 32))), scale_high);
        }
        sumi
    }
}

/// 16 in the bytes of `bits` that have `bit`'s (one) bit set, else 0.
#[inline(always)]
unsafe fn sixteen_where(bits: __m256i, bit: __m256i) -> __m256i {
    unsafe { _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(bits, bit), bit), _mm256_set1_epi8(0x10)) }
}

/// `[d·dy, −dmin·dy, 0, 0]` for the f16 pair `d, dmin` at `x` (Q2_K, Q4_K, Q5_K):
/// ggml negates the minimums' scale and adds, where subtracting would differ in the sign of a
/// zero.
#[inline(always)]
unsafe fn d_dmin(x: *const u8, dy: f32) -> __m128 {
    unsafe { _mm_mul_ps(_mm_cvtph_ps(_mm_cvtsi32_si128(read_u32(x) as i32)), _mm_set_ps(0.0, 0.0, -dy, dy)) }
}

/// Q4_K · Q8_K: Σ d·dy·Σ_j sc_j·Σ q·y − dmin·dy·Σ_j m_j·Σ y over the 8 sub-blocks j of 32.
/// The minimum terms keep four float lanes of their own, reduced and added at the end.
#[inline(always)]
pub(super) unsafe fn q4_k_q8_k<D: ByteDot>(x: *const u8, y: *const u8, blocks: usize) -> f32 {
    const X: usize = size_of::<BlockQ4K>();
    const Y: usize = size_of::<BlockQ8K>();
    const _: () = assert!(offset_of!(BlockQ4K, d) == 0 && offset_of!(BlockQ4K, dmin) == 2);
    unsafe {
        let mut acc = _mm256_setzero_ps();
        let mut acc_mins = _mm_setzero_ps(); // −Σ dmin·dy·(Σ_j m_j·Σ y), in four lanes
        for i in 0..blocks {
            let (xb, yb) = (x.add(i * X), y.add(i * Y));
            prefetch_ahead(xb, X);
            let d = d_dmin(xb, q8k_d(yb));
            let scales_mins = scales_mins_k4(xb.add(offset_of!(BlockQ4K, scales)));
            let mins = min_sums(scales_mins, yb);
            acc_mins = _mm_fmadd_ps(_mm_shuffle_ps(d, d, 0b01_01_01_01), _mm_cvtepi32_ps(mins), acc_mins);
            let sumi = codes_dot_k4::<D, false>(xb.add(offset_of!(BlockQ4K, qs)), std::ptr::null(), scales_mins, yb.add(offset_of!(BlockQ8K, qs)));
            acc = _mm256_fmadd_ps(_mm256_broadcastss_ps(d), _mm256_cvtepi32_ps(sumi), acc);
        }
        // ggml's own reduction of the four minimum lanes, then added to the codes' sum.
        let mins = _mm_add_ps(acc_mins, _mm_movehl_ps(acc_mins, acc_mins));
        hsum(acc) + _mm_cvtss_f32(_mm_add_ss(mins, _mm_movehdup_ps(mins)))
    }
}

/// Q5_K · Q8_K: Q4_K with a fifth bit per code, and, as ggml has it, another way to sum the
/// minimum terms: each super-block's four lanes are added as integers, and a scalar
/// `summs += −dmin·dy · that` (an FMA: ggml is built with `-ffp-contract=fast`) collects them.
#[inline(always)]
pub(super) unsafe fn q5_k_q8_k<D: ByteDot>(x: *const u8, y: *const u8, blocks: usize) -> f32 {
    const X: usize = size_of::<BlockQ5K>();
    const Y: usize = size_of::<BlockQ8K>();
    const _: () = assert!(offset_of!(BlockQ5K, d) == 0 && offset_of!(BlockQ5K, dmin) == 2);
    unsafe {
        let mut acc = _mm256_setzero_ps();
        let mut summs = 0.0f32;
        for i in 0..blocks {
            let (xb, yb) = (x.add(i * X), y.add(i * Y));
            prefetch_ahead(xb, X);
            let d = d_dmin(xb, q8k_d(yb));
            let scales_mins = scales_mins_k4(xb.add(offset_of!(BlockQ5K, scales)));
            let mins = min_sums(scales_mins, yb);
            // (l₀ + l₁) + (l₂ + l₃) in ggml; integers, so any order.
            let mins = _mm_add_epi32(mins, _mm_unpackhi_epi64(mins, mins));
            let mins = _mm_cvtsi128_si32(_mm_add_epi32(mins, _mm_shuffle_epi32(mins, 0b01)));
            let dmin = _mm_cvtss_f32(_mm_movehdup_ps(d));
            summs = dmin.mul_add(mins as f32, summs);
            let qh = xb.add(offset_of!(BlockQ5K, qh));
            let sumi = codes_dot_k4::<D, true>(xb.add(offset_of!(BlockQ5K, qs)), qh, scales_mins, yb.add(offset_of!(BlockQ8K, qs)));
            acc = _mm256_fmadd_ps(_mm256_broadcastss_ps(d), _mm256_cvtepi32_ps(sumi), acc);
        }
        hsum(acc) + summs
    }
}

/// For the formats with 16 sub-blocks of 16 weights (Q2_K, Q3_K, Q6_K), whose 32-byte
/// vectors each span two sub-blocks: sub-block `j`'s scale in the eight i16 lanes of the low
/// half and sub-block `j + 1`'s in the high half, from the 16 i8 scales in `scales`.
#[inline(always)]
unsafe fn pair_scales(scales: __m128i, j: usize) -> __m256i {
    unsafe {
        let pick = _mm_set_epi64x(i64::from_ne_bytes([j as u8 + 1; 8]), i64::from_ne_bytes([j as u8; 8]));
        _mm256_cvtepi8_epi16(_mm_shuffle_epi8(scales, pick))
    }
}

/// The four 2-bit fields of 32 bytes (bits 0..2, 2..4, 4..6, 6..8), as bytes in 0..=3: the
/// low 2 bits of Q2_K's and Q3_K's codes for 4 × 32 consecutive weights.
#[inline(always)]
unsafe fn two_bit_fields(bits: __m256i) -> [__m256i; 4] {
    unsafe {
        let three = _mm256_set1_epi8(3);
        [
            _mm256_and_si256(bits, three),
            _mm256_and_si256(_mm256_srli_epi16(bits, 2), three),
            _mm256_and_si256(_mm256_srli_epi16(bits, 4), three),
            _mm256_and_si256(_mm256_srli_epi16(bits, 6), three),
        ]
    }
}

/// Q2_K · Q8_K: Σ d·dy·Σ_j sc_j·Σ q·y − dmin·dy·Σ_j m_j·Σ y over the 16 sub-blocks j of 16.
/// ggml puts the minimum terms (eight lanes of m·bsum pairs, times −dmin·dy) into the same
/// accumulator as the codes, just before them.
#[inline(always)]
pub(super) unsafe fn q2_k_q8_k<D: ByteDot>(x: *const u8, y: *const u8, blocks: usize) -> f32 {
    const X: usize = size_of::<BlockQ2K>();
    const Y: usize = size_of::<BlockQ8K>();
    const _: () = assert!(offset_of!(BlockQ2K, dmin) == offset_of!(BlockQ2K, d) + 2);
    unsafe {
        let mut acc = _mm256_setzero_ps();
        for i in 0..blocks {
            let (xb, yb) = (x.add(i * X), y.add(i * Y));
            prefetch_ahead(xb, X);
            let d = d_dmin(xb.add(offset_of!(BlockQ2K, d)), q8k_d(yb));

            // Byte j: sub-block j's scale in the low nibble, its minimum in the high one.
            let packed = _mm_loadu_si128(xb.add(offset_of!(BlockQ2K, scales)).cast());
            let nibble = _mm_set1_epi8(0x0F);
            let scales = _mm_and_si128(packed, nibble);
            let mins = _mm256_cvtepi8_epi16(_mm_and_si128(_mm_srli_epi16(packed, 4), nibble));
            let min_sums = _mm256_madd_epi16(mins, q8k_bsums(yb));
            acc = _mm256_fmadd_ps(_mm256_broadcastss_ps(_mm_movehdup_ps(d)), _mm256_cvtepi32_ps(min_sums), acc);

            let mut sumi = _mm256_setzero_si256();
            for half in 0..2 {
                // 128 weights: 32 bytes, weight 32k + l in bits 2k..2k + 2 of byte l.
                let codes = two_bit_fields(load(xb.add(offset_of!(BlockQ2K, qs) + 32 * half)));
                let ys = yb.add(offset_of!(BlockQ8K, qs) + 128 * half);
                for (k, &q) in codes.iter().enumerate() {
                    // Pairs of code·y fit i16: 2·3·128.
                    let scale = pair_scales(scales, 8 * half + 2 * k);
                    sumi = D::scaled_add(sumi, _mm256_maddubs_epi16(q, load(ys.add(32 * k))), scale);
                }
            }
            acc = _mm256_fmadd_ps(_mm256_broadcastss_ps(d), _mm256_cvtepi32_ps(sumi), acc);
        }
        hsum(acc)
    }
}

/// Q3_K · Q8_K: Σ d·dy·Σ_j sc_j·Σ (q − 4)·y over the 16 sub-blocks j of 16, sc_j in −32..=31.
///
/// As in ggml, the codes' low 2 bits (unsigned) and the −4 where the high bit is clear
/// (unsigned 4, subtracted) go through `vpmaddubsw` apart; their i16 pair sums are subtracted
/// before the scale multiplies them. (Pairs fit i16 on both sides: 2·3·128 and 2·4·128.)
#[inline(always)]
pub(super) unsafe fn q3_k_q8_k<D: ByteDot>(x: *const u8, y: *const u8, blocks: usize) -> f32 {
    const X: usize = size_of::<BlockQ3K>();
    const Y: usize = size_of::<BlockQ8K>();
    unsafe {
        let mut acc = _mm256_setzero_ps();
        for i in 0..blocks {
            let (xb, yb) = (x.add(i * X), y.add(i * Y));
            prefetch_ahead(xb, X);
            let dx = _mm_cvtph_ps(_mm_cvtsi32_si128(read_u16(xb.add(offset_of!(BlockQ3K, d))) as i32));
            let d = _mm_mul_ss(dx, _mm_set_ss(q8k_d(yb)));

            // The 16 6-bit scales (see `BlockQ3K::scale`), unpacked four at a time with u32
            // masks as ggml does, then made signed.
            let s = xb.add(offset_of!(BlockQ3K, scales));
            let (a0, a1, a2) = (read_u32(s), read_u32(s.add(4)), read_u32(s.add(8)));
            let (low4, high2) = (0x0F0F_0F0F, 0x0303_0303);
            let scales = _mm_set_epi32(
                (((a1 >> 4) & low4) | ((a2 >> 6) & high2) << 4) as i32,
                (((a0 >> 4) & low4) | ((a2 >> 4) & high2) << 4) as i32,
                ((a1 & low4) | ((a2 >> 2) & high2) << 4) as i32,
                ((a0 & low4) | (a2 & high2) << 4) as i32,
            );
            let scales = _mm_sub_epi8(scales, _mm_set1_epi8(32));

            // Bit 4·half + k of byte l: the high bit of weight 128·half + 32k + l.
            let high_bits = load(xb.add(offset_of!(BlockQ3K, hmask)));
            let mut bit = _mm256_set1_epi8(1);
            let mut sumi = _mm256_setzero_si256();
            for half in 0..2 {
                let low = two_bit_fields(load(xb.add(offset_of!(BlockQ3K, qs) + 32 * half)));
                let ys = yb.add(offset_of!(BlockQ8K, qs) + 128 * half);
                for (k, &low) in low.iter().enumerate() {
                    // 4 where the high bit is clear, else 0.
                    let clear = _mm256_cmpeq_epi8(_mm256_and_si256(high_bits, bit), _mm256_setzero_si256());
                    let four = _mm256_and_si256(clear, _mm256_set1_epi8(4));
                    bit = _mm256_slli_epi16(bit, 1);
                    let a = load(ys.add(32 * k));
                    let pairs = _mm256_sub_epi16(_mm256_maddubs_epi16(low, a), _mm256_maddubs_epi16(four, a));
                    sumi = D::scaled_add(sumi, pairs, pair_scales(scales, 8 * half + 2 * k));
                }
            }
            acc = _mm256_fmadd_ps(_mm256_broadcastss_ps(d), _mm256_cvtepi32_ps(sumi), acc);
        }
        hsum(acc)
    }
}

/// Q6_K · Q8_K: Σ d·dy·Σ_j sc_j·Σ (q − 32)·y over the 16 sub-blocks j of 16.
///
/// The codes stay unsigned (0..=63) for `vpmaddubsw`; the −32 comes back as
/// 32·Σ_j sc_j·Σ y, from Q8_K's `bsums`.
#[inline(always)]
pub(super) unsafe fn q6_k_q8_k<D: ByteDot>(x: *const u8, y: *const u8, blocks: usize) -> f32 {
    const X: usize = size_of::<BlockQ6K>();
    const Y: usize = size_of::<BlockQ8K>();
    unsafe {
        let mut acc = _mm256_setzero_ps();
        for i in 0..blocks {
            let (xb, yb) = (x.add(i * X), y.add(i * Y));
            prefetch_ahead(xb, X);
            let dx = _mm_cvtph_ps(_mm_cvtsi32_si128(xb.add(offset_of!(BlockQ6K, d)).cast::<u16>().read_unaligned() as i32));
            let d = _mm_mul_ss(dx, _mm_set_ss(q8k_d(yb)));

            let scales = _mm_loadu_si128(xb.add(offset_of!(BlockQ6K, scales)).cast()); // 16 × i8
            let offset = _mm256_slli_epi32(_mm256_madd_epi16(q8k_bsums(yb), _mm256_cvtepi8_epi16(scales)), 5);

            let mut sumi = _mm256_setzero_si256();
            for half in 0..2 {
                // 128 weights: 64 bytes of low nibbles, 32 bytes of 2-bit high parts, four
                // chunks of 32 weights (see `BlockQ6K`).
                let ql = xb.add(offset_of!(BlockQ6K, ql) + 64 * half);
                let (ql0, ql1) = (load(ql), load(ql.add(32)));
                let qh = load(xb.add(offset_of!(BlockQ6K, qh) + 32 * half));
                let nibble = _mm256_set1_epi8(0x0F);
                let codes = [
                    _mm256_or_si256(_mm256_and_si256(ql0, nibble), _mm256_slli_epi16(_mm256_and_si256(qh, _mm256_set1_epi8(0x03)), 4)),
                    _mm256_or_si256(_mm256_and_si256(ql1, nibble), _mm256_slli_epi16(_mm256_and_si256(qh, _mm256_set1_epi8(0x0C)), 2)),
                    _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), nibble), _mm256_and_si256(qh, _mm256_set1_epi8(0x30))),
                    _mm256_or_si256(
                        _mm256_and_si256(_mm256_srli_epi16(ql1, 4), nibble),
                        _mm256_srli_epi16(_mm256_and_si256(qh, _mm256_set1_epi8(0xC0u8 as i8)), 2),
                    ),
                ];
                let ys = yb.add(offset_of!(BlockQ8K, qs) + 128 * half);
                for (k, &q) in codes.iter().enumerate() {
                    // Pairs of code·y fit i16: 2·63·128.
                    let scale = pair_scales(scales, 8 * half + 2 * k);
                    sumi = D::scaled_add(sumi, _mm256_maddubs_epi16(q, load(ys.add(32 * k))), scale);
                }
            }
            let sumi = _mm256_sub_epi32(sumi, offset);
            acc = _mm256_fmadd_ps(_mm256_broadcastss_ps(d), _mm256_cvtepi32_ps(sumi), acc);
        }
        hsum(acc)
    }
}
