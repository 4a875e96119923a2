//! XTC, "exclude top choices" (by p-e-w, text-generation-webui PR 6335; llama.cpp's
//! `llama_sampler_xtc`): with probability `probability`, remove every token whose probability
//! is at least `threshold` *except the least likely of them*.
//!
//! The idea is the opposite of truncation: when several tokens are all good choices, drop the
//! most predictable ones to make the text less clichéd, while always keeping one good choice.
//! If fewer than two tokens reach the threshold nothing happens. `probability` <= 0 or
//! `threshold` > 0.5 disable it (two tokens cannot both exceed 0.5). llama.cpp's default
//! probability is 0, so XTC is in the default chain but off.

use super::rng::{resolve_seed, Pcg32};
use super::{Candidates, Sampler};

pub struct Xtc {
    probability: f32,
    threshold: f32,
    min_keep: usize,
    seed: u32,
    rng: Pcg32,
}

impl Xtc {
    pub fn new(probability: f32, threshold: f32, min_keep: usize, seed: u32) -> Self {
        Self { probability, threshold, min_keep, seed, rng: Pcg32::from_seed(resolve_seed(seed)) }
    }
}

impl Sampler for Xtc {
    fn name(&self) -> &'static str {
        "xtc"
    }

    fn apply(&mut self, cur: &mut Candidates) {
        if self.probability <= 0.0 || self.threshold > 0.5 || cur.len() < 2 {
            return;
        }
        // Roll the dice: XTC only acts on a `probability` fraction of the steps.
        if self.rng.next_f32() > self.probability {
            return;
        }
        cur.sorted_softmax();

        // Index of the last (least likely) token at or above the threshold.
        let above = cur.data.iter().take_while(|t| t.p >= self.threshold).count();
        let last = above.saturating_sub(1);

        // Drop the `last` tokens in front of it, if that leaves at least min_keep tokens.
        if last > 0 && cur.len() - last >= self.min_keep {
            cur.data.drain(..last);
        }
    }

    fn reset(&mut self) {
        self.rng = Pcg32::from_seed(resolve_seed(self.seed));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(probability: f32, threshold: f32, min_keep: usize) -> Vec<u32> {
        // Probabilities 0.1, 0.4, 0.2, 0.3 (as logits ln p): sorted ids 1, 3, 2, 0.
        let mut cur = Candidates::from_logits(&[0.1f32.ln(), 0.4f32.ln(), 0.2f32.ln(), 0.3f32.ln()]);
        Xtc::new(probability, threshold, min_keep, 1).apply(&mut cur);
        cur.ids()
    }

    #[test]
    fn removes_top_choices_but_the_least_likely_of_them() {
        // Threshold 0.25: 0.4 (id 1) and 0.3 (id 3) reach it; 0.4 goes, 0.3 stays with 0.2, 0.1.
        assert_eq!(run(1.0, 0.25, 0), [3, 2, 0]);
        // Threshold 0.15: 0.4, 0.3, 0.2 reach it; 0.4 and 0.3 go.
        assert_eq!(run(1.0, 0.15, 0), [2, 0]);
        // Threshold 0.35: only 0.4 reaches it, nothing to exclude (sorted by the softmax).
        assert_eq!(run(1.0, 0.35, 0), [1, 3, 2, 0]);
    }

    #[test]
    fn disabled_settings_and_min_keep() {
        assert_eq!(run(0.0, 0.15, 0), [0, 1, 2, 3]);
        assert_eq!(run(1.0, 0.6, 0), [0, 1, 2, 3]);
        // Threshold 0.15 would leave 2 tokens; min_keep = 3 forbids it, so nothing is removed.
        assert_eq!(run(1.0, 0.15, 3), [1, 3, 2, 0]);
    }
}
