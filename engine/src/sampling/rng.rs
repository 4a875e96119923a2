//! The seeded random number generator behind every random sampler (dist, XTC, mirostat).
//!
//! llama.cpp uses `std::mt19937` with `std::uniform_real_distribution`; the C++ standard fixes
//! mt19937's bits but not the distributions', so its draws can differ between standard libraries.
//! We only promise determinism: the same seed gives the same draws on every run and platform.
//! For that a small generator with a published test vector is enough: PCG32 (PCG-XSH-RR,
//! M. O'Neill 2014, <https://www.pcg-random.org>), 64 bits of state and a few lines of code.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::{SystemTime, UNIX_EPOCH};

/// llama.cpp's `LLAMA_DEFAULT_SEED` (0xFFFFFFFF): "pick a random seed".
pub const DEFAULT_SEED: u32 = u32::MAX;

/// PCG's multiplier: the LCG step is `state = state * MULT + inc (mod 2^64)`.
const MULT: u64 = 6_364_136_223_846_793_005;

/// The stream our samplers use. `inc = 2 * stream + 1`, so this makes `inc` PCG's default
/// increment, 1442695040888963407. Any stream works; one fixed stream keeps runs reproducible.
const SAMPLER_STREAM: u64 = 1_442_695_040_888_963_407 >> 1;

/// A PCG32 generator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pcg32 {
    state: u64,
    inc: u64,
}

impl Pcg32 {
    /// PCG's reference seeding (`pcg32_srandom_r(initstate, initseq)`).
    pub fn new(initstate: u64, initseq: u64) -> Self {
        let mut rng = Self { state: 0, inc: (initseq << 1) | 1 };
        rng.next_u32();
        rng.state = rng.state.wrapping_add(initstate);
        rng.next_u32();
        rng
    }

    /// The generator a sampler seeded with `seed` uses ([`DEFAULT_SEED`] already resolved).
    pub fn from_seed(seed: u32) -> Self {
        Self::new(u64::from(seed), SAMPLER_STREAM)
    }

    /// Advance the LCG and output a permutation of the *old* state: xorshift the high bits
    /// down, then rotate by the top 5 bits. The permutation hides the LCG's weak low bits.
    pub fn next_u32(&mut self) -> u32 {
        let old = self.state;
        self.state = old.wrapping_mul(MULT).wrapping_add(self.inc);
        let xorshifted = (((old >> 18) ^ old) >> 27) as u32;
        xorshifted.rotate_right((old >> 59) as u32)
    }

    /// Uniform in [0, 1) with 53 random bits, all an f64 mantissa holds.
    pub fn next_f64(&mut self) -> f64 {
        let bits = (u64::from(self.next_u32()) << 32) | u64::from(self.next_u32());
        (bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in [0, 1) with 24 random bits, all an f32 mantissa holds.
    pub fn next_f32(&mut self) -> f32 {
        (self.next_u32() >> 8) as f32 * (1.0 / (1u32 << 24) as f32)
    }
}

/// llama.cpp's `get_rng_seed`: [`DEFAULT_SEED`] means a fresh seed from the environment,
/// any other value is used as is.
pub fn resolve_seed(seed: u32) -> u32 {
    if seed != DEFAULT_SEED {
        return seed;
    }
    // std's RandomState is keyed from the OS's random source; mix in the clock as well.
    let mut h = RandomState::new().build_hasher();
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    h.write_u128(nanos);
    h.finish() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_pcg32_reference_vector() {
        // pcg-c-basic's pcg32-demo, "Round 1" with initstate 42, initseq 54, as published at
        // https://www.pcg-random.org/using-pcg-c-basic.html.
        let mut rng = Pcg32::new(42, 54);
        let got: Vec<u32> = (0..6).map(|_| rng.next_u32()).collect();
        assert_eq!(got, [0xa15c02b7, 0x7b47f409, 0xba1d3330, 0x83d2f293, 0xbfa4784b, 0xcbed606e]);
    }

    #[test]
    fn same_seed_same_draws_other_seed_other_draws() {
        let draw = |seed| {
            let mut rng = Pcg32::from_seed(seed);
            (0..8).map(|_| rng.next_f64()).collect::<Vec<_>>()
        };
        assert_eq!(draw(1234), draw(1234));
        assert_ne!(draw(1234), draw(1235));
    }

    #[test]
    fn floats_are_in_unit_interval() {
        let mut rng = Pcg32::from_seed(7);
        for _ in 0..10_000 {
            let (d, f) = (rng.next_f64(), rng.next_f32());
            assert!((0.0..1.0).contains(&d) && (0.0..1.0).contains(&f));
        }
    }

    #[test]
    fn explicit_seeds_are_kept() {
        assert_eq!(resolve_seed(42), 42);
    }
}
