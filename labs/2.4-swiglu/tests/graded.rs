//! Graded tests of lab 2.4: silu and the SwiGLU gate against the engine's
//! (`engine::ops::swiglu`), the matrix-vector product and the whole feed-forward network
//! against float64 references, on fresh random inputs and on the default model's layer 0
//! (dequantized to f32 with the engine).

// The code under test: yours in src/, or the reference solution under `learn dev check`.
#[cfg(not(feature = "solution"))]
use lab_2_4_swiglu as lab;
#[cfg(feature = "solution")]
#[path = "../solution/lib.rs"]
mod lab;

use engine::gguf::GgufFile;
use engine::model::{Matrix, Model};

use lab_testkit::Rng;

fn matvec64(w: &[f32], rows: usize, cols: usize, x: &[f64]) -> Vec<f64> {
    (0..rows).map(|r| w[r * cols..(r + 1) * cols].iter().zip(x).map(|(&a, &b)| a as f64 * b).sum()).collect()
}

/// The feed-forward network in float64.
fn ffn64(x: &[f32], w_gate: &[f32], w_up: &[f32], w_down: &[f32], n_embd: usize, n_ff: usize) -> Vec<f32> {
    let x: Vec<f64> = x.iter().map(|&v| v as f64).collect();
    let (gate, up) = (matvec64(w_gate, n_ff, n_embd, &x), matvec64(w_up, n_ff, n_embd, &x));
    let h: Vec<f64> = gate.iter().zip(&up).map(|(&g, &u)| g / (1.0 + (-g).exp()) * u).collect();
    matvec64(w_down, n_embd, n_ff, &h).iter().map(|&v| v as f32).collect()
}

/// |got − want| ≤ tol · (largest |want|): a relative tolerance for a whole vector.
fn assert_close(got: &[f32], want: &[f32], tol: f32, what: &str, seed: u64) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    let scale = want.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-6);
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= tol * scale, "{what}: value {i}: got {g}, want {w} (TEST_SEED={seed})");
    }
}

fn dequantize(m: &Matrix) -> Vec<f32> {
    let mut out = vec![0.0; m.rows * m.cols];
    for (r, row) in out.chunks_exact_mut(m.cols).enumerate() {
        m.dequantize_row(r, row);
    }
    out
}

#[test]
fn silu_matches_the_engines_gate() {
    // The engine's swiglu computes silu(gate) · up; with up = 1 it is silu.
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    let mut xs = rng.vec(1000, 12.0);
    xs.extend([0.0, 1.0, -1.0, 20.0, -20.0, 80.0, -80.0]);
    let mut want = xs.clone();
    engine::ops::swiglu::swiglu(&mut want, &vec![1.0; xs.len()]);
    for (&x, &w) in xs.iter().zip(&want) {
        let g = lab::silu(x);
        assert!((g - w).abs() <= 1e-6 + 1e-5 * w.abs(), "silu({x}) = {g}, want {w} (TEST_SEED={seed})");
    }
}

#[test]
fn silu_is_finite_for_large_negative_inputs() {
    for x in [-100.0f32, -1000.0, -3e38] {
        let y = lab::silu(x);
        assert!(y.is_finite() && y <= 0.0 && y > -1e-30, "silu({x}) = {y}: it should be a tiny negative number or −0");
    }
    assert_eq!(lab::silu(1000.0), 1000.0, "silu(1000) = 1000 · sigmoid(1000) = 1000");
}

#[test]
fn matvec_uses_ggmls_row_major_layout() {
    // A 2 × 3 matrix [[1, 2, 3], [4, 5, 6]] times [1, 0, −1] = [−2, −2]; the transposed
    // reading would need a vector of 2.
    let mut out = [f32::NAN; 2];
    lab::matvec(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 2, 3, &[1.0, 0.0, -1.0], &mut out);
    assert_eq!(out, [-2.0, -2.0]);
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    let (rows, cols) = (37, 203);
    let w = rng.vec(rows * cols, 1.0);
    let x = rng.vec(cols, 1.0);
    let mut got = vec![f32::NAN; rows];
    lab::matvec(&w, rows, cols, &x, &mut got);
    let want: Vec<f32> = matvec64(&w, rows, cols, &x.iter().map(|&v| v as f64).collect::<Vec<_>>()).iter().map(|&v| v as f32).collect();
    assert_close(&got, &want, 1e-5, "37 × 203 matrix", seed);
}

#[test]
fn feed_forward_matches_a_float64_reference() {
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    for (n_embd, n_ff) in [(8, 24), (64, 160), (96, 256)] {
        let x = rng.vec(n_embd, 2.0);
        let (w_gate, w_up) = (rng.vec(n_ff * n_embd, 0.3), rng.vec(n_ff * n_embd, 0.3));
        let w_down = rng.vec(n_embd * n_ff, 0.3);
        let got = lab::feed_forward(&x, &w_gate, &w_up, &w_down, n_embd, n_ff);
        assert_close(&got, &ffn64(&x, &w_gate, &w_up, &w_down, n_embd, n_ff), 1e-4, &format!("n_embd {n_embd}, n_ff {n_ff}"), seed);
    }
}

#[test]
fn silu_goes_on_the_gate_not_on_up() {
    // Gate and up swapped give a different result: silu is not symmetric in the two.
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    let (n_embd, n_ff) = (16, 48);
    let x = rng.vec(n_embd, 2.0);
    let w_gate = rng.vec(n_ff * n_embd, 0.5);
    let w_up: Vec<f32> = rng.vec(n_ff * n_embd, 0.5).iter().map(|v| v + 0.3).collect();
    let w_down = rng.vec(n_embd * n_ff, 0.5);
    let got = lab::feed_forward(&x, &w_gate, &w_up, &w_down, n_embd, n_ff);
    assert_close(&got, &ffn64(&x, &w_gate, &w_up, &w_down, n_embd, n_ff), 1e-4, "gate ≠ up", seed);
}

#[test]
fn feed_forward_of_the_default_models_layer_0() {
    // blk.0.ffn_gate / ffn_up (1536 × 576) and ffn_down (576 × 1536), Q4_1 in the file,
    // dequantized to f32; inputs are real embeddings after layer 0's ffn_norm.
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    let path = engine::fetch::default_model().expect("the default model is needed for this test and could not be fetched");
    let file = GgufFile::open(&path).expect("the default model parses");
    let model = Model::load(&file).expect("the default model loads");
    let (d, ff) = (model.config.n_embd, model.config.n_ff);
    let layer = &model.layers[0];
    let (w_gate, w_up, w_down) = (dequantize(&layer.w_gate), dequantize(&layer.w_up), dequantize(&layer.w_down));
    for _ in 0..3 {
        let token = rng.below(model.config.vocab_size);
        let mut e = vec![0.0; d];
        model.token_embd.dequantize_row(token, &mut e);
        let mut x = vec![0.0; d];
        engine::ops::rmsnorm::rms_norm(&e, &layer.ffn_norm, model.config.rms_eps, &mut x);
        let got = lab::feed_forward(&x, &w_gate, &w_up, &w_down, d, ff);
        assert_close(&got, &ffn64(&x, &w_gate, &w_up, &w_down, d, ff), 1e-4, &format!("layer 0 FFN of token {token}"), seed);
    }
}
