//! Repetition penalties (llama.cpp's `llama_sampler_penalties`): make tokens that appeared in
//! the last `penalty_last_n` accepted tokens less likely.
//!
//! For a token seen `count > 0` times in that window:
//!
//! - repeat penalty (CTRL, Keskar et al. 2019): `logit / repeat` if the logit is positive,
//!   `logit * repeat` if not. The paper only divides, but dividing a negative logit by a
//!   penalty > 1 moves it towards 0, making the token *more* likely; multiplying fixes that.
//! - frequency and presence penalties (OpenAI's API): `logit -= count * freq + presence`,
//!   the first grows with every repetition, the second is paid once.
//!
//! Tokens not in the window are untouched.

use std::collections::{HashMap, VecDeque};

use super::{Candidates, Sampler};

pub struct Penalties {
    last_n: usize,
    repeat: f32,
    freq: f32,
    present: f32,
    /// The last `last_n` accepted tokens, oldest first.
    window: VecDeque<u32>,
    /// How often each token occurs in `window`, kept in step with it so `apply` is O(candidates).
    counts: HashMap<u32, u32>,
}

impl Penalties {
    /// `last_n` = 0 disables the sampler, as do `repeat` = 1, `freq` = 0 and `present` = 0 together.
    pub fn new(last_n: usize, repeat: f32, freq: f32, present: f32) -> Self {
        let window = VecDeque::with_capacity(last_n);
        Self { last_n, repeat, freq, present, window, counts: HashMap::new() }
    }

    pub fn is_disabled(&self) -> bool {
        self.last_n == 0 || (self.repeat == 1.0 && self.freq == 0.0 && self.present == 0.0)
    }
}

impl Sampler for Penalties {
    fn name(&self) -> &'static str {
        "penalties"
    }

    fn accept(&mut self, token: u32) {
        if self.last_n == 0 {
            return;
        }
        // The window is full: the oldest token leaves it and stops counting.
        if self.window.len() == self.last_n {
            let old = self.window.pop_front().expect("window is full, so not empty");
            let c = self.counts.get_mut(&old).expect("every token in the window is counted");
            *c -= 1;
            if *c == 0 {
                self.counts.remove(&old);
            }
        }
        self.window.push_back(token);
        *self.counts.entry(token).or_insert(0) += 1;
    }

    fn apply(&mut self, cur: &mut Candidates) {
        if self.is_disabled() {
            return;
        }
        for t in &mut cur.data {
            let Some(&count) = self.counts.get(&t.id) else { continue };
            if t.logit <= 0.0 {
                t.logit *= self.repeat;
            } else {
                t.logit /= self.repeat;
            }
            // `count` is at least 1 here, so the presence penalty always applies.
            t.logit -= count as f32 * self.freq + self.present;
        }
        // Changed logits can change the order.
        cur.sorted = false;
    }

    fn reset(&mut self) {
        self.window.clear();
        self.counts.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logits_after(p: &mut Penalties, logits: &[f32]) -> Vec<f32> {
        let mut cur = Candidates::from_logits(logits);
        p.apply(&mut cur);
        cur.data.iter().map(|t| t.logit).collect()
    }

    #[test]
    fn repeat_frequency_and_presence() {
        // History 0 0 1 2 0 with a window of 4: the first 0 falls out, the window is [0, 1, 2, 0],
        // so count(0) = 2, count(1) = 1, count(2) = 1, count(3) = 0.
        // repeat 2, freq 0.5, presence 0.25:
        //   token 0: 2.0 > 0  → 2.0 / 2 = 1.0;   1.0 - (2 * 0.5 + 0.25) = -0.25
        //   token 1: -1.0 ≤ 0 → -1.0 * 2 = -2.0; -2.0 - (1 * 0.5 + 0.25) = -2.75
        //   token 2: 0.5 > 0  → 0.5 / 2 = 0.25;  0.25 - 0.75 = -0.5
        //   token 3: not in the window → 3.0
        let mut p = Penalties::new(4, 2.0, 0.5, 0.25);
        for t in [0, 0, 1, 2, 0] {
            p.accept(t);
        }
        assert_eq!(logits_after(&mut p, &[2.0, -1.0, 0.5, 3.0]), [-0.25, -2.75, -0.5, 3.0]);
    }

    #[test]
    fn repeat_only_divides_positive_and_multiplies_negative() {
        // repeat 1.25: 2.5 / 1.25 = 2.0; -2.0 * 1.25 = -2.5; 0.0 * 1.25 = 0.0; token 3 unseen.
        let mut p = Penalties::new(64, 1.25, 0.0, 0.0);
        for t in [0, 1, 2] {
            p.accept(t);
        }
        assert_eq!(logits_after(&mut p, &[2.5, -2.0, 0.0, 1.0]), [2.0, -2.5, 0.0, 1.0]);
    }

    #[test]
    fn disabled_and_reset() {
        let mut off = Penalties::new(64, 1.0, 0.0, 0.0);
        off.accept(0);
        assert_eq!(logits_after(&mut off, &[1.0, 2.0]), [1.0, 2.0]);

        // presence 1: token 0 seen → 1.0 - 1 = 0.0; after reset nothing is seen.
        let mut p = Penalties::new(64, 1.0, 0.0, 1.0);
        p.accept(0);
        assert_eq!(logits_after(&mut p, &[1.0, 2.0]), [0.0, 2.0]);
        p.reset();
        assert_eq!(logits_after(&mut p, &[1.0, 2.0]), [1.0, 2.0]);
    }
}
