//! Graded tests of lab 3.2: your Q4_0 against the engine's (`engine/src/quant/q4_0.rs`).

// The code under test: yours in src/, or the reference solution under `learn dev check`.
#[cfg(not(feature = "solution"))]
use lab_3_2_quantize_q4_0 as lab;
#[cfg(feature = "solution")]
#[path = "../solution/lib.rs"]
mod lab;

use engine::gguf::GgufFile;
use engine::tensor::GgmlType;
use half::f16;
use lab::BlockQ4_0;

use lab_testkit::Rng;

fn engine_quantize(x: &[f32]) -> Vec<u8> {
    engine::quant::quantize(GgmlType::Q4_0, x).unwrap()
}

fn engine_dequantize(bytes: &[u8]) -> Vec<f32> {
    let mut out = vec![0.0; bytes.len() / 18 * 32];
    engine::quant::dequantize(GgmlType::Q4_0, bytes, &mut out).unwrap();
    out
}

/// The 32 codes of a block, in weight order (byte j: weight j low nibble, weight j+16 high).
fn codes(b: &BlockQ4_0) -> [u8; 32] {
    std::array::from_fn(|i| if i < 16 { b.qs[i] & 0x0F } else { b.qs[i - 16] >> 4 })
}

/// Where your quantized row first differs from the engine's, as a readable message.
fn first_difference(x: &[f32], got: &[BlockQ4_0], want: &[u8]) -> Option<String> {
    let got_bytes: &[u8] = bytemuck::cast_slice(got);
    if got_bytes == want {
        return None;
    }
    if got_bytes.len() != want.len() {
        return Some(format!("{} blocks, expected {}", got.len(), want.len() / 18));
    }
    let want: Vec<BlockQ4_0> = bytemuck::pod_collect_to_vec(want);
    let b = (0..want.len()).find(|&b| got[b] != want[b]).unwrap();
    let xb = &x[b * 32..(b + 1) * 32];
    let (gc, wc) = (codes(&got[b]), codes(&want[b]));
    let mut msg = format!("block {b} differs: d yours {} engine {}", got[b].d, want[b].d);
    for i in (0..32).filter(|&i| gc[i] != wc[i]) {
        msg += &format!("\n  weight {i} = {:?}: your code {}, engine code {}", xb[i], gc[i], wc[i]);
    }
    Some(msg)
}

#[test]
fn quantize_matches_the_engine_byte_for_byte() {
    let mut rng = Rng::fresh();
    for _ in 0..20 {
        let x = rng.weights(64);
        let got = lab::quantize(&x);
        if let Some(diff) = first_difference(&x, &got, &engine_quantize(&x)) {
            panic!("TEST_SEED={}: {diff}", rng.seed());
        }
    }
}

#[test]
fn dequantize_matches_the_engine_on_random_blocks() {
    let mut rng = Rng::fresh();
    let blocks: Vec<BlockQ4_0> = (0..512)
        .map(|_| BlockQ4_0 { d: rng.finite_f16(), qs: std::array::from_fn(|_| rng.next_u64() as u8) })
        .collect();
    let got = lab::dequantize(&blocks);
    let want = engine_dequantize(bytemuck::cast_slice(&blocks));
    assert_eq!(got.len(), want.len(), "TEST_SEED={}: 32 weights per block", rng.seed());
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert!(
            g.to_bits() == w.to_bits(),
            "TEST_SEED={}: weight {i} (block {}, {:?}): yours {g}, engine {w}",
            rng.seed(),
            i / 32,
            blocks[i / 32]
        );
    }
}

/// A block whose scale is exactly ±0.25 (`max` = ∓2 comes first), so that x·id is exactly
/// -7.5, -6.5, …, 6.5 for the 15 weights after it: every code is a rounding tie. (7.5 would
/// round to 16 and be clamped to 15 whichever way halves go.)
fn tie_block(max: f32) -> ([f32; 32], [f32; 15]) {
    let halves: [f32; 15] = std::array::from_fn(|k| k as f32 - 7.5);
    let id = -8.0 / max;
    let mut x = [0.1f32 / id; 32];
    x[0] = max;
    for (k, &h) in halves.iter().enumerate() {
        x[1 + k] = h / id;
    }
    x[17] = -max; // x·id = 8: code 16.5 truncates to 16 and is clamped to 15
    (x, halves)
}

#[test]
fn ties_round_half_up_as_ggml_does() {
    for max in [-2.0f32, 2.0] {
        let (x, halves) = tie_block(max);
        let got = lab::quantize(&x);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].d.to_f32(), max / -8.0, "d = max / -8 for max = {max}");
        let c = codes(&got[0]);
        for (k, &h) in halves.iter().enumerate() {
            // ggml: (int8_t)(x·id + 8.5). On a tie x·id + 8.5 is an integer: the half goes UP,
            // for negative x·id too (-2.5 → code 6, i.e. -2), unlike f32::round (-2.5 → -3)
            // and f32::round_ties_even (-2.5 → -2 but 0.5 → 0).
            let want = (h + 8.5) as u8;
            assert_eq!(
                c[1 + k],
                want,
                "max = {max}: weight {} = {} has x·id = {h}; ggml's code is {h} + 8.5 = {want}, yours is {}",
                1 + k,
                x[1 + k],
                c[1 + k]
            );
        }
        assert_eq!(c[0], 0, "max = {max}: the weight of largest magnitude gets code 0");
        assert_eq!(c[17], 15, "max = {max}: weight 17 = -max gives 16.5, truncated to 16, clamped to 15");
        assert_eq!(first_difference(&x, &got, &engine_quantize(&x)), None, "max = {max}");
    }
}

#[test]
fn the_first_weight_of_largest_magnitude_sets_the_sign_of_d() {
    let mut rng = Rng::fresh();
    let mut x: Vec<f32> = (0..64).map(|_| rng.unit()).collect();
    // Block 0: -3 comes before +3, so max = -3 and d = +0.375. Block 1: the other way round.
    (x[2], x[7]) = (-3.0, 3.0);
    (x[32 + 2], x[32 + 7]) = (3.0, -3.0);
    let got = lab::quantize(&x);
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].d.to_f32(), 0.375, "TEST_SEED={}: max = -3 (first), d = -3 / -8", rng.seed());
    assert_eq!(got[1].d.to_f32(), -0.375, "TEST_SEED={}: max = +3 (first), d = 3 / -8", rng.seed());
    if let Some(diff) = first_difference(&x, &got, &engine_quantize(&x)) {
        panic!("TEST_SEED={}: {diff}", rng.seed());
    }
}

#[test]
fn quantize_matches_the_engine_on_real_model_weights() {
    // The first 2048 rows of the default model's token embedding (stored as Q8_0), decoded to
    // f32 and requantized to Q4_0: real weight distributions, 36,864 blocks.
    let path = engine::fetch::default_model().expect("the default model is needed for this test");
    let file = GgufFile::open(&path).expect("the default model parses");
    let t = file.tensor("token_embd.weight").expect("token_embd.weight");
    let row_bytes = t.ty.row_bytes(576).unwrap();
    let bytes = &file.tensor_data(t)[..2048 * row_bytes];
    let mut x = vec![0.0f32; 2048 * 576];
    engine::quant::dequantize(t.ty, bytes, &mut x).unwrap();
    let got = lab::quantize(&x);
    if let Some(diff) = first_difference(&x, &got, &engine_quantize(&x)) {
        panic!("token_embd.weight rows 0..2048: {diff}");
    }
}

#[test]
fn round_trip_error_is_at_most_half_a_step_except_at_the_clamp() {
    // In f64 against the exact step |max|/8: a code is off by at most half a step, except for
    // values past +7.5 steps (only -max can get there), which code 15 leaves up to 1 step away.
    let mut rng = Rng::fresh();
    let x = rng.weights(256);
    let y = lab::dequantize(&lab::quantize(&x));
    assert_eq!(y.len(), x.len(), "TEST_SEED={}", rng.seed());
    for (b, (xb, yb)) in x.chunks(32).zip(y.chunks(32)).enumerate() {
        let amax = xb.iter().fold(0.0f64, |m, &v| m.max((v as f64).abs()));
        let max = xb.iter().map(|&v| v as f64).find(|v| v.abs() == amax).unwrap();
        let d = max / -8.0;
        let d16 = f16::from_f64(d).to_f64();
        for (i, (&xi, &yi)) in xb.iter().zip(yb).enumerate() {
            let steps = xi as f64 / d; // where x sits on the grid, in [-8, 8]
            let allowed = if steps > 7.5 { steps - 7.0 } else { 0.5 };
            let bound = allowed * d.abs() + 8.0 * (d16 - d).abs() + 1e-6 * amax;
            let err = (xi as f64 - yi as f64).abs();
            assert!(
                err <= bound,
                "TEST_SEED={}: block {b} weight {i}: {xi} came back as {yi}, off by {err:e} > {bound:e} ({allowed} step)",
                rng.seed()
            );
        }
    }
}
