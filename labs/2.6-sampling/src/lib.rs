//! Lab 2.6: sampling with llama.cpp's semantics: repetition penalties, top-k, top-p, min-p,
//! temperature and the seeded final draw. Read `engine/src/sampling.rs` and the files it lists
//! (`engine/src/sampling/*.rs`) first. `cargo learn lab 2.6` grades this file.

/// One candidate token: its id, its (possibly modified) logit, its probability once computed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TokenData {
    pub id: u32,
    pub logit: f32,
    pub p: f32,
}

/// One candidate per token, in id order, `p` = 0.
pub fn candidates(logits: &[f32]) -> Vec<TokenData> {
    logits.iter().enumerate().map(|(id, &logit)| TokenData { id: id as u32, logit, p: 0.0 }).collect()
}

/// Sets every `p` to the softmax of the logits, without reordering: subtract the largest
/// logit, exponentiate, sum (in f32, in list order), divide. Logits of 1000 must work.
pub fn softmax(c: &mut [TokenData]) {
    let _ = c;
    todo!("softmax")
}

/// Sorts by descending logit; equal logits by ascending id.
pub fn sort_by_logit(c: &mut [TokenData]) {
    let _ = c;
    todo!("sort_by_logit")
}

/// Divides every logit by `temp`. For `temp <= 0` (greedy): the first candidate with the
/// largest logit keeps it, every other logit becomes `−∞`.
pub fn temperature(c: &mut [TokenData], temp: f32) {
    let _ = (c, temp);
    todo!("temperature")
}

/// Keeps the `k` largest logits, sorted (see [`sort_by_logit`]). `k <= 0` changes nothing
/// (the list stays as it is, unsorted).
pub fn top_k(c: &mut Vec<TokenData>, k: i32) {
    let _ = (c, k);
    todo!("top_k")
}

/// Nucleus sampling: sort, softmax, then keep the shortest prefix whose probabilities sum to
/// at least `p` — the token whose probability makes the sum reach `p` is kept — and at least
/// `min_keep` tokens. `p >= 1` changes nothing.
pub fn top_p(c: &mut Vec<TokenData>, p: f32, min_keep: usize) {
    let _ = (c, p, min_keep);
    todo!("top_p")
}

/// Keeps the tokens whose probability is at least `p` times the largest, i.e. whose logit is
/// at least `max_logit + ln p`, in their current order. If fewer than `max(min_keep, 1)`
/// pass, keeps the `min_keep` best instead, sorted. `p <= 0` changes nothing.
pub fn min_p(c: &mut Vec<TokenData>, p: f32, min_keep: usize) {
    let _ = (c, p, min_keep);
    todo!("min_p")
}

/// Repetition penalties for the tokens of `recent` (the last `penalty_last_n` accepted
/// tokens). A token seen `count > 0` times: its logit is divided by `repeat` if positive,
/// multiplied by `repeat` otherwise, then lowered by `count · freq + present`.
pub fn penalties(c: &mut [TokenData], recent: &[u32], repeat: f32, freq: f32, present: f32) {
    let _ = (c, recent, repeat, freq, present);
    todo!("penalties")
}

/// The final draw, given `u` uniform in [0, 1): with `sum = Σ p` (in f64), the first index at
/// which the running sum of `p` (in f64) exceeds `u · sum`.
pub fn pick(c: &[TokenData], u: f64) -> usize {
    let _ = (c, u);
    todo!("pick")
}

/// The settings of the chain (llama.cpp's defaults in brackets).
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    pub seed: u32,
    /// [0.8]; 1.0 skips the stage.
    pub temp: f32,
    /// [40]; <= 0 skips it.
    pub top_k: i32,
    /// [0.95]; >= 1.0 skips it.
    pub top_p: f32,
    /// [0.05]; <= 0.0 skips it.
    pub min_p: f32,
    /// [64] how many accepted tokens the penalties look back on; 0 disables them.
    pub penalty_last_n: usize,
    /// [1.0] (off)
    pub penalty_repeat: f32,
    /// [0.0] (off)
    pub penalty_freq: f32,
    /// [0.0] (off)
    pub penalty_present: f32,
}

/// llama.cpp's default chain: penalties, top-k, top-p, min-p, temperature, then a softmax and
/// the seeded draw ([`pick`] with `rng.next_f64()`). Stages whose settings disable them are
/// skipped; `min_keep` is 0.
pub struct Sampler {
    // TODO: the params, a Pcg32 from the seed, the accepted tokens.
}

impl Sampler {
    pub fn new(params: Params) -> Sampler {
        let _ = params;
        todo!("Sampler::new")
    }

    /// The next token for these logits (one per vocabulary token). Does not record it.
    pub fn sample(&mut self, logits: &[f32]) -> u32 {
        let _ = logits;
        todo!("sample")
    }

    /// Records a token as part of the text, for the penalties.
    pub fn accept(&mut self, token: u32) {
        let _ = token;
        todo!("accept")
    }
}

/// PCG32 (PCG-XSH-RR), the engine's seeded generator (`engine/src/sampling/rng.rs`), given
/// so that your sampler draws the same numbers as the engine's for the same seed.
#[derive(Clone, Debug)]
pub struct Pcg32 {
    state: u64,
    inc: u64,
}

impl Pcg32 {
    /// The generator a sampler seeded with `seed` uses (the engine's `Pcg32::from_seed`).
    pub fn from_seed(seed: u32) -> Pcg32 {
        let mut rng = Pcg32 { state: 0, inc: ((1_442_695_040_888_963_407u64 >> 1) << 1) | 1 };
        rng.next_u32();
        rng.state = rng.state.wrapping_add(u64::from(seed));
        rng.next_u32();
        rng
    }

    pub fn next_u32(&mut self) -> u32 {
        let old = self.state;
        self.state = old.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(self.inc);
        let xorshifted = (((old >> 18) ^ old) >> 27) as u32;
        xorshifted.rotate_right((old >> 59) as u32)
    }

    /// Uniform in [0, 1) with 53 random bits.
    pub fn next_f64(&mut self) -> f64 {
        let bits = (u64::from(self.next_u32()) << 32) | u64::from(self.next_u32());
        (bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}
