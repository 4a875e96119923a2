//! Greedy decoding (llama.cpp's `llama_sampler_greedy`): select the token with the largest
//! logit (the first one on a tie). No randomness, no change to the candidates.
//!
//! llama.cpp's common sampler does not use it for `temp <= 0`; it masks with the temperature
//! sampler instead (see [`super::temperature`]), which picks the same token.

use super::{Candidates, Sampler};

pub struct Greedy;

impl Sampler for Greedy {
    fn name(&self) -> &'static str {
        "greedy"
    }

    fn apply(&mut self, cur: &mut Candidates) {
        if cur.is_empty() {
            cur.selected = None;
            return;
        }
        let mut best = 0;
        for i in 1..cur.len() {
            if cur.data[i].logit > cur.data[best].logit {
                best = i;
            }
        }
        cur.selected = Some(best);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selects_the_first_largest_logit() {
        let mut cur = Candidates::from_logits(&[0.5, 2.0, -1.0, 2.0]);
        Greedy.apply(&mut cur);
        assert_eq!(cur.selected_id(), Some(1));
        assert_eq!(cur.len(), 4);
    }
}
