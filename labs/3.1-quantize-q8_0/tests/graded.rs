//! Graded tests of lab 3.1: your Q8_0 against the engine's (`engine/src/quant/q8_0.rs`).

// The code under test: yours in src/, or the reference solution under `learn dev check`.
#[cfg(not(feature = "solution"))]
use lab_3_1_quantize_q8_0 as lab;
#[cfg(feature = "solution")]
#[path = "../solution/lib.rs"]
mod lab;

use engine::tensor::GgmlType;
use half::f16;
use lab::BlockQ8_0;

use lab_testkit::Rng;

fn engine_quantize(x: &[f32]) -> Vec<u8> {
    engine::quant::quantize(GgmlType::Q8_0, x).unwrap()
}

fn engine_dequantize(bytes: &[u8]) -> Vec<f32> {
    let mut out = vec![0.0; bytes.len() / 34 * 32];
    engine::quant::dequantize(GgmlType::Q8_0, bytes, &mut out).unwrap();
    out
}

/// Where two quantized rows first differ, as a readable message.
fn first_difference(x: &[f32], got: &[BlockQ8_0], want: &[u8]) -> Option<String> {
    let got_bytes: &[u8] = bytemuck::cast_slice(got);
    if got_bytes == want {
        return None;
    }
    if got_bytes.len() != want.len() {
        return Some(format!("{} blocks, expected {}", got.len(), want.len() / 34));
    }
    let want: &[BlockQ8_0] = &bytemuck::pod_collect_to_vec(want);
    let b = (0..want.len()).find(|&b| got[b] != want[b]).unwrap();
    Some(format!(
        "block {b} differs.\n input: {:?}\n yours:  {:?}\n engine: {:?}",
        &x[b * 32..(b + 1) * 32],
        got[b],
        want[b]
    ))
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
    let blocks: Vec<BlockQ8_0> = (0..512)
        .map(|_| BlockQ8_0 { d: rng.finite_f16(), qs: std::array::from_fn(|_| rng.next_u64() as i8) })
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

#[test]
fn round_trip_error_is_at_most_half_a_step() {
    // Checked in f64 against the block's exact step amax/127: rounding to the nearest code is
    // off by at most half a step, plus what storing d as f16 moves each code by.
    let mut rng = Rng::fresh();
    let x = rng.weights(256);
    let y = lab::dequantize(&lab::quantize(&x));
    assert_eq!(y.len(), x.len(), "TEST_SEED={}", rng.seed());
    for (b, (xb, yb)) in x.chunks(32).zip(y.chunks(32)).enumerate() {
        let amax = xb.iter().fold(0.0f64, |m, &v| m.max((v as f64).abs()));
        let step = amax / 127.0;
        let step16 = f16::from_f64(step).to_f64();
        let bound = 0.5 * step + 127.0 * (step16 - step).abs() + 1e-6 * amax;
        for (i, (&xi, &yi)) in xb.iter().zip(yb).enumerate() {
            let err = (xi as f64 - yi as f64).abs();
            assert!(
                err <= bound,
                "TEST_SEED={}: block {b} weight {i}: {xi} came back as {yi}, off by {err:e} > half a step ({bound:e})",
                rng.seed()
            );
        }
    }
}

#[test]
fn halves_round_away_from_zero() {
    // amax = 127 makes d = 1 and id = 1 exactly, so every x * id below is exactly a half:
    // C's roundf (and ggml) sends 2.5 to 3 and -2.5 to -3. Truncating would give 2 and -2;
    // rounding halves to even would give 2 and -2 as well.
    let mut x = [0.0f32; 32];
    x[0] = 127.0;
    let halves = [0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 3.5, -3.5, 10.5, -10.5, 99.5, -99.5, 126.5, -126.5];
    x[1..1 + halves.len()].copy_from_slice(&halves);
    x[20] = -127.0;
    x[21] = 0.25;
    x[22] = -0.75;
    let got = lab::quantize(&x);
    let expected: Vec<i8> = halves.iter().map(|&h: &f32| h.round() as i8).collect();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].d, f16::from_f32(1.0), "d = amax / 127 = 1");
    assert_eq!(&got[0].qs[1..1 + halves.len()], &expected[..], "codes of {halves:?}");
    assert_eq!((got[0].qs[0], got[0].qs[20], got[0].qs[21], got[0].qs[22]), (127, -127, 0, -1));
    assert_eq!(first_difference(&x, &got, &engine_quantize(&x)), None);
}

#[test]
fn a_block_of_zeros_gets_scale_zero_and_decodes_to_zeros() {
    // A zero block between random ones: d = 0, and id must be 0, not 1/0 = inf (0 * inf = NaN).
    let mut rng = Rng::fresh();
    let mut x = rng.weights(3);
    x[32..64].fill(0.0);
    let got = lab::quantize(&x);
    assert_eq!(got.len(), 3);
    assert_eq!(got[1], BlockQ8_0 { d: f16::ZERO, qs: [0; 32] }, "TEST_SEED={}", rng.seed());
    if let Some(diff) = first_difference(&x, &got, &engine_quantize(&x)) {
        panic!("TEST_SEED={}: {diff}", rng.seed());
    }
    let y = lab::dequantize(&got);
    assert!(y[32..64].iter().all(|&v| v == 0.0), "TEST_SEED={}: the zero block decodes to {:?}", rng.seed(), &y[32..64]);
}
