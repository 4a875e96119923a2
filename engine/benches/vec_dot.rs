//! Micro-benchmark of every `vec_dot` implementation this CPU runs, scalar included.
//!
//! For each supported type: a 4096 × 4096 weight matrix (9 MiB in Q4_0 to 64 MiB in F32,
//! past any L2, so weights stream from L3 or memory as in a real matrix-vector product) is
//! dotted row by row with one quantized activation row. A run repeats that product until it
//! takes ~50 ms; the median of 7 runs is reported as weight bytes read per second and as
//! GFLOP/s-equivalent (2 flops per weight). Only 16 distinct rows are quantized (the
//! reference k-quant quantizers are slow) and tiled over the matrix; the kernels do not
//! care what the bytes are.
//!
//!     cargo bench -p engine --bench vec_dot            # every type
//!     cargo bench -p engine --bench vec_dot -- Q4      # types whose name contains "Q4"
//!
//! `cargo test --all-targets` runs it too, without `--bench`: then it only checks that every
//! implementation runs, on a 16-row matrix, and times nothing.
//!
//! Numbers are from one thread: compare implementations, and llama.cpp on the same machine,
//! never numbers from different machines.

use std::hint::black_box;
use std::panic;
use std::time::{Duration, Instant};

use engine::quant::{self, VecDotFn, simd};
use engine::tensor::GgmlType;

const ROWS: usize = 4096;
const COLS: usize = 4096;
const DISTINCT_ROWS: usize = 16;
const RUN_TIME: Duration = Duration::from_millis(50);
const RUNS: usize = 7;

/// A SplitMix64 stream of floats in [-1, 1): the benchmark needs plausible values, not a crate.
fn random_row(seed: u64, n: usize) -> Vec<f32> {
    let mut state = seed;
    (0..n)
        .map(|_| {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) >> 40) as f32 / (1u64 << 23) as f32 - 1.0
        })
        .collect()
}

/// The weight matrix (`rows` rows, row-major bytes) and one activation row, or `None` if the
/// type's reference quantizer is not written yet (it panics).
fn inputs(ty: GgmlType, rows: usize) -> Option<(Vec<u8>, Vec<u8>)> {
    let activation = quant::kernels(ty)?.activation;
    let previous_hook = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let made = panic::catch_unwind(|| {
        let distinct: Vec<Vec<u8>> =
            (0..DISTINCT_ROWS).map(|r| quant::quantize(ty, &random_row(r as u64, COLS)).unwrap()).collect();
        let matrix: Vec<u8> = (0..rows).flat_map(|r| distinct[r % DISTINCT_ROWS].iter().copied()).collect();
        let act = quant::quantize(activation, &random_row(1 << 32, COLS)).unwrap();
        // Probe the scalar dot too: a format may quantize before its dot is written.
        quant::scalar_kernels(ty).unwrap().vec_dot(COLS, &matrix[..matrix.len() / rows], &act).unwrap();
        (matrix, act)
    });
    panic::set_hook(previous_hook);
    made.ok()
}

/// Seconds per matrix-vector product: the median of `RUNS` runs of ~`RUN_TIME` each.
fn time_matvec(vec_dot: VecDotFn, matrix: &[u8], row_bytes: usize, act: &[u8]) -> f64 {
    let matvec = || {
        let mut sum = 0.0f32;
        for row in matrix.chunks_exact(row_bytes) {
            sum += vec_dot(black_box(row), black_box(act));
        }
        black_box(sum);
    };
    let start = Instant::now();
    matvec(); // also warms caches and page tables
    let once = start.elapsed();
    let reps = (RUN_TIME.as_secs_f64() / once.as_secs_f64()).ceil().max(1.0) as usize;
    let mut runs: Vec<f64> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..reps {
                matvec();
            }
            start.elapsed().as_secs_f64() / reps as f64
        })
        .collect();
    runs.sort_by(f64::total_cmp);
    runs[RUNS / 2]
}

/// Under `cargo test`: every implementation of every type runs on a few rows and roughly
/// agrees with the scalar one (a sanity check; `quant::simd`'s tests are the precise ones).
fn smoke_test(ty: GgmlType, impls: &[(&str, VecDotFn)], matrix: &[u8], row_bytes: usize, act: &[u8]) {
    for row in matrix.chunks_exact(row_bytes) {
        let want = impls[0].1(row, act);
        for (name, vec_dot) in &impls[1..] {
            let got = vec_dot(row, act);
            assert!((got - want).abs() <= 1e-3 * want.abs().max(1.0), "{ty} {name}: {got} vs scalar {want}");
        }
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test` does not. Other arguments filter types.
    let args: Vec<String> = std::env::args().skip(1).collect();
    let benchmarking = args.iter().any(|a| a == "--bench");
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let rows = if benchmarking { ROWS } else { DISTINCT_ROWS };
    if benchmarking {
        println!("{rows} x {COLS} weights, median of {RUNS} runs of ~{} ms, one thread", RUN_TIME.as_millis());
        println!("{:<7} {:<11} {:>9} {:>12} {:>9}", "type", "impl", "GB/s", "GFLOP/s", "vs scalar");
    }
    for ty in quant::supported_types() {
        if !filters.is_empty() && !filters.iter().any(|f| ty.name().contains(f.as_str())) {
            continue;
        }
        let Some((matrix, act)) = inputs(ty, rows) else {
            println!("{:<7} skipped: its scalar kernels are not written yet", ty.name());
            continue;
        };
        let row_bytes = matrix.len() / rows;
        let mut impls = vec![("scalar", quant::scalar_kernels(ty).unwrap().vec_dot_fn())];
        impls.extend(simd::available_vec_dots(ty));
        if !benchmarking {
            smoke_test(ty, &impls, &matrix, row_bytes, &act);
            continue;
        }
        let mut scalar_seconds = None;
        for (name, vec_dot) in impls {
            let seconds = time_matvec(vec_dot, &matrix, row_bytes, &act);
            let scalar = *scalar_seconds.get_or_insert(seconds);
            println!(
                "{:<7} {:<11} {:>9.2} {:>12.2} {:>8.1}x",
                ty.name(),
                name,
                matrix.len() as f64 / seconds / 1e9,
                2.0 * (rows * COLS) as f64 / seconds / 1e9,
                scalar / seconds
            );
        }
    }
}
