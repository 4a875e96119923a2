//! The final sampler (llama.cpp's `llama_sampler_dist`): draw one token at random with
//! probability softmax(logit) over the candidates the chain left.
//!
//! Inverse transform sampling: draw `u` uniform in [0, 1), walk the tokens adding up their
//! probabilities, and select the first token at which the running sum exceeds `u`. Token i is
//! selected exactly when `u` falls in an interval of length `p_i`, so with probability `p_i`.

use super::rng::{resolve_seed, Pcg32};
use super::{Candidates, Sampler};

pub struct Dist {
    seed: u32,
    rng: Pcg32,
}

impl Dist {
    /// [`super::DEFAULT_SEED`] draws a fresh random seed (here and at every reset).
    pub fn new(seed: u32) -> Self {
        Self { seed, rng: Pcg32::from_seed(resolve_seed(seed)) }
    }
}

/// Pick an index with probability `p` (the `p` fields must be a distribution).
///
/// llama.cpp selects the first index with running sum `>= u * sum`; we use `>`, so that a token
/// with probability 0 (masked to -inf) can never be picked even when `u` is exactly 0.
pub(crate) fn sample_index(cur: &Candidates, rng: &mut Pcg32) -> usize {
    let sum: f64 = cur.data.iter().map(|t| f64::from(t.p)).sum();
    let target = rng.next_f64() * sum;
    let mut running = 0.0f64;
    for (i, t) in cur.data.iter().enumerate() {
        running += f64::from(t.p);
        if running > target {
            return i;
        }
    }
    // Only reachable through rounding when `u` is within an ulp of 1: take the last token that
    // has any probability.
    cur.data.iter().rposition(|t| t.p > 0.0).unwrap_or(cur.len() - 1)
}

impl Sampler for Dist {
    fn name(&self) -> &'static str {
        "dist"
    }

    fn apply(&mut self, cur: &mut Candidates) {
        if cur.is_empty() {
            cur.selected = None;
            return;
        }
        cur.softmax();
        cur.selected = Some(sample_index(cur, &mut self.rng));
    }

    fn reset(&mut self) {
        self.rng = Pcg32::from_seed(resolve_seed(self.seed));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frequencies_converge_to_the_distribution() {
        // p = 0.5, 0.3, 0.2 (logits ln 5, ln 3, ln 2: weights 5 : 3 : 2 out of 10).
        // Over N = 100 000 draws, Pearson's χ² = Σ (observed - N p)² / (N p) follows a χ²
        // distribution with 2 degrees of freedom; its 99.9% quantile is -2 ln 0.001 = 13.8155.
        let logits = [5.0f32.ln(), 3.0f32.ln(), 2.0f32.ln()];
        let expected = [0.5, 0.3, 0.2];
        let n = 100_000;
        let mut dist = Dist::new(1234);
        let mut counts = [0u32; 3];
        let mut cur = Candidates::default();
        for _ in 0..n {
            cur.fill(&logits);
            dist.apply(&mut cur);
            counts[cur.selected_id().unwrap() as usize] += 1;
        }
        let chi2: f64 = counts
            .iter()
            .zip(expected)
            .map(|(&o, p)| {
                let e = n as f64 * p;
                (f64::from(o) - e).powi(2) / e
            })
            .sum();
        assert!(chi2 < 13.8155, "counts {counts:?}, chi2 {chi2}");
    }

    fn draws(seed: u32) -> Vec<u32> {
        let mut dist = Dist::new(seed);
        let mut cur = Candidates::default();
        (0..32)
            .map(|_| {
                cur.fill(&[0.0; 16]);
                dist.apply(&mut cur);
                cur.selected_id().unwrap()
            })
            .collect()
    }

    #[test]
    fn same_seed_same_sequence_other_seed_other_sequence() {
        // 32 draws from 16 equally likely tokens: two seeds agree by chance with probability 16^-32.
        assert_eq!(draws(42), draws(42));
        assert_ne!(draws(42), draws(43));
    }

    #[test]
    fn reset_replays_the_sequence() {
        let mut dist = Dist::new(7);
        let run = |dist: &mut Dist| {
            let mut cur = Candidates::default();
            (0..8)
                .map(|_| {
                    cur.fill(&[0.0; 4]);
                    dist.apply(&mut cur);
                    cur.selected_id().unwrap()
                })
                .collect::<Vec<_>>()
        };
        let first = run(&mut dist);
        dist.reset();
        assert_eq!(run(&mut dist), first);
    }

    #[test]
    fn never_picks_masked_tokens() {
        let inf = f32::NEG_INFINITY;
        let mut dist = Dist::new(3);
        for _ in 0..1000 {
            let mut cur = Candidates::from_logits(&[inf, 1.0, inf, 0.0, inf]);
            dist.apply(&mut cur);
            assert!(matches!(cur.selected_id(), Some(1 | 3)));
        }
    }
}
