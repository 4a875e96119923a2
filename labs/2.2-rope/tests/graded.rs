//! Graded tests of lab 2.2: your RoPE against the engine's (`engine::ops::rope`) and a float64
//! reference, on fresh random heads, and with the default model's own rope base.

// The code under test: yours in src/, or the reference solution under `learn dev check`.
#[cfg(not(feature = "solution"))]
use lab_2_2_rope as lab;
#[cfg(feature = "solution")]
#[path = "../solution/lib.rs"]
mod lab;

use engine::gguf::GgufFile;
use engine::model::Config;

use lab_testkit::Rng;

fn rope(x: &[f32], head_dim: usize, pos: usize, base: f32) -> Vec<f32> {
    let mut y = x.to_vec();
    lab::apply_rope(&mut y, head_dim, pos, base);
    y
}

fn engine_rope(x: &[f32], head_dim: usize, pos: usize, base: f32) -> Vec<f32> {
    let (mut y, mut angles) = (x.to_vec(), Vec::new());
    engine::ops::rope::rope_angles(pos, head_dim, base, &mut angles);
    engine::ops::rope::apply_rope(&mut y, head_dim, &angles);
    y
}

/// Adjacent pairs rotated by pos · base^(-2i/d), all in float64.
fn reference(x: &[f32], head_dim: usize, pos: usize, base: f32) -> Vec<f32> {
    let mut y = x.to_vec();
    for head in y.chunks_exact_mut(head_dim) {
        for (i, pair) in head.chunks_exact_mut(2).enumerate() {
            let angle = pos as f64 * (base as f64).powf(-2.0 * i as f64 / head_dim as f64);
            let (x0, x1) = (pair[0] as f64, pair[1] as f64);
            pair[0] = (x0 * angle.cos() - x1 * angle.sin()) as f32;
            pair[1] = (x0 * angle.sin() + x1 * angle.cos()) as f32;
        }
    }
    y
}

fn assert_close(got: &[f32], want: &[f32], tol: f32, what: &str, seed: u64) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= tol, "{what}: value {i} (dimension {} of its head): got {g}, want {w} (TEST_SEED={seed})", i % 64);
    }
}

#[test]
fn frequencies_are_base_to_the_minus_2i_over_d() {
    for (d, base) in [(64, 100_000.0f32), (64, 10_000.0), (128, 500_000.0), (8, 10.0)] {
        let got = lab::rope_frequencies(d, base);
        assert_eq!(got.len(), d / 2, "head_dim {d}: one frequency per pair");
        for (i, &g) in got.iter().enumerate() {
            let want = (base as f64).powf(-2.0 * i as f64 / d as f64);
            assert!(((g as f64) - want).abs() <= 1e-6 * want, "head_dim {d}, base {base}: θ_{i} = {g}, want {want}");
        }
    }
}

#[test]
fn rotates_adjacent_pairs_not_halves() {
    // A one-hot vector at dimension 2i must stay inside the pair (2i, 2i+1): (cos, sin) of
    // pos·θ_i. Rotating (i, i + d/2) — Hugging Face's layout — moves it to dimension i + d/2.
    let (d, pos, base) = (64, 3, 100_000.0f32);
    for i in [0, 5, 20] {
        let mut x = vec![0.0; d];
        x[2 * i] = 1.0;
        let y = rope(&x, d, pos, base);
        let angle = pos as f64 * (base as f64).powf(-2.0 * i as f64 / d as f64);
        for (j, &v) in y.iter().enumerate() {
            let want = match j {
                _ if j == 2 * i => angle.cos(),
                _ if j == 2 * i + 1 => angle.sin(),
                _ => 0.0,
            };
            assert!((v as f64 - want).abs() < 1e-5, "one-hot at dimension {}, position {pos}: dimension {j} is {v}, want {want}", 2 * i);
        }
    }
}

#[test]
fn matches_the_engine_on_random_heads() {
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    for (d, n_heads) in [(64, 9), (64, 3), (128, 2), (32, 4)] {
        for _ in 0..8 {
            let pos = rng.below(2048);
            let x = rng.vec(d * n_heads, 2.0);
            let what = format!("{n_heads} heads of {d}, position {pos}, base 10000");
            assert_close(&rope(&x, d, pos, 10_000.0), &engine_rope(&x, d, pos, 10_000.0), 2e-3, &what, seed);
        }
    }
}

#[test]
fn matches_a_float64_reference_up_to_8192_positions() {
    // Angles up to 8191 radians: computed in f32 they are off by ~1e-3 rad at most.
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    for pos in [0, 1, 2, 17, 511, 4095, 8191] {
        let x = rng.vec(64 * 3, 1.0);
        assert_close(&rope(&x, 64, pos, 100_000.0), &reference(&x, 64, pos, 100_000.0), 3e-3, &format!("position {pos}"), seed);
    }
}

#[test]
fn position_zero_leaves_vectors_unchanged() {
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    let x = rng.vec(64 * 9, 3.0);
    assert_close(&rope(&x, 64, 0, 100_000.0), &x, 1e-6, "position 0", seed);
}

#[test]
fn scores_depend_only_on_the_distance() {
    // q at position m, k at position n: q'·k' must equal that for m + s, n + s.
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    let (q, k) = (rng.vec(64, 1.0), rng.vec(64, 1.0));
    let score = |m: usize, n: usize| -> f32 {
        rope(&q, 64, m, 10_000.0).iter().zip(rope(&k, 64, n, 10_000.0)).map(|(a, b)| a * b).sum()
    };
    let (m, n) = (5 + rng.below(100), rng.below(5));
    for shift in [1, 10, 300] {
        let (a, b) = (score(m, n), score(m + shift, n + shift));
        assert!((a - b).abs() < 1e-3, "score at ({m}, {n}) = {a} but at ({}, {}) = {b} (TEST_SEED={seed})", m + shift, n + shift);
    }
}

#[test]
fn matches_the_engine_with_the_default_models_rope_base() {
    // SmolLM2 stores llama.rope.freq_base = 100000 and 9 query heads of 64 dimensions.
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    let path = engine::fetch::default_model().expect("the default model is needed for this test and could not be fetched");
    let config = Config::from_gguf(&GgufFile::open(&path).expect("the default model parses")).expect("config");
    let (d, base) = (config.head_dim, config.rope_freq_base);
    for _ in 0..8 {
        let pos = rng.below(1024);
        let x = rng.vec(config.n_head * d, 2.0);
        let what = format!("{} heads of {d}, position {pos}, base {base}", config.n_head);
        assert_close(&rope(&x, d, pos, base), &engine_rope(&x, d, pos, base), 2e-3, &what, seed);
    }
}
