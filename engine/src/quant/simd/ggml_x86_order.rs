//! Scalar models of llama.cpp's x86 dot products, for the tests: the same float operations in
//! the same order, so a fast path must equal them bit for bit.
//!
//! Each function here models one `ggml_vec_dot_*` of `ggml/src/ggml-cpu/arch/x86/quants.c`
//! as built with `-march=native` on a CPU with AVX2, FMA, F16C and AVX-512 F/BW/VL/VNNI (the
//! `__AVX2__` branches; none of these formats has an AVX-512 one). They differ from the
//! formats' `Format::vec_dot`, which follow ggml's *generic* C code, in how they group the
//! float sums:
//!
//! - Eight float lanes, lane k collecting from each block the integer sum of the products
//!   at bytes 4k..4k + 4 (of the block's 32, or for the k-quants of every 32-byte vector),
//!   one fused multiply-add per block and lane: `acc[k] = fma(d, float(sumi[k]), acc[k])`.
//! - The lanes added by ggml's `hsum_float_8` ([`hsum_float_8`]).
//! - Minimum terms (Q4_1, Q5_1, Q4_K, Q5_K) summed apart, in ggml's order, and added last;
//!   Q2_K's go into the same eight lanes, just before the codes'.
//!
//! The integer lane sums are exact whatever the instructions, apart from one quirk kept here:
//! ggml multiplies two signed bytes with its sign trick ([`sign_trick_product`]).
//!
//! Rust's `f32::mul_add` is a fused multiply-add (one rounding), like x86's `vfmadd`.
//!
//! The models, and the kernels with them, were once checked against llama.cpp b11312's own
//! `libggml-cpu` (a throwaway C program calling its exported `ggml_vec_dot_*` on rows our
//! quantizers made): identical bits for every format here, at every level.
//!
//! Where llama.cpp does not call these functions, equal bits need other kernels: on x86 it
//! repacks Q4_0, Q4_K and IQ4_NL weights (with AVX2) and Q2_K (with AVX-512) into
//! interleaved rows when a matrix has a multiple of 8 rows, and multiplies those with its
//! `ggml_gemv_*`/`ggml_gemm_*` kernels (`ggml-cpu/repack.cpp`), unless run with
//! `--no-repack`. Q8_0, Q4_0 and Q5_0 may also go through llamafile's `tinyBLAS_Q0_AVX`,
//! which sums in the same order as `ggml_vec_dot_*`.

use std::array;

use crate::quant::q2_k::BlockQ2K;
use crate::quant::q3_k::BlockQ3K;
use crate::quant::q4_0::BlockQ4_0;
use crate::quant::q4_1::BlockQ4_1;
use crate::quant::q4_k::{BlockQ4K, scales_mins_k4};
use crate::quant::q5_0::BlockQ5_0;
use crate::quant::q5_1::BlockQ5_1;
use crate::quant::q5_k::BlockQ5K;
use crate::quant::q6_k::BlockQ6K;
use crate::quant::q8_0::BlockQ8_0;
use crate::quant::q8_1::BlockQ8_1;
use crate::quant::q8_k::BlockQ8K;

/// ggml's `hsum_float_8`: the high half plus the low half, then lanes 2, 3 onto lanes 0, 1,
/// then lane 1 onto lane 0.
pub fn hsum_float_8(v: [f32; 8]) -> f32 {
    let half: [f32; 4] = array::from_fn(|i| v[i + 4] + v[i]);
    let quarter = [half[0] + half[2], half[1] + half[3]];
    quarter[0] + quarter[1]
}

/// x·y as ggml's `mul_sum_i8_pairs_float` computes it for two signed bytes without a signed ×
/// signed instruction: |x| (unsigned) times y with x's sign moved onto it (`vpsignb`). Exact,
/// except that `vpsignb` negates −128 to −128: where x < 0 and y = −128 the product comes out
/// as −|x|·128 instead of +|x|·128.
pub fn sign_trick_product(x: i8, y: i8) -> i32 {
    let signed_y = match x.signum() {
        -1 => y.wrapping_neg(),
        0 => 0,
        _ => y,
    };
    x.unsigned_abs() as i32 * signed_y as i32
}

/// Eight i32 lanes from 32 products: lane k sums products 4k..4k + 4, as `vpdpbusd`, or
/// `vpmaddubsw` then `vpmaddwd` by ones, sum them.
fn lanes(products: [i32; 32]) -> [i32; 8] {
    array::from_fn(|k| products[4 * k..4 * k + 4].iter().sum())
}

/// One block of a 32-weight format: its scale product dx·dy, the eight lanes of its integer
/// dot, and its minimum term m·s (zero for the formats without a minimum).
struct LegacyBlock {
    d: f32,
    sumi: [i32; 8],
    min: f32,
}

/// The loop every 32-weight format shares: one accumulator of eight lanes, one FMA per block
/// and lane; `summs += m·s` on the side (GCC fuses it into an FMA: ggml is built with
/// `-ffp-contract=fast`); the horizontal sum, plus `summs` where the format has a minimum.
fn legacy_loop(blocks: impl Iterator<Item = LegacyBlock>, with_min: bool) -> f32 {
    let mut acc = [0.0f32; 8];
    let mut summs = 0.0f32;
    for block in blocks {
        for (acc, &sumi) in acc.iter_mut().zip(&block.sumi) {
            *acc = block.d.mul_add(sumi as f32, *acc);
        }
        summs += block.min;
    }
    if with_min { hsum_float_8(acc) + summs } else { hsum_float_8(acc) }
}

/// A Q4/Q5 block's 4-bit codes in weight order (ggml's `bytes_from_nibbles_32`): byte j of
/// `qs` holds weight j in its low nibble, weight j + 16 in its high one.
fn nibbles(qs: &[u8; 16]) -> [u8; 32] {
    array::from_fn(|j| if j < 16 { qs[j] & 0x0F } else { qs[j - 16] >> 4 })
}

/// A Q5 block's fifth bits: bit j of the little-endian `qh` for weight j.
fn fifth_bits(qh: &[u8; 4]) -> [bool; 32] {
    let qh = u32::from_le_bytes(*qh);
    array::from_fn(|j| qh >> j & 1 == 1)
}

/// `ggml_vec_dot_q4_0_q8_0`: codes q − 8, multiplied by the sign trick.
pub fn q4_0(w: &[BlockQ4_0], a: &[BlockQ8_0]) -> f32 {
    let blocks = w.iter().zip(a).map(|(x, y)| {
        let q = nibbles(&x.qs);
        LegacyBlock {
            d: x.d.to_f32() * y.d.to_f32(),
            sumi: lanes(array::from_fn(|j| sign_trick_product(q[j] as i8 - 8, y.qs[j]))),
            min: 0.0,
        }
    });
    legacy_loop(blocks, false)
}

/// `ggml_vec_dot_q4_1_q8_1`: unsigned codes, plain products; `summs += m·s`.
pub fn q4_1(w: &[BlockQ4_1], a: &[BlockQ8_1]) -> f32 {
    let blocks = w.iter().zip(a).map(|(x, y)| {
        let q = nibbles(&x.qs);
        LegacyBlock {
            d: x.d.to_f32() * y.d.to_f32(),
            sumi: lanes(array::from_fn(|j| q[j] as i32 * y.qs[j] as i32)),
            min: x.m.to_f32() * y.s.to_f32(),
        }
    });
    legacy_loop(blocks, true)
}

/// `ggml_vec_dot_q5_0_q8_0`: codes (nibble + 16·fifth bit) − 16, multiplied by the sign trick.
pub fn q5_0(w: &[BlockQ5_0], a: &[BlockQ8_0]) -> f32 {
    let blocks = w.iter().zip(a).map(|(x, y)| {
        let (low, high) = (nibbles(&x.qs), fifth_bits(&x.qh));
        let q: [i8; 32] = array::from_fn(|j| (low[j] | if high[j] { 0x10 } else { 0 }) as i8 - 16);
        LegacyBlock {
            d: x.d.to_f32() * y.d.to_f32(),
            sumi: lanes(array::from_fn(|j| sign_trick_product(q[j], y.qs[j]))),
            min: 0.0,
        }
    });
    legacy_loop(blocks, false)
}

/// `ggml_vec_dot_q5_1_q8_1`: unsigned codes nibble + 16·fifth bit, plain products; `summs +=
/// m·s`.
pub fn q5_1(w: &[BlockQ5_1], a: &[BlockQ8_1]) -> f32 {
    let blocks = w.iter().zip(a).map(|(x, y)| {
        let (low, high) = (nibbles(&x.qs), fifth_bits(&x.qh));
        LegacyBlock {
            d: x.d.to_f32() * y.d.to_f32(),
            sumi: lanes(array::from_fn(|j| (low[j] | if high[j] { 0x10 } else { 0 }) as i32 * y.qs[j] as i32)),
            min: x.m.to_f32() * y.s.to_f32(),
        }
    });
    legacy_loop(blocks, true)
}

/// `ggml_vec_dot_q8_0_q8_0`: signed codes on both sides, multiplied by the sign trick.
pub fn q8_0(w: &[BlockQ8_0], a: &[BlockQ8_0]) -> f32 {
    let blocks = w.iter().zip(a).map(|(x, y)| LegacyBlock {
        d: x.d.to_f32() * y.d.to_f32(),
        sumi: lanes(array::from_fn(|j| sign_trick_product(x.qs[j], y.qs[j]))),
        min: 0.0,
    });
    legacy_loop(blocks, false)
}

/// Q8_1 · Q8_1 has no ggml kernel; ours is Q8_0's loop on Q8_1 blocks (their `s` unused).
pub fn q8_1(w: &[BlockQ8_1], a: &[BlockQ8_1]) -> f32 {
    let blocks = w.iter().zip(a).map(|(x, y)| LegacyBlock {
        d: x.d.to_f32() * y.d.to_f32(),
        sumi: lanes(array::from_fn(|j| sign_trick_product(x.qs[j], y.qs[j]))),
        min: 0.0,
    });
    legacy_loop(blocks, false)
}

/// Eight lanes of a 16-sub-block super-block's codes (Q2_K, Q3_K, Q6_K as ggml's AVX2 code
/// lays them out): over the eight 32-byte vectors (weights 32v..32v + 32, sub-blocks 2v and
/// 2v + 1), lane k holds `scale(sub-block) × code × y` of the weights at bytes 4k..4k + 4.
fn sixteen_sub_block_lanes(code: impl Fn(usize) -> i32, scale: impl Fn(usize) -> i32, y: &BlockQ8K) -> [i32; 8] {
    let mut sumi = [0i32; 8];
    for v in 0..8 {
        let products: [i32; 32] = array::from_fn(|b| {
            let i = 32 * v + b;
            scale(i / 16) * code(i) * y.qs[i] as i32
        });
        for (sumi, lane) in sumi.iter_mut().zip(lanes(products)) {
            *sumi += lane;
        }
    }
    sumi
}

/// `ggml_vec_dot_q2_K_q8_K`: per super-block, first the minimums, eight lanes of
/// m₂ₖ·bsum₂ₖ + m₂ₖ₊₁·bsum₂ₖ₊₁ times −dmin·dy, then the codes' lanes times d·dy, both into the
/// one accumulator.
pub fn q2_k(w: &[BlockQ2K], a: &[BlockQ8K]) -> f32 {
    let mut acc = [0.0f32; 8];
    for (x, y) in w.iter().zip(a) {
        let d = y.d * x.d.to_f32();
        let dmin = -y.d * x.dmin.to_f32();
        let min = |j: usize| (x.scales[j] >> 4) as i32;
        for (k, acc) in acc.iter_mut().enumerate() {
            let m = min(2 * k) * y.bsums[2 * k] as i32 + min(2 * k + 1) * y.bsums[2 * k + 1] as i32;
            *acc = dmin.mul_add(m as f32, *acc);
        }
        // Weight 128h + 32k + l: bits 2k..2k + 2 of byte l of half h.
        let code = |i: usize| ((x.qs[32 * (i / 128) + i % 32] >> (2 * (i % 128 / 32))) & 3) as i32;
        let sumi = sixteen_sub_block_lanes(code, |j| (x.scales[j] & 0x0F) as i32, y);
        for (acc, &sumi) in acc.iter_mut().zip(&sumi) {
            *acc = d.mul_add(sumi as f32, *acc);
        }
    }
    hsum_float_8(acc)
}

/// `ggml_vec_dot_q3_K_q8_K`: the signed codes q − 4 with their signed scales, eight lanes.
/// (ggml multiplies the low bits and the −4 apart, which gives the same integers.)
pub fn q3_k(w: &[BlockQ3K], a: &[BlockQ8K]) -> f32 {
    let mut acc = [0.0f32; 8];
    for (x, y) in w.iter().zip(a) {
        let d = y.d * x.d.to_f32();
        let codes = x.codes();
        let sumi = sixteen_sub_block_lanes(|i| codes[i] as i32, |j| x.scale(j), y);
        for (acc, &sumi) in acc.iter_mut().zip(&sumi) {
            *acc = d.mul_add(sumi as f32, *acc);
        }
    }
    hsum_float_8(acc)
}

/// The integer parts of a Q4_K/Q5_K super-block as ggml's AVX2 code lays them out, from its
/// 256 codes, packed scales and minimums, and activations: eight lanes of the codes' dot,
/// lane k holding, over the 8 sub-blocks of 32 weights (one 32-byte vector each), scale ×
/// the products at bytes 4k..4k + 4; and four lanes of the minimums' dot from Q8_K's
/// `bsums`, lane k holding sub-blocks 2k and 2k + 1.
fn k4_integers(codes: &[i8; 256], packed: &[u8; 12], y: &BlockQ8K) -> ([i32; 8], [i32; 4]) {
    let (scales, mins) = scales_mins_k4(packed);
    // `_mm_hadd_epi16` of the 16 bsums: the sums of each sub-block of 32 (in i16, which they
    // fit: 32·128).
    let q8s: [i32; 8] = array::from_fn(|j| y.bsums[2 * j] as i32 + y.bsums[2 * j + 1] as i32);
    let min_lanes = array::from_fn(|k| mins[2 * k] as i32 * q8s[2 * k] + mins[2 * k + 1] as i32 * q8s[2 * k + 1]);
    let mut sumi = [0i32; 8];
    for (j, &scale) in scales.iter().enumerate() {
        let products: [i32; 32] = array::from_fn(|b| codes[32 * j + b] as i32 * y.qs[32 * j + b] as i32);
        for (sumi, lane) in sumi.iter_mut().zip(lanes(products)) {
            *sumi += scale as i32 * lane;
        }
    }
    (sumi, min_lanes)
}

/// `ggml_vec_dot_q4_K_q8_K`: the codes' lanes into one eight-lane accumulator; the minimums'
/// four lanes scaled by −dmin·dy into a four-lane accumulator of their own, which ggml
/// reduces as (l₀ + l₂) + (l₁ + l₃) and adds last.
pub fn q4_k(w: &[BlockQ4K], a: &[BlockQ8K]) -> f32 {
    let mut acc = [0.0f32; 8];
    let mut acc_m = [0.0f32; 4];
    for (x, y) in w.iter().zip(a) {
        let d = y.d * x.d.to_f32();
        let dmin = -y.d * x.dmin.to_f32();
        let (sumi, min_lanes) = k4_integers(&x.codes(), &x.scales, y);
        for (acc_m, &m) in acc_m.iter_mut().zip(&min_lanes) {
            *acc_m = dmin.mul_add(m as f32, *acc_m);
        }
        for (acc, &sumi) in acc.iter_mut().zip(&sumi) {
            *acc = d.mul_add(sumi as f32, *acc);
        }
    }
    hsum_float_8(acc) + ((acc_m[0] + acc_m[2]) + (acc_m[1] + acc_m[3]))
}

/// `ggml_vec_dot_q5_K_q8_K`: as Q4_K (with 5-bit codes), except for the minimums: their four
/// lanes are added as integers, and a scalar `summs += dmin·that` (fused, `-ffp-contract=fast`)
/// collects them, added last.
pub fn q5_k(w: &[BlockQ5K], a: &[BlockQ8K]) -> f32 {
    let mut acc = [0.0f32; 8];
    let mut summs = 0.0f32;
    for (x, y) in w.iter().zip(a) {
        let d = y.d * x.d.to_f32();
        let dmin = -y.d * x.dmin.to_f32();
        let (sumi, min_lanes) = k4_integers(&x.codes(), &x.scales, y);
        summs = dmin.mul_add(min_lanes.iter().sum::<i32>() as f32, summs);
        for (acc, &sumi) in acc.iter_mut().zip(&sumi) {
            *acc = d.mul_add(sumi as f32, *acc);
        }
    }
    hsum_float_8(acc) + summs
}

/// `ggml_vec_dot_q6_K_q8_K`. The codes stay unsigned (q in 0..=63, not q − 32) in the
/// eight lanes; each lane k then loses the offset term 32·(sc₂ₖ·bsum₂ₖ + sc₂ₖ₊₁·bsum₂ₖ₊₁) of
/// sub-blocks 2k and 2k + 1 (so the −32 lands in other lanes than the products it belongs
/// to).
pub fn q6_k(w: &[BlockQ6K], a: &[BlockQ8K]) -> f32 {
    let mut acc = [0.0f32; 8];
    for (x, y) in w.iter().zip(a) {
        let d = y.d * x.d.to_f32();
        let codes = x.codes();
        let scale = |j: usize| x.scales[j] as i32;
        let mut sumi = sixteen_sub_block_lanes(|i| codes[i] as i32 + 32, scale, y);
        for (k, sumi) in sumi.iter_mut().enumerate() {
            *sumi -= 32 * (scale(2 * k) * y.bsums[2 * k] as i32 + scale(2 * k + 1) * y.bsums[2 * k + 1] as i32);
        }
        for (acc, &sumi) in acc.iter_mut().zip(&sumi) {
            *acc = d.mul_add(sumi as f32, *acc);
        }
    }
    hsum_float_8(acc)
}
