//! The straightforward version of [`super::attention`]: one query head of one token at a time,
//! one key at a time, written to be read. It computes exactly what the fast version computes,
//! bit for bit (the tests in `super` check it), so it is the place to learn *what* is computed
//! — in which order, and why that order is llama.cpp's — before reading *how* the fast version
//! arranges the same operations for the CPU.
//!
//! For query head `h` of the token at position `p`:
//! `out = Σ_{j ≤ p} softmax_j(q·k_j / √d) · v_j`, where `k_j, v_j` belong to KV head
//! `h / (n_head / n_head_kv)`.
//!
//! The softmax is computed *online*, as FlashAttention and llama.cpp's CPU flash-attention
//! kernel do: one pass over the keys keeps a running maximum `M`, a running sum `S` and a
//! running weighted sum of values; when a new maximum appears, what was accumulated so far is
//! rescaled by `e^(M_old - M_new)`. No score vector is ever stored. Like llama.cpp (whose
//! outputs our tests compare against), the query is rounded to f16 to meet the f16 keys, and
//! the value accumulator is kept in f16.

use half::f16;
use half::slice::HalfFloatSliceExt;

use super::AttentionShape;
use crate::threadpool::ThreadPool;

/// `q` is `[token][n_head][head_dim]` (already rotated); `keys`/`values` are the cache's
/// `[position][n_head_kv][head_dim]` for positions `0..start + n_tokens`; `out` is like `q`.
pub fn attention(pool: &ThreadPool, s: &AttentionShape, q: &[f32], keys: &[f16], values: &[f16], out: &mut [f32]) {
    assert_eq!(out.len(), s.n_tokens * s.n_head * s.head_dim);
    assert_eq!(q.len(), out.len());
    assert!(keys.len() >= (s.start + s.n_tokens) * s.n_head_kv * s.head_dim && values.len() == keys.len());
    let n_jobs = s.n_tokens * s.n_head;
    let out_ptr = OutPtr(out.as_mut_ptr());
    let n_threads = pool.n_threads();
    pool.run(&|thread| {
        let mut head = HeadScratch::new(s.head_dim);
        // Jobs (token, head) are dealt round-robin: later tokens see more keys, so
        // contiguous ranges would leave the last thread with most of the work.
        for job in (thread..n_jobs).step_by(n_threads) {
            let (t, h) = (job / s.n_head, job % s.n_head);
            let at = (t * s.n_head + h) * s.head_dim;
            let q_head = &q[at..at + s.head_dim];
            if s.n_tokens >= TILED_FROM {
                head.attend_tiled(s, h, s.start + t + 1, q_head, keys, values);
            } else {
                head.attend(s, h, s.start + t + 1, q_head, keys, values);
            }
            // SAFETY: job (t, h) alone writes this head's slice of `out`, which is in bounds.
            unsafe { out_ptr.write_slice(at, &head.out) };
        }
    });
}

/// Batches of at least this many tokens take llama.cpp's tiled path (`GGML_FA_TILE_Q`).
const TILED_FROM: usize = 64;
/// Keys per tile of the tiled path (`GGML_FA_TILE_KV`).
const KEY_TILE: usize = 64;

/// Buffers for one head's attention, reused across jobs.
struct HeadScratch {
    q16: Vec<f16>,
    k: Vec<f32>,
    v: Vec<f32>,
    acc: Vec<f32>,
    acc16: Vec<f16>,
    out: Vec<f32>,
}

impl HeadScratch {
    fn new(head_dim: usize) -> HeadScratch {
        HeadScratch {
            q16: vec![f16::ZERO; head_dim],
            k: vec![0.0; head_dim],
            v: vec![0.0; head_dim],
            acc: vec![0.0; head_dim],
            acc16: vec![f16::ZERO; head_dim],
            out: vec![0.0; head_dim],
        }
    }

    /// Attention of query head `h` (vector `q`) over the first `n_keys` cached positions.
    fn attend(&mut self, s: &AttentionShape, h: usize, n_keys: usize, q: &[f32], keys: &[f16], values: &[f16]) {
        let d = s.head_dim;
        let kv_dim = s.n_head_kv * d;
        let kv_head = h / (s.n_head / s.n_head_kv);
        let scale = 1.0 / (d as f32).sqrt();
        self.q16.convert_from_f32_slice(q);
        let mut q32 = std::mem::take(&mut self.out);
        self.q16.convert_to_f32_slice(&mut q32);

        let mut max = f32::NEG_INFINITY; // M: the largest score so far
        let mut sum = 0.0f32; // S: Σ e^(score - M) so far
        self.acc16.fill(f16::ZERO); // Σ e^(score - M) · v so far, in f16
        for j in 0..n_keys {
            let row = j * kv_dim + kv_head * d;
            keys[row..row + d].convert_to_f32_slice(&mut self.k);
            let score = dot_like_ggml(&self.k, &q32) * scale;

            self.acc16.convert_to_f32_slice(&mut self.acc);
            let (rescale, weight) = if score > max {
                // A new maximum: what was accumulated so far shrinks by e^(M_old - M_new).
                let rescale = (max - score).exp();
                max = score;
                self.acc.iter_mut().for_each(|a| *a *= rescale);
                // (llama.cpp stores the rescaled accumulator in f16 before adding to it)
                self.acc16.convert_from_f32_slice(&self.acc);
                self.acc16.convert_to_f32_slice(&mut self.acc);
                (rescale, 1.0)
            } else {
                (1.0, (score - max).exp())
            };
            values[row..row + d].convert_to_f32_slice(&mut self.v);
            self.acc.iter_mut().zip(&self.v).for_each(|(a, &v)| *a = v.mul_add(weight, *a));
            self.acc16.convert_from_f32_slice(&self.acc);
            sum = sum.mul_add(rescale, weight);
        }
        self.acc16.convert_to_f32_slice(&mut self.acc);
        let inv = if sum == 0.0 { 0.0 } else { 1.0 / sum };
        q32.iter_mut().zip(&self.acc).for_each(|(o, a)| *o = a * inv);
        self.out = q32;
    }
}

/// `Σ a·b` summed in the order of ggml's AVX-512 `ggml_vec_dot_f16`: four 16-lane
/// accumulators over each 64-value step, folded pairwise, then the lanes halved down to one
/// (`_mm512_reduce_add_ps`). The order matters only in the last bits, but those last bits
/// decide near-ties between two tokens, and our tests compare tokens with llama.cpp's.
fn dot_like_ggml(a: &[f32], b: &[f32]) -> f32 {
    const STEP: usize = 64;
    const LANES: usize = 16;
    let np = a.len() / STEP * STEP;
    let mut acc = [[0f32; LANES]; 4];
    for i in (0..np).step_by(STEP) {
        for (j, lanes) in acc.iter_mut().enumerate() {
            for (l, lane) in lanes.iter_mut().enumerate() {
                let k = i + j * LANES + l;
                *lane = a[k].mul_add(b[k], *lane);
            }
        }
    }
    let mut v = [0f32; LANES];
    for l in 0..LANES {
        v[l] = (acc[0][l] + acc[2][l]) + (acc[1][l] + acc[3][l]);
    }
    let mut sum = reduce_add_16(&v) as f64;
    for k in np..a.len() {
        sum += (a[k] * b[k]) as f64;
    }
    sum as f32
}

impl HeadScratch {
    /// The same attention computed the way llama.cpp's flash-attention kernel does for a
    /// batch of 64 or more queries: keys in tiles of 64; per tile, all scores (f32 query, no
    /// f16 rounding), one softmax against the running maximum, and the values added in f32.
    fn attend_tiled(&mut self, s: &AttentionShape, h: usize, n_keys: usize, q: &[f32], keys: &[f16], values: &[f16]) {
        let d = s.head_dim;
        let kv_dim = s.n_head_kv * d;
        let kv_head = h / (s.n_head / s.n_head_kv);
        let scale = 1.0 / (d as f32).sqrt();
        let mut max = f32::NEG_INFINITY;
        let mut sum = 0.0f32;
        self.acc.fill(0.0);
        let mut p = [0f32; KEY_TILE];
        for tile in (0..n_keys).step_by(KEY_TILE) {
            let in_tile = (n_keys - tile).min(KEY_TILE);
            for (i, score) in p.iter_mut().enumerate() {
                *score = if i < in_tile {
                    let row = (tile + i) * kv_dim + kv_head * d;
                    keys[row..row + d].convert_to_f32_slice(&mut self.k);
                    self.k.iter().zip(q).fold(0.0f32, |acc, (&k, &q)| k.mul_add(q, acc)) * scale
                } else {
                    f32::NEG_INFINITY // causal mask and padding
                };
            }
            let tile_max = p.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let new_max = max.max(tile_max);
            if new_max > max {
                let rescale = (max - new_max).exp();
                self.acc.iter_mut().for_each(|a| *a *= rescale);
                sum *= rescale;
            }
            max = new_max;
            // e^(score - M) in 16-lane groups, each group summed as `_mm512_reduce_add_ps`.
            let mut tile_sum = 0.0f64;
            for group in p.chunks_exact_mut(16) {
                group.iter_mut().for_each(|x| *x = crate::ops::swiglu::expf_like_ggml(*x - max));
                tile_sum += reduce_add_16(group) as f64;
            }
            sum = (sum as f64 + tile_sum) as f32;
            for (i, &w) in p.iter().enumerate().take(in_tile) {
                let row = (tile + i) * kv_dim + kv_head * d;
                values[row..row + d].convert_to_f32_slice(&mut self.v);
                self.acc.iter_mut().zip(&self.v).for_each(|(a, &v)| *a = v.mul_add(w, *a));
            }
        }
        let inv = if sum == 0.0 { 0.0 } else { 1.0 / sum };
        self.out.iter_mut().zip(&self.acc).for_each(|(o, a)| *o = a * inv);
    }
}

/// Sum of 16 lanes in `_mm512_reduce_add_ps`'s order (halves, then quarters, …).
fn reduce_add_16(v: &[f32]) -> f32 {
    let t3: [f32; 8] = std::array::from_fn(|i| v[8 + i] + v[i]);
    let t6: [f32; 4] = std::array::from_fn(|i| t3[4 + i] + t3[i]);
    (t6[0] + t6[2]) + (t6[1] + t6[3])
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
