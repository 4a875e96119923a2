//! x86_64 fast paths, in three levels, each a set of target features:
//!
//! - `avx2`: AVX2 + FMA + F16C (Haswell and later, Zen 1 and later). Bytes are multiplied
//!   with `vpmaddubsw` (u8 × i8 → pairs summed to i16) then `vpmaddwd` (pairs of i16 → i32).
//! - `avxvnni`: the same 256-bit kernels with VEX `vpdpbusd`, which does both steps in one
//!   instruction (Alder Lake and later client chips, which lack AVX-512).
//! - `avx512vnni`: AVX-512 F/BW/VL + VNNI (Ice Lake / Zen 4 and later): the same 256-bit
//!   kernels again, with EVEX `vpdpbusd`; 512-bit kernels for the float formats.
//!
//! | types                          | `avx2`, `avxvnni`       | `avx512vnni`            |
//! |--------------------------------|-------------------------|-------------------------|
//! | Q4_0, Q4_1, Q5_0, Q5_1, Q8_0/1 | [`avx2`] (256-bit)      | [`avx2`], EVEX          |
//! | Q2_K, Q3_K, Q4_K, Q5_K, Q6_K   | [`k_quants`] (256-bit)  | [`k_quants`], EVEX      |
//! | F32, F16, BF16                 | [`float`] (`avx2` only) | [`float`] (512-bit)     |
//!
//! The quantized kernels reproduce llama.cpp's x86 `ggml_vec_dot_*` bit for bit (see
//! [`avx2`]'s module doc for what that takes), at every level: the levels differ only in
//! how they multiply bytes, which is exact integer arithmetic. The float formats' kernels
//! are only close to the scalar reference. The tests check both against scalar models
//! (`quant::simd::ggml_x86_order`).
//!
//! [`tile`] holds kernels for several weight rows times several activation rows at once, for
//! prompt processing, from the same pieces and equal to them bit for bit.
//!
//! [`vec_dots`] lists the levels best first, which `cargo bench -p engine --bench vec_dot`
//! confirmed on a Xeon with all three (where two levels run the same 256-bit code, they tie).
//!
//! # Safety invariant
//!
//! Every kernel is an `unsafe fn` compiled with `#[target_feature(enable = …)]`: run on a
//! CPU without those features it is undefined behaviour (at best an illegal instruction).
//! Kernels, and the generic `#[inline(always)]` code they are made of, are private to this
//! module. The only way out is the safe entry function that `entry!` (or `tiles_256!`) wraps
//! around a kernel, and the functions that hand out entries (each level's `…_vec_dot(ty)`
//! and `…_vec_dot_tile(ty)`) first check with `is_x86_feature_detected!` every feature their
//! kernels are compiled with.
//! Entries also check that both rows hold the same number of whole blocks, because the
//! kernels read the rows through raw pointers, always with unaligned loads (blocks are 2 to
//! 292 bytes long and packed back to back, so no block is aligned for a vector).

use crate::quant::{VecDotFn, VecDotTileFn};
use crate::tensor::GgmlType;

/// Wraps `$kernel(w: *const u8, a: *const u8, blocks: usize) -> f32` in a safe
/// [`VecDotFn`] over rows of `$w`-byte weight blocks and `$a`-byte activation blocks.
/// Use it only where `$kernel`'s target features were detected (see the module doc).
macro_rules! entry {
    ($kernel:path, $w:expr, $a:expr) => {{
        fn entry(w: &[u8], a: &[u8]) -> f32 {
            let blocks = w.len() / $w;
            assert!(
                w.len() == blocks * $w && a.len() == blocks * $a,
                "vec_dot: {} weight bytes and {} activation bytes are not the same number of blocks",
                w.len(),
                a.len()
            );
            // SAFETY: this entry exists only where the kernel's target features were detected
            // (module doc), and both rows hold `blocks` whole blocks.
            unsafe { $kernel(w.as_ptr(), a.as_ptr(), blocks) }
        }
        entry as crate::quant::VecDotFn
    }};
}

#[macro_use]
mod avx2;
mod float;
mod k_quants;
mod tile;

/// The fast `vec_dot`s this CPU runs for `ty`, best first. (The float formats have no byte
/// dots, so the `avxvnni` level would repeat the `avx2` kernels: it offers none.)
pub(super) fn vec_dots(ty: GgmlType) -> Vec<(&'static str, VecDotFn)> {
    let levels = [
        ("avx512vnni", avx2::avx512vnni_vec_dot(ty).or_else(|| float::avx512_vec_dot(ty))),
        ("avxvnni", avx2::avxvnni_vec_dot(ty)),
        ("avx2", avx2::avx2_vec_dot(ty).or_else(|| float::avx2_vec_dot(ty))),
    ];
    levels.into_iter().filter_map(|(name, f)| Some((name, f?))).collect()
}

/// The tile kernels ([`tile`]) this CPU runs for `ty`, best first, named like [`vec_dots`].
pub(super) fn vec_dot_tiles(ty: GgmlType) -> Vec<(&'static str, VecDotTileFn)> {
    let levels = [
        ("avx512vnni", tile::avx512vnni_vec_dot_tile(ty)),
        ("avxvnni", tile::avxvnni_vec_dot_tile(ty)),
        ("avx2", tile::avx2_vec_dot_tile(ty)),
    ];
    levels.into_iter().filter_map(|(name, f)| Some((name, f?))).collect()
}
