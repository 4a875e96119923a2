//! Graded tests of lab 2.3: your softmax and attention against float64 references and against
//! the engine's attention (`engine::ops::attention`, which reads f16 keys and values), on
//! fresh random inputs with SmolLM2's grouped heads (9 query heads, 3 KV heads).

// The code under test: yours in src/, or the reference solution under `learn dev check`.
#[cfg(not(feature = "solution"))]
use lab_2_3_attention as lab;
#[cfg(feature = "solution")]
#[path = "../solution/lib.rs"]
mod lab;

use engine::ops::attention::{AttentionShape, attention as engine_attention};
use engine::threadpool::ThreadPool;
use half::f16;

use lab_testkit::Rng;

fn softmax64(x: &[f64]) -> Vec<f64> {
    let max = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = x.iter().map(|&v| (v - max).exp()).collect();
    let sum: f64 = e.iter().sum();
    e.iter().map(|v| v / sum).collect()
}

/// Causal grouped-query attention in float64: query head h reads KV head h / (n_head / n_head_kv).
fn reference(q: &[f32], k: &[f32], v: &[f32], n_head: usize, n_head_kv: usize, d: usize) -> Vec<f32> {
    let (n_tokens, n_keys) = (q.len() / (n_head * d), k.len() / (n_head_kv * d));
    let mut out = vec![0.0; q.len()];
    for t in 0..n_tokens {
        let pos = n_keys - n_tokens + t;
        for h in 0..n_head {
            let g = h / (n_head / n_head_kv);
            let qh = &q[(t * n_head + h) * d..][..d];
            let scores: Vec<f64> = (0..=pos)
                .map(|j| {
                    let kj = &k[(j * n_head_kv + g) * d..][..d];
                    qh.iter().zip(kj).map(|(&a, &b)| a as f64 * b as f64).sum::<f64>() / (d as f64).sqrt()
                })
                .collect();
            let w = softmax64(&scores);
            for x in 0..d {
                let sum: f64 = (0..=pos).map(|j| w[j] * v[(j * n_head_kv + g) * d + x] as f64).sum();
                out[(t * n_head + h) * d + x] = sum as f32;
            }
        }
    }
    out
}

fn assert_close(got: &[f32], want: &[f32], tol: f32, what: &str, seed: u64, (n_head, d): (usize, usize)) {
    assert_eq!(got.len(), want.len(), "{what}: output length");
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        let (t, h, x) = (i / (n_head * d), i / d % n_head, i % d);
        assert!((g - w).abs() <= tol, "{what}: token {t}, query head {h}, dimension {x}: got {g}, want {w} (TEST_SEED={seed})");
    }
}

/// Random keys and values already rounded to f16, so the engine (which stores them in f16)
/// and your code see the same numbers.
fn f16_exact(rng: &mut Rng, n: usize, scale: f32) -> Vec<f32> {
    rng.vec(n, scale).into_iter().map(|x| f16::from_f32(x).to_f32()).collect()
}

#[test]
fn softmax_matches_a_float64_reference() {
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    for n in [1, 2, 7, 100] {
        let x = rng.vec(n, 6.0);
        let mut got = x.clone();
        lab::softmax(&mut got);
        let want = softmax64(&x.iter().map(|&v| v as f64).collect::<Vec<_>>());
        for (i, (&g, &w)) in got.iter().zip(&want).enumerate() {
            assert!((g as f64 - w).abs() < 1e-6, "softmax of {n} logits: p[{i}] = {g}, want {w} (TEST_SEED={seed})");
        }
    }
}

#[test]
fn softmax_survives_logits_near_1000() {
    // e^1000 is infinite in f32 (and f64): without subtracting the maximum, inf / inf = NaN.
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    let x: Vec<f32> = (0..16).map(|_| 1000.0 + 4.0 * rng.unit()).collect();
    let mut got = x.clone();
    lab::softmax(&mut got);
    let want = softmax64(&x.iter().map(|&v| v as f64).collect::<Vec<_>>());
    for (i, (&g, &w)) in got.iter().zip(&want).enumerate() {
        assert!(g.is_finite() && (g as f64 - w).abs() < 1e-5, "softmax of logits ≈ 1000: p[{i}] = {g}, want {w} (TEST_SEED={seed})");
    }
}

#[test]
fn softmax_gives_masked_entries_zero() {
    let mut x = [1.0, f32::NEG_INFINITY, 2.0, f32::NEG_INFINITY];
    lab::softmax(&mut x);
    let e = std::f32::consts::E;
    let want = [1.0 / (1.0 + e), 0.0, e / (1.0 + e), 0.0];
    for (g, w) in x.iter().zip(want) {
        assert!((g - w).abs() < 1e-6, "softmax([1, -inf, 2, -inf]) = {x:?}, want {want:?}");
    }
}

#[test]
fn kv_head_for_groups_consecutive_query_heads() {
    for (n_head, n_head_kv) in [(9, 3), (32, 8), (4, 4), (8, 1)] {
        let group = n_head / n_head_kv;
        for h in 0..n_head {
            let got = lab::kv_head_for(h, n_head, n_head_kv);
            assert_eq!(got, h / group, "{n_head} query heads, {n_head_kv} KV heads: query head {h} reads KV head {}, not {got}", h / group);
        }
    }
}

#[test]
fn query_head_h_reads_kv_head_h_over_the_group_size() {
    // Every value of KV head g is g + 1: whatever the weights, query head h must output
    // h / 3 + 1 in every dimension. (h % 3 would give 1, 2, 3, 1, 2, 3, …)
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    let (n_head, n_head_kv, d, n) = (9, 3, 64, 6);
    let q = rng.vec(n * n_head * d, 1.0);
    let k = rng.vec(n * n_head_kv * d, 1.0);
    let v: Vec<f32> = (0..n * n_head_kv * d).map(|i| (i / d % n_head_kv) as f32 + 1.0).collect();
    let out = lab::attention(&q, &k, &v, n_head, n_head_kv, d);
    assert_eq!(out.len(), q.len(), "the output is shaped like q");
    for (i, &o) in out.iter().enumerate() {
        let h = i / d % n_head;
        let want = (h / 3) as f32 + 1.0;
        assert!((o - want).abs() < 1e-4, "query head {h} should read KV head {}, whose values are all {want}; got {o} (TEST_SEED={seed})", h / 3);
    }
}

#[test]
fn causal_mask_hides_later_positions() {
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    let (n_head, n_head_kv, d, n) = (9, 3, 64, 8);
    let q = rng.vec(n * n_head * d, 1.0);
    let k = rng.vec(n * n_head_kv * d, 1.0);
    let mut v = rng.vec(n * n_head_kv * d, 1.0);
    let before = lab::attention(&q, &k, &v, n_head, n_head_kv, d);
    // Token 0 sees only itself: its output is its own value vector.
    for h in 0..n_head {
        let g = h / 3;
        assert_close(&before[h * d..(h + 1) * d], &v[g * d..(g + 1) * d], 1e-5, &format!("token 0, head {h} (= v_0)"), seed, (1, d));
    }
    // Changing the last position's value must not change any earlier token's output.
    let last = (n - 1) * n_head_kv * d;
    v[last..].iter_mut().for_each(|x| *x += 10.0);
    let after = lab::attention(&q, &k, &v, n_head, n_head_kv, d);
    let earlier = (n - 1) * n_head * d;
    assert_close(&after[..earlier], &before[..earlier], 0.0, "tokens 0..7 after changing position 7's value", seed, (n_head, d));
}

#[test]
fn matches_a_float64_reference_with_grouped_heads() {
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    // (query heads, KV heads, head size, new tokens, all positions)
    for (n_head, n_head_kv, d, n_tokens, n_keys) in [(9, 3, 64, 7, 7), (9, 3, 64, 1, 40), (9, 3, 64, 5, 12), (8, 2, 32, 3, 3), (4, 4, 16, 4, 9)] {
        let q = rng.vec(n_tokens * n_head * d, 2.0);
        let k = rng.vec(n_keys * n_head_kv * d, 2.0);
        let v = rng.vec(n_keys * n_head_kv * d, 1.0);
        let what = format!("{n_head}/{n_head_kv} heads of {d}, {n_tokens} queries over {n_keys} positions");
        let got = lab::attention(&q, &k, &v, n_head, n_head_kv, d);
        assert_close(&got, &reference(&q, &k, &v, n_head, n_head_kv, d), 1e-4, &what, seed, (n_head, d));
    }
}

#[test]
fn matches_the_engine_on_random_inputs() {
    // The engine keeps keys and values in f16 (and, for fewer than 64 new tokens, rounds the
    // query to f16 and accumulates in f16, as llama.cpp does): close, not bit-identical.
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    let pool = ThreadPool::new(1);
    for (n_tokens, start) in [(1, 30), (6, 0), (5, 11), (70, 0)] {
        let (n_head, n_head_kv, d) = (9, 3, 64);
        let n_keys = start + n_tokens;
        let q = rng.vec(n_tokens * n_head * d, 2.0);
        let k = f16_exact(&mut rng, n_keys * n_head_kv * d, 2.0);
        let v = f16_exact(&mut rng, n_keys * n_head_kv * d, 1.0);
        let (k16, v16): (Vec<f16>, Vec<f16>) = (k.iter().map(|&x| f16::from_f32(x)).collect(), v.iter().map(|&x| f16::from_f32(x)).collect());
        let shape = AttentionShape { n_head, n_head_kv, head_dim: d, start, n_tokens };
        let mut want = vec![0.0; q.len()];
        engine_attention(&pool, &shape, &q, &k16, &v16, &mut want);
        let got = lab::attention(&q, &k, &v, n_head, n_head_kv, d);
        assert_close(&got, &want, 1e-2, &format!("{n_tokens} new tokens after {start}, vs engine::ops::attention"), seed, (n_head, d));
    }
}

#[test]
fn stays_finite_and_right_with_huge_scores() {
    // Queries so large that scores reach ~±1000: e^score overflows unless the maximum is
    // subtracted first.
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    let (n_head, n_head_kv, d, n) = (9, 3, 64, 5);
    let q = rng.vec(n * n_head * d, 400.0);
    let k = rng.vec(n * n_head_kv * d, 1.0);
    let v = rng.vec(n * n_head_kv * d, 1.0);
    let got = lab::attention(&q, &k, &v, n_head, n_head_kv, d);
    assert!(got.iter().all(|x| x.is_finite()), "outputs must be finite with scores ≈ 1000 (TEST_SEED={seed})");
    assert_close(&got, &reference(&q, &k, &v, n_head, n_head_kv, d), 2e-3, "scores ≈ ±1000", seed, (n_head, d));
}
