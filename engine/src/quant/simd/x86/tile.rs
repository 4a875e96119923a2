//! Tile kernels for the 32-weight formats: [`TILE_ROWS`] weight rows times up to
//! [`TILE_COLS`] activation rows in one call, every one of the outputs equal to the bit to
//! what the one-row kernel ([`avx2::drive`](super::avx2::drive)) returns for it.
//!
//! # Why
//!
//! The one-row kernel is a single chain of dependent FMAs, one per block: each waits ~4
//! cycles for the one before, and the rest of the core idles. It also unpacks each weight
//! block (nibbles to bytes, f16 scales to f32) again for every activation row. When a
//! batch of activation rows meets the same weights (prompt processing), a tile of 4 weight
//! rows × 4 activation rows keeps 16 independent chains in flight, unpacks each weight block
//! once for 4 activation rows and converts each activation block's scales once for 4 weight
//! rows. With a single activation row (generation), a 4 × 1 tile still runs 4 chains.
//!
//! # Why the bits do not change
//!
//! Each output keeps its own accumulator and receives exactly the operations the one-row
//! kernel gives it, in the same order:
//!
//! - the same integer block dot ([`Block::dot_prepared`], which `drive` also runs);
//! - the same scale `dx·dy`, an exact product of two f16 values (see `avx2`'s module doc),
//!   so it does not matter that it is computed here in a vector of several rows' scales;
//! - the same FMA into its own eight-lane accumulator, block after block;
//! - the same minimum terms `m·s` (exact products too), summed in block order, here in one
//!   lane per activation row of a small vector (lanes never mix), and added after the same
//!   horizontal sum ([`hsum`]).
//!
//! The tests check the tile kernels against the one-row ones, bit for bit, for every tile
//! shape and row length (`quant::simd::tests`).
//!
//! Like the rest of `x86`, the generic functions here are `#[inline(always)]` and only run
//! inside a `#[target_feature]` function instantiated by [`tiles_256!`], behind a feature check.

use std::arch::x86_64::*;
use std::array;

use super::avx2::{self, AvxVnni, Avx512Vnni, Block, ByteDot, Maddubs, hsum, prefetch_ahead, read_u16, read_u32};
use crate::quant::{TILE_COLS, TILE_ROWS, VecDotTileFn};
use crate::tensor::GgmlType;

/// `[d, m]` of the block at each of `p[0..N]` (`[d, s]` for activations, `[d, 0]` for the
/// formats without a minimum), as f32, block i's in lanes 2i and 2i + 1; zeros past N ≤ 4.
#[inline(always)]
unsafe fn scale_pairs<B: Block, const N: usize>(p: [*const u8; N]) -> __m256 {
    unsafe {
        let pair = |i: usize| match (i < N, B::MIN) {
            (false, _) => 0,
            (true, true) => read_u32(p[i]) as i32,
            (true, false) => read_u16(p[i]) as i32,
        };
        _mm256_cvtph_ps(_mm_set_epi32(pair(3), pair(2), pair(1), pair(0)))
    }
}

/// Where the tile keeps Σ m·s of weight row r with activation row t: `summs[t / 2]` holds
/// activation rows t, t + 1 (t even), in each 128-bit half [row r, row r + 1 with t, then
/// with t + 1], weight rows 0, 1 in the low half and 2, 3 in the high one; as one array
/// of 16 floats, this lane.
fn min_lane(r: usize, t: usize) -> usize {
    8 * (t / 2) + 4 * (r / 2) + 2 * (t % 2) + r % 2
}

/// The tile: `out[t * R + r]` = the dot of weight row r (of `R` ≤ 4 at `x`, `x_stride` bytes
/// apart) with activation row t (of `C` at `y`, `y_stride` bytes apart), each `blocks`
/// blocks long.
#[inline(always)]
unsafe fn tile<B: Block, D: ByteDot, const R: usize, const C: usize>(
    x: *const u8,
    x_stride: usize,
    y: *const u8,
    y_stride: usize,
    blocks: usize,
    out: *mut f32,
) {
    const { assert!(R <= 4) };
    unsafe {
        // One eight-lane accumulator per output, as `drive` has one per row.
        let mut acc = [[_mm256_setzero_ps(); C]; R];
        // Σ m·s of each output, block after block: `drive`'s scalar chain, one lane each
        // (see `min_lane` for which).
        let mut summs = [_mm256_setzero_ps(); 2];
        for i in 0..blocks {
            let xb: [*const u8; R] = array::from_fn(|r| x.add(r * x_stride + i * B::X));
            let yb: [*const u8; C] = array::from_fn(|t| y.add(t * y_stride + i * B::Y));
            // Weights are streamed when there is one activation row (then each is read
            // once), so ask for them early, as `drive` does.
            for p in xb {
                prefetch_ahead(p, B::X);
            }
            // [dx, m] of each weight row, [dy, s] of each activation row.
            let xs = scale_pairs::<B, R>(xb);
            let ys = scale_pairs::<B, C>(yb);
            // [dx·dy, m·s] of each weight row (lanes 2r, 2r + 1) with activation row t: the
            // very products `drive` computes (exact, see `avx2`'s module doc).
            let scales: [__m256; 4] = array::from_fn(|t| {
                let pair = _mm256_setr_epi32(2 * t as i32, 2 * t as i32 + 1, 2 * t as i32, 2 * t as i32 + 1, 2 * t as i32, 2 * t as i32 + 1, 2 * t as i32, 2 * t as i32 + 1);
                if t < C { _mm256_mul_ps(xs, _mm256_permutevar8x32_ps(ys, pair)) } else { _mm256_setzero_ps() }
            });
            if B::MIN {
                // The odd lanes (m·s) of activation rows 2p and 2p + 1, into summs[p].
                summs[0] = _mm256_add_ps(summs[0], _mm256_shuffle_ps::<0b11_01_11_01>(scales[0], scales[1]));
                if C > 2 {
                    summs[1] = _mm256_add_ps(summs[1], _mm256_shuffle_ps::<0b11_01_11_01>(scales[2], scales[3]));
                }
            }
            for r in 0..R {
                let w = B::prepare(xb[r]); // once for all C activation rows
                for t in 0..C {
                    let d = _mm256_permutevar8x32_ps(scales[t], _mm256_set1_epi32(2 * r as i32));
                    let sumi = B::dot_prepared::<D>(w, yb[t]);
                    acc[r][t] = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(sumi), acc[r][t]);
                }
            }
        }
        let summs = std::mem::transmute::<[__m256; 2], [f32; 16]>(summs);
        for t in 0..C {
            for r in 0..R {
                let dot = hsum(acc[r][t]);
                // As in `drive`: without a minimum, the horizontal sum alone.
                *out.add(t * R + r) = if B::MIN { dot + summs[min_lane(r, t)] } else { dot };
            }
        }
    }
}

/// [`tile`] with [`TILE_ROWS`] weight rows and `n` (1..=[`TILE_COLS`]) activation rows: one
/// instantiation per `n`, so that every loop above is unrolled.
#[inline(always)]
pub(super) unsafe fn tile_n<B: Block, D: ByteDot>(w: *const u8, a: *const u8, blocks: usize, n: usize, out: *mut f32) {
    const { assert!(TILE_ROWS == 4 && TILE_COLS == 4) };
    let (ws, as_) = (blocks * B::X, blocks * B::Y);
    unsafe {
        match n {
            1 => tile::<B, D, 4, 1>(w, ws, a, as_, blocks, out),
            2 => tile::<B, D, 4, 2>(w, ws, a, as_, blocks, out),
            3 => tile::<B, D, 4, 3>(w, ws, a, as_, blocks, out),
            4 => tile::<B, D, 4, 4>(w, ws, a, as_, blocks, out),
            _ => unreachable!("the entry checks 1 ≤ n ≤ TILE_COLS"),
        }
    }
}

/// Instantiates the tile kernels with `$dot` under `$features` and returns `$ty`'s safe
/// entry, a [`VecDotTileFn`](crate::quant::VecDotTileFn), if it has one. Use it only where
/// `$features` were detected (see `x86`'s module doc).
macro_rules! tiles_256 {
    ($ty:expr, $dot:ty, $features:literal) => {{
        use $crate::quant::simd::x86::avx2::{Block, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0};
        use $crate::quant::simd::x86::tile::tile_n;
        use $crate::quant::{TILE_COLS, TILE_ROWS};

        macro_rules! tile_kernel {
            ($block:ty) => {{
                #[target_feature(enable = $features)]
                unsafe fn kernel(w: *const u8, a: *const u8, blocks: usize, n: usize, out: *mut f32) {
                    unsafe { tile_n::<$block, $dot>(w, a, blocks, n, out) }
                }
                fn entry(w: &[u8], a: &[u8], n: usize, out: &mut [f32]) {
                    let blocks = w.len() / (TILE_ROWS * <$block>::X);
                    assert!(
                        w.len() == TILE_ROWS * blocks * <$block>::X
                            && (1..=TILE_COLS).contains(&n)
                            && a.len() == n * blocks * <$block>::Y
                            && out.len() >= n * TILE_ROWS,
                        "vec_dot_tile: {} weight bytes, {} activation bytes for {n} rows and {} outputs do not make a tile",
                        w.len(),
                        a.len(),
                        out.len()
                    );
                    // SAFETY: this entry exists only where the kernel's target features were
                    // detected, the rows hold `blocks` whole blocks each, and `out` has room.
                    unsafe { kernel(w.as_ptr(), a.as_ptr(), blocks, n, out.as_mut_ptr()) }
                }
                Some(entry as $crate::quant::VecDotTileFn)
            }};
        }
        match $ty {
            GgmlType::Q4_0 => tile_kernel!(Q4_0),
            GgmlType::Q4_1 => tile_kernel!(Q4_1),
            GgmlType::Q5_0 => tile_kernel!(Q5_0),
            GgmlType::Q5_1 => tile_kernel!(Q5_1),
            GgmlType::Q8_0 => tile_kernel!(Q8_0),
            _ => None,
        }
    }};
}

/// The `avx2` level's tile kernel for `ty`, if this CPU has the level and `ty` a kernel.
pub(super) fn avx2_vec_dot_tile(ty: GgmlType) -> Option<VecDotTileFn> {
    if !avx2::has_avx2() {
        return None;
    }
    tiles_256!(ty, Maddubs, "avx2,fma,f16c")
}

/// The `avxvnni` level's tile kernel for `ty`.
pub(super) fn avxvnni_vec_dot_tile(ty: GgmlType) -> Option<VecDotTileFn> {
    if !avx2::has_avxvnni() {
        return None;
    }
    tiles_256!(ty, AvxVnni, "avx2,fma,f16c,avxvnni")
}

/// The `avx512vnni` level's tile kernel for `ty` (256-bit vectors with EVEX `vpdpbusd`, and
/// 32 vector registers for the tile's 16 accumulators).
pub(super) fn avx512vnni_vec_dot_tile(ty: GgmlType) -> Option<VecDotTileFn> {
    if !avx2::has_avx512vnni() {
        return None;
    }
    tiles_256!(ty, Avx512Vnni, "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")
}
