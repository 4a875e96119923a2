//! Top-nσ (Tang et al. 2024, "Top-nσ: Not All Logits Are You Need"; llama.cpp's
//! `llama_sampler_top_n_sigma`): keep the tokens whose logit is within `n` standard deviations
//! of the largest logit.
//!
//! It works on logits, not probabilities, so temperature does not change which tokens survive.
//! Masked tokens get a logit of -inf (probability 0) but stay in the list; logits already -inf
//! are left out of the mean and deviation. `n` <= 0 disables it (llama.cpp's default is -1).

use super::{Candidates, Sampler};

pub struct TopNSigma {
    n: f32,
}

impl TopNSigma {
    pub fn new(n: f32) -> Self {
        Self { n }
    }
}

impl Sampler for TopNSigma {
    fn name(&self) -> &'static str {
        "top-n-sigma"
    }

    fn apply(&mut self, cur: &mut Candidates) {
        if self.n <= 0.0 || cur.len() <= 1 {
            return;
        }
        let finite = || cur.data.iter().map(|t| t.logit).filter(|&l| l != f32::NEG_INFINITY);
        let count = finite().count();
        if count == 0 {
            return;
        }
        let max = finite().fold(f32::NEG_INFINITY, f32::max);
        let mean = finite().sum::<f32>() / count as f32;
        // Population standard deviation, as llama.cpp computes it.
        let std = (finite().map(|l| (l - mean) * (l - mean)).sum::<f32>() / count as f32).sqrt();

        let min_logit = max - self.n * std;
        for t in &mut cur.data {
            if t.logit < min_logit {
                t.logit = f32::NEG_INFINITY;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_logits_below_max_minus_n_sigma() {
        // logits 10, 8, 6, 0: mean 6; squared deviations 16, 4, 0, 36, mean 14; σ = √14 = 3.7417.
        // n = 1: keep logit ≥ 10 - 3.7417 = 6.258 → 10, 8.   n = 2: ≥ 10 - 7.483 = 2.517 → 10, 8, 6.
        let inf = f32::NEG_INFINITY;
        let logits = [10.0, 8.0, 6.0, 0.0];
        let run = |n| {
            let mut cur = Candidates::from_logits(&logits);
            TopNSigma::new(n).apply(&mut cur);
            cur.data.iter().map(|t| t.logit).collect::<Vec<_>>()
        };
        assert_eq!(run(1.0), [10.0, 8.0, inf, inf]);
        assert_eq!(run(2.0), [10.0, 8.0, 6.0, inf]);
        assert_eq!(run(-1.0), logits);
    }
}
