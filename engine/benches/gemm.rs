//! Micro-benchmark of the batched matrix product (prompt processing): a weight matrix of one
//! of the default model's shapes (1536 rows × 576 columns, its feed-forward up/gate, unless
//! `--shape ROWSxCOLS` says otherwise) times 512 activation rows, on one thread, in `ops::matmul`'s loop order (chunks of 16 weight
//! rows, all tokens per chunk), computed
//!
//! - one `vec_dot` per output (the path of formats without a tile kernel), and
//! - with each tile kernel this CPU runs ([`quant::VecDotTileFn`], 4 rows × 4 tokens a call).
//!
//! The fastest of 9 runs, in this thread's CPU time (the least disturbed by other processes), is reported as GFLOP/s-equivalent (2 flops per weight and token).
//!
//!     cargo bench -p engine --bench gemm            # Q4_0, Q4_1, Q5_0, Q5_1, Q8_0
//!     cargo bench -p engine --bench gemm -- Q8      # types whose name contains "Q8"
//!     cargo bench -p engine --bench gemm -- --shape 576x1536 Q4_1   # its feed-forward down
//!
//! Under `cargo test` (without `--bench`) it only checks, on a small product, that every
//! tile kernel gives the `vec_dot` bits, and times nothing.

use std::hint::black_box;

use engine::quant::{self, TILE_COLS, TILE_ROWS, VecDotFn, VecDotTileFn, simd};
use engine::tensor::GgmlType;

const CHUNK_ROWS: usize = 16;
const RUNS: usize = 9;

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

struct Product {
    w: Vec<u8>,
    a: Vec<u8>,
    rows: usize,
    cols: usize,
    tokens: usize,
}

impl Product {
    fn new(ty: GgmlType, rows: usize, cols: usize, tokens: usize) -> Product {
        let act = quant::kernels(ty).unwrap().activation;
        let w = (0..rows).flat_map(|r| quant::quantize(ty, &random_row(r as u64, cols)).unwrap()).collect();
        let a = (0..tokens).flat_map(|t| quant::quantize(act, &random_row(1 << 32 | t as u64, cols)).unwrap()).collect();
        Product { w, a, rows, cols, tokens }
    }

    fn by_vec_dot(&self, vec_dot: VecDotFn, out: &mut [f32]) {
        let (wr, ar) = (self.w.len() / self.rows, self.a.len() / self.tokens);
        for chunk in (0..self.rows).step_by(CHUNK_ROWS) {
            for t in 0..self.tokens {
                for r in chunk..chunk + CHUNK_ROWS {
                    out[t * self.rows + r] = vec_dot(&self.w[r * wr..][..wr], &self.a[t * ar..][..ar]);
                }
            }
        }
    }

    fn by_tile(&self, tile: VecDotTileFn, out: &mut [f32]) {
        let (wr, ar) = (self.w.len() / self.rows, self.a.len() / self.tokens);
        let mut results = [0.0; TILE_ROWS * TILE_COLS];
        for chunk in (0..self.rows).step_by(CHUNK_ROWS) {
            for t0 in (0..self.tokens).step_by(TILE_COLS) {
                let n = TILE_COLS.min(self.tokens - t0);
                for r in (chunk..chunk + CHUNK_ROWS).step_by(TILE_ROWS) {
                    tile(&self.w[r * wr..][..TILE_ROWS * wr], &self.a[t0 * ar..][..n * ar], n, &mut results);
                    for i in 0..n {
                        out[(t0 + i) * self.rows + r..][..TILE_ROWS].copy_from_slice(&results[i * TILE_ROWS..][..TILE_ROWS]);
                    }
                }
            }
        }
    }
}

/// Seconds of CPU time this thread has run: unlike the wall clock, it stops while other
/// processes have the core, which on a shared machine is most of the noise.
#[cfg(target_os = "linux")]
fn thread_seconds() -> f64 {
    #[repr(C)]
    struct Timespec {
        tv_sec: i64,
        tv_nsec: i64,
    }
    unsafe extern "C" {
        fn clock_gettime(clock: i32, ts: *mut Timespec) -> i32;
    }
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    let mut ts = Timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid timespec (two 64-bit fields on 64-bit Linux).
    assert_eq!(unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut ts) }, 0);
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

#[cfg(not(target_os = "linux"))]
fn thread_seconds() -> f64 {
    use std::time::Instant;
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_secs_f64()
}

/// The fastest of [`RUNS`] runs of each job, taking turns (run 1 of every job, then run 2, …)
/// so that a burst of load elsewhere on the machine hits them all alike.
fn best_seconds(jobs: &mut [Box<dyn FnMut() + '_>]) -> Vec<f64> {
    let mut best = vec![f64::INFINITY; jobs.len()];
    for run in 0..=RUNS {
        for (job, best) in jobs.iter_mut().zip(&mut best) {
            let start = thread_seconds();
            job();
            let seconds = thread_seconds() - start;
            if run > 0 {
                // run 0 warms the caches
                *best = best.min(seconds);
            }
        }
    }
    best
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let benchmarking = args.iter().any(|a| a == "--bench");
    let shape = args.iter().position(|a| a == "--shape").map(|i| args.get(i + 1).expect("--shape ROWSxCOLS"));
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with("--") && Some(*a) != shape).collect();
    let (rows, cols): (usize, usize) = match shape {
        Some(s) => {
            let (r, c) = s.split_once('x').expect("--shape ROWSxCOLS");
            (r.parse().expect("rows"), c.parse().expect("columns"))
        }
        None => (1536, 576),
    };
    assert!(rows.is_multiple_of(CHUNK_ROWS) && cols.is_multiple_of(32), "rows: a multiple of {CHUNK_ROWS}; columns: of 32");
    let (rows, tokens) = if benchmarking { (rows, 512) } else { (32, 7) };
    if benchmarking {
        println!("{rows} x {cols} weights times {tokens} tokens, best of {RUNS} runs, one thread");
        println!("{:<7} {:<22} {:>9} {:>9}", "type", "impl", "GFLOP/s", "speed-up");
    }
    for ty in [GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q8_0] {
        if !filters.is_empty() && !filters.iter().any(|f| ty.name().contains(f.as_str())) {
            continue;
        }
        let p = Product::new(ty, rows, cols, tokens);
        let k = quant::kernels(ty).unwrap();
        let mut want = vec![0.0; rows * tokens];
        p.by_vec_dot(k.vec_dot_fn(), &mut want);
        let mut got = vec![0.0; rows * tokens];
        for (name, tile) in simd::available_vec_dot_tiles(ty) {
            p.by_tile(tile, &mut got);
            assert!(got.iter().zip(&want).all(|(g, w)| g.to_bits() == w.to_bits()), "{ty} {name} tile differs from vec_dot");
        }
        if !benchmarking {
            continue;
        }
        let flops = 2.0 * (rows * p.cols * tokens) as f64;
        let tiles = simd::available_vec_dot_tiles(ty);
        let mut names = vec![format!("vec_dot {}", k.vec_dot_impl)];
        names.extend(tiles.iter().map(|(name, _)| format!("tile {name}")));
        let out = std::cell::RefCell::new(vec![0.0; rows * tokens]);
        let (p, out) = (&p, &out);
        let mut jobs: Vec<Box<dyn FnMut()>> = vec![Box::new(|| p.by_vec_dot(k.vec_dot_fn(), black_box(&mut out.borrow_mut())))];
        for &(_, tile) in &tiles {
            jobs.push(Box::new(move || p.by_tile(tile, black_box(&mut out.borrow_mut()))));
        }
        let seconds = best_seconds(&mut jobs);
        for (name, s) in names.iter().zip(&seconds) {
            println!("{:<7} {:<22} {:>9.2} {:>8.2}x", ty.name(), name, flops / s / 1e9, seconds[0] / s);
        }
    }
}
