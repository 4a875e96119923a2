//! Lab 2.5: a KV cache. Read `engine/src/kv_cache.rs` and how `engine/src/model/forward.rs`
//! stores and reads it first. `cargo learn lab 2.5` grades this file.

/// How cache entries are stored (llama.cpp's `--cache-type-k/-v`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheType {
    /// 4 bytes a value.
    F32,
    /// 2 bytes a value (llama.cpp's default).
    F16,
    /// Blocks of 32 values: a 2-byte f16 scale and 32 one-byte integers, 34 bytes a block.
    Q8_0,
}

/// Bytes of a full cache: keys and values, of every layer, position and KV head.
/// SmolLM2 (30 layers, 3 KV heads of 64) at 8192 positions in F16: 188 743 680 bytes.
pub fn kv_cache_bytes(n_layer: usize, n_ctx: usize, n_head_kv: usize, head_dim: usize, ty: CacheType) -> usize {
    let _ = (n_layer, n_ctx, n_head_kv, head_dim, ty);
    todo!("kv_cache_bytes")
}

/// The most positions whose cache fits in `budget` bytes.
pub fn max_positions(budget: usize, n_layer: usize, n_head_kv: usize, head_dim: usize, ty: CacheType) -> usize {
    let _ = (budget, n_layer, n_head_kv, head_dim, ty);
    todo!("max_positions")
}

/// The KV head that query head `head` reads: `n_head / n_head_kv` consecutive query heads
/// share one.
pub fn kv_head_for(head: usize, n_head: usize, n_head_kv: usize) -> usize {
    let _ = (head, n_head, n_head_kv);
    todo!("kv_head_for")
}

/// An f32 cache of `n_ctx` positions for each of `n_layer` layers. Per layer, position `p`
/// holds `kv_dim = n_head_kv · head_dim` keys (and as many values), KV head `g` at
/// `g · head_dim .. (g + 1) · head_dim`.
pub struct KvCache {
    // TODO: your fields (sizes, the key and value storage, how many positions each layer holds).
}

/// Returned by [`KvCache::append`] when the layer already holds `n_ctx` positions.
#[derive(Debug, PartialEq, Eq)]
pub struct CacheFull;

impl KvCache {
    /// An empty cache with room for `n_ctx` positions per layer.
    pub fn new(n_layer: usize, n_ctx: usize, n_head_kv: usize, head_dim: usize) -> KvCache {
        let _ = (n_layer, n_ctx, n_head_kv, head_dim);
        todo!("KvCache::new")
    }

    /// Appends one position's keys and values (`kv_dim` each) to `layer`; returns the
    /// position it was stored at.
    pub fn append(&mut self, layer: usize, k: &[f32], v: &[f32]) -> Result<usize, CacheFull> {
        let _ = (layer, k, v);
        todo!("append")
    }

    /// Positions stored in `layer`.
    pub fn len(&self, layer: usize) -> usize {
        let _ = layer;
        todo!("len")
    }

    /// Forgets positions `n..` of every layer (to drop a turn, or start over with `n = 0`).
    pub fn truncate(&mut self, n: usize) {
        let _ = n;
        todo!("truncate")
    }

    /// Keys of positions `0..n` of `layer`, back to back: `[position][kv_dim]`.
    pub fn keys(&self, layer: usize, n: usize) -> &[f32] {
        let _ = (layer, n);
        todo!("keys")
    }

    /// Values of positions `0..n` of `layer`, like [`KvCache::keys`].
    pub fn values(&self, layer: usize, n: usize) -> &[f32] {
        let _ = (layer, n);
        todo!("values")
    }

    /// The keys of KV head `kv_head` for positions `0..n` of `layer`: one `head_dim` slice per
    /// position.
    pub fn head_keys(&self, layer: usize, kv_head: usize, n: usize) -> Vec<&[f32]> {
        let _ = (layer, kv_head, n);
        todo!("head_keys")
    }

    /// The values of KV head `kv_head` for positions `0..n`, like [`KvCache::head_keys`].
    pub fn head_values(&self, layer: usize, kv_head: usize, n: usize) -> Vec<&[f32]> {
        let _ = (layer, kv_head, n);
        todo!("head_values")
    }

    /// Bytes this cache allocated for keys and values.
    pub fn bytes(&self) -> usize {
        todo!("bytes")
    }
}

/// One decoding step of attention over the cache: `q` holds the `n_head` query heads (of
/// `head_dim`) of the newest token, which sits at the last cached position of `layer` and sees
/// every cached position. Query head `h` reads KV head `kv_head_for(h, n_head, n_head_kv)`.
/// Returns `n_head · head_dim` values.
pub fn attend(cache: &KvCache, layer: usize, q: &[f32], n_head: usize) -> Vec<f32> {
    let _ = (cache, layer, q, n_head);
    todo!("attend")
}
