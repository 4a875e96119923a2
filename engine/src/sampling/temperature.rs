//! Temperature (llama.cpp's `llama_sampler_temp` and `llama_sampler_temp_ext`): divide every
//! logit by `temp`.
//!
//! Since `softmax(l / T)_i ∝ p_i^(1/T)`, T < 1 sharpens the distribution (the likely get more
//! likely), T > 1 flattens it. T <= 0 is the limit T → 0: only the token with the largest
//! logit keeps a finite logit, the others get -inf, so the final sampler can only pick it.
//! That is how llama.cpp's common sampler does greedy decoding when `temp <= 0`.
//!
//! Dynamic temperature ("temp-ext", by kalomaze): with `dynatemp_range` > 0 the temperature
//! follows the entropy of the current distribution, between `temp - range` (clamped at 0) and
//! `temp + range`:
//!
//! ```text
//! T = T_min + (T_max - T_min) * (H / H_max)^exponent,   H = -Σ p ln p,   H_max = ln(n)
//! ```
//!
//! A confident step (low entropy) is sampled colder, an uncertain one (high entropy) hotter.

use super::{Candidates, Sampler};

pub struct Temperature {
    temp: f32,
    /// `dynatemp_range`: 0 means a fixed temperature.
    delta: f32,
    /// `dynatemp_exponent`: how normalized entropy maps to temperature.
    exponent: f32,
}

impl Temperature {
    /// A fixed temperature (`llama_sampler_init_temp`; the mirostat chains use this one).
    pub fn new(temp: f32) -> Self {
        Self { temp, delta: 0.0, exponent: 1.0 }
    }

    /// Temperature with an optional dynamic range (`llama_sampler_init_temp_ext`).
    pub fn with_dynamic(temp: f32, range: f32, exponent: f32) -> Self {
        Self { temp, delta: range, exponent }
    }
}

/// Divide by `temp`, or for `temp <= 0` keep only the first largest logit finite.
fn scale(cur: &mut Candidates, temp: f32) {
    if cur.is_empty() {
        return;
    }
    if temp <= 0.0 {
        let mut best = 0;
        for i in 1..cur.len() {
            if cur.data[i].logit > cur.data[best].logit {
                best = i;
            }
        }
        for (i, t) in cur.data.iter_mut().enumerate() {
            if i != best {
                t.logit = f32::NEG_INFINITY;
            }
        }
        return;
    }
    for t in &mut cur.data {
        t.logit /= temp;
    }
}

impl Temperature {
    /// The entropy-driven temperature for the current candidates (they must be softmaxed).
    fn dynamic_temp(&self, cur: &Candidates) -> f32 {
        let min_temp = (self.temp - self.delta).max(0.0);
        let max_temp = self.temp + self.delta;
        // The entropy of n tokens is at most ln n, reached by the uniform distribution.
        let max_entropy = (cur.len() as f32).ln();
        let entropy: f32 = cur.data.iter().filter(|t| t.p > 0.0).map(|t| -t.p * t.p.ln()).sum();
        let normalized = entropy / max_entropy;
        min_temp + (max_temp - min_temp) * normalized.powf(self.exponent)
    }
}

impl Sampler for Temperature {
    fn name(&self) -> &'static str {
        if self.delta > 0.0 { "temp-ext" } else { "temp" }
    }

    fn apply(&mut self, cur: &mut Candidates) {
        if self.delta <= 0.0 {
            scale(cur, self.temp);
            return;
        }
        // One token (or none) has entropy 0 and H_max = ln 1 = 0: nothing to adapt.
        if cur.len() <= 1 {
            return;
        }
        cur.sorted_softmax();
        let temp = self.dynamic_temp(cur);
        scale(cur, temp);
        // llama.cpp leaves `p` updated for the new logits.
        cur.softmax();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logits(cur: &Candidates) -> Vec<f32> {
        cur.data.iter().map(|t| t.logit).collect()
    }

    #[test]
    fn divides_logits_by_temperature() {
        let mut cur = Candidates::from_logits(&[2.0, 1.0, 0.0, -3.0]);
        Temperature::new(0.5).apply(&mut cur);
        assert_eq!(logits(&cur), [4.0, 2.0, 0.0, -6.0]);

        let mut cur = Candidates::from_logits(&[2.0, 1.0, 0.0, -3.0]);
        Temperature::new(2.0).apply(&mut cur);
        assert_eq!(logits(&cur), [1.0, 0.5, 0.0, -1.5]);
    }

    #[test]
    fn sharpens_and_flattens_probabilities() {
        // logits 0, ln 2 (weights 1 : 2). T = 0.5 squares the weights: 1 : 4 → p = 0.2, 0.8.
        // T = 2 takes square roots: 1 : √2 → p = 1/2.41421 = 0.41421, √2/2.41421 = 0.58579.
        let probs = |temp| {
            let mut cur = Candidates::from_logits(&[0.0, 2.0f32.ln()]);
            Temperature::new(temp).apply(&mut cur);
            cur.softmax();
            [cur.data[0].p, cur.data[1].p]
        };
        let [a, b] = probs(0.5);
        assert!((a - 0.2).abs() < 1e-6 && (b - 0.8).abs() < 1e-6);
        let [a, b] = probs(2.0);
        assert!((a - 0.414_213_6).abs() < 1e-6 && (b - 0.585_786_4).abs() < 1e-6);
    }

    #[test]
    fn zero_temperature_keeps_only_the_first_max() {
        let inf = f32::NEG_INFINITY;
        let mut cur = Candidates::from_logits(&[1.0, 3.0, 3.0, 2.0]);
        Temperature::new(0.0).apply(&mut cur);
        assert_eq!(logits(&cur), [inf, 3.0, inf, inf]);
    }

    #[test]
    fn dynamic_temperature_follows_entropy() {
        // p = 0.5, 0.25, 0.25 (logits ln p). H = 0.5 ln 2 + 2 * 0.25 * 2 ln 2 = 1.5 ln 2 = 1.0397208;
        // H_max = ln 3 = 1.0986123; H / H_max = 0.9463946.
        // temp 1, range 0.5 → T in [0.5, 1.5].
        //   exponent 1: T = 0.5 + 1.0 * 0.9463946   = 1.4463946
        //   exponent 2: T = 0.5 + 1.0 * 0.9463946^2 = 0.5 + 0.8956628 = 1.3956628
        // The new logits are ln p / T; for exponent 1: ln 0.5 / 1.4463946 = -0.6931472 / 1.4463946
        // = -0.4792241 and ln 0.25 / 1.4463946 = -0.9584482. New p ∝ p^(1/T) = p^0.6913753:
        // 0.5^0.6913753 = 0.6192556, 0.25^0.6913753 = 0.3834774; sum 1.3862104 →
        // p = 0.4467223, 0.2766389, 0.2766389.
        let run = |exponent| {
            let mut cur = Candidates::from_logits(&[0.5f32.ln(), 0.25f32.ln(), 0.25f32.ln()]);
            Temperature::with_dynamic(1.0, 0.5, exponent).apply(&mut cur);
            cur
        };
        let cur = run(1.0);
        let want_logits = [-0.479_224_1, -0.958_448_2, -0.958_448_2];
        let want_p = [0.446_722_3, 0.276_638_9, 0.276_638_9];
        for (t, (l, p)) in cur.data.iter().zip(want_logits.iter().zip(want_p)) {
            assert!((t.logit - l).abs() < 1e-5 && (t.p - p).abs() < 1e-5, "{:?}", cur.data);
        }
        // Exponent 2: the ratio in/out of the logits is T.
        let cur = run(2.0);
        let t = 0.5f32.ln() / cur.data[0].logit;
        assert!((t - 1.395_662_8).abs() < 1e-5, "T = {t}");
    }

    #[test]
    fn dynamic_temperature_of_uniform_is_max() {
        // Four equal logits: H = ln 4 = H_max, normalized 1 → T = temp + range = 0.8 + 0.4 = 1.2;
        // 3.0 / 1.2 = 2.5.
        let mut cur = Candidates::from_logits(&[3.0; 4]);
        Temperature::with_dynamic(0.8, 0.4, 1.0).apply(&mut cur);
        for t in &cur.data {
            assert!((t.logit - 2.5).abs() < 1e-5 && (t.p - 0.25).abs() < 1e-6, "{:?}", cur.data);
        }
    }
}
