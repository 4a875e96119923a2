//! Matrix multiplication of quantized weights with a batch of activations, the way ggml's
//! CPU backend does it: quantize each activation row once to the format the weights pair
//! with (Q8_0, Q8_1, Q8_K), then every output is one `vec_dot` of a weight row with an
//! activation row, integer arithmetic inside each block.
//!
//! # Tiles
//!
//! Computed one at a time, those dot products leave most of the core idle: each is one chain
//! of dependent multiply-adds, and each unpacks its weight blocks anew although the next
//! token needs the very same ones. Formats with a tile kernel ([`Kernels::vec_dot_tile_fn`])
//! compute [`TILE_ROWS`] weight rows × up to [`TILE_COLS`] tokens per call instead: 16
//! independent chains, each weight block unpacked once for 4 tokens. Every output still gets
//! exactly the operations its `vec_dot` would give it, in the same order, so the results
//! are the same bits (`quant::simd::x86::tile` explains why; its tests check it), only
//! faster. Rows left over at the end of a chunk, and formats without a tile kernel, take
//! the `vec_dot` path.
//!
//! # Threads and cache
//!
//! Threads take the weight rows in chunks of [`CHUNK_ROWS`] ([`ThreadPool::for_each`]), not
//! in equal shares fixed up front: a thread that starts late or runs slow (another process
//! took its core for a while) simply takes fewer chunks, or none, instead of making the
//! others wait for it. Which thread computes an output changes none of its bits.
//!
//! For each chunk, a thread runs through all tokens, a group of [`TILE_COLS`] at a time, and
//! for each group through the chunk's row tiles: the chunk's weights (a few KiB) are read
//! from memory once and then stay in the L1 cache while the batch streams past, and each
//! group's activation rows stay there across the chunk's tiles.

use crate::model::Matrix;
use crate::quant::{Kernels, TILE_COLS, TILE_ROWS, activation, kernels};
use crate::tensor::GgmlType;
use crate::threadpool::{SharedSlice, ThreadPool};

/// A batch of activation rows quantized for one activation format.
#[derive(Default)]
pub struct QuantizedRows {
    pub ty: Option<GgmlType>,
    pub n_rows: usize,
    pub row_bytes: usize,
    pub data: Vec<u8>,
}

impl QuantizedRows {
    /// Quantizes `n_rows` rows of `x` for the weights of `w` (reusing this buffer), the rows
    /// split among the pool's threads.
    pub fn quantize_for(&mut self, pool: &ThreadPool, w: &Matrix, x: &[f32], n_rows: usize) {
        let act: &Kernels = kernels(w.kernels.activation).expect("activation formats always have kernels");
        let row_bytes = act.ty.row_bytes(w.cols).expect("weight rows are whole activation blocks");
        assert_eq!(x.len(), n_rows * w.cols);
        self.ty = Some(act.ty);
        self.n_rows = n_rows;
        self.row_bytes = row_bytes;
        self.data.resize(n_rows * row_bytes, 0);
        let quantize = |r: usize, qr: &mut [u8]| {
            activation::quantize_row(act, &x[r * w.cols..(r + 1) * w.cols], qr).expect("lengths follow from the matrix shape")
        };
        if n_rows == 1 {
            // Generation: one row is quicker quantized here than handed to the pool.
            return quantize(0, &mut self.data);
        }
        let data = SharedSlice::new(&mut self.data);
        pool.for_each(n_rows, &|r| {
            // SAFETY: each row is one item, run once.
            quantize(r, unsafe { data.range(r * row_bytes..(r + 1) * row_bytes) });
        });
    }

    pub fn row(&self, t: usize) -> &[u8] {
        &self.data[t * self.row_bytes..(t + 1) * self.row_bytes]
    }

    /// Rows `rows`, back to back.
    pub fn rows(&self, rows: std::ops::Range<usize>) -> &[u8] {
        &self.data[rows.start * self.row_bytes..rows.end * self.row_bytes]
    }
}

/// Weight rows per chunk (see the module doc): a multiple of [`TILE_ROWS`], small enough that
/// a chunk of the widest matrices still fits in L1 (16 rows × 1536 Q4_1 weights: 15 KiB).
pub const CHUNK_ROWS: usize = 16;

const _: () = assert!(CHUNK_ROWS.is_multiple_of(TILE_ROWS));

/// `out[t * w.rows + r] = Σ_c w[r][c] · x[t][c]` for every token `t` of `x`.
pub fn matmul(pool: &ThreadPool, w: &Matrix, x: &QuantizedRows, out: &mut [f32]) {
    assert_eq!(x.ty, Some(w.kernels.activation), "activations quantized for another format");
    assert_eq!(out.len(), x.n_rows * w.rows);
    let vec_dot = w.kernels.vec_dot_fn();
    let tile = w.kernels.vec_dot_tile_fn();
    let out = SharedSlice::new(out);
    pool.for_each(w.rows.div_ceil(CHUNK_ROWS), &|chunk| {
        let rows = chunk * CHUNK_ROWS..((chunk + 1) * CHUNK_ROWS).min(w.rows);
        // SAFETY (every `out.write` below): each chunk is one item, run once, so this thread
        // alone writes rows `rows` of every token.
        for t0 in (0..x.n_rows).step_by(TILE_COLS) {
            let tokens = t0..(t0 + TILE_COLS).min(x.n_rows);
            let mut r = rows.start;
            if let Some(tile) = tile {
                let mut results = [0.0f32; TILE_ROWS * TILE_COLS];
                while r + TILE_ROWS <= rows.end {
                    tile(w.rows(r..r + TILE_ROWS), x.rows(tokens.clone()), tokens.len(), &mut results);
                    for (i, t) in tokens.clone().enumerate() {
                        for (j, &v) in results[i * TILE_ROWS..(i + 1) * TILE_ROWS].iter().enumerate() {
                            unsafe { out.write(t * w.rows + r + j, v) };
                        }
                    }
                    r += TILE_ROWS;
                }
            }
            for r in r..rows.end {
                for t in tokens.clone() {
                    unsafe { out.write(t * w.rows + r, vec_dot(w.row(r), x.row(t))) };
                }
            }
        }
    });
}
