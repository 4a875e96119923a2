//! 256-bit kernels for the 32-weight formats, one block per step: llama.cpp's x86 loops, to
//! the bit.
//!
//! These kernels reproduce ggml's `ggml_vec_dot_{q4_0_q8_0, q4_1_q8_1, q5_0_q8_0, q5_1_q8_1,
//! q8_0_q8_0}` (`ggml/src/ggml-cpu/arch/x86/quants.c`, the `__AVX2__` branches, which a
//! `-march=native` build also takes on AVX-512 machines: these formats have no 512-bit code
//! there) so that our results equal llama.cpp's bit for bit. A greedy generation picks the
//! larger of two logits, and when two tokens are nearly tied the last bits decide; any other
//! summation order, however accurate, sooner or later picks a different token. What has to
//! match, and what does not:
//!
//! - The integer dot of a block, in eight i32 lanes, lane k holding the products of bytes
//!   4k..4k + 4. Integers are exact, so any instructions that give the same lane sums will
//!   do: `vpmaddubsw` + `vpmaddwd` (`avx2`), VEX `vpdpbusd` (`avxvnni`), or EVEX `vpdpbusd`
//!   (`avx512vnni`, the one ggml compiles to on a CPU with AVX-512 VNNI + VL). Even ggml's
//!   sign trick for signed codes ([`SignedCodes`]) is kept, because it is wrong in the same
//!   way for an activation of −128 (which the quantizers never produce).
//! - The float accumulation: ONE `__m256` accumulator, `acc = fma(dx·dy, float(lanes), acc)`
//!   block after block, then ggml's `hsum_float_8` ([`hsum`]). Two accumulators would be
//!   faster (the FMA latency chain is what limits these loops on data in cache) but round
//!   differently, so they are out.
//! - The minimum terms of Q4_1/Q5_1: a scalar `summs += m·s`, block after block (GCC fuses it
//!   into an FMA; `m·s` is exact, see below, so a fused and an unfused add agree), added to
//!   the horizontal sum at the very end.
//!
//! What need not match: how the f16 scales become `dx·dy` and `m·s`. A product of two f16
//! values has at most 2·11 significant bits and lies between 2⁻⁴⁸ and 2³², so it is exact in
//! f32: converting four blocks' scales at once ([`scales4`]) gives the very floats ggml's
//! one-at-a-time conversions give, one F16C conversion cheaper per block.
//!
//! A format is only its integer dot ([`Block::dot`]); one driver, [`drive`], does the rest.
//! Everything is generic over [`ByteDot`], the step that multiplies bytes, instantiated for
//! each level by [`kernels_256!`]. The k-quants ([`super::k_quants`]) use the same levels.
//!
//! The generic functions are `#[inline(always)]` and have no target features of their own:
//! they are compiled inside the `#[target_feature]` function that instantiates them, with
//! that function's features (the `memchr` crate's pattern). Calling one anywhere else would
//! run instructions the CPU may lack; only the instantiations in [`kernels_256!`] do.

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
/// multiply, so the kernels arrange for one side to be unsigned. Every implementation gives
/// the same integers (see [`Maddubs`] on saturation), so the levels agree to the bit.
pub(super) trait ByteDot {
    /// `acc + Σ u·s` over each group of four bytes (`u` unsigned, `s` signed).
    unsafe fn dot(acc: __m256i, u: __m256i, s: __m256i) -> __m256i;
    /// `acc + Σ p·scale` over each pair of i16 lanes (the k-quants' scaled sub-block sums).
    unsafe fn scaled_add(acc: __m256i, p: __m256i, scale: __m256i) -> __m256i;
}

/// AVX2: `vpmaddubsw` multiplies and adds pairs into saturating i16, `vpmaddwd` by ones
/// adds pairs of those into i32. Nothing saturates here: the unsigned side is at most 128
/// in every kernel (a 4- or 5-bit code, or |i8|), so a pair lies in
/// [2·128·(−128), 2·128·127] = [−32768, 32512], inside i16.
pub(super) struct Maddubs;

impl ByteDot for Maddubs {
    #[inline(always)]
    unsafe fn dot(acc: __m256i, u: __m256i, s: __m256i) -> __m256i {
        unsafe {
            let pairs = _mm256_maddubs_epi16(u, s);
            _mm256_add_epi32(acc, _mm256_madd_epi16(pairs, _mm256_set1_epi16(1)))
        }
    }

    #[inline(always)]
    unsafe fn scaled_add(acc: __m256i, p: __m256i, scale: __m256i) -> __m256i {
        unsafe { _mm256_add_epi32(acc, _mm256_madd_epi16(p, scale)) }
    }
}

/// AVX-VNNI: VEX-encoded `vpdpbusd`, straight to i32 (and `vpdpwssd` for i16 pairs).
pub(super) struct AvxVnni;

impl ByteDot for AvxVnni {
    #[inline(always)]
    unsafe fn dot(acc: __m256i, u: __m256i, s: __m256i) -> __m256i {
        unsafe { _mm256_dpbusd_avx_epi32(acc, u, s) }
    }

    #[inline(always)]
    unsafe fn scaled_add(acc: __m256i, p: __m256i, scale: __m256i) -> __m256i {
        unsafe { _mm256_dpwssd_avx_epi32(acc, p, scale) }
    }
}

/// AVX-512 VNNI + VL: EVEX-encoded `vpdpbusd` on 256-bit registers, as ggml's
/// `mul_sum_us8_pairs_float` compiles on such a CPU.
pub(super) struct Avx512Vnni;

impl ByteDot for Avx512Vnni {
    #[inline(always)]
    unsafe fn dot(acc: __m256i, u: __m256i, s: __m256i) -> __m256i {
        unsafe { _mm256_dpbusd_epi32(acc, u, s) }
    }

    #[inline(always)]
    unsafe fn scaled_add(acc: __m256i, p: __m256i, scale: __m256i) -> __m256i {
        unsafe { _mm256_dpwssd_epi32(acc, p, scale) }
    }
}

// ---- Helpers ----

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

/// The 32 4-bit codes of a Q4/Q5 block as bytes in 0..=15, in weight order: byte j of `qs`
/// holds weight j in its low nibble and weight j + 16 in its high one (ggml's
/// `bytes_from_nibbles_32`).
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
/// their codes' fifth bits there; ggml's `bytes_from_bits_32`).
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

/// ggml's `hsum_float_8`, operation for operation: the high half plus the low half, then
/// lanes 2, 3 onto 0, 1, then lane 1 onto lane 0, which makes
/// ((v₄ + v₀) + (v₆ + v₂)) + ((v₅ + v₁) + (v₇ + v₃)).
#[inline(always)]
pub(super) unsafe fn hsum(v: __m256) -> f32 {
    unsafe {
        let s = _mm_add_ps(_mm256_extractf128_ps(v, 1), _mm256_castps256_ps128(v));
        let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
        _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)))
    }
}

// ---- The formats ----

/// A (weight, activation) block pairing, as the drivers see it.
pub(super) trait Block {
    /// Bytes per weight block and per activation block.
    const X: usize;
    const Y: usize;
    /// Whether the blocks start with `d, m` and `d, s` (Q4_1, Q5_1 · Q8_1: each block adds
    /// `m·s`, since m·Σ dy·y = m·s, which is why Q8_1 stores `s`) rather than a lone `d`.
    /// Either way `d` is at offset 0 of both blocks.
    const MIN: bool;
    /// A weight block unpacked for [`Block::dot_prepared`]: its codes as bytes, ready to
    /// meet any number of activation blocks (the tile kernels, [`super::tile`], unpack each
    /// weight block once for several activation rows).
    type Prepared: Copy;
    /// Unpacks the weight block at `x`.
    unsafe fn prepare(x: *const u8) -> Self::Prepared;
    /// The integer dot of a prepared weight block with the activation block at `y`,
    /// Σ code·y, in eight i32 lanes: lane k sums weights 4k..4k + 4.
    unsafe fn dot_prepared<D: ByteDot>(w: Self::Prepared, y: *const u8) -> __m256i;

    /// The block's integer dot, unpacking and multiplying in one go.
    #[inline(always)]
    unsafe fn dot<D: ByteDot>(x: *const u8, y: *const u8) -> __m256i {
        unsafe { Self::dot_prepared::<D>(Self::prepare(x), y) }
    }
}

/// Signed weight codes x, ready for ggml's sign trick (its `mul_sum_i8_pairs_float`), which
/// multiplies them with signed activations y: move x's sign onto y, x·y = |x|·(±y). Wrong
/// where y = −128 meets a negative x (negating −128 wraps back to −128): the reference
/// quantizers round into −127..=127, so that never happens, and when it does ggml is wrong
/// the same way. Holds |x| and x, the weights' half of the work, done once per block.
#[derive(Clone, Copy)]
pub(super) struct SignedCodes {
    abs: __m256i,
    codes: __m256i,
}

impl SignedCodes {
    #[inline(always)]
    unsafe fn new(codes: __m256i) -> SignedCodes {
        unsafe { SignedCodes { abs: _mm256_sign_epi8(codes, codes), codes } }
    }

    /// Σ x·y over groups of four bytes, with the activation codes at `y`.
    #[inline(always)]
    unsafe fn dot<D: ByteDot>(self, y: *const u8) -> __m256i {
        unsafe { D::dot(_mm256_setzero_si256(), self.abs, _mm256_sign_epi8(load(y), self.codes)) }
    }
}

/// Q4_0 · Q8_0: codes q − 8, signed, so by the sign trick as ggml does.
pub(super) struct Q4_0;

impl Block for Q4_0 {
    const X: usize = size_of::<BlockQ4_0>();
    const Y: usize = size_of::<BlockQ8_0>();
    const MIN: bool = false;
    type Prepared = SignedCodes;

    #[inline(always)]
    unsafe fn prepare(x: *const u8) -> SignedCodes {
        unsafe { SignedCodes::new(_mm256_sub_epi8(nibbles(x.add(offset_of!(BlockQ4_0, qs))), _mm256_set1_epi8(8))) }
    }

    #[inline(always)]
    unsafe fn dot_prepared<D: ByteDot>(w: SignedCodes, y: *const u8) -> __m256i {
        unsafe { w.dot::<D>(y.add(offset_of!(BlockQ8_0, qs))) }
    }
}

/// Q4_1 · Q8_1: codes q, already unsigned.
pub(super) struct Q4_1;

impl Block for Q4_1 {
    const X: usize = size_of::<BlockQ4_1>();
    const Y: usize = size_of::<BlockQ8_1>();
    const MIN: bool = true;
    type Prepared = __m256i;

    #[inline(always)]
    unsafe fn prepare(x: *const u8) -> __m256i {
        unsafe { nibbles(x.add(offset_of!(BlockQ4_1, qs))) }
    }

    #[inline(always)]
    unsafe fn dot_prepared<D: ByteDot>(q: __m256i, y: *const u8) -> __m256i {
        unsafe { D::dot(_mm256_setzero_si256(), q, load(y.add(offset_of!(BlockQ8_1, qs)))) }
    }
}

/// Q5_0 · Q8_0: codes (low nibble + 16·fifth bit) − 16, signed, by the sign trick.
pub(super) struct Q5_0;

impl Block for Q5_0 {
    const X: usize = size_of::<BlockQ5_0>();
    const Y: usize = size_of::<BlockQ8_0>();
    const MIN: bool = false;
    type Prepared = SignedCodes;

    #[inline(always)]
    unsafe fn prepare(x: *const u8) -> SignedCodes {
        unsafe {
            let low = nibbles(x.add(offset_of!(BlockQ5_0, qs)));
            let high = bytes_from_bits(x.add(offset_of!(BlockQ5_0, qh)));
            // Set the top four bits where the fifth bit is clear: as an i8 that byte is
            // low − 16, and where it is set, low + 16 − 16 = low. No subtraction needed.
            SignedCodes::new(_mm256_or_si256(low, _mm256_andnot_si256(high, _mm256_set1_epi8(0xF0u8 as i8))))
        }
    }

    #[inline(always)]
    unsafe fn dot_prepared<D: ByteDot>(w: SignedCodes, y: *const u8) -> __m256i {
        unsafe { w.dot::<D>(y.add(offset_of!(BlockQ8_0, qs))) }
    }
}

/// Q5_1 · Q8_1: codes low nibble + 16·fifth bit, unsigned.
pub(super) struct Q5_1;

impl Block for Q5_1 {
    const X: usize = size_of::<BlockQ5_1>();
    const Y: usize = size_of::<BlockQ8_1>();
    const MIN: bool = true;
    type Prepared = __m256i;

    #[inline(always)]
    unsafe fn prepare(x: *const u8) -> __m256i {
        unsafe {
            let low = nibbles(x.add(offset_of!(BlockQ5_1, qs)));
            let high = bytes_from_bits(x.add(offset_of!(BlockQ5_1, qh)));
            _mm256_or_si256(low, _mm256_and_si256(high, _mm256_set1_epi8(0x10)))
        }
    }

    #[inline(always)]
    unsafe fn dot_prepared<D: ByteDot>(q: __m256i, y: *const u8) -> __m256i {
        unsafe { D::dot(_mm256_setzero_si256(), q, load(y.add(offset_of!(BlockQ8_1, qs)))) }
    }
}

/// Q8_0 · Q8_0 (`Q8<34, 2>`) and Q8_1 · Q8_1 (`Q8<36, 4>`, whose `s` is not needed; ggml has
/// no such dot, ours follows Q8_0's): signed codes on both sides. `QS` is where the codes
/// start.
pub(super) struct Q8<const BLOCK: usize, const QS: usize>;

pub(super) type Q8_0 = Q8<{ size_of::<BlockQ8_0>() }, { offset_of!(BlockQ8_0, qs) }>;
pub(super) type Q8_1 = Q8<{ size_of::<BlockQ8_1>() }, { offset_of!(BlockQ8_1, qs) }>;

impl<const BLOCK: usize, const QS: usize> Block for Q8<BLOCK, QS> {
    const X: usize = BLOCK;
    const Y: usize = BLOCK;
    const MIN: bool = false;
    type Prepared = SignedCodes;

    #[inline(always)]
    unsafe fn prepare(x: *const u8) -> SignedCodes {
        unsafe { SignedCodes::new(load(x.add(QS))) }
    }

    #[inline(always)]
    unsafe fn dot_prepared<D: ByteDot>(w: SignedCodes, y: *const u8) -> __m256i {
        unsafe { w.dot::<D>(y.add(QS)) }
    }
}

const _: () = assert!(
    offset_of!(BlockQ4_0, d) == 0
        && offset_of!(BlockQ4_1, d) == 0
        && offset_of!(BlockQ4_1, m) == 2
        && offset_of!(BlockQ5_0, d) == 0
        && offset_of!(BlockQ5_1, d) == 0
        && offset_of!(BlockQ5_1, m) == 2
        && offset_of!(BlockQ8_0, d) == 0
        && offset_of!(BlockQ8_1, d) == 0
        && offset_of!(BlockQ8_1, s) == 2
);

// ---- Scales ----

/// Blocks i..i + 4's scales in one F16C conversion: `[dx·dy, m·s]` of block k in lanes
/// (2k, 2k + 1). Without a minimum the odd lanes are meaningless. The products are exact
/// (module doc), so they equal ggml's per-block ones.
#[inline(always)]
unsafe fn scales4<B: Block>(x: *const u8, y: *const u8) -> __m256 {
    unsafe {
        if B::MIN {
            // [dx0 m0 … dx3 m3] times [dy0 s0 … dy3 s3].
            _mm256_mul_ps(_mm256_cvtph_ps(leading_u32s(x, B::X)), _mm256_cvtph_ps(leading_u32s(y, B::Y)))
        } else {
            // [dx0 dy0 … dx3 dy3]: even lanes times odd ones.
            let v = _mm256_cvtph_ps(_mm_unpacklo_epi16(leading_u16s(x, B::X), leading_u16s(y, B::Y)));
            _mm256_mul_ps(v, _mm256_movehdup_ps(v))
        }
    }
}

/// The u16 at the start of each of four blocks `stride` bytes apart, in the low 64 bits.
#[inline(always)]
unsafe fn leading_u16s(p: *const u8, stride: usize) -> __m128i {
    unsafe {
        let h = |k: usize| (read_u16(p.add(k * stride)) as u64) << (16 * k);
        _mm_cvtsi64_si128((h(0) | h(1) | h(2) | h(3)) as i64)
    }
}

/// The u32 at the start of each of four blocks `stride` bytes apart.
#[inline(always)]
unsafe fn leading_u32s(p: *const u8, stride: usize) -> __m128i {
    unsafe {
        let w = |k: usize| read_u32(p.add(k * stride)) as i32;
        _mm_set_epi32(w(3), w(2), w(1), w(0))
    }
}

/// One block's `[dx·dy, m·s, 0, 0]` (lane 1 is 0 without a minimum).
#[inline(always)]
unsafe fn scales1<B: Block>(x: *const u8, y: *const u8) -> __m128 {
    unsafe {
        // Without a minimum, m = s = 0.
        let (x, y) = if B::MIN { (read_u32(x), read_u32(y)) } else { (read_u16(x) as u32, read_u16(y) as u32) };
        let v = _mm_cvtph_ps(_mm_unpacklo_epi32(_mm_cvtsi32_si128(x as i32), _mm_cvtsi32_si128(y as i32))); // [dx, m, dy, s]
        _mm_mul_ps(v, _mm_movehl_ps(_mm_setzero_ps(), v)) // times [dy, s, 0, 0]
    }
}

// ---- The driver ----

/// How far ahead of the weights the drivers prefetch, in bytes.
///
/// A matrix-vector product streams weights that are used once, and a core's hardware
/// prefetchers keep too few cache lines in flight to hide the latency of L3 or memory (a few
/// hundred ns at ~10 GB/s is a few KiB). Asking for each line this far ahead measured 1.5-2×
/// the throughput of the same kernels without it on 4096-row matrices in L3 and in DRAM, and
/// no loss on L2-resident ones; 2 and 4 KiB did about as well, 1 KiB and 8 KiB worse.
/// Prefetching changes no result.
pub(super) const PREFETCH_AHEAD: usize = 4096;

/// Asks for the cache lines [`PREFETCH_AHEAD`] bytes past `[p, p + len)`: one request per
/// 64-byte line (some twice, since steps are not line-sized). Weight rows lie back to back,
/// so near a row's end this fetches the next row, which is read next; past the end of the
/// matrix it is harmless: a prefetch never faults, and `wrapping_add` keeps the address
/// arithmetic defined.
#[inline(always)]
pub(super) unsafe fn prefetch_ahead(p: *const u8, len: usize) {
    let mut offset = 0;
    while offset < len {
        unsafe { _mm_prefetch::<_MM_HINT_T0>(p.wrapping_add(PREFETCH_AHEAD + offset).cast()) };
        offset += 64;
    }
}

/// ggml's step for block K (counted from `x`, `y`): `acc + dx·dy · float(integer dot)`, one
/// FMA, dx·dy being lane 2K of `s`.
#[inline(always)]
unsafe fn term<B: Block, D: ByteDot, const K: usize>(s: __m256, x: *const u8, y: *const u8, acc: __m256) -> __m256 {
    unsafe {
        let d = _mm256_permutevar8x32_ps(s, _mm256_set1_epi32(2 * K as i32));
        let sumi = B::dot::<D>(x.add(K * B::X), y.add(K * B::Y));
        _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(sumi), acc)
    }
}

/// Σ over `blocks` block pairs of dx·dy·(integer dot) (+ m·s), in ggml's order: one
/// accumulator, one FMA per block in block order, ggml's horizontal sum, and the m·s terms
/// summed one by one apart and added last. The loop takes four blocks per step only to
/// convert their scales together; the float operations are those of one block at a time.
#[inline(always)]
pub(super) unsafe fn drive<B: Block, D: ByteDot>(x: *const u8, y: *const u8, blocks: usize) -> f32 {
    unsafe {
        let mut acc = _mm256_setzero_ps();
        let mut summs = 0.0f32; // Σ m·s, if B::MIN
        let mut i = 0;
        while i + 4 <= blocks {
            let (xb, yb) = (x.add(i * B::X), y.add(i * B::Y));
            prefetch_ahead(xb, 4 * B::X);
            let s = scales4::<B>(xb, yb);
            acc = term::<B, D, 0>(s, xb, yb, acc);
            acc = term::<B, D, 1>(s, xb, yb, acc);
            acc = term::<B, D, 2>(s, xb, yb, acc);
            acc = term::<B, D, 3>(s, xb, yb, acc);
            if B::MIN {
                // The odd lanes, in block order. (A vector of four running sums would be
                // faster and round differently.)
                let lanes = std::mem::transmute::<__m256, [f32; 8]>(s);
                summs += lanes[1];
                summs += lanes[3];
                summs += lanes[5];
                summs += lanes[7];
            }
            i += 4;
        }
        while i < blocks {
            let (xb, yb) = (x.add(i * B::X), y.add(i * B::Y));
            let s = scales1::<B>(xb, yb);
            acc = _mm256_fmadd_ps(_mm256_broadcastss_ps(s), _mm256_cvtepi32_ps(B::dot::<D>(xb, yb)), acc);
            if B::MIN {
                summs += _mm_cvtss_f32(_mm_movehdup_ps(s)); // lane 1
            }
            i += 1;
        }
        // Without a minimum ggml returns the horizontal sum alone (adding summs = +0.0 would
        // turn a −0.0 into +0.0).
        if B::MIN { hsum(acc) + summs } else { hsum(acc) }
    }
}

// ---- The levels ----

/// Instantiates every 256-bit kernel with `$dot` under `$features` and returns `$ty`'s entry.
macro_rules! kernels_256 {
    ($ty:expr, $dot:ty, $features:literal) => {{
        use crate::quant::q2_k::BlockQ2K;
        use crate::quant::q3_k::BlockQ3K;
        use crate::quant::q4_k::BlockQ4K;
        use crate::quant::q5_k::BlockQ5K;
        use crate::quant::q6_k::BlockQ6K;
        use crate::quant::q8_k::BlockQ8K;
        use $crate::quant::simd::x86::avx2::{Block, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1, drive};
        use $crate::quant::simd::x86::k_quants;

        macro_rules! kernel {
            ($generic:path, $x:expr, $y:expr) => {{
                #[target_feature(enable = $features)]
                unsafe fn kernel(x: *const u8, y: *const u8, blocks: usize) -> f32 {
                    unsafe { $generic(x, y, blocks) }
                }
                entry!(kernel, $x, $y)
            }};
        }
        match $ty {
            GgmlType::Q4_0 => Some(kernel!(drive::<Q4_0, $dot>, Q4_0::X, Q4_0::Y)),
            GgmlType::Q4_1 => Some(kernel!(drive::<Q4_1, $dot>, Q4_1::X, Q4_1::Y)),
            GgmlType::Q5_0 => Some(kernel!(drive::<Q5_0, $dot>, Q5_0::X, Q5_0::Y)),
            GgmlType::Q5_1 => Some(kernel!(drive::<Q5_1, $dot>, Q5_1::X, Q5_1::Y)),
            GgmlType::Q8_0 => Some(kernel!(drive::<Q8_0, $dot>, Q8_0::X, Q8_0::Y)),
            GgmlType::Q8_1 => Some(kernel!(drive::<Q8_1, $dot>, Q8_1::X, Q8_1::Y)),
            GgmlType::Q2_K => Some(kernel!(k_quants::q2_k_q8_k::<$dot>, size_of::<BlockQ2K>(), size_of::<BlockQ8K>())),
            GgmlType::Q3_K => Some(kernel!(k_quants::q3_k_q8_k::<$dot>, size_of::<BlockQ3K>(), size_of::<BlockQ8K>())),
            GgmlType::Q4_K => Some(kernel!(k_quants::q4_k_q8_k::<$dot>, size_of::<BlockQ4K>(), size_of::<BlockQ8K>())),
            GgmlType::Q5_K => Some(kernel!(k_quants::q5_k_q8_k::<$dot>, size_of::<BlockQ5K>(), size_of::<BlockQ8K>())),
            GgmlType::Q6_K => Some(kernel!(k_quants::q6_k_q8_k::<$dot>, size_of::<BlockQ6K>(), size_of::<BlockQ8K>())),
            _ => None,
        }
    }};
}

/// Whether this CPU has the `avx2` level's features: AVX2, FMA and F16C.
pub(super) fn has_avx2() -> bool {
    is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") && is_x86_feature_detected!("f16c")
}

/// Whether this CPU has the `avxvnni` level's features: those of `avx2` and AVX-VNNI.
pub(super) fn has_avxvnni() -> bool {
    has_avx2() && is_x86_feature_detected!("avxvnni")
}

/// Whether this CPU has the `avx512vnni` level's features: those of `avx2` and AVX-512
/// F/BW/VL + VNNI.
pub(super) fn has_avx512vnni() -> bool {
    has_avx2()
        && is_x86_feature_detected!("avx512f")
        && is_x86_feature_detected!("avx512bw")
        && is_x86_feature_detected!("avx512vl")
        && is_x86_feature_detected!("avx512vnni")
}

/// The `avx2` level's `vec_dot` for `ty`, if this CPU has AVX2, FMA and F16C.
pub(super) fn avx2_vec_dot(ty: GgmlType) -> Option<VecDotFn> {
    if !has_avx2() {
        return None;
    }
    kernels_256!(ty, Maddubs, "avx2,fma,f16c")
}

/// The `avxvnni` level's `vec_dot` for `ty`, if this CPU also has AVX-VNNI.
pub(super) fn avxvnni_vec_dot(ty: GgmlType) -> Option<VecDotFn> {
    if !has_avxvnni() {
        return None;
    }
    kernels_256!(ty, AvxVnni, "avx2,fma,f16c,avxvnni")
}

/// The `avx512vnni` level's `vec_dot` for `ty`, if this CPU has AVX-512 F/BW/VL + VNNI:
/// the same 256-bit kernels with EVEX `vpdpbusd`/`vpdpwssd`, which is what ggml runs there.
/// (Two blocks per 512-bit register would be faster, but it puts two blocks' terms in one
/// accumulator's different lanes and so rounds differently from ggml.)
pub(super) fn avx512vnni_vec_dot(ty: GgmlType) -> Option<VecDotFn> {
    if !has_avx512vnni() {
        return None;
    }
    kernels_256!(ty, Avx512Vnni, "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")
}
