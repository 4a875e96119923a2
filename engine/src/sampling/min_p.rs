//! Min-p (Nguyen et al. 2024; llama.cpp's `llama_sampler_min_p`): keep the tokens whose
//! probability is at least `p` times that of the most likely token.
//!
//! The cut scales with the model's confidence: a confident step (one token at 0.9) drops
//! everything under 0.045 with p = 0.05, an uncertain one (best token at 0.1) keeps everything
//! above 0.005. No softmax is needed: `p_i >= p * p_max` is `logit_i >= logit_max + ln p`,
//! because softmax divides every token by the same sum. `p` <= 0 disables it.

use super::{Candidates, Sampler};

pub struct MinP {
    p: f32,
    min_keep: usize,
}

impl MinP {
    pub fn new(p: f32, min_keep: usize) -> Self {
        Self { p, min_keep }
    }
}

impl Sampler for MinP {
    fn name(&self) -> &'static str {
        "min-p"
    }

    fn apply(&mut self, cur: &mut Candidates) {
        if self.p <= 0.0 || cur.is_empty() {
            return;
        }
        let min_logit = cur.max_logit() + self.p.ln();

        // Unsorted list: filter in one pass, keeping the order (no sort of the whole vocabulary).
        if !cur.sorted {
            let kept = cur.data.iter().filter(|t| t.logit >= min_logit).count();
            if kept >= self.min_keep.max(1) {
                cur.data.retain(|t| t.logit >= min_logit);
                return;
            }
        }

        // Sorted, or too few survivors for min_keep: the survivors are a prefix of the sorted
        // list, extended to min_keep tokens. The first token always survives.
        cur.sort_by_logit();
        let passing = cur.data.iter().skip(1).take_while(|t| t.logit >= min_logit).count() + 1;
        cur.truncate(passing.max(self.min_keep));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Probabilities 0.1, 0.4, 0.2, 0.3 as logits (ln p), deliberately unsorted.
    fn cur() -> Candidates {
        Candidates::from_logits(&[0.1f32.ln(), 0.4f32.ln(), 0.2f32.ln(), 0.3f32.ln()])
    }

    fn run(mut cur: Candidates, p: f32, min_keep: usize) -> Vec<u32> {
        MinP::new(p, min_keep).apply(&mut cur);
        let mut ids = cur.ids();
        ids.sort();
        ids
    }

    #[test]
    fn keeps_tokens_above_p_times_max() {
        // p_max = 0.4. p = 0.3 → threshold 0.12: 0.4, 0.3, 0.2 pass, 0.1 does not.
        assert_eq!(run(cur(), 0.3, 0), [1, 2, 3]);
        // p = 0.6 → threshold 0.24: 0.4 and 0.3 pass.
        assert_eq!(run(cur(), 0.6, 0), [1, 3]);
        // p = 0.9 → threshold 0.36: only 0.4.
        assert_eq!(run(cur(), 0.9, 0), [1]);
        assert_eq!(run(cur(), 0.0, 0), [0, 1, 2, 3]);
    }

    #[test]
    fn same_result_on_sorted_input() {
        let mut sorted = cur();
        sorted.sort_by_logit();
        assert_eq!(run(sorted, 0.6, 0), [1, 3]);
    }

    #[test]
    fn respects_min_keep() {
        // p = 0.6 keeps two, min_keep = 3 adds the next most likely (0.2, id 2).
        assert_eq!(run(cur(), 0.6, 3), [1, 2, 3]);
        let mut sorted = cur();
        sorted.sort_by_logit();
        assert_eq!(run(sorted, 0.9, 2), [1, 3]);
    }
}
