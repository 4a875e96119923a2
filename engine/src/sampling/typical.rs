//! Locally typical sampling (Meister et al. 2022, "Locally Typical Sampling"; llama.cpp's
//! `llama_sampler_typical`).
//!
//! The entropy `H = -Σ p ln p` is the *expected* surprise `-ln p` of the next token. Typical
//! sampling prefers tokens whose own surprise is close to it: it ranks the tokens by
//! `|-ln p - H|` and keeps the best-ranked ones until their probabilities add up to more than
//! `p`. Unlike top-p this can drop the most likely token when it is far more predictable than
//! the distribution as a whole. `p` >= 1 disables it.

use super::{Candidates, Sampler};

pub struct Typical {
    p: f32,
    min_keep: usize,
}

impl Typical {
    pub fn new(p: f32, min_keep: usize) -> Self {
        Self { p, min_keep }
    }
}

impl Sampler for Typical {
    fn name(&self) -> &'static str {
        "typical"
    }

    fn apply(&mut self, cur: &mut Candidates) {
        if self.p >= 1.0 || cur.is_empty() {
            return;
        }
        cur.sorted_softmax();

        // A token of probability 0 (a masked one) adds nothing to the entropy; llama.cpp would
        // compute 0 * ln 0 = NaN there, we skip it.
        let entropy: f32 = cur.data.iter().filter(|t| t.p > 0.0).map(|t| -t.p * t.p.ln()).sum();

        // Rank by distance of the token's surprise from the entropy. A stable sort keeps ties in
        // descending-logit order.
        let score = |p: f32| (-p.ln() - entropy).abs();
        let mut order: Vec<usize> = (0..cur.len()).collect();
        order.sort_by(|&a, &b| score(cur.data[a].p).total_cmp(&score(cur.data[b].p)));

        // Keep the shortest prefix whose mass exceeds p (strictly, as llama.cpp), and at least
        // min_keep tokens.
        let mut keep = order.len();
        let mut cum = 0.0f32;
        for (i, &idx) in order.iter().enumerate() {
            cum += cur.data[idx].p;
            if cum > self.p && i + 1 >= self.min_keep {
                keep = i + 1;
                break;
            }
        }

        cur.data = order[..keep].iter().map(|&idx| cur.data[idx]).collect();
        // The list is now in typicality order, not logit order.
        cur.sorted = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Probabilities 0.4, 0.15, 0.15, 0.15, 0.15 as logits (ln p); softmax gives them back.
    fn cur() -> Candidates {
        Candidates::from_logits(&[0.4f32.ln(), 0.15f32.ln(), 0.15f32.ln(), 0.15f32.ln(), 0.15f32.ln()])
    }

    fn run(p: f32, min_keep: usize) -> Vec<u32> {
        let mut c = cur();
        Typical::new(p, min_keep).apply(&mut c);
        c.ids()
    }

    #[test]
    fn prefers_tokens_whose_surprise_is_near_the_entropy() {
        // H = -(0.4 ln 0.4 + 4 * 0.15 ln 0.15) = 0.4 * 0.91629 + 0.6 * 1.89712 = 1.50479.
        // |-ln 0.4 - H| = |0.91629 - 1.50479| = 0.58850; |-ln 0.15 - H| = |1.89712 - 1.50479| = 0.39233.
        // So the four 0.15 tokens rank first. p = 0.5: mass 0.15, 0.30, 0.45, 0.60 > 0.5 → keep 4,
        // and the most likely token (id 0) is dropped.
        assert_eq!(run(0.5, 0), [1, 2, 3, 4]);
        // p = 0.65: the four give 0.60, not > 0.65; adding token 0 gives 1.0 → all five.
        assert_eq!(run(0.65, 0), [1, 2, 3, 4, 0]);
    }

    #[test]
    fn respects_min_keep_and_disabled() {
        // p = 0.1: the first token alone has mass 0.15 > 0.1, but min_keep = 3 keeps three.
        assert_eq!(run(0.1, 0), [1]);
        assert_eq!(run(0.1, 3), [1, 2, 3]);
        assert_eq!(run(1.0, 0), [0, 1, 2, 3, 4]);
    }
}
