//! Matrix multiplication of quantized weights with a batch of activations, the way ggml's
//! CPU backend does it: quantize each activation row once to the format the weights pair
//! with (Q8_0, Q8_1, Q8_K), then every output is one `vec_dot` of a weight row with an
//! activation row, integer arithmetic inside each block.
//!
//! Threads split the weight rows; each thread walks its rows in small tiles and, for each
//! tile, runs through all tokens, so the tile's weights are read from memory once and then
//! stay in the L1 cache while the batch streams past.

use crate::model::Matrix;
use crate::quant::{Kernels, activation, kernels};
use crate::tensor::GgmlType;
use crate::threadpool::{ThreadPool, split_range};

/// A batch of activation rows quantized for one activation format.
#[derive(Default)]
pub struct QuantizedRows {
    pub ty: Option<GgmlType>,
    pub n_rows: usize,
    pub row_bytes: usize,
    pub data: Vec<u8>,
}

impl QuantizedRows {
    /// Quantizes `n_rows` rows of `x` for the weights of `w` (reusing this buffer).
    pub fn quantize_for(&mut self, w: &Matrix, x: &[f32], n_rows: usize) {
        let act: &Kernels = kernels(w.kernels.activation).expect("activation formats always have kernels");
        let row_bytes = act.ty.row_bytes(w.cols).expect("weight rows are whole activation blocks");
        self.ty = Some(act.ty);
        self.n_rows = n_rows;
        self.row_bytes = row_bytes;
        self.data.resize(n_rows * row_bytes, 0);
        for (xr, qr) in x.chunks_exact(w.cols).zip(self.data.chunks_exact_mut(row_bytes)) {
            activation::quantize_row(act, xr, qr).expect("lengths follow from the matrix shape");
        }
    }

    pub fn row(&self, t: usize) -> &[u8] {
        &self.data[t * self.row_bytes..(t + 1) * self.row_bytes]
    }
}

/// Weight rows per tile (see the module doc).
const TILE_ROWS: usize = 16;

/// `out[t * w.rows + r] = Σ_c w[r][c] · x[t][c]` for every token `t` of `x`.
pub fn matmul(pool: &ThreadPool, w: &Matrix, x: &QuantizedRows, out: &mut [f32]) {
    assert_eq!(x.ty, Some(w.kernels.activation), "activations quantized for another format");
    assert_eq!(out.len(), x.n_rows * w.rows);
    let vec_dot = w.kernels.vec_dot_fn();
    let out = SharedOut(out.as_mut_ptr());
    let n_threads = pool.n_threads();
    pool.run(&|thread| {
        let rows = split_range(w.rows, thread, n_threads);
        let mut tile_start = rows.start;
        while tile_start < rows.end {
            let tile = tile_start..(tile_start + TILE_ROWS).min(rows.end);
            for t in 0..x.n_rows {
                let a = x.row(t);
                for r in tile.clone() {
                    // SAFETY: thread `thread` alone writes rows `rows` of every token, and
                    // `t * w.rows + r < out.len()` by the assertion above.
                    unsafe { out.write(t * w.rows + r, vec_dot(w.row(r), a)) };
                }
            }
            tile_start = tile.end;
        }
    });
}

/// Lets threads write disjoint elements of one output slice.
struct SharedOut(*mut f32);

unsafe impl Sync for SharedOut {}

impl SharedOut {
    /// # Safety
    /// `i` is in bounds and no other thread writes or reads element `i` concurrently.
    unsafe fn write(&self, i: usize, v: f32) {
        unsafe { *self.0.add(i) = v }
    }
}
