//! The sampling settings: llama.cpp's `common_params_sampling` (common/common.h), reduced to
//! what this module implements. `Default` gives llama.cpp's defaults.

use serde::{Deserialize, Serialize};

use super::rng::DEFAULT_SEED;

/// One configurable stage of the chain, named as llama.cpp names it on the command line
/// (`--samplers penalties;top_k;...`, `common_sampler_type_to_str`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SamplerType {
    Penalties,
    TopNSigma,
    TopK,
    #[serde(rename = "typ_p")]
    TypicalP,
    TopP,
    MinP,
    Xtc,
    Temperature,
}

/// llama.cpp's default order, `common_params_sampling::samplers`, without DRY (see the module
/// documentation): penalties, dry, top_n_sigma, top_k, typ_p, top_p, min_p, xtc, temperature.
pub const DEFAULT_SAMPLERS: [SamplerType; 8] = [
    SamplerType::Penalties,
    SamplerType::TopNSigma,
    SamplerType::TopK,
    SamplerType::TypicalP,
    SamplerType::TopP,
    SamplerType::MinP,
    SamplerType::Xtc,
    SamplerType::Temperature,
];

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SamplingParams {
    /// Seed of the random samplers; [`DEFAULT_SEED`] (u32::MAX) picks a random one.
    pub seed: u32,
    /// Top-p, min-p, typical and XTC keep at least this many tokens (0 = no floor).
    pub min_keep: usize,
    /// Keep the k most likely tokens; <= 0 keeps the whole vocabulary.
    pub top_k: i32,
    /// Nucleus threshold; 1.0 disables.
    pub top_p: f32,
    /// Minimum probability relative to the best token; 0.0 disables.
    pub min_p: f32,
    /// Chance that XTC acts on a step; 0.0 disables.
    pub xtc_probability: f32,
    /// XTC's "top choice" probability; > 0.5 disables.
    pub xtc_threshold: f32,
    /// Locally typical sampling mass; 1.0 disables.
    pub typ_p: f32,
    /// Temperature; <= 0.0 samples greedily.
    pub temp: f32,
    /// Dynamic temperature range: temperature varies in [temp - range, temp + range]; 0.0 disables.
    pub dynatemp_range: f32,
    /// How normalized entropy maps to the dynamic temperature.
    pub dynatemp_exponent: f32,
    /// How many of the last accepted tokens the penalties look at; 0 disables.
    pub penalty_last_n: usize,
    /// Repetition penalty; 1.0 disables.
    pub penalty_repeat: f32,
    /// Frequency penalty; 0.0 disables.
    pub penalty_freq: f32,
    /// Presence penalty; 0.0 disables.
    pub penalty_present: f32,
    /// 0 = off, 1 = Mirostat, 2 = Mirostat 2.0. Either replaces the whole chain with
    /// temperature + mirostat.
    pub mirostat: u8,
    /// Top-nσ; <= 0 disables (llama.cpp's default is -1).
    pub top_n_sigma: f32,
    /// Mirostat's target surprise, in bits.
    pub mirostat_tau: f32,
    /// Mirostat's learning rate.
    pub mirostat_eta: f32,
    /// The stages, in order, when mirostat is off. The final random pick is always added.
    pub samplers: Vec<SamplerType>,
}

impl Default for SamplingParams {
    /// The values of `common_params_sampling` in llama.cpp b11312's common/common.h.
    fn default() -> Self {
        Self {
            seed: DEFAULT_SEED,
            min_keep: 0,
            top_k: 40,
            top_p: 0.95,
            min_p: 0.05,
            xtc_probability: 0.0,
            xtc_threshold: 0.10,
            typ_p: 1.0,
            temp: 0.80,
            dynatemp_range: 0.0,
            dynatemp_exponent: 1.0,
            penalty_last_n: 64,
            penalty_repeat: 1.0,
            penalty_freq: 0.0,
            penalty_present: 0.0,
            mirostat: 0,
            top_n_sigma: -1.0,
            mirostat_tau: 5.0,
            mirostat_eta: 0.1,
            samplers: DEFAULT_SAMPLERS.to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_round_trip_and_partial_json() {
        let p = SamplingParams::default();
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<SamplingParams>(&json).unwrap(), p);

        // Missing fields take the defaults; sampler names are llama.cpp's.
        let json = r#"{"temp": 0.0, "samplers": ["typ_p", "top_k"]}"#;
        let q: SamplingParams = serde_json::from_str(json).unwrap();
        assert_eq!(q.temp, 0.0);
        assert_eq!(q.top_k, 40);
        assert_eq!(q.samplers, [SamplerType::TypicalP, SamplerType::TopK]);
    }
}
