//! Graded tests of lab 3.3: your Q4_1 and Q5_0 against the engine's
//! (`engine/src/quant/q4_1.rs`, `q5_0.rs`), your error analysis against a float64 computation.

// The code under test: yours in src/, or the reference solution under `learn dev check`.
#[cfg(not(feature = "solution"))]
use lab_3_3_q4_1_q5_0_error_analysis as lab;
#[cfg(feature = "solution")]
#[path = "../solution/lib.rs"]
mod lab;

use engine::tensor::GgmlType;
use lab::{BlockQ4_1, BlockQ5_0};

use lab_testkit::Rng;

/// Random blocks, some shifted to one sign (Q4_1's minimum then matters), plus one block of
/// rounding ties for each format: Q4_1 with min = -1, d = 0.25 and (x - min)·id = k + 0.5;
/// Q5_0 with max = -4, d = 0.25 and x·id = k + 0.5.
fn test_row(rng: &mut Rng, n_blocks: usize) -> Vec<f32> {
    let mut x = rng.weights(n_blocks);
    for b in x.chunks_mut(32) {
        if rng.next_u64().is_multiple_of(3) {
            let shift = b.iter().fold(0.0f32, |m, v| m.max(v.abs())) * 1.5 * rng.unit();
            b.iter_mut().for_each(|v| *v += shift);
        }
    }
    let mut ties_q4_1 = [0.0f32; 32];
    ties_q4_1[0] = -1.0;
    ties_q4_1[1] = 2.75;
    for k in 0..15 {
        ties_q4_1[2 + k] = -1.0 + (k as f32 + 0.5) / 4.0;
    }
    let mut ties_q5_0 = [0.0f32; 32];
    ties_q5_0[0] = -4.0;
    for k in 0..31 {
        ties_q5_0[1 + k] = (k as f32 - 15.5) / 4.0;
    }
    x.extend(ties_q4_1);
    x.extend(ties_q5_0);
    x
}

fn engine_round_trip(ty: GgmlType, x: &[f32]) -> Vec<f32> {
    let mut y = vec![0.0; x.len()];
    engine::quant::dequantize(ty, &engine::quant::quantize(ty, x).unwrap(), &mut y).unwrap();
    y
}

fn engine_dequantize(ty: GgmlType, bytes: &[u8]) -> Vec<f32> {
    let mut out = vec![0.0; bytes.len() / ty.block_bytes() * 32];
    engine::quant::dequantize(ty, bytes, &mut out).unwrap();
    out
}

/// The first block where `got` differs from the engine's bytes, as a message.
fn first_difference<B: bytemuck::Pod + std::fmt::Debug + PartialEq>(x: &[f32], got: &[B], want: &[u8]) -> Option<String> {
    let got_bytes: &[u8] = bytemuck::cast_slice(got);
    if got_bytes == want {
        return None;
    }
    if got_bytes.len() != want.len() {
        return Some(format!("{} blocks, expected {}", got.len(), want.len() / size_of::<B>()));
    }
    let want: Vec<B> = bytemuck::pod_collect_to_vec(want);
    let b = (0..want.len()).find(|&b| got[b] != want[b]).unwrap();
    Some(format!(
        "block {b} differs.\n input: {:?}\n yours:  {:?}\n engine: {:?}",
        &x[b * 32..(b + 1) * 32],
        got[b],
        want[b]
    ))
}

fn assert_same_bits(got: &[f32], want: &[f32], seed: u64) {
    assert_eq!(got.len(), want.len(), "TEST_SEED={seed}: 32 weights per block");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(g.to_bits() == w.to_bits(), "TEST_SEED={seed}: weight {i} (block {}): yours {g}, engine {w}", i / 32);
    }
}

#[test]
fn q4_1_quantize_matches_the_engine_byte_for_byte() {
    let mut rng = Rng::fresh();
    for _ in 0..10 {
        let x = test_row(&mut rng, 64);
        let want = engine::quant::quantize(GgmlType::Q4_1, &x).unwrap();
        if let Some(diff) = first_difference(&x, &lab::quantize_q4_1(&x), &want) {
            panic!("TEST_SEED={}: Q4_1 {diff}", rng.seed());
        }
    }
}

#[test]
fn q4_1_dequantize_matches_the_engine_on_random_blocks() {
    let mut rng = Rng::fresh();
    let blocks: Vec<BlockQ4_1> = (0..512)
        .map(|_| BlockQ4_1 { d: rng.finite_f16(), m: rng.finite_f16(), qs: std::array::from_fn(|_| rng.next_u64() as u8) })
        .collect();
    let want = engine_dequantize(GgmlType::Q4_1, bytemuck::cast_slice(&blocks));
    assert_same_bits(&lab::dequantize_q4_1(&blocks), &want, rng.seed());
}

#[test]
fn q5_0_quantize_matches_the_engine_byte_for_byte() {
    let mut rng = Rng::fresh();
    for _ in 0..10 {
        let x = test_row(&mut rng, 64);
        let want = engine::quant::quantize(GgmlType::Q5_0, &x).unwrap();
        if let Some(diff) = first_difference(&x, &lab::quantize_q5_0(&x), &want) {
            panic!("TEST_SEED={}: Q5_0 {diff}", rng.seed());
        }
    }
}

#[test]
fn q5_0_dequantize_matches_the_engine_on_random_blocks() {
    let mut rng = Rng::fresh();
    let blocks: Vec<BlockQ5_0> = (0..512)
        .map(|_| BlockQ5_0 {
            d: rng.finite_f16(),
            qh: (rng.next_u64() as u32).to_le_bytes(),
            qs: std::array::from_fn(|_| rng.next_u64() as u8),
        })
        .collect();
    let want = engine_dequantize(GgmlType::Q5_0, bytemuck::cast_slice(&blocks));
    assert_same_bits(&lab::dequantize_q5_0(&blocks), &want, rng.seed());
}

/// The float64 reference: errors as decoded - original, sums in f64, one pass per statistic.
fn reference_errors(x: &[f32], y: &[f32]) -> Vec<f64> {
    x.iter().zip(y).map(|(&a, &b)| f64::from(b) - f64::from(a)).collect()
}

#[test]
fn error_stats_match_a_float64_computation() {
    let mut rng = Rng::fresh();
    let x = test_row(&mut rng, 200);
    for ty in [GgmlType::Q4_1, GgmlType::Q5_0] {
        // The engine's round trip, so that this test grades only your statistics.
        let y = engine_round_trip(ty, &x);
        let e = reference_errors(&x, &y);
        let rmse = (e.iter().map(|v| v * v).sum::<f64>() / e.len() as f64).sqrt();
        let block_max: Vec<f64> = e.chunks(32).map(|b| b.iter().map(|v| v.abs()).fold(0.0, f64::max)).collect();
        let max_abs = block_max.iter().copied().fold(0.0, f64::max);

        let got = lab::error_stats(&x, &y, 32);
        let seed = rng.seed();
        assert!(
            (got.rmse - rmse).abs() <= 1e-12 * rmse,
            "TEST_SEED={seed}: {ty} RMSE: yours {}, float64 {rmse}",
            got.rmse
        );
        assert_eq!(got.max_abs, max_abs, "TEST_SEED={seed}: {ty} largest |error|");
        assert_eq!(got.block_max_abs.len(), block_max.len(), "TEST_SEED={seed}: {ty}: one maximum per block");
        for (b, (g, w)) in got.block_max_abs.iter().zip(&block_max).enumerate() {
            assert_eq!(g, w, "TEST_SEED={seed}: {ty} block {b}: largest |error|");
        }
    }
}

#[test]
fn error_histogram_counts_every_error_in_its_bin() {
    let mut rng = Rng::fresh();
    let x = test_row(&mut rng, 200);
    for (ty, n_bins) in [(GgmlType::Q4_1, 16), (GgmlType::Q5_0, 21)] {
        let y = engine_round_trip(ty, &x);
        let e = reference_errors(&x, &y);
        let limit = e.iter().map(|v| v.abs()).fold(0.0, f64::max);
        let width = 2.0 * limit / n_bins as f64;
        let mut want = vec![0usize; n_bins];
        // An error within a hair of a bin edge may fairly fall on either side of it.
        let mut near_edge = 0;
        for &v in &e {
            let t = (v + limit) / width;
            want[(t.floor().max(0.0) as usize).min(n_bins - 1)] += 1;
            if (t - t.round()).abs() < 1e-9 && t.round() >= 1.0 && t.round() < n_bins as f64 {
                near_edge += 1;
            }
        }
        let got = lab::error_histogram(&x, &y, limit, n_bins);
        let seed = rng.seed();
        assert_eq!(got.len(), n_bins, "TEST_SEED={seed}: {ty}: {n_bins} bins");
        assert_eq!(got.iter().sum::<usize>(), e.len(), "TEST_SEED={seed}: {ty}: every error is counted once; got {got:?}");
        let off: usize = got.iter().zip(&want).map(|(g, w)| g.abs_diff(*w)).sum();
        assert!(
            off <= 2 * near_edge,
            "TEST_SEED={seed}: {ty} histogram over [-{limit:e}, {limit:e}]:\n yours    {got:?}\n expected {want:?}"
        );
    }
}

#[test]
fn rendered_histogram_shows_every_count_and_its_bar() {
    let mut rng = Rng::fresh();
    let n_bins = 11;
    let mut counts: Vec<usize> = (0..n_bins).map(|_| (rng.next_u64() % 5000) as usize).collect();
    counts[3] = 0;
    let (limit, width) = (0.0123, 40);
    let text = lab::render_histogram(&counts, limit, width);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), n_bins, "TEST_SEED={}: one line per bin:\n{text}", rng.seed());
    let most = *counts.iter().max().unwrap();
    for (i, (line, &count)) in lines.iter().zip(&counts).enumerate() {
        let msg = format!("TEST_SEED={}: line {i} {line:?} of\n{text}", rng.seed());
        let (edges, right) = line.split_once('|').unwrap_or_else(|| panic!("{msg}: no '|'"));
        let lower: f64 = edges.split_whitespace().next().and_then(|t| t.parse().ok()).unwrap_or_else(|| panic!("{msg}: no lower edge"));
        let want_lower = -limit + i as f64 * 2.0 * limit / n_bins as f64;
        assert!((lower - want_lower).abs() <= 1e-3 * limit, "{msg}: lower edge {lower}, expected {want_lower:+.3e}");
        let shown: usize = right.split_whitespace().next().and_then(|t| t.parse().ok()).unwrap_or_else(|| panic!("{msg}: no count"));
        assert_eq!(shown, count, "{msg}: count");
        assert_eq!(right.matches('#').count(), count * width / most, "{msg}: bar of count * {width} / {most} '#'");
    }
}
