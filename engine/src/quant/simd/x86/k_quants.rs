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

use super::avx2::{ByteDot, hsum, prefetch_ahead, read_u32};
use crate::quant::q4_k::BlockQ4K;
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

/// Q4_K · Q8_K: Σ d·dy·Σ_j sc_j·Σ q·y − dmin·dy·Σ_j m_j·Σ y over the 8 sub-blocks j of 32.
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
            // [d·dy, −dmin·dy, 0, 0]: ggml negates the minimums' scale and adds, where
            // subtracting at the end would differ in the sign of a zero.
            let dy = q8k_d(yb);
            let d = _mm_mul_ps(_mm_cvtph_ps(_mm_cvtsi32_si128(read_u32(xb) as i32)), _mm_set_ps(0.0, 0.0, -dy, dy));

            // The 8 scales and 8 minimums, 6 bits each, packed into 12 bytes (see
            // `k_quants::get_scale_min_k4`), unpacked four at a time with u32 masks as ggml does.
            let s = xb.add(offset_of!(BlockQ4K, scales));
            let (w0, w1, w2) = (read_u32(s), read_u32(s.add(4)), read_u32(s.add(8)));
            let scales_0_3 = w0 & 0x3F3F_3F3F;
            let scales_4_7 = (w2 & 0x0F0F_0F0F) | ((w0 >> 6) & 0x0303_0303) << 4;
            let mins_0_3 = w1 & 0x3F3F_3F3F;
            let mins_4_7 = ((w2 >> 4) & 0x0F0F_0F0F) | ((w1 >> 6) & 0x0303_0303) << 4;
            let packed = _mm_set_epi32(mins_4_7 as i32, mins_0_3 as i32, scales_4_7 as i32, scales_0_3 as i32);
            let scales_mins = _mm256_cvtepu8_epi16(packed); // [sc0..sc8 | m0..m8] as i16

            // The minimums: Σ_j m_j · (Σ of sub-block j's 32 activation codes), from the bsums.
            let bsums = q8k_bsums(yb);
            let sub_block_sums = _mm_hadd_epi16(_mm256_castsi256_si128(bsums), _mm256_extracti128_si256(bsums, 1));
            let mins = _mm_madd_epi16(_mm256_extracti128_si256(scales_mins, 1), sub_block_sums);
            acc_mins = _mm_fmadd_ps(_mm_shuffle_ps(d, d, 0b01_01_01_01), _mm_cvtepi32_ps(mins), acc_mins);

            // The codes: 4 chunks of 64, 32 bytes each, low nibbles = weights 0..32 of the chunk
            // (sub-block 2c), high nibbles = weights 32..64 (sub-block 2c + 1).
            let scales = _mm256_broadcastsi128_si256(_mm256_castsi256_si128(scales_mins));
            let qs = xb.add(offset_of!(BlockQ4K, qs));
            let ys = yb.add(offset_of!(BlockQ8K, qs));
            let mut sumi = _mm256_setzero_si256();
            for c in 0..4 {
                let packed = load(qs.add(32 * c));
                let low = _mm256_and_si256(packed, _mm256_set1_epi8(0x0F));
                let high = _mm256_and_si256(_mm256_srli_epi16(packed, 4), _mm256_set1_epi8(0x0F));
                let scale_low = _mm256_shuffle_epi8(scales, repeat_i16(2 * c as i16));
                let scale_high = _mm256_shuffle_epi8(scales, repeat_i16(2 * c as i16 + 1));
                // Pairs of code·y fit i16: 2·15·127.
                sumi = D::scaled_add(sumi, _mm256_maddubs_epi16(low, load(ys.add(64 * c))), scale_low);
                sumi = D::scaled_add(sumi, _mm256_maddubs_epi16(high, load(ys.add(64 * c + 32))), scale_high);
            }
            acc = _mm256_fmadd_ps(_mm256_broadcastss_ps(d), _mm256_cvtepi32_ps(sumi), acc);
        }
        // ggml's own reduction of the four minimum lanes, then added to the codes' sum.
        let mins = _mm_add_ps(acc_mins, _mm_movehl_ps(acc_mins, acc_mins));
        hsum(acc) + _mm_cvtss_f32(_mm_add_ss(mins, _mm_movehdup_ps(mins)))
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
                    // Sub-blocks 8·half + 2k (bytes 0..16) and 8·half + 2k + 1 (bytes 16..32).
                    let j = (8 * half + 2 * k) as i8;
                    let pick = _mm_set_epi64x(i64::from_ne_bytes([j as u8 + 1; 8]), i64::from_ne_bytes([j as u8; 8]));
                    let scale = _mm256_cvtepi8_epi16(_mm_shuffle_epi8(scales, pick));
                    // Pairs of code·y fit i16: 2·63·127.
                    sumi = D::scaled_add(sumi, _mm256_maddubs_epi16(q, load(ys.add(32 * k))), scale);
                }
            }
            let sumi = _mm256_sub_epi32(sumi, offset);
            acc = _mm256_fmadd_ps(_mm256_broadcastss_ps(d), _mm256_cvtepi32_ps(sumi), acc);
        }
        hsum(acc)
    }
}
