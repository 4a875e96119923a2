//! The KV cache: every layer's keys and values for every position seen so far, so that a
//! new token attends to the past without recomputing it. Stored in f16 as llama.cpp does by
//! default (half the memory of f32, and the attention reads it at half the bandwidth).

use half::f16;
use half::slice::HalfFloatSliceExt;

pub struct KvCache {
    n_ctx: usize,
    /// Values per position per layer: `n_head_kv * head_dim`.
    kv_dim: usize,
    /// `[layer][position][kv_dim]`
    k: Vec<f16>,
    v: Vec<f16>,
}

impl KvCache {
    /// A cache for `n_ctx` positions, allocated (and zero-filled) for the whole context up
    /// front, as llama.cpp allocates its KV buffer when a context is created.
    pub fn new(n_layer: usize, n_ctx: usize, kv_dim: usize) -> KvCache {
        let len = n_layer * n_ctx * kv_dim;
        KvCache { n_ctx, kv_dim, k: vec![f16::ZERO; len], v: vec![f16::ZERO; len] }
    }

    pub fn n_ctx(&self) -> usize {
        self.n_ctx
    }

    /// Bytes the cache holds when full: 2 (K and V) × layers × positions × kv_dim × 2 bytes.
    pub fn bytes(&self) -> usize {
        (self.k.len() + self.v.len()) * size_of::<f16>()
    }

    fn index(&self, layer: usize, pos: usize) -> usize {
        (layer * self.n_ctx + pos) * self.kv_dim
    }

    /// Stores the keys and values of one position of one layer.
    pub fn store(&mut self, layer: usize, pos: usize, k: &[f32], v: &[f32]) {
        let i = self.index(layer, pos);
        self.k[i..i + self.kv_dim].convert_from_f32_slice(k);
        self.v[i..i + self.kv_dim].convert_from_f32_slice(v);
    }

    /// Keys of positions `0..len` of `layer`, `[position][kv_dim]`.
    pub fn keys(&self, layer: usize, len: usize) -> &[f16] {
        let i = self.index(layer, 0);
        &self.k[i..i + len * self.kv_dim]
    }

    pub fn values(&self, layer: usize, len: usize) -> &[f16] {
        let i = self.index(layer, 0);
        &self.v[i..i + len * self.kv_dim]
    }
}
