//! Shared test support for the labs (not a lab: there is no `lab.yaml`, so the grader never
//! lists it). Every lab's `tests/graded.rs` draws its random inputs from [`Rng`].

use half::f16;

/// SplitMix64, seeded from `TEST_SEED` or the clock: fresh inputs on every run, and a failure
/// replays with `TEST_SEED=<seed> cargo learn lab M.N` (the seed is printed when it is drawn, and
/// tests put [`Rng::seed`] in their failure messages).
pub struct Rng {
    seed: u64,
    state: u64,
}

impl Rng {
    /// A generator seeded from the `TEST_SEED` environment variable, or from the clock when it
    /// is unset; prints the seed to stderr (cargo shows it for a failing test).
    pub fn fresh() -> Rng {
        let seed = match std::env::var("TEST_SEED") {
            Ok(s) => s.trim().parse().unwrap_or_else(|_| panic!("TEST_SEED={s:?} is not a u64")),
            Err(_) => std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64,
        };
        eprintln!("random inputs from TEST_SEED={seed}");
        Rng::from_seed(seed)
    }

    /// A generator with a given seed (a derived stream, or a test of determinism).
    pub fn from_seed(seed: u64) -> Rng {
        Rng { seed, state: seed }
    }

    /// The seed this generator started from: put it in failure messages.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (the modulo bias is negligible for the small `n` tests use).
    pub fn below(&mut self, n: usize) -> usize {
        assert!(n > 0, "below(0): empty range");
        (self.next_u64() % n as u64) as usize
    }

    /// [`Rng::below`] for `u64` bounds (file offsets, tensor dimensions).
    pub fn below_u64(&mut self, n: u64) -> u64 {
        assert!(n > 0, "below_u64(0): empty range");
        self.next_u64() % n
    }

    /// Uniform in [-1, 1), on a grid of 2^-23 (24 random bits: exact in f32).
    pub fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    }

    /// `n` values uniform in [-scale, scale).
    pub fn vec(&mut self, n: usize, scale: f32) -> Vec<f32> {
        (0..n).map(|_| self.unit() * scale).collect()
    }

    /// Blocks of 32 weights whose magnitude varies from block to block (1e-4 .. 1e3), with a
    /// few outliers (8× the block's scale), as in trained weights.
    pub fn weights(&mut self, n_blocks: usize) -> Vec<f32> {
        let mut x = Vec::with_capacity(n_blocks * 32);
        for _ in 0..n_blocks {
            let scale = 10f32.powf(self.unit() * 3.5 - 0.5);
            for _ in 0..32 {
                let outlier = if self.next_u64().is_multiple_of(20) { 8.0 } else { 1.0 };
                x.push(self.unit() * scale * outlier);
            }
        }
        x
    }

    /// A finite f16 (normal or subnormal, either sign), uniform over bit patterns.
    pub fn finite_f16(&mut self) -> f16 {
        loop {
            let h = f16::from_bits(self.next_u64() as u16);
            if h.is_finite() {
                return h;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_stream() {
        let (mut a, mut b) = (Rng::from_seed(7), Rng::from_seed(7));
        assert_eq!((0..100).map(|_| a.next_u64()).collect::<Vec<_>>(), (0..100).map(|_| b.next_u64()).collect::<Vec<_>>());
        assert_eq!(a.seed(), 7);
    }

    #[test]
    fn splitmix64_matches_its_published_first_output() {
        // SplitMix64 with seed 0 (Vigna's reference implementation) starts 0xE220A8397B1DCDAF.
        assert_eq!(Rng::from_seed(0).next_u64(), 0xE220_A839_7B1D_CDAF);
    }

    #[test]
    fn draws_stay_in_their_ranges() {
        let mut rng = Rng::from_seed(0x5EED);
        for _ in 0..10_000 {
            let u = rng.unit();
            assert!((-1.0..1.0).contains(&u), "unit() gave {u}");
            assert!(rng.below(7) < 7);
            assert!(rng.below_u64(3) < 3);
            assert!(rng.finite_f16().is_finite());
        }
        let w = rng.weights(4);
        assert_eq!(w.len(), 128);
        assert!(w.iter().all(|v| v.is_finite() && v.abs() < 8.0 * 1e3));
        assert!(w.iter().any(|&v| v != 0.0));
    }
}
