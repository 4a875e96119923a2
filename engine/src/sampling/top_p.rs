//! Top-p, or nucleus, sampling (Holtzman et al. 2019; llama.cpp's `llama_sampler_top_p`): keep
//! the smallest set of most likely tokens whose probabilities add up to at least `p`.
//!
//! The token whose probability makes the sum cross `p` is kept: with probabilities 0.5, 0.3, 0.2
//! and p = 0.7 the first token alone (0.5) is not enough, so the second one (0.5 + 0.3 = 0.8)
//! joins. `p` >= 1 disables it. The kept tokens' `p` are not renormalized; the final sampler
//! does that.

use super::{Candidates, Sampler};

pub struct TopP {
    p: f32,
    min_keep: usize,
}

impl TopP {
    pub fn new(p: f32, min_keep: usize) -> Self {
        Self { p, min_keep }
    }
}

/// How many of the probabilities, in descending order, top-p keeps: the shortest prefix whose
/// sum reaches `p` and holds at least `min_keep` tokens (all of them if none does).
pub fn cutoff(sorted_probs: impl IntoIterator<Item = f32>, p: f32, min_keep: usize) -> Option<usize> {
    let mut cum = 0.0f32;
    for (i, prob) in sorted_probs.into_iter().enumerate() {
        cum += prob;
        if cum >= p && i + 1 >= min_keep {
            return Some(i + 1);
        }
    }
    None
}

impl Sampler for TopP {
    fn name(&self) -> &'static str {
        "top-p"
    }

    fn apply(&mut self, cur: &mut Candidates) {
        if self.p >= 1.0 || cur.is_empty() {
            return;
        }
        // llama.cpp partially sorts large unsorted lists (top 256 first) to save time; after
        // top-k in the default chain the list is short and already sorted, so we keep it simple.
        cur.sorted_softmax();
        if let Some(keep) = cutoff(cur.data.iter().map(|t| t.p), self.p, self.min_keep) {
            cur.truncate(keep);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_token_that_crosses_the_threshold() {
        // Exactly representable sums: 0.5f32 + 0.3f32 == 0.8f32 and 0.8f32 + 0.2f32 == 1.0f32.
        // p = 0.7:  0.5 < 0.7, 0.8 ≥ 0.7  → 2.
        // p = 0.8:  0.8 ≥ 0.8 (equality keeps) → 2.
        // p = 0.81: 0.8 < 0.81, 1.0 ≥ 0.81 → 3.
        let probs = [0.5f32, 0.3, 0.2];
        assert_eq!(cutoff(probs, 0.7, 0), Some(2));
        assert_eq!(cutoff(probs, 0.8, 0), Some(2));
        assert_eq!(cutoff(probs, 0.81, 0), Some(3));
        // p = 0.3: the first token alone crosses it → 1; min_keep = 2 forces a second.
        assert_eq!(cutoff(probs, 0.3, 0), Some(1));
        assert_eq!(cutoff(probs, 0.3, 2), Some(2));
    }

    fn run(p: f32, min_keep: usize) -> Vec<u32> {
        // Probabilities 0.2, 0.5, 0.3 (unsorted, as logits ln p): sorted ids 1, 2, 0.
        let mut cur = Candidates::from_logits(&[0.2f32.ln(), 0.5f32.ln(), 0.3f32.ln()]);
        TopP::new(p, min_keep).apply(&mut cur);
        cur.ids()
    }

    #[test]
    fn sampler_sorts_and_truncates() {
        // Away from the float-sensitive boundaries: 0.5 < 0.7 ≤ 0.8 and 0.8 < 0.81 ≤ 1.0.
        assert_eq!(run(0.7, 0), [1, 2]);
        assert_eq!(run(0.81, 0), [1, 2, 0]);
        assert_eq!(run(0.4, 0), [1]);
        assert_eq!(run(0.4, 3), [1, 2, 0]);
        assert_eq!(run(1.0, 0), [0, 1, 2]);
    }
}
