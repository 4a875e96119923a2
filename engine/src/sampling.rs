//! Sampling: turning the model's logits into the next token, as llama.cpp does it
//! (src/llama-sampler.cpp for the samplers, common/sampling.cpp for the chain, common/common.h
//! for the defaults; llama.cpp b11312).
//!
//! The model gives one logit per vocabulary token. A [`SamplerChain`] copies them into
//! [`Candidates`] and runs a list of [`Sampler`]s over that list; each one edits it (penalize,
//! truncate, rescale) and the last one selects a token. One sampler per file:
//!
//! | stage | file | llama.cpp default |
//! |---|---|---|
//! | repetition penalties | [`penalties`] | last 64 tokens, repeat 1.0, freq 0.0, present 0.0 (off) |
//! | top-nσ | [`top_n_sigma`] | -1 (off) |
//! | top-k | [`top_k`] | 40 |
//! | locally typical | [`typical`] | 1.0 (off) |
//! | top-p (nucleus) | [`top_p`] | 0.95 |
//! | min-p | [`min_p`] | 0.05 |
//! | XTC | [`xtc`] | probability 0.0 (off), threshold 0.1 |
//! | temperature, dynamic temperature | [`temperature`] | 0.8, range 0.0 (off), exponent 1.0 |
//! | final random pick | [`dist`] | seed 0xFFFFFFFF = random |
//!
//! That is llama.cpp's default order (`common_params_sampling::samplers`), except DRY, which
//! comes second there. DRY ("don't repeat yourself") penalizes tokens that would extend a
//! repetition of earlier text, and it needs the vocabulary's strings to turn its sequence
//! breakers ("\n", ":", "\"", "*") into token sequences; this module sees only token ids. Its
//! default multiplier is 0, so leaving it out does not change the default chain.
//!
//! [`mirostat_v1`] and [`mirostat_v2`] replace the whole chain when enabled (`mirostat` 1 or 2;
//! tau 5.0, eta 0.1); [`greedy`] is argmax. `temp <= 0` gives greedy decoding through the
//! temperature stage, as in llama.cpp. Not here: logit bias, grammars, adaptive-p and infill.

pub mod candidates;
pub mod chain;
pub mod dist;
pub mod greedy;
pub mod min_p;
pub mod mirostat_v1;
pub mod mirostat_v2;
pub mod params;
pub mod penalties;
pub mod rng;
pub mod temperature;
pub mod top_k;
pub mod top_n_sigma;
pub mod top_p;
pub mod typical;
pub mod xtc;

pub use candidates::{Candidates, TokenData};
pub use chain::{SamplerChain, SamplingError};
pub use dist::Dist;
pub use greedy::Greedy;
pub use min_p::MinP;
pub use mirostat_v1::MirostatV1;
pub use mirostat_v2::MirostatV2;
pub use params::{SamplerType, SamplingParams, DEFAULT_SAMPLERS};
pub use penalties::Penalties;
pub use rng::{Pcg32, DEFAULT_SEED};
pub use temperature::Temperature;
pub use top_k::TopK;
pub use top_n_sigma::TopNSigma;
pub use top_p::TopP;
pub use typical::Typical;
pub use xtc::Xtc;

/// One stage of a chain: llama.cpp's `llama_sampler_i`.
pub trait Sampler {
    /// A short name, as llama.cpp prints the chain.
    fn name(&self) -> &'static str;

    /// Edit the candidates: change logits, drop or reorder entries, or set `selected`.
    fn apply(&mut self, cur: &mut Candidates);

    /// Learn that `token` is now part of the text (only stateful samplers care).
    fn accept(&mut self, _token: u32) {}

    /// Return to the freshly built state: clear history, reseed random generators.
    fn reset(&mut self) {}
}
