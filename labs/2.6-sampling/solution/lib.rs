//! Lab 2.6: sampling, the reference solution.

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TokenData {
    pub id: u32,
    pub logit: f32,
    pub p: f32,
}

pub fn candidates(logits: &[f32]) -> Vec<TokenData> {
    logits.iter().enumerate().map(|(id, &logit)| TokenData { id: id as u32, logit, p: 0.0 }).collect()
}

fn max_logit(c: &[TokenData]) -> f32 {
    c.iter().fold(f32::NEG_INFINITY, |m, t| m.max(t.logit))
}

pub fn softmax(c: &mut [TokenData]) {
    if c.is_empty() {
        return;
    }
    let max = max_logit(c);
    let mut sum = 0.0f32;
    for t in c.iter_mut() {
        t.p = (t.logit - max).exp();
        sum += t.p;
    }
    for t in c.iter_mut() {
        t.p /= sum;
    }
}

pub fn sort_by_logit(c: &mut [TokenData]) {
    c.sort_by(|a, b| b.logit.total_cmp(&a.logit).then(a.id.cmp(&b.id)));
}

pub fn temperature(c: &mut [TokenData], temp: f32) {
    if temp <= 0.0 {
        let mut best = 0;
        for i in 1..c.len() {
            if c[i].logit > c[best].logit {
                best = i;
            }
        }
        for (i, t) in c.iter_mut().enumerate() {
            if i != best {
                t.logit = f32::NEG_INFINITY;
            }
        }
        return;
    }
    for t in c.iter_mut() {
        t.logit /= temp;
    }
}

pub fn top_k(c: &mut Vec<TokenData>, k: i32) {
    if k <= 0 {
        return;
    }
    sort_by_logit(c);
    c.truncate(k as usize);
}

pub fn top_p(c: &mut Vec<TokenData>, p: f32, min_keep: usize) {
    if p >= 1.0 || c.is_empty() {
        return;
    }
    sort_by_logit(c);
    softmax(c);
    let mut cum = 0.0f32;
    for i in 0..c.len() {
        cum += c[i].p;
        // The token that makes the sum reach p stays: keep i + 1 tokens.
        if cum >= p && i + 1 >= min_keep {
            c.truncate(i + 1);
            return;
        }
    }
}

pub fn min_p(c: &mut Vec<TokenData>, p: f32, min_keep: usize) {
    if p <= 0.0 || c.is_empty() {
        return;
    }
    let min_logit = max_logit(c) + p.ln();
    let passing = c.iter().filter(|t| t.logit >= min_logit).count();
    if passing >= min_keep.max(1) {
        c.retain(|t| t.logit >= min_logit);
    } else {
        sort_by_logit(c);
        c.truncate(min_keep);
    }
}

pub fn penalties(c: &mut [TokenData], recent: &[u32], repeat: f32, freq: f32, present: f32) {
    for t in c.iter_mut() {
        let count = recent.iter().filter(|&&id| id == t.id).count();
        if count == 0 {
            continue;
        }
        if t.logit <= 0.0 {
            t.logit *= repeat;
        } else {
            t.logit /= repeat;
        }
        t.logit -= count as f32 * freq + present;
    }
}

pub fn pick(c: &[TokenData], u: f64) -> usize {
    let sum: f64 = c.iter().map(|t| f64::from(t.p)).sum();
    let target = u * sum;
    let mut running = 0.0f64;
    for (i, t) in c.iter().enumerate() {
        running += f64::from(t.p);
        if running > target {
            return i;
        }
    }
    c.iter().rposition(|t| t.p > 0.0).unwrap_or(c.len() - 1)
}

#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    pub seed: u32,
    pub temp: f32,
    pub top_k: i32,
    pub top_p: f32,
    pub min_p: f32,
    pub penalty_last_n: usize,
    pub penalty_repeat: f32,
    pub penalty_freq: f32,
    pub penalty_present: f32,
}

pub struct Sampler {
    params: Params,
    rng: Pcg32,
    history: Vec<u32>,
}

impl Sampler {
    pub fn new(params: Params) -> Sampler {
        Sampler { rng: Pcg32::from_seed(params.seed), params, history: Vec::new() }
    }

    pub fn sample(&mut self, logits: &[f32]) -> u32 {
        let p = &self.params;
        let mut c = candidates(logits);
        let penalties_on = p.penalty_last_n > 0 && !(p.penalty_repeat == 1.0 && p.penalty_freq == 0.0 && p.penalty_present == 0.0);
        if penalties_on {
            let recent = &self.history[self.history.len().saturating_sub(p.penalty_last_n)..];
            penalties(&mut c, recent, p.penalty_repeat, p.penalty_freq, p.penalty_present);
        }
        if p.top_k > 0 {
            top_k(&mut c, p.top_k);
        }
        top_p(&mut c, p.top_p, 0);
        min_p(&mut c, p.min_p, 0);
        if p.temp != 1.0 {
            temperature(&mut c, p.temp);
        }
        softmax(&mut c);
        c[pick(&c, self.rng.next_f64())].id
    }

    pub fn accept(&mut self, token: u32) {
        self.history.push(token);
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
