//! Top-k (Fan et al. 2018; llama.cpp's `llama_sampler_top_k`): keep the `k` tokens with the
//! largest logits, sorted. `k` <= 0 disables it (keep the whole vocabulary).
//!
//! It is the cheapest cut, and in llama.cpp's default chain it comes before top-p, min-p and
//! temperature, so those sort and exponentiate 40 candidates instead of the whole vocabulary.

use super::{Candidates, Sampler};

pub struct TopK {
    k: i32,
}

impl TopK {
    pub fn new(k: i32) -> Self {
        Self { k }
    }
}

/// Keep the `k` largest (shared with mirostat v1, which computes its own `k`).
pub(crate) fn top_k(cur: &mut Candidates, k: i32) {
    if k <= 0 {
        return;
    }
    let k = (k as usize).min(cur.len());
    cur.keep_top(k);
}

impl Sampler for TopK {
    fn name(&self) -> &'static str {
        "top-k"
    }

    fn apply(&mut self, cur: &mut Candidates) {
        top_k(cur, self.k);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(k: i32) -> Vec<u32> {
        let mut cur = Candidates::from_logits(&[0.1, 2.0, -3.0, 1.5, 0.7]);
        TopK::new(k).apply(&mut cur);
        cur.ids()
    }

    #[test]
    fn keeps_exactly_k_largest_in_order() {
        // Sorted logits: 2.0 (id 1), 1.5 (id 3), 0.7 (id 4), 0.1 (id 0), -3.0 (id 2).
        assert_eq!(run(1), [1]);
        assert_eq!(run(3), [1, 3, 4]);
    }

    #[test]
    fn non_positive_or_large_k_keeps_everything() {
        assert_eq!(run(0).len(), 5);
        assert_eq!(run(-1).len(), 5);
        assert_eq!(run(40), [1, 3, 4, 0, 2]);
    }
}
