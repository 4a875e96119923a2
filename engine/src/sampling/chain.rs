//! The sampler chain (llama.cpp's `llama_sampler_chain`, built as `common_sampler_init` in
//! common/sampling.cpp builds it): run the samplers in order on the candidates, the last one
//! selects the token.
//!
//! With mirostat off the chain is `params.samplers` (by default penalties, top-nσ, top-k,
//! typical, top-p, min-p, XTC, temperature) followed by [`Dist`]. With mirostat 1 or 2 it is
//! only temperature followed by the mirostat sampler, which does its own truncation.
//! Disabled stages (top-p 1.0, penalties at their neutral values, ...) are left out; llama.cpp
//! inserts a no-op placeholder for them, which behaves the same.

use thiserror::Error;

use super::dist::Dist;
use super::min_p::MinP;
use super::mirostat_v1::{MirostatV1, DEFAULT_M};
use super::mirostat_v2::MirostatV2;
use super::params::{SamplerType, SamplingParams};
use super::penalties::Penalties;
use super::temperature::Temperature;
use super::top_k::TopK;
use super::top_n_sigma::TopNSigma;
use super::top_p::TopP;
use super::typical::Typical;
use super::xtc::Xtc;
use super::{Candidates, Sampler};

/// Settings `common_sampler_init` rejects.
#[derive(Debug, Error, PartialEq)]
pub enum SamplingError {
    #[error("penalty_repeat must be finite and greater than 0, got {0}")]
    PenaltyRepeat(f32),
    #[error("penalty_freq must be finite, got {0}")]
    PenaltyFreq(f32),
    #[error("penalty_present must be finite, got {0}")]
    PenaltyPresent(f32),
    #[error("mirostat must be 0, 1 or 2, got {0}")]
    Mirostat(u8),
}

pub struct SamplerChain {
    samplers: Vec<Box<dyn Sampler>>,
    /// The candidates of the last `sample` call, kept to reuse the allocation and for inspection.
    cur: Candidates,
}

impl SamplerChain {
    /// Build the chain llama.cpp's common sampler builds for these settings.
    pub fn new(params: &SamplingParams) -> Result<Self, SamplingError> {
        let p = params;
        // A repeat penalty of 0 or one whose inverse overflows would turn logits into inf/NaN.
        if !p.penalty_repeat.is_finite() || p.penalty_repeat <= 0.0 || !(1.0 / p.penalty_repeat).is_finite() {
            return Err(SamplingError::PenaltyRepeat(p.penalty_repeat));
        }
        if !p.penalty_freq.is_finite() {
            return Err(SamplingError::PenaltyFreq(p.penalty_freq));
        }
        if !p.penalty_present.is_finite() {
            return Err(SamplingError::PenaltyPresent(p.penalty_present));
        }

        let mut samplers: Vec<Box<dyn Sampler>> = Vec::new();
        match p.mirostat {
            0 => {
                for stage in &p.samplers {
                    if let Some(s) = stage_sampler(*stage, p) {
                        samplers.push(s);
                    }
                }
                samplers.push(Box::new(Dist::new(p.seed)));
            }
            1 => {
                samplers.push(Box::new(Temperature::new(p.temp)));
                samplers.push(Box::new(MirostatV1::new(p.seed, p.mirostat_tau, p.mirostat_eta, DEFAULT_M)));
            }
            2 => {
                samplers.push(Box::new(Temperature::new(p.temp)));
                samplers.push(Box::new(MirostatV2::new(p.seed, p.mirostat_tau, p.mirostat_eta)));
            }
            v => return Err(SamplingError::Mirostat(v)),
        }
        Ok(Self::from_samplers(samplers))
    }

    /// A custom chain. Its last sampler must select a token (dist, greedy or mirostat).
    pub fn from_samplers(samplers: Vec<Box<dyn Sampler>>) -> Self {
        Self { samplers, cur: Candidates::default() }
    }

    /// The samplers' names, in order.
    pub fn names(&self) -> Vec<&'static str> {
        self.samplers.iter().map(|s| s.name()).collect()
    }

    /// Pick the next token from the model's logits (one per vocabulary token).
    ///
    /// Like llama.cpp's `common_sampler_sample`, this does not record the token: call
    /// [`accept`](Self::accept) with the token you keep, so that the penalties see it. (A
    /// caller may also accept the prompt's tokens to penalize repeating the prompt.)
    pub fn sample(&mut self, logits: &[f32]) -> u32 {
        assert!(!logits.is_empty(), "no logits to sample from");
        self.cur.fill(logits);
        for s in &mut self.samplers {
            s.apply(&mut self.cur);
        }
        self.cur.selected_id().expect("the chain's last sampler must select a token (dist, greedy, mirostat)")
    }

    /// Record a token as part of the text (penalty history).
    pub fn accept(&mut self, token: u32) {
        for s in &mut self.samplers {
            s.accept(token);
        }
    }

    /// Forget the history and restart the random samplers from their seed (a new random one
    /// for [`super::DEFAULT_SEED`]), e.g. before a new prompt.
    pub fn reset(&mut self) {
        for s in &mut self.samplers {
            s.reset();
        }
    }

    /// The candidates the last `sample` left, with their final probabilities.
    pub fn candidates(&self) -> &Candidates {
        &self.cur
    }
}

/// The sampler for one configurable stage, or None when its settings disable it.
fn stage_sampler(stage: SamplerType, p: &SamplingParams) -> Option<Box<dyn Sampler>> {
    let s: Box<dyn Sampler> = match stage {
        SamplerType::Penalties => {
            let s = Penalties::new(p.penalty_last_n, p.penalty_repeat, p.penalty_freq, p.penalty_present);
            if s.is_disabled() {
                return None;
            }
            Box::new(s)
        }
        SamplerType::TopNSigma if p.top_n_sigma > 0.0 => Box::new(TopNSigma::new(p.top_n_sigma)),
        SamplerType::TopK if p.top_k > 0 => Box::new(TopK::new(p.top_k)),
        SamplerType::TypicalP if p.typ_p < 1.0 => Box::new(Typical::new(p.typ_p, p.min_keep)),
        SamplerType::TopP if p.top_p < 1.0 => Box::new(TopP::new(p.top_p, p.min_keep)),
        SamplerType::MinP if p.min_p > 0.0 => Box::new(MinP::new(p.min_p, p.min_keep)),
        SamplerType::Xtc if p.xtc_probability > 0.0 && p.xtc_threshold <= 0.5 => {
            Box::new(Xtc::new(p.xtc_probability, p.xtc_threshold, p.min_keep, p.seed))
        }
        SamplerType::Temperature if !(p.temp == 1.0 && p.dynatemp_range <= 0.0) => {
            Box::new(Temperature::with_dynamic(p.temp, p.dynatemp_range, p.dynatemp_exponent))
        }
        _ => return None,
    };
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sampling::Greedy;

    /// 64 tokens: five that matter, the rest at -10.
    fn logits() -> Vec<f32> {
        let mut l = vec![-10.0f32; 64];
        for (id, v) in [(17, 5.0), (3, 4.0), (42, 3.0), (8, 2.5), (60, 1.0)] {
            l[id] = v;
        }
        l
    }

    #[test]
    fn default_chain_is_llama_cpp_order_without_disabled_stages() {
        let chain = SamplerChain::new(&SamplingParams::default()).unwrap();
        assert_eq!(chain.names(), ["top-k", "top-p", "min-p", "temp", "dist"]);

        let p = SamplingParams { mirostat: 2, ..Default::default() };
        assert_eq!(SamplerChain::new(&p).unwrap().names(), ["temp", "mirostat-v2"]);
    }

    #[test]
    fn defaults_pick_a_deterministic_token_from_the_surviving_set() {
        // top-k 40: the 5 tokens plus 35 fillers. Softmax over them (minus the max, 5):
        // weights 1, e^-1 = 0.367879, e^-2 = 0.135335, e^-2.5 = 0.082085, e^-4 = 0.018316 and
        // 35 e^-15 = 0.000011; sum 1.603626 → p = 0.623587, 0.229405, 0.084393, 0.051187, ...
        // top-p 0.95: running sums 0.623587, 0.852992, 0.937385, 0.988572 ≥ 0.95 → 4 tokens.
        // min-p 0.05: logit ≥ 5 + ln 0.05 = 2.004268 → all four (lowest 2.5) stay.
        // temp 0.8: logits 6.25, 5, 3.75, 3.125; weights 1, e^-1.25 = 0.286505, e^-2.5 = 0.082085,
        // e^-3.125 = 0.043937; sum 1.412527 → p = 0.707951, 0.202831, 0.058112, 0.031105.
        let params = SamplingParams { seed: 42, ..Default::default() };
        let run = || {
            let mut chain = SamplerChain::new(&params).unwrap();
            let tokens: Vec<u32> = (0..16)
                .map(|_| {
                    let t = chain.sample(&logits());
                    chain.accept(t);
                    t
                })
                .collect();
            (tokens, chain)
        };
        let (tokens, chain) = run();
        assert_eq!(tokens, run().0);
        assert!(tokens.iter().all(|t| [17, 3, 42, 8].contains(t)), "{tokens:?}");

        let cur = chain.candidates();
        assert_eq!(cur.ids(), [17, 3, 42, 8]);
        for (t, p) in cur.data.iter().zip([0.707_951, 0.202_831, 0.058_112, 0.031_105]) {
            assert!((t.p - p).abs() < 1e-5, "{:?}", cur.data);
        }
    }

    #[test]
    fn zero_temperature_is_greedy_and_sees_penalties() {
        // temp 0 masks all but the best logit. After accepting token 17 with repeat penalty 2,
        // its logit is 5 / 2 = 2.5 and token 3 (4.0) is the best.
        let params = SamplingParams { seed: 1, temp: 0.0, penalty_repeat: 2.0, ..Default::default() };
        let mut chain = SamplerChain::new(&params).unwrap();
        assert_eq!(chain.sample(&logits()), 17);
        assert_eq!(chain.sample(&logits()), 17);
        chain.accept(17);
        assert_eq!(chain.sample(&logits()), 3);
        chain.reset();
        assert_eq!(chain.sample(&logits()), 17);
    }

    #[test]
    fn rejects_invalid_settings() {
        let err = |p: SamplingParams| SamplerChain::new(&p).err();
        let zero_repeat = SamplingParams { penalty_repeat: 0.0, ..Default::default() };
        assert_eq!(err(zero_repeat), Some(SamplingError::PenaltyRepeat(0.0)));
        let nan_freq = SamplingParams { penalty_freq: f32::NAN, ..Default::default() };
        assert!(matches!(err(nan_freq), Some(SamplingError::PenaltyFreq(_))));
        let mirostat_3 = SamplingParams { mirostat: 3, ..Default::default() };
        assert_eq!(err(mirostat_3), Some(SamplingError::Mirostat(3)));
    }

    #[test]
    fn custom_chain_with_greedy() {
        let mut chain = SamplerChain::from_samplers(vec![Box::new(TopK::new(2)), Box::new(Greedy)]);
        assert_eq!(chain.sample(&logits()), 17);
    }
}
