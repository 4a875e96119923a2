//! Graded tests of lab 2.1: your `rms_norm` against the engine's (`engine::ops::rmsnorm`) and a
//! float64 reference, on fresh random rows (the seed is printed: rerun a failure with
//! `TEST_SEED=<seed> cargo learn lab 2.1`) and on the default model's real weights.

// The code under test: yours in src/, or the reference solution under `learn dev check`.
#[cfg(not(feature = "solution"))]
use lab_2_1_rmsnorm as lab;
#[cfg(feature = "solution")]
#[path = "../solution/lib.rs"]
mod lab;

use engine::gguf::GgufFile;
use engine::model::Model;

use lab_testkit::Rng;

/// Mostly small values with a few outliers, like activations.
fn activations(rng: &mut Rng, n: usize) -> Vec<f32> {
    (0..n).map(|_| rng.unit() * if rng.next_u64() % 16 == 0 { 8.0 } else { 1.0 }).collect()
}

fn norm(x: &[f32], w: &[f32], eps: f32) -> Vec<f32> {
    let mut out = vec![f32::NAN; x.len()];
    lab::rms_norm(x, w, eps, &mut out);
    out
}

fn engine_norm(x: &[f32], w: &[f32], eps: f32) -> Vec<f32> {
    let mut out = vec![f32::NAN; x.len()];
    engine::ops::rmsnorm::rms_norm(x, w, eps, &mut out);
    out
}

/// Every row normalised on its own, in float64.
fn reference(x: &[f32], w: &[f32], eps: f32) -> Vec<f32> {
    let n = w.len();
    let mut out = Vec::with_capacity(x.len());
    for row in x.chunks_exact(n) {
        let mean_sq = row.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / n as f64;
        let scale = 1.0 / (mean_sq + eps as f64).sqrt();
        out.extend(row.iter().zip(w).map(|(&v, &g)| (v as f64 * scale * g as f64) as f32));
    }
    out
}

fn assert_close(got: &[f32], want: &[f32], what: &str, seed: u64) {
    assert_eq!(got.len(), want.len());
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        let tol = 1e-6 + 1e-5 * w.abs();
        assert!((g - w).abs() <= tol, "{what}: value {i}: got {g}, want {w} (TEST_SEED={seed})");
    }
}

#[test]
fn matches_the_engine_on_random_rows() {
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    let n = 576; // SmolLM2's n_embd
    let x = activations(&mut rng, 7 * n);
    let w: Vec<f32> = (0..n).map(|_| 1.0 + 0.5 * rng.unit()).collect();
    assert_close(&norm(&x, &w, 1e-5), &engine_norm(&x, &w, 1e-5), "7 rows of 576 vs engine::ops::rmsnorm", seed);
}

#[test]
fn matches_a_float64_reference_for_any_width() {
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    for n in [1, 3, 64, 577, 2048] {
        let x = activations(&mut rng, 3 * n);
        let w: Vec<f32> = (0..n).map(|_| rng.unit() * 2.0).collect();
        assert_close(&norm(&x, &w, 1e-6), &reference(&x, &w, 1e-6), &format!("3 rows of {n}"), seed);
    }
}

#[test]
fn normalizes_each_row_on_its_own() {
    // Rows of very different scale: each must come out with unit RMS (times the gain). A mean
    // taken over the whole buffer instead of each row gets this wrong by orders of magnitude.
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    let n = 64;
    let mut x = Vec::new();
    for scale in [1e-3f32, 1.0, 1e3] {
        x.extend(activations(&mut rng, n).iter().map(|v| v * scale));
    }
    let w = vec![1.0; n];
    let got = norm(&x, &w, 1e-12);
    for (r, row) in got.chunks_exact(n).enumerate() {
        let rms = (row.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / n as f64).sqrt();
        assert!((rms - 1.0).abs() < 1e-4, "row {r} (scale 1e{}): RMS after the norm is {rms}, want 1 (TEST_SEED={seed})", 3 * r as i32 - 3);
    }
    assert_close(&got, &reference(&x, &w, 1e-12), "rows of scale 1e-3, 1, 1e3", seed);
}

#[test]
fn adds_eps_inside_the_square_root() {
    // Values around 1e-4: mean(x²) ≈ 3e-9 is far below eps = 1e-5, so eps sets the scale.
    // Forgetting eps (or adding it to the root instead of under it) gives outputs ~30× too big.
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    let n = 128;
    let x: Vec<f32> = activations(&mut rng, 2 * n).iter().map(|v| v * 1e-4).collect();
    let w: Vec<f32> = (0..n).map(|_| 1.0 + 0.5 * rng.unit()).collect();
    assert_close(&norm(&x, &w, 1e-5), &reference(&x, &w, 1e-5), "tiny values, eps 1e-5", seed);
}

#[test]
fn does_not_subtract_the_mean() {
    // RMSNorm only rescales: a row of 50 ± 1 becomes ≈ 1 ± 0.02, not the ±1.7 that LayerNorm's
    // (x - mean) / std would give.
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    let n = 256;
    let x: Vec<f32> = (0..n).map(|_| 50.0 + rng.unit()).collect();
    let w = vec![1.0; n];
    assert_close(&norm(&x, &w, 1e-5), &reference(&x, &w, 1e-5), "a row of 50 ± 1", seed);
}

#[test]
fn matches_the_engine_on_the_default_models_embeddings() {
    // The real thing: token embeddings of the default model through layer 0's attention norm,
    // with the model's own eps (llama.attention.layer_norm_rms_epsilon = 1e-5).
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    let path = engine::fetch::default_model().expect("the default model is needed for this test and could not be fetched");
    let file = GgufFile::open(&path).expect("the default model parses");
    let model = Model::load(&file).expect("the default model loads");
    let (d, eps) = (model.config.n_embd, model.config.rms_eps);
    let tokens: Vec<usize> = (0..5).map(|_| (rng.next_u64() % model.config.vocab_size as u64) as usize).collect();
    let mut x = vec![0.0; tokens.len() * d];
    for (row, &t) in x.chunks_exact_mut(d).zip(&tokens) {
        model.token_embd.dequantize_row(t, row);
    }
    let w = &model.layers[0].attn_norm;
    assert_close(&norm(&x, w, eps), &engine_norm(&x, w, eps), &format!("embeddings of tokens {tokens:?}, blk.0.attn_norm"), seed);
}
