//! Mirostat 1.0 (Basu et al. 2021, "Mirostat: A Neural Text Decoding Algorithm that Directly
//! Controls Perplexity", Algorithm 1; llama.cpp's `llama_sampler_mirostat`).
//!
//! Mirostat aims at a target *surprise* `tau` (in bits, `-log2 p` of the chosen token) and
//! steers towards it with a feedback loop on `mu`, the maximum surprise it allows:
//!
//! 1. Estimate the Zipf exponent `s` of the distribution from the `m` most likely tokens: for
//!    Zipf, `ln(p_i / p_(i+1)) = s * ln((i+2)/(i+1))`, so least squares through the origin gives
//!    `s = Σ t_i b_i / Σ t_i²` with `t_i = ln((i+2)/(i+1))`, `b_i = ln(p_i / p_(i+1))`.
//! 2. Pick `k` so that top-k truncation gives an expected surprise of about `mu`:
//!    `k = (ε 2^mu / (1 - N^-ε))^(1/s)`, `ε = s - 1`, `N` the vocabulary size.
//! 3. Sample from the top k, then `mu -= eta * (surprise - tau)`: a surprising pick lowers the
//!    cap, a predictable one raises it. `mu` starts at `2 tau`.
//!
//! Step 3 happens while sampling, not in `accept`, because the surprise needs the chosen token's
//! probability in the truncated distribution, which only exists during `apply` (llama.cpp does
//! the same). In llama.cpp's chain only the temperature runs before mirostat and it never drops
//! tokens, so the candidate count at `apply` is the vocabulary size `N`; we use it as such.

use super::rng::{resolve_seed, Pcg32};
use super::{dist, top_k, Candidates, Sampler};

/// llama.cpp's common sampler always passes m = 100 (the paper's value).
pub const DEFAULT_M: usize = 100;

pub struct MirostatV1 {
    seed: u32,
    tau: f32,
    eta: f32,
    m: usize,
    mu: f32,
    rng: Pcg32,
}

impl MirostatV1 {
    pub fn new(seed: u32, tau: f32, eta: f32, m: usize) -> Self {
        Self { seed, tau, eta, m, mu: 2.0 * tau, rng: Pcg32::from_seed(resolve_seed(seed)) }
    }

    /// The current maximum surprise, in bits.
    pub fn mu(&self) -> f32 {
        self.mu
    }
}

impl Sampler for MirostatV1 {
    fn name(&self) -> &'static str {
        "mirostat"
    }

    fn apply(&mut self, cur: &mut Candidates) {
        if cur.is_empty() {
            cur.selected = None;
            return;
        }
        let n_vocab = cur.len() as f32;
        cur.sorted_softmax();

        // 1. Zipf exponent from the first m tokens (m - 1 consecutive ratios).
        let mut sum_ti_bi = 0.0f32;
        let mut sum_ti_sq = 0.0f32;
        for i in 0..(self.m.saturating_sub(1)).min(cur.len() - 1) {
            let t_i = ((i + 2) as f32 / (i + 1) as f32).ln();
            let b_i = (cur.data[i].p / cur.data[i + 1].p).ln();
            sum_ti_bi += t_i * b_i;
            sum_ti_sq += t_i * t_i;
        }
        let s_hat = sum_ti_bi / sum_ti_sq;

        // 2. k from s and mu. `as i32` saturates, and turns NaN (one candidate) into 0.
        let epsilon_hat = s_hat - 1.0;
        let k = ((epsilon_hat * 2f32.powf(self.mu)) / (1.0 - n_vocab.powf(-epsilon_hat))).powf(1.0 / s_hat);
        top_k::top_k(cur, (k as i32).max(1));
        cur.softmax();

        // 3. Sample and update mu with the observed surprise.
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
        // A Zipf distribution with s = 2 over N = 4 tokens: weights 1, 1/4, 1/9, 1/16 (logits
        // 0, -2 ln 2, -2 ln 3, -4 ln 2). Every b_i = 2 t_i exactly, so s_hat = 2, ε = 1.
        // tau = 1 → mu = 2: k = (1 * 2^2 / (1 - 4^-1))^(1/2) = (4 / 0.75)^0.5 = 2.3094 → k = 2.
        // Top 2 renormalized: 1 : 1/4 → p = 0.8, 0.2.
        //   token 0: surprise -log2 0.8 = 0.3219281; mu = 2 - 0.1 * (0.3219281 - 1) = 2.0678072
        //   token 1: surprise -log2 0.2 = 2.3219281; mu = 2 - 0.1 * (2.3219281 - 1) = 1.8678072
        let logits = [0.0, -2.0 * 2f32.ln(), -2.0 * 3f32.ln(), -4.0 * 2f32.ln()];
        // Different seeds pick different tokens; check mu for whichever one each picks.
        let mut seen = [false; 2];
        for seed in 0..32 {
            let mut m = MirostatV1::new(seed, 1.0, 0.1, DEFAULT_M);
            assert_eq!(m.mu(), 2.0);
            let mut cur = Candidates::from_logits(&logits);
            m.apply(&mut cur);
            assert_eq!(cur.ids(), [0, 1]);
            assert!((cur.data[0].p - 0.8).abs() < 1e-6 && (cur.data[1].p - 0.2).abs() < 1e-6);
            let (picked, want_mu) = match cur.selected_id() {
                Some(0) => (0, 2.067_807_2),
                Some(1) => (1, 1.867_807_2),
                other => panic!("selected {other:?}"),
            };
            seen[picked] = true;
            assert!((m.mu() - want_mu).abs() < 1e-5, "mu = {}", m.mu());
            m.reset();
            assert_eq!(m.mu(), 2.0);
        }
        assert_eq!(seen, [true, true]);
    }
}
