//! Causal self-attention with grouped-query heads, reading keys and values from the cache.
//!
//! For query head `h` of the token at position `p`:
//! `out = Σ_{j ≤ p} softmax_j(q·k_j / √d) · v_j`, where `k_j, v_j` belong to KV head
//! `h / (n_head / n_head_kv)`: with SmolLM2's 9 query heads and 3 KV heads, each KV head
//! serves three consecutive query heads, which is what makes the cache 3× smaller.
//!
//! The softmax is computed *online*, as FlashAttention and llama.cpp's CPU flash-attention
//! kernel do: one pass over the keys keeps a running maximum `M`, a running sum `S` and a
//! running weighted sum of values; when a new maximum appears, what was accumulated so far is
//! rescaled by `e^(M_old - M_new)`. Our tests compare generated tokens with llama.cpp's, so we
//! follow its two kernels operation for operation (the last bits of a sum depend on its order,
//! and those bits decide near-ties between two tokens):
//!
//! - fewer than 64 new tokens (generation): `ggml_compute_forward_flash_attn_ext_f16_one_chunk`.
//!   The query is rounded to f16 to meet the f16 keys, each score is a dot product in the lane
//!   order of ggml's AVX-512 `ggml_vec_dot_f16`, and the value accumulator is kept in f16.
//! - 64 or more (a prompt): `ggml_compute_forward_flash_attn_ext_tiled`. Keys come in tiles of
//!   64; per tile, all scores (f32 query, each a plain chain of FMAs), one softmax against the
//!   running maximum, and the values added in f32.
//!
//! [`reference`] computes all this one query head and one key at a time, in the most readable
//! way; start there. This file computes *the same operations on the same values in the same
//! order for every output number* — the tests check bit-identity — but arranges them for the
//! CPU (the straightforward version took most of the time of a 512-token prompt):
//!
//! - An FMA has a latency of 4 cycles, but a core can start two per cycle, each on a vector
//!   of 8 or 16 lanes. A 64-long chain of dependent FMAs (one score) leaves it idle most of the
//!   time. So we compute many *independent* chains side by side — the scores of 32 keys for 4
//!   queries, the accumulators of 32 dimensions for 4 queries — which LLVM turns into vector
//!   instructions with the running sums in registers. (LLVM never reorders a chain of float
//!   operations, so each chain still sees exactly the operations of the straightforward
//!   version; only independent chains are interleaved.)
//! - Converting f16 to f32 costs about as much as the arithmetic it feeds. A key or value row
//!   is converted once and used by every query that needs it: the query heads sharing its KV
//!   head and, for a prompt, a block of query tokens.
//! - Work that does not depend on the running softmax is taken out of its loop: in
//!   generation, all scores first, then the sequence of maxima and `e^x`, then the values.
//! - Threads take jobs from a shared counter, longest first, so neither of them waits long for
//!   the other (later tokens see more keys).
//!
//! The kernels (`scores`, `add_values`, `accumulate_in_f16`, …) are deliberately small
//! functions over fixed-size arrays, kept out of line: that is the shape in which LLVM
//! reliably vectorizes them. Inlined into a bigger loop, or written over slices, some of them
//! ran several times slower — `cargo test --release -p engine --lib attention_speed --
//! --ignored --nocapture` times them against the straightforward version.

pub mod reference;

use std::sync::atomic::{AtomicUsize, Ordering};

use half::f16;
use half::slice::HalfFloatSliceExt;

use crate::ops::swiglu::expf_like_ggml;
use crate::threadpool::ThreadPool;

/// The shape of one attention call.
pub struct AttentionShape {
    pub n_head: usize,
    pub n_head_kv: usize,
    pub head_dim: usize,
    /// Position of the first of the new tokens (all earlier positions are in the cache).
    pub start: usize,
    pub n_tokens: usize,
}

/// `q` is `[token][n_head][head_dim]` (already rotated); `keys`/`values` are the cache's
/// `[position][n_head_kv][head_dim]` for positions `0..start + n_tokens`; `out` is like `q`.
pub fn attention(pool: &ThreadPool, s: &AttentionShape, q: &[f32], keys: &[f16], values: &[f16], out: &mut [f32]) {
    assert_eq!(out.len(), s.n_tokens * s.n_head * s.head_dim);
    assert_eq!(q.len(), out.len());
    assert!(keys.len() >= (s.start + s.n_tokens) * s.n_head_kv * s.head_dim && values.len() == keys.len());
    assert!(s.n_head_kv > 0 && s.n_head.is_multiple_of(s.n_head_kv));
    if s.n_tokens >= TILED_FROM {
        attention_tiled(pool, s, q, keys, values, out);
    } else {
        attention_one_chunk(pool, s, q, keys, values, out);
    }
}

/// Batches of at least this many tokens take llama.cpp's tiled path (`GGML_FA_TILE_Q`).
const TILED_FROM: usize = 64;
/// Keys per tile of the tiled path (`GGML_FA_TILE_KV`).
const KEY_TILE: usize = 64;

/// Runs `job(scratch, i)` for every `i` in `0..n_jobs`, each thread taking the next job when it
/// is free (jobs cost different amounts, and a thread may be slowed down by other programs);
/// every thread makes its own scratch space once.
fn for_each_job<S>(pool: &ThreadPool, n_jobs: usize, scratch: impl Fn() -> S + Sync, job: impl Fn(&mut S, usize) + Sync) {
    let next = AtomicUsize::new(0);
    pool.run(&|_thread| {
        let mut scratch = scratch();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= n_jobs {
                break;
            }
            job(&mut scratch, i);
        }
    });
}

// ---------------------------------------------------------------------------------------------
// Generation: llama.cpp's "one chunk" kernel.

/// The one-chunk path. A job is one token and one KV head, i.e. the `n_head / n_head_kv` query
/// heads that read the same keys and values. Their rows are adjacent in `q` and `out`.
fn attention_one_chunk(pool: &ThreadPool, s: &AttentionShape, q: &[f32], keys: &[f16], values: &[f16], out: &mut [f32]) {
    let group = s.n_head / s.n_head_kv;
    let rows = group * s.head_dim;
    let out_ptr = OutPtr(out.as_mut_ptr());
    let n_jobs = s.n_tokens * s.n_head_kv;
    for_each_job(
        pool,
        n_jobs,
        || OneChunk::new(group, s.head_dim),
        |scratch, job| {
            // The last token sees the most keys: hand it out first.
            let t = s.n_tokens - 1 - job / s.n_head_kv;
            let kv_head = job % s.n_head_kv;
            let at = (t * s.n_head + kv_head * group) * s.head_dim;
            scratch.attend(s, kv_head, s.start + t + 1, &q[at..at + rows], keys, values);
            // SAFETY: job (t, kv_head) alone writes these heads' rows of `out`, which are in bounds.
            unsafe { out_ptr.write_slice(at, &scratch.out) };
        },
    );
}

/// Buffers of the one-chunk path, reused across jobs.
struct OneChunk {
    q16: Vec<f16>,
    /// The query heads `[head][dim]`, rounded to f16 and back.
    q: Vec<f32>,
    /// One key row in f32.
    k: Vec<f32>,
    /// `[head][key]`: the scores, then the weights `e^(score - M)` (1 at a new maximum).
    weights: Vec<f32>,
    /// `[head][key]`: `e^(M_old - M_new)` where a key brings a new maximum, else 1.
    rescales: Vec<f32>,
    /// Per head: `S = Σ e^(score - M)`.
    sums: Vec<f32>,
    /// `[head][dim]`.
    out: Vec<f32>,
}

impl OneChunk {
    fn new(group: usize, d: usize) -> OneChunk {
        OneChunk {
            q16: vec![f16::ZERO; group * d],
            q: vec![0.0; group * d],
            k: vec![0.0; d],
            weights: Vec::new(),
            rescales: Vec::new(),
            sums: vec![0.0; group],
            out: vec![0.0; group * d],
        }
    }

    /// Attention of the query heads `q` (all reading KV head `kv_head`) over the first `n_keys`
    /// cached positions, into `self.out`.
    ///
    /// The straightforward version goes through the keys once, doing everything for each in
    /// turn. Here the same operations are split into three passes, each a loop the CPU runs
    /// well: the scores; the running maximum and sum with their `e^x` (which depend on the
    /// scores only); and the value accumulators, which then need only multiplications, FMAs
    /// and f16 roundings, 32 dimensions of several heads at a time, in registers.
    fn attend(&mut self, s: &AttentionShape, kv_head: usize, n_keys: usize, q: &[f32], keys: &[f16], values: &[f16]) {
        let d = s.head_dim;
        let kv_dim = s.n_head_kv * d;
        let group = q.len() / d;
        let scale = 1.0 / (d as f32).sqrt();
        self.q16.convert_from_f32_slice(q);
        self.q16.convert_to_f32_slice(&mut self.q);

        // 1. The scores. Each key row is converted once for all the heads.
        self.weights.resize(group * n_keys, 0.0);
        for j in 0..n_keys {
            let at = j * kv_dim + kv_head * d;
            keys[at..at + d].convert_to_f32_slice(&mut self.k);
            for (qh, scores) in self.q.chunks_exact(d).zip(self.weights.chunks_exact_mut(n_keys)) {
                scores[j] = dot_like_ggml(&self.k, qh) * scale;
            }
        }

        // 2. Per head, the running maximum M through the keys, and for each key what the
        // straightforward version multiplies with: the weight of its value, and the factor
        // that shrinks what was accumulated before it when it brings a new maximum.
        self.rescales.resize(group * n_keys, 0.0);
        let per_head = self.weights.chunks_exact_mut(n_keys).zip(self.rescales.chunks_exact_mut(n_keys));
        for ((weights, rescales), sum) in per_head.zip(&mut self.sums) {
            let mut max = f32::NEG_INFINITY; // M: the largest score so far
            *sum = 0.0; // S: Σ e^(score - M) so far
            for (weight, rescale) in weights.iter_mut().zip(rescales) {
                let score = *weight;
                (*rescale, *weight) = if score > max {
                    // A new maximum: what was accumulated so far shrinks by e^(M_old - M_new).
                    let rescale = (max - score).exp();
                    max = score;
                    (rescale, 1.0)
                } else {
                    (1.0, (score - max).exp())
                };
                *sum = sum.mul_add(*rescale, *weight);
            }
        }

        // 3. The values: Σ weight · v, rescaled at each new maximum, in f16.
        let values = &values[kv_head * d..];
        for dims in (0..d).step_by(PER_PASS) {
            let mut head = 0;
            while head < group {
                // Up to 4 heads at a time: 4 × 32 accumulators are 16 registers.
                let n = (group - head).min(4);
                let w = |h: usize| &self.weights[(head + h) * n_keys..][..n_keys];
                let r = |h: usize| &self.rescales[(head + h) * n_keys..][..n_keys];
                let v = (values, kv_dim, dims..d.min(dims + PER_PASS));
                match n {
                    1 => self.finish(head, dims, d, accumulate_in_f16(v, [w(0)], [r(0)])),
                    2 => self.finish(head, dims, d, accumulate_in_f16(v, [w(0), w(1)], [r(0), r(1)])),
                    3 => self.finish(head, dims, d, accumulate_in_f16(v, [w(0), w(1), w(2)], [r(0), r(1), r(2)])),
                    _ => self.finish(head, dims, d, accumulate_in_f16(v, [w(0), w(1), w(2), w(3)], [r(0), r(1), r(2), r(3)])),
                }
                head += n;
            }
        }
    }

    /// `out = acc / S` for the heads from `head` on, dimensions `dims..dims + 32` (those < `d`).
    fn finish<const N: usize>(&mut self, head: usize, dims: usize, d: usize, acc: [[f32; PER_PASS]; N]) {
        for (h, acc) in (head..).zip(&acc) {
            let sum = self.sums[h];
            let inv = if sum == 0.0 { 0.0 } else { 1.0 / sum };
            let out = &mut self.out[h * d..(h + 1) * d];
            for (o, &a) in out.iter_mut().skip(dims).zip(acc) {
                *o = a * inv;
            }
        }
    }
}

/// For `N` heads, up to 32 dimensions `dims` of `Σ_j weight_j · v_j`, where `v_j` is
/// `values[j * stride..]`, kept in f16 like ggml's accumulator: before key `j`, if
/// `rescale_j ≠ 1` (a new maximum), the sum is multiplied by it and rounded to f16; then
/// `v_j · weight_j` is added with an FMA and the sum rounded to f16. (Multiplying f16 values by
/// 1 and rounding them changes nothing, so skipping that when `rescale_j = 1` gives what the
/// straightforward version computes.)
// (Out of line on purpose, like `scores`: inlined, it ran 2× slower.)
#[inline(never)]
fn accumulate_in_f16<const N: usize>(
    (values, stride, dims): (&[f16], usize, std::ops::Range<usize>),
    weights: [&[f32]; N],
    rescales: [&[f32]; N],
) -> [[f32; PER_PASS]; N] {
    let mut acc = [[0f32; PER_PASS]; N];
    let n_keys = weights[0].len();
    for j in 0..n_keys {
        let v = to_f32_lanes(&values[j * stride + dims.start..j * stride + dims.end]);
        for h in 0..N {
            let rescale = rescales[h][j];
            if rescale != 1.0 {
                acc[h] = round_to_f16(acc[h].map(|a| a * rescale));
            }
            let w = weights[h][j];
            acc[h] = round_to_f16(std::array::from_fn(|x| v[x].mul_add(w, acc[h][x])));
        }
    }
    acc
}

/// Up to 32 f16 values in f32, followed by zeros.
#[inline(always)]
fn to_f32_lanes(x: &[f16]) -> [f32; PER_PASS] {
    let mut lanes = [f16::ZERO; PER_PASS];
    match <&[f16; PER_PASS]>::try_from(x) {
        Ok(all) => lanes = *all, // (the usual case, without a copy of variable length)
        Err(_) => lanes[..x.len()].copy_from_slice(x),
    }
    #[cfg(all(target_arch = "x86_64", target_feature = "avx512f"))]
    {
        use std::arch::x86_64::{__m256i, _mm512_cvtph_ps};
        // SAFETY: `[f16; 16]` and `__m256i`, `[f32; 16]` and `__m512` have the same sizes, and
        // the CPU has AVX-512 (the compiler was told so).
        unsafe {
            let halves: [__m256i; PER_PASS / 16] = std::mem::transmute(lanes);
            std::mem::transmute(halves.map(|h| _mm512_cvtph_ps(h)))
        }
    }
    #[cfg(all(target_arch = "x86_64", target_feature = "f16c", not(target_feature = "avx512f")))]
    {
        use std::arch::x86_64::{__m128i, _mm256_cvtph_ps};
        // SAFETY: `[f16; 8]` and `__m128i`, `[f32; 8]` and `__m256` have the same sizes, and
        // the CPU has F16C.
        unsafe {
            let halves: [__m128i; PER_PASS / 8] = std::mem::transmute(lanes);
            std::mem::transmute(halves.map(|h| _mm256_cvtph_ps(h)))
        }
    }
    #[cfg(not(all(target_arch = "x86_64", target_feature = "f16c")))]
    lanes.map(f16::to_f32)
}

/// Rounds every value to the nearest f16 (ties to even), as storing it in f16 and reading it
/// back does: two conversion instructions per vector (F16C, in every x86-64 CPU of the last
/// decade; `target-cpu=native` enables it), and the values never leave the registers.
#[inline(always)]
fn round_to_f16(x: [f32; PER_PASS]) -> [f32; PER_PASS] {
    #[cfg(all(target_arch = "x86_64", target_feature = "avx512f"))]
    {
        // 16 lanes per instruction: the conversions are most of the work of `accumulate_in_f16`.
        use std::arch::x86_64::{__m512, _MM_FROUND_NO_EXC, _MM_FROUND_TO_NEAREST_INT, _mm512_cvtph_ps, _mm512_cvtps_ph};
        // SAFETY: `[f32; 16]` and `__m512` are the same 64 bytes, and the CPU has AVX-512 (the
        // compiler was told so).
        unsafe {
            let lanes: [__m512; PER_PASS / 16] = std::mem::transmute(x);
            std::mem::transmute(lanes.map(|v| _mm512_cvtph_ps(_mm512_cvtps_ph::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(v))))
        }
    }
    #[cfg(all(target_arch = "x86_64", target_feature = "f16c", not(target_feature = "avx512f")))]
    {
        use std::arch::x86_64::{__m256, _MM_FROUND_TO_NEAREST_INT, _mm256_cvtph_ps, _mm256_cvtps_ph};
        // SAFETY: `[f32; 8]` and `__m256` are the same 32 bytes, and the CPU has F16C.
        unsafe {
            let lanes: [__m256; PER_PASS / 8] = std::mem::transmute(x);
            std::mem::transmute(lanes.map(|v| _mm256_cvtph_ps(_mm256_cvtps_ph::<_MM_FROUND_TO_NEAREST_INT>(v))))
        }
    }
    #[cfg(not(all(target_arch = "x86_64", target_feature = "f16c")))]
    x.map(|x| f16::from_f32(x).to_f32())
}

/// `Σ a·b` summed in the order of ggml's AVX-512 `ggml_vec_dot_f16`: four 16-lane
/// accumulators over each 64-value step, folded pairwise, then the lanes halved down to one
/// (`_mm512_reduce_add_ps`); values past the last whole step are added in f64.
fn dot_like_ggml(a: &[f32], b: &[f32]) -> f32 {
    const STEP: usize = 64;
    const LANES: usize = 16;
    // Accumulator `j`'s lane `l` is `acc[j * 16 + l]`. Written with whole arrays (and
    // `reduce_add_16` inlined), LLVM keeps the sums in registers and folds them with vector
    // additions and shuffles; some other spellings made it store them and read them back lane
    // by lane, several times slower.
    let mut acc = [0f32; STEP];
    for (a, b) in a.chunks_exact(STEP).zip(b.chunks_exact(STEP)) {
        let (a, b): (&[f32; STEP], &[f32; STEP]) = (a.try_into().unwrap(), b.try_into().unwrap());
        acc = std::array::from_fn(|k| a[k].mul_add(b[k], acc[k]));
    }
    let v: [f32; LANES] = std::array::from_fn(|l| (acc[l] + acc[2 * LANES + l]) + (acc[LANES + l] + acc[3 * LANES + l]));
    let mut sum = reduce_add_16(&v) as f64;
    let np = a.len() / STEP * STEP;
    for (&a, &b) in a[np..].iter().zip(&b[np..]) {
        sum += (a * b) as f64;
    }
    sum as f32
}

/// Sum of 16 lanes in `_mm512_reduce_add_ps`'s order (halves, then quarters, …).
#[inline(always)]
fn reduce_add_16(v: &[f32; 16]) -> f32 {
    let t3: [f32; 8] = std::array::from_fn(|i| v[8 + i] + v[i]);
    let t6: [f32; 4] = std::array::from_fn(|i| t3[4 + i] + t3[i]);
    (t6[0] + t6[2]) + (t6[1] + t6[3])
}

// ---------------------------------------------------------------------------------------------
// Prompts: llama.cpp's tiled kernel.

/// Query tokens per job of the tiled path. Each key tile is converted once per job, so more
/// tokens mean fewer conversions, but fewer jobs to share between threads. (ggml takes 64;
/// the result does not depend on it: every query is computed on its own.)
const QUERY_BLOCK: usize = 32;
/// Queries whose scores and value sums are computed together (see [`PER_PASS`]).
const ROWS: usize = 4;

/// The tiled path. A job is a block of `QUERY_BLOCK` tokens and one KV head: for each key tile
/// it converts the tile's keys and values once, then computes every query of the block that
/// reads it — (tokens × query heads of the KV head) queries against 64 keys, a small matrix
/// product.
fn attention_tiled(pool: &ThreadPool, s: &AttentionShape, q: &[f32], keys: &[f16], values: &[f16], out: &mut [f32]) {
    let out_ptr = OutPtr(out.as_mut_ptr());
    let n_blocks = s.n_tokens.div_ceil(QUERY_BLOCK);
    for_each_job(
        pool,
        n_blocks * s.n_head_kv,
        || Tiled::new(s),
        |scratch, job| {
            // The last block sees the most keys: hand it out first.
            let block = n_blocks - 1 - job / s.n_head_kv;
            let kv_head = job % s.n_head_kv;
            let tokens = block * QUERY_BLOCK..((block + 1) * QUERY_BLOCK).min(s.n_tokens);
            scratch.attend(s, kv_head, tokens.clone(), q, keys, values);
            let group = s.n_head / s.n_head_kv;
            let rows = group * s.head_dim;
            for (i, t) in tokens.enumerate() {
                let at = (t * s.n_head + kv_head * group) * s.head_dim;
                // SAFETY: job (block, kv_head) alone writes these heads' rows of `out` for the
                // tokens of its block, which are in bounds.
                unsafe { out_ptr.write_slice(at, &scratch.acc[i * rows..(i + 1) * rows]) };
            }
        },
    );
}

/// The running softmax of one query.
#[derive(Clone, Copy)]
struct Softmax {
    /// Keys this query sees (causal mask): positions `0..n_keys`.
    n_keys: usize,
    max: f32,
    sum: f32,
}

/// Buffers of the tiled path, reused across jobs. The queries of a job are numbered
/// token-major (`token · group + head`), padded with idle queries to a multiple of `ROWS`.
struct Tiled {
    /// The queries, in groups of `ROWS` stored `[group][dim][ROWS]`: the score kernel reads
    /// `ROWS` query values for each dimension.
    q: Vec<[f32; ROWS]>,
    /// One key tile in f32, transposed to `[dim][key]`: for each dimension, the 64 keys'
    /// values are what the 64 independent score chains need next.
    k: Vec<[f32; KEY_TILE]>,
    k_row: Vec<f32>,
    /// One value tile in f32, `[key][dim]`.
    v: Vec<f32>,
    /// Per query: the tile's scores, then its softmax weights.
    p: Vec<[f32; KEY_TILE]>,
    softmax: Vec<Softmax>,
    /// Per query: the value accumulator `[dim]`; at the end, the output.
    acc: Vec<f32>,
}

impl Tiled {
    fn new(s: &AttentionShape) -> Tiled {
        let d = s.head_dim;
        let n_rows = (QUERY_BLOCK * s.n_head / s.n_head_kv).next_multiple_of(ROWS);
        Tiled {
            q: vec![[0.0; ROWS]; n_rows / ROWS * d],
            k: vec![[0.0; KEY_TILE]; d],
            k_row: vec![0.0; d],
            v: vec![0.0; KEY_TILE * d],
            p: vec![[0.0; KEY_TILE]; n_rows],
            softmax: vec![Softmax { n_keys: 0, max: 0.0, sum: 0.0 }; n_rows],
            acc: vec![0.0; n_rows * d],
        }
    }

    /// Attention of the query heads of KV head `kv_head` for the tokens `tokens`, into
    /// `self.acc` (`[token][head][dim]`).
    fn attend(&mut self, s: &AttentionShape, kv_head: usize, tokens: std::ops::Range<usize>, q: &[f32], keys: &[f16], values: &[f16]) {
        let d = s.head_dim;
        let kv_dim = s.n_head_kv * d;
        let group = s.n_head / s.n_head_kv;
        let scale = 1.0 / (d as f32).sqrt();
        let n_queries = tokens.len() * group;
        let n_rows = n_queries.next_multiple_of(ROWS);

        // (Every buffer row is set: rows past this job's queries must be idle, not left over.)
        for r in 0..self.softmax.len() {
            let (chunk, lane) = (r / ROWS, r % ROWS);
            let q_of_r = &mut self.q[chunk * d..(chunk + 1) * d];
            if r < n_queries {
                let (t, h) = (tokens.start + r / group, kv_head * group + r % group);
                let at = (t * s.n_head + h) * d;
                q_of_r.iter_mut().zip(&q[at..at + d]).for_each(|(q_r, &x)| q_r[lane] = x);
                self.softmax[r] = Softmax { n_keys: s.start + t + 1, max: f32::NEG_INFINITY, sum: 0.0 };
            } else {
                q_of_r.iter_mut().for_each(|q_r| q_r[lane] = 0.0);
                self.softmax[r] = Softmax { n_keys: 0, max: f32::NEG_INFINITY, sum: 0.0 };
            }
        }
        self.acc[..n_rows * d].fill(0.0);

        let n_keys = s.start + tokens.end; // what the block's last token sees
        for tile in (0..n_keys).step_by(KEY_TILE) {
            // Convert the tile once: keys transposed, values as they are. Past the last key,
            // keys are zeros (their scores are replaced by -∞ below) and values are not read.
            let in_tile = (n_keys - tile).min(KEY_TILE);
            for i in 0..in_tile {
                let at = (tile + i) * kv_dim + kv_head * d;
                keys[at..at + d].convert_to_f32_slice(&mut self.k_row);
                for (k, &x) in self.k.iter_mut().zip(&self.k_row) {
                    k[i] = x;
                }
                values[at..at + d].convert_to_f32_slice(&mut self.v[i * d..(i + 1) * d]);
            }
            if in_tile < KEY_TILE {
                self.k.iter_mut().for_each(|k| k[in_tile..].fill(0.0));
            }

            // Each query's keys in this tile: `0..seen[r]` (none once the tile is past it).
            let seen = |sm: &Softmax| sm.n_keys.saturating_sub(tile).min(KEY_TILE);

            // Scores, `ROWS` queries at a time.
            for ((q, p), sm) in self.q.chunks_exact(d).zip(self.p.chunks_exact_mut(ROWS)).zip(self.softmax.chunks_exact(ROWS)) {
                if sm.iter().any(|sm| seen(sm) > 0) {
                    scores(&self.k, q, scale, p.try_into().unwrap());
                }
            }

            // The softmax, one query at a time, exactly as in `reference`.
            for ((p, sm), acc) in self.p.iter_mut().zip(&mut self.softmax).zip(self.acc.chunks_exact_mut(d)).take(n_rows) {
                let seen = seen(sm);
                if seen > 0 {
                    p[seen..].fill(f32::NEG_INFINITY); // causal mask and padding
                    softmax_tile(p, sm, acc);
                }
            }

            // The values, `ROWS` queries at a time for the keys they all see, then one at a
            // time for the rest (only in the tile on the diagonal of the causal mask).
            for ((p, sm), acc) in self.p.chunks_exact(ROWS).zip(self.softmax.chunks_exact(ROWS)).zip(self.acc.chunks_exact_mut(ROWS * d)) {
                let all_see = sm.iter().map(seen).min().unwrap_or(0);
                add_values::<ROWS>(&self.v, d, p.try_into().unwrap(), 0..all_see, acc);
                for ((p, sm), acc) in p.iter().zip(sm).zip(acc.chunks_exact_mut(d)) {
                    add_values(&self.v, d, std::array::from_ref(p), all_see..seen(sm), acc);
                }
            }
        }

        for (sm, acc) in self.softmax.iter().zip(self.acc.chunks_exact_mut(d)).take(n_queries) {
            let inv = if sm.sum == 0.0 { 0.0 } else { 1.0 / sm.sum };
            acc.iter_mut().for_each(|a| *a *= inv);
        }
    }
}

/// Keys scored per pass of [`scores`], and dimensions per pass of [`add_values`]: 4 queries ×
/// 32 numbers are 16 vectors of 8 lanes (the width LLVM picks on this CPU; AVX-512 has 32
/// registers), so the running sums stay in registers, with room for the operands.
const PER_PASS: usize = 32;

/// `p[r][key] = (Σ_dim k[dim][key] · q[dim][r]) · scale` for `ROWS` queries and one key tile:
/// `ROWS × 64` independent chains, each adding the dimensions in order with FMAs, as the
/// straightforward `fold` does for one score. Per dimension, a pass multiplies 4 vectors of
/// keys by each of the `ROWS` query values.
// (Out of line on purpose: inlined into the job loop, LLVM kept `sums` in memory instead of
// registers and the tiled path ran 3× slower.)
#[inline(never)]
fn scores(k: &[[f32; KEY_TILE]], q: &[[f32; ROWS]], scale: f32, p: &mut [[f32; KEY_TILE]; ROWS]) {
    for keys in (0..KEY_TILE).step_by(PER_PASS) {
        let mut sums = [[0f32; PER_PASS]; ROWS];
        // (`k` and `q` have one entry per dimension.)
        for (k, q) in k.iter().zip(q) {
            let k = &k[keys..keys + PER_PASS];
            for (sums, &q) in sums.iter_mut().zip(q) {
                for (sum, &k) in sums.iter_mut().zip(k) {
                    *sum = k.mul_add(q, *sum);
                }
            }
        }
        for (p, sums) in p.iter_mut().zip(&sums) {
            for (p, &sum) in p[keys..keys + PER_PASS].iter_mut().zip(sums) {
                *p = sum * scale;
            }
        }
    }
}

/// One tile's softmax for one query, as in `reference`: `p` holds the tile's scores (-∞ where
/// masked) and becomes the weights `e^(score - M)`; if the maximum `M` grows, what was
/// accumulated so far shrinks.
#[inline(never)] // (see `scores`)
fn softmax_tile(p: &mut [f32; KEY_TILE], sm: &mut Softmax, acc: &mut [f32]) {
    let tile_max = p.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let new_max = sm.max.max(tile_max);
    if new_max > sm.max {
        let rescale = (sm.max - new_max).exp();
        acc.iter_mut().for_each(|a| *a *= rescale);
        sm.sum *= rescale;
    }
    sm.max = new_max;
    // e^(score - M) in 16-lane groups, each group summed as `_mm512_reduce_add_ps`.
    let mut tile_sum = 0.0f64;
    for group in p.as_chunks_mut::<16>().0 {
        group.iter_mut().for_each(|x| *x = expf_like_ggml(*x - sm.max));
        tile_sum += reduce_add_16(group) as f64;
    }
    sm.sum = (sm.sum as f64 + tile_sum) as f32;
}

/// `acc[r] += w[r][i] · v[i]` for the keys `i` of `keys`, in order, for the `N` queries `r` of
/// `w` (`acc` is `[query][dim]`, `v` is `[key][dim]`). Each accumulator element is its own
/// chain of FMAs over the keys; a pass keeps `N × 32` of them in registers while it goes
/// through the keys.
#[inline(never)] // (see `scores`)
fn add_values<const N: usize>(v: &[f32], d: usize, w: &[[f32; KEY_TILE]; N], keys: std::ops::Range<usize>, acc: &mut [f32]) {
    if keys.is_empty() {
        return;
    }
    let whole = d / PER_PASS * PER_PASS;
    for dims in (0..whole).step_by(PER_PASS) {
        let mut sums = [[0f32; PER_PASS]; N];
        for (r, sums) in sums.iter_mut().enumerate() {
            sums.copy_from_slice(&acc[r * d + dims..][..PER_PASS]);
        }
        for i in keys.clone() {
            let v: &[f32; PER_PASS] = v[i * d + dims..][..PER_PASS].try_into().unwrap();
            for r in 0..N {
                let w = w[r][i];
                for x in 0..PER_PASS {
                    sums[r][x] = v[x].mul_add(w, sums[r][x]);
                }
            }
        }
        for (r, sums) in sums.iter().enumerate() {
            acc[r * d + dims..][..PER_PASS].copy_from_slice(sums);
        }
    }
    // Head sizes that are no multiple of 32: the last dimensions one by one.
    for i in keys {
        for (acc, w) in acc.chunks_exact_mut(d).zip(w) {
            let w = w[i];
            acc[whole..].iter_mut().zip(&v[i * d + whole..(i + 1) * d]).for_each(|(a, &v)| *a = v.mul_add(w, *a));
        }
    }
}

struct OutPtr(*mut f32);

unsafe impl Sync for OutPtr {}

impl OutPtr {
    /// # Safety
    /// The range is in bounds and written by no other thread concurrently.
    unsafe fn write_slice(&self, at: usize, values: &[f32]) {
        unsafe { std::ptr::copy_nonoverlapping(values.as_ptr(), self.0.add(at), values.len()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quant::test_util::Rng;

    /// Random queries, keys and values; `spread` scales the queries, so that scores range from
    /// nearly equal (weights all alike) to far apart (weights underflowing to 0).
    fn check(rng: &mut Rng, n_head: usize, n_head_kv: usize, head_dim: usize, start: usize, n_tokens: usize, spread: f32) {
        let s = AttentionShape { n_head, n_head_kv, head_dim, start, n_tokens };
        let q: Vec<f32> = (0..n_tokens * n_head * head_dim).map(|_| rng.unit() * spread).collect();
        // A cache with room to spare, as in a session, filled with NaN: attention must not read
        // past its keys.
        let (len, capacity) = ((start + n_tokens) * n_head_kv * head_dim, (start + n_tokens + 7) * n_head_kv * head_dim);
        let keys: Vec<f16> = (0..capacity).map(|i| if i < len { f16::from_f32(rng.unit() * 2.0) } else { f16::NAN }).collect();
        let values: Vec<f16> = (0..capacity).map(|i| if i < len { f16::from_f32(rng.unit()) } else { f16::NAN }).collect();
        let mut want = vec![0.0; q.len()];
        reference::attention(&ThreadPool::new(1), &s, &q, &keys, &values, &mut want);
        for threads in [1, 2, 3] {
            let mut got = vec![f32::NAN; q.len()];
            attention(&ThreadPool::new(threads), &s, &q, &keys, &values, &mut got);
            for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                let (t, h, dim) = (i / (n_head * head_dim), i / head_dim % n_head, i % head_dim);
                assert_eq!(
                    g.to_bits(),
                    w.to_bits(),
                    "heads {n_head}/{n_head_kv}, dim {head_dim}, start {start}, {n_tokens} tokens, spread {spread}, \
                     {threads} threads: token {t} head {h} dim {dim}: {g} != {w}"
                );
            }
        }
    }

    #[test]
    fn equals_the_straightforward_version_bit_for_bit() {
        let mut rng = Rng::fresh();
        // 1–63 tokens take the one-chunk path, 64 and more the tiled one; 65 and 99 tokens
        // leave a last block whose query count is no multiple of the 4 scored together.
        for n_tokens in [1, 5, 63, 64, 65, 99, 100, 200] {
            for start in [0, 1, 37, 130] {
                for (n_head, n_head_kv) in [(9, 3), (4, 4)] {
                    for spread in [1.0, 8.0] {
                        check(&mut rng, n_head, n_head_kv, 64, start, n_tokens, spread);
                    }
                }
            }
        }
    }

    #[test]
    fn equals_the_straightforward_version_for_other_head_sizes() {
        // Head sizes that are not whole 64-value steps exercise the dot product's f64 tail
        // and the value sums' last dimensions; 128 is two steps.
        let mut rng = Rng::fresh();
        for head_dim in [32, 80, 128] {
            for (n_tokens, start) in [(1, 70), (7, 3), (64, 0), (90, 45)] {
                check(&mut rng, 6, 2, head_dim, start, n_tokens, 4.0);
                check(&mut rng, 2, 1, head_dim, start, n_tokens, 4.0);
            }
        }
    }

    #[test]
    fn extreme_scores_give_the_same_zeros_and_infinities() {
        // Scores so large that e^(score - M) underflows to 0 for most keys (and sums may
        // overflow), where the f16 accumulator's rounding matters most.
        let mut rng = Rng::fresh();
        for n_tokens in [1, 20, 64, 130] {
            check(&mut rng, 9, 3, 64, 11, n_tokens, 300.0);
        }
    }

}
