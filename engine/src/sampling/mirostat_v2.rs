//! Mirostat 2.0 (Basu et al. 2021, Algorithm 2 of the reference code; llama.cpp's
//! `llama_sampler_mirostat_v2`).
//!
//! The same feedback loop on `mu` as [`super::mirostat_v1`], with a simpler truncation: instead
//! of estimating a Zipf exponent to choose `k`, drop every token whose surprise `-log2 p` is
//! above `mu` (keeping at least the most likely one), sample from the rest, then
//! `mu -= eta * (surprise - tau)`. `mu` starts at `2 tau`. As in v1, `mu` is updated while
//! sampling because the surprise is measured in the truncated distribution.

use super::rng::{resolve_seed, Pcg32};
use super::{dist, Candidates, Sampler};

pub struct MirostatV2 {
    seed: u32,
    tau: f32,
    eta: f32,
    mu: f32,
    rng: Pcg32,
}

impl MirostatV2 {
    pub fn new(seed: u32, tau: f32, eta: f32) -> Self {
        Self { seed, tau, eta, mu: 2.0 * tau, rng: Pcg32::from_seed(resolve_seed(seed)) }
    }

    /// The current maximum surprise, in bits.
    pub fn mu(&self) -> f32 {
        self.mu
    }
}

impl Sampler for MirostatV2 {
    fn name(&self) -> &'static str {
        "mirostat-v2"
    }

    fn apply(&mut self, cur: &mut Candidates) {
        if cur.is_empty() {
            cur.selected = None;
            return;
        }
        cur.sorted_softmax();

        // Sorted by probability, so the tokens within the cap are a prefix.
        let keep = cur.data.iter().take_while(|t| -t.p.log2() <= self.mu).count();
        cur.truncate(keep.max(1));
        cur.softmax();

        let idx = dist::sample_index(cur, &mut self.rng);
        cur.selected = Some(idx);
        let surprise = -cur.data[idx].p.log2();
        self.mu -= self.eta * (surprise - self.tau);
    }

    fn reset(&mut self) {
        self.mu = 2.0 * self.tau;
        self.rng = Pcg32::from_seed(resolve_seed(self.seed));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_step_by_hand() {
        // p = 0.5, 0.25, 0.125, 0.125: surprises 1, 2, 3, 3 bits. tau = 1.25 → mu = 2.5, so the
        // two 3-bit tokens go. Renormalized: 0.5 : 0.25 → p = 2/3, 1/3.
        //   token 0: surprise -log2(2/3) = 0.5849625; e = 0.5849625 - 1.25 = -0.6650375;
        //            mu = 2.5 - 0.1 * e = 2.5665037
        //   token 1: surprise log2 3 = 1.5849625; e = 0.3349625; mu = 2.5 - 0.0334963 = 2.4665037
        let logits = [0.5f32.ln(), 0.25f32.ln(), 0.125f32.ln(), 0.125f32.ln()];
        let mut seen = [false; 2];
        for seed in 0..32 {
            let mut m = MirostatV2::new(seed, 1.25, 0.1);
            assert_eq!(m.mu(), 2.5);
            let mut cur = Candidates::from_logits(&logits);
            m.apply(&mut cur);
            assert_eq!(cur.ids(), [0, 1]);
            assert!((cur.data[0].p - 2.0 / 3.0).abs() < 1e-6);
            let (picked, want_mu) = match cur.selected_id() {
                Some(0) => (0, 2.566_503_7),
                Some(1) => (1, 2.466_503_7),
                other => panic!("selected {other:?}"),
            };
            seen[picked] = true;
            assert!((m.mu() - want_mu).abs() < 1e-5, "mu = {}", m.mu());
        }
        assert_eq!(seen, [true, true]);
    }

    #[test]
    fn keeps_at_least_one_token() {
        // mu = 2 * 0.1 = 0.2 bits: even the best token (p = 0.5, 1 bit) is above the cap.
        let mut m = MirostatV2::new(1, 0.1, 0.1);
        let mut cur = Candidates::from_logits(&[0.5f32.ln(), 0.25f32.ln(), 0.25f32.ln()]);
        m.apply(&mut cur);
        assert_eq!(cur.ids(), [0]);
        assert_eq!(cur.selected_id(), Some(0));
    }
}
