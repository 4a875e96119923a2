//! Graded tests of lab 3.5: your Q4_0 · Q8_0 dot product against the engine's scalar kernel
//! (`engine/src/quant/q4_0.rs`) and against a float64 dot of the unquantized values.

// The code under test: yours in src/, or the reference solution under `learn dev check`.
#[cfg(not(feature = "solution"))]
use lab_3_5_quantized_dot as lab;
#[cfg(feature = "solution")]
#[path = "../solution/lib.rs"]
mod lab;

use engine::gguf::GgufFile;
use engine::tensor::GgmlType;
use half::f16;
use lab::{BlockQ4_0, BlockQ8_0};

use lab_testkit::Rng;

fn engine_quantize<B: bytemuck::Pod>(ty: GgmlType, x: &[f32]) -> Vec<B> {
    bytemuck::pod_collect_to_vec(&engine::quant::quantize(ty, x).unwrap())
}

fn engine_round_trip(ty: GgmlType, x: &[f32]) -> Vec<f32> {
    let mut y = vec![0.0; x.len()];
    engine::quant::dequantize(ty, &engine::quant::quantize(ty, x).unwrap(), &mut y).unwrap();
    y
}

/// The engine's scalar reference dot (ggml's generic kernel).
fn engine_vec_dot(w: &[BlockQ4_0], a: &[BlockQ8_0]) -> f32 {
    let k = engine::quant::scalar_kernels(GgmlType::Q4_0).unwrap();
    k.vec_dot(w.len() * 32, bytemuck::cast_slice(w), bytemuck::cast_slice(a)).unwrap()
}

/// Σ over blocks of |Σ integer products · d_w · d_a| in f64: the size the f32 roundings of a
/// correct kernel are relative to.
fn magnitude(w: &[BlockQ4_0], a: &[BlockQ8_0]) -> f64 {
    w.iter()
        .zip(a)
        .map(|(x, y)| {
            let sumi: i64 = (0..32)
                .map(|i| {
                    let q = if i < 16 { x.qs[i] & 0x0F } else { x.qs[i - 16] >> 4 };
                    (q as i64 - 8) * y.qs[i] as i64
                })
                .sum();
            (sumi as f64 * x.d.to_f64() * y.d.to_f64()).abs()
        })
        .sum()
}

#[test]
fn activations_quantize_to_the_engines_q8_0_bytes() {
    let mut rng = Rng::fresh();
    let x = rng.weights(256);
    let got = lab::quantize_q8_0(&x);
    let want: Vec<BlockQ8_0> = engine_quantize(GgmlType::Q8_0, &x);
    assert_eq!(got.len(), want.len(), "TEST_SEED={}", rng.seed());
    for (b, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(g, w, "TEST_SEED={}: block {b} of {:?}", rng.seed(), &x[32 * b..32 * b + 32]);
    }
}

#[test]
fn vec_dot_matches_the_engine_scalar_kernel() {
    let mut rng = Rng::fresh();
    for n_blocks in [1, 2, 7, 18, 48] {
        for _ in 0..20 {
            let w: Vec<BlockQ4_0> = engine_quantize(GgmlType::Q4_0, &rng.weights(n_blocks));
            let a: Vec<BlockQ8_0> = engine_quantize(GgmlType::Q8_0, &rng.weights(n_blocks));
            let (got, want) = (lab::vec_dot_q4_0_q8_0(&w, &a), engine_vec_dot(&w, &a));
            let bound = 1e-6 * magnitude(&w, &a);
            assert!(
                ((got - want) as f64).abs() <= bound,
                "TEST_SEED={}: {n_blocks} blocks: yours {got}, engine {want} (allowed difference {bound:e})",
                rng.seed()
            );
        }
    }
}

#[test]
fn vec_dot_sums_each_block_in_integers() {
    // Blocks whose integer products cancel exactly: weight j and j + 8 (and j + 16, j + 24)
    // share a code, their activations are opposite. Σ (q_w - 8)·q_a is exactly 0 in integers,
    // so ggml's dot is exactly 0. Multiplying each product by the scales first and adding
    // floats rounds at every step and leaves a residue.
    let mut rng = Rng::fresh();
    for _ in 0..50 {
        let n_blocks = 4;
        let mut w = Vec::new();
        let mut a = Vec::new();
        for _ in 0..n_blocks {
            let mut codes = [0u8; 32];
            let mut acts = [0i8; 32];
            for base in [0, 16] {
                for j in 0..8 {
                    let c = (rng.next_u64() % 16) as u8;
                    let v = 1 + (rng.next_u64() % 127) as i8;
                    let v = if rng.next_u64().is_multiple_of(2) { v } else { -v };
                    (codes[base + j], codes[base + j + 8]) = (c, c);
                    (acts[base + j], acts[base + j + 8]) = (v, -v);
                }
            }
            let scale = |rng: &mut Rng| f16::from_f32(10f32.powf(rng.unit() * 2.0 - 2.0) * (1.1 + rng.unit()));
            w.push(BlockQ4_0 { d: scale(&mut rng), qs: std::array::from_fn(|j| codes[j] | (codes[j + 16] << 4)) });
            a.push(BlockQ8_0 { d: scale(&mut rng), qs: acts });
        }
        assert_eq!(engine_vec_dot(&w, &a), 0.0, "the engine's dot of cancelling blocks");
        let got = lab::vec_dot_q4_0_q8_0(&w, &a);
        assert!(
            got == 0.0,
            "TEST_SEED={}: blocks whose integer products sum to 0 dotted to {got:e}, not 0: sum each block's products as i32 first, then scale once",
            rng.seed()
        );
    }
}

#[test]
fn matvec_is_within_the_quantization_error_of_the_float64_dot() {
    // x·w in f64 against yours: the difference Σ w·x - Σ ŵ·x̂ = Σ (w - ŵ)·x + Σ ŵ·(x - x̂) is
    // bounded by what quantizing the weights (ŵ) and the activations (x̂) moved them.
    let mut rng = Rng::fresh();
    let (n, n_rows) = (512, 24);
    let w = rng.weights(n * n_rows / 32);
    let x = rng.weights(n / 32);
    let rows: Vec<BlockQ4_0> = engine_quantize(GgmlType::Q4_0, &w);
    let w_hat = engine_round_trip(GgmlType::Q4_0, &w);
    let x_hat = engine_round_trip(GgmlType::Q8_0, &x);
    let got = lab::matvec(&rows, n, &x);
    assert_eq!(got.len(), n_rows, "TEST_SEED={}: one output per row", rng.seed());
    for (r, &g) in got.iter().enumerate() {
        let span = r * n..(r + 1) * n;
        let exact: f64 = w[span.clone()].iter().zip(&x).map(|(&a, &b)| a as f64 * b as f64).sum();
        let bound: f64 = w[span.clone()]
            .iter()
            .zip(&w_hat[span])
            .zip(x.iter().zip(&x_hat))
            .map(|((&wi, &wh), (&xi, &xh))| {
                ((wi - wh) as f64 * xi as f64).abs() + (wh as f64 * (xi - xh) as f64).abs() + 1e-6 * (wh as f64 * xh as f64).abs()
            })
            .sum();
        let err = (g as f64 - exact).abs();
        assert!(
            err <= bound,
            "TEST_SEED={}: row {r}: yours {g}, float64 dot {exact}: off by {err:e}, more than quantization explains ({bound:e})",
            rng.seed()
        );
    }
}

#[test]
fn matvec_matches_the_engine_on_real_model_weights() {
    // blk.0.attn_q.weight (576 × 576) requantized to Q4_0, times the embedding of token 1000.
    let path = engine::fetch::default_model().expect("the default model is needed for this test");
    let file = GgufFile::open(&path).expect("the default model parses");
    let decode = |name: &str, rows: std::ops::Range<usize>| {
        let t = file.tensor(name).unwrap();
        let n = t.row_len() as usize;
        let rb = t.ty.row_bytes(n).unwrap();
        let mut out = vec![0.0f32; rows.len() * n];
        engine::quant::dequantize(t.ty, &file.tensor_data(t)[rows.start * rb..rows.end * rb], &mut out).unwrap();
        out
    };
    let n = 576;
    let rows: Vec<BlockQ4_0> = engine_quantize(GgmlType::Q4_0, &decode("blk.0.attn_q.weight", 0..576));
    let x = decode("token_embd.weight", 1000..1001);
    let a: Vec<BlockQ8_0> = engine_quantize(GgmlType::Q8_0, &x);
    let got = lab::matvec(&rows, n, &x);
    assert_eq!(got.len(), 576, "one output per row");
    for (r, row) in rows.chunks(n / 32).enumerate() {
        let want = engine_vec_dot(row, &a);
        let bound = 1e-6 * magnitude(row, &a);
        assert!(((got[r] - want) as f64).abs() <= bound, "row {r}: yours {}, engine {want}", got[r]);
    }
}
