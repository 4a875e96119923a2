//! Graded tests of lab 2.6: every stage against the engine's sampler of the same name
//! (`engine::sampling::*`, llama.cpp's semantics) on fresh random logits, and the whole seeded
//! chain against `engine::sampling::SamplerChain`, token for token.

// The code under test: yours in src/, or the reference solution under `learn dev check`.
#[cfg(not(feature = "solution"))]
use lab_2_6_sampling as lab;
#[cfg(feature = "solution")]
#[path = "../solution/lib.rs"]
mod lab;

use engine::sampling::{Candidates, MinP, Penalties, Sampler, SamplerChain, SamplingParams, Temperature, TopK, TopP};

use lab_testkit::Rng;

/// Random logits, rounded to quarter steps so that ties (and their order by id) occur.
fn logits(rng: &mut Rng, n: usize, spread: f32) -> Vec<f32> {
    rng.vec(n, spread).iter().map(|x| (x * 4.0).round() / 4.0).collect()
}

fn engine_run(logits: &[f32], s: &mut dyn Sampler) -> Vec<(u32, f32)> {
    let mut cur = Candidates::from_logits(logits);
    s.apply(&mut cur);
    cur.data.iter().map(|t| (t.id, t.logit)).collect()
}

fn mine(c: &[lab::TokenData]) -> Vec<(u32, f32)> {
    c.iter().map(|t| (t.id, t.logit)).collect()
}

#[test]
fn softmax_survives_logits_near_1000() {
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    let l: Vec<f32> = (0..50).map(|_| 1000.0 + 5.0 * rng.unit()).collect();
    let mut c = lab::candidates(&l);
    lab::softmax(&mut c);
    let max = l.iter().fold(f64::MIN, |m, &x| m.max(x as f64));
    let sum: f64 = l.iter().map(|&x| (x as f64 - max).exp()).sum();
    for (t, &x) in c.iter().zip(&l) {
        let want = (x as f64 - max).exp() / sum;
        assert!(t.p.is_finite() && (t.p as f64 - want).abs() < 1e-6, "logit {x}: p = {}, want {want} (TEST_SEED={seed})", t.p);
    }
}

#[test]
fn softmax_matches_the_engine() {
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    let l = logits(&mut rng, 300, 10.0);
    let mut c = lab::candidates(&l);
    lab::softmax(&mut c);
    let mut cur = Candidates::from_logits(&l);
    cur.softmax();
    for (t, e) in c.iter().zip(&cur.data) {
        assert!((t.p - e.p).abs() < 1e-7, "token {}: p = {}, engine {} (TEST_SEED={seed})", t.id, t.p, e.p);
    }
    assert_eq!(c.iter().map(|t| t.id).collect::<Vec<_>>(), (0..300).collect::<Vec<u32>>(), "softmax must not reorder");
}

#[test]
fn temperature_matches_the_engine() {
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    for temp in [0.5, 0.8, 1.5, 0.0, -1.0] {
        let l = logits(&mut rng, 100, 3.0);
        let mut c = lab::candidates(&l);
        lab::temperature(&mut c, temp);
        assert_eq!(mine(&c), engine_run(&l, &mut Temperature::new(temp)), "temperature {temp} (0 and below: only the first largest logit stays finite) (TEST_SEED={seed})");
    }
}

#[test]
fn top_k_keeps_the_k_largest_sorted_with_ties_by_id() {
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    for k in [1, 5, 40, 0, 1000] {
        let l = logits(&mut rng, 200, 2.0);
        let mut c = lab::candidates(&l);
        lab::top_k(&mut c, k);
        assert_eq!(mine(&c), engine_run(&l, &mut TopK::new(k)), "top-k {k} (TEST_SEED={seed})");
    }
}

#[test]
fn top_p_keeps_the_token_that_crosses_the_threshold() {
    // p = 0.5, 0.3, 0.2 and top-p 0.7: 0.5 alone is short of 0.7, so the second token (which
    // brings the sum to 0.8) stays: two tokens, not one.
    let mut c = lab::candidates(&[0.2f32.ln(), 0.5f32.ln(), 0.3f32.ln()]);
    lab::top_p(&mut c, 0.7, 0);
    assert_eq!(c.iter().map(|t| t.id).collect::<Vec<_>>(), [1, 2], "probabilities 0.2, 0.5, 0.3 with top-p 0.7");
    let mut c = lab::candidates(&[0.2f32.ln(), 0.5f32.ln(), 0.3f32.ln()]);
    lab::top_p(&mut c, 0.4, 0);
    assert_eq!(c.iter().map(|t| t.id).collect::<Vec<_>>(), [1], "top-p 0.4: the first token (0.5) already reaches it");
}

#[test]
fn top_p_matches_the_engine() {
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    for (p, min_keep) in [(0.95, 0), (0.5, 0), (0.9, 3), (0.1, 0), (1.0, 0)] {
        let l = logits(&mut rng, 120, 4.0);
        let mut c = lab::candidates(&l);
        lab::top_p(&mut c, p, min_keep);
        assert_eq!(mine(&c), engine_run(&l, &mut TopP::new(p, min_keep)), "top-p {p}, min_keep {min_keep} (TEST_SEED={seed})");
    }
}

#[test]
fn min_p_matches_the_engine() {
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    for (p, min_keep, sorted) in [(0.05, 0, false), (0.3, 0, true), (0.9, 4, false), (0.5, 2, true)] {
        let l = logits(&mut rng, 150, 3.0);
        let mut c = lab::candidates(&l);
        let mut cur = Candidates::from_logits(&l);
        if sorted {
            lab::sort_by_logit(&mut c);
            cur.sort_by_logit();
        }
        lab::min_p(&mut c, p, min_keep);
        MinP::new(p, min_keep).apply(&mut cur);
        let want: Vec<(u32, f32)> = cur.data.iter().map(|t| (t.id, t.logit)).collect();
        assert_eq!(mine(&c), want, "min-p {p}, min_keep {min_keep}, sorted input {sorted} (TEST_SEED={seed})");
    }
}

#[test]
fn penalties_match_the_engine() {
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    for (last_n, repeat, freq, present) in [(64, 1.3, 0.0, 0.0), (8, 1.1, 0.5, 0.25), (16, 2.0, 0.1, 0.0)] {
        let l = logits(&mut rng, 40, 3.0);
        let history: Vec<u32> = (0..30).map(|_| rng.below(40) as u32).collect();
        let mut engine = Penalties::new(last_n, repeat, freq, present);
        history.iter().for_each(|&t| engine.accept(t));
        let recent = &history[history.len().saturating_sub(last_n)..];
        let mut c = lab::candidates(&l);
        lab::penalties(&mut c, recent, repeat, freq, present);
        assert_eq!(mine(&c), engine_run(&l, &mut engine), "last {last_n} of {history:?}, repeat {repeat}, freq {freq}, present {present} (TEST_SEED={seed})");
    }
}

#[test]
fn pick_selects_where_the_running_sum_passes_u() {
    let mut c = lab::candidates(&[5.0f32.ln(), f32::NEG_INFINITY, 3.0f32.ln(), 2.0f32.ln()]);
    lab::softmax(&mut c); // 0.5, 0, 0.3, 0.2
    for (u, want) in [(0.0, 0), (0.49, 0), (0.51, 2), (0.79, 2), (0.81, 3), (0.999, 3)] {
        assert_eq!(lab::pick(&c, u), want, "p = [0.5, 0, 0.3, 0.2], u = {u}: the masked token can never be picked");
    }
}

fn chain_tokens(seed: u64, params: &lab::Params, steps: usize) -> (Vec<u32>, Vec<u32>) {
    let mut rng = Rng::from_seed(seed);
    let engine_params = SamplingParams {
        seed: params.seed,
        temp: params.temp,
        top_k: params.top_k,
        top_p: params.top_p,
        min_p: params.min_p,
        penalty_last_n: params.penalty_last_n,
        penalty_repeat: params.penalty_repeat,
        penalty_freq: params.penalty_freq,
        penalty_present: params.penalty_present,
        ..SamplingParams::default()
    };
    let mut engine = SamplerChain::new(&engine_params).unwrap();
    let mut sampler = lab::Sampler::new(params.clone());
    let (mut got, mut want) = (Vec::new(), Vec::new());
    for _ in 0..steps {
        let l = rng.vec(500, 6.0);
        let (a, b) = (sampler.sample(&l), engine.sample(&l));
        sampler.accept(b);
        engine.accept(b);
        got.push(a);
        want.push(b);
    }
    (got, want)
}

#[test]
fn seeded_chain_matches_the_engine_token_for_token() {
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    let settings = [
        (0.8, 40, 0.95, 0.05, 64, 1.0, 0.0, 0.0),
        (1.2, 0, 0.9, 0.0, 64, 1.1, 0.0, 0.0),
        (0.7, 20, 1.0, 0.1, 16, 1.3, 0.2, 0.1),
        (0.0, 40, 0.95, 0.05, 64, 1.5, 0.0, 0.0),
    ];
    for (temp, top_k, top_p, min_p, last_n, repeat, freq, present) in settings {
        let params = lab::Params { seed: rng.next_u64() as u32 >> 1, temp, top_k, top_p, min_p, penalty_last_n: last_n, penalty_repeat: repeat, penalty_freq: freq, penalty_present: present };
        let (got, want) = chain_tokens(rng.next_u64(), &params, 60);
        assert_eq!(got, want, "{params:?}: your tokens vs engine::sampling::SamplerChain's (TEST_SEED={seed})");
    }
}
