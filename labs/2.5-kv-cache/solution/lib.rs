//! Lab 2.5: a KV cache, the reference solution.

/// How cache entries are stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheType {
    F32,
    F16,
    Q8_0,
}

impl CacheType {
    /// Bytes for a row of `n` values (`n` a multiple of 32 for Q8_0).
    fn row_bytes(self, n: usize) -> usize {
        match self {
            CacheType::F32 => 4 * n,
            CacheType::F16 => 2 * n,
            CacheType::Q8_0 => n.div_ceil(32) * 34,
        }
    }
}

/// K and V × layers × positions × one row of `n_head_kv · head_dim` values.
pub fn kv_cache_bytes(n_layer: usize, n_ctx: usize, n_head_kv: usize, head_dim: usize, ty: CacheType) -> usize {
    2 * n_layer * n_ctx * ty.row_bytes(n_head_kv * head_dim)
}

/// The budget divided by the bytes one position costs.
pub fn max_positions(budget: usize, n_layer: usize, n_head_kv: usize, head_dim: usize, ty: CacheType) -> usize {
    budget / kv_cache_bytes(n_layer, 1, n_head_kv, head_dim, ty)
}

pub fn kv_head_for(head: usize, n_head: usize, n_head_kv: usize) -> usize {
    head / (n_head / n_head_kv)
}

pub struct KvCache {
    n_ctx: usize,
    n_head_kv: usize,
    head_dim: usize,
    /// `[layer][position][kv_dim]`, allocated once for `n_ctx` positions.
    k: Vec<f32>,
    v: Vec<f32>,
    /// Positions stored, per layer.
    lens: Vec<usize>,
}

#[derive(Debug, PartialEq, Eq)]
pub struct CacheFull;

impl KvCache {
    pub fn new(n_layer: usize, n_ctx: usize, n_head_kv: usize, head_dim: usize) -> KvCache {
        let len = n_layer * n_ctx * n_head_kv * head_dim;
        KvCache { n_ctx, n_head_kv, head_dim, k: vec![0.0; len], v: vec![0.0; len], lens: vec![0; n_layer] }
    }

    fn kv_dim(&self) -> usize {
        self.n_head_kv * self.head_dim
    }

    /// Index of (layer, position) in `k` and `v`.
    fn at(&self, layer: usize, pos: usize) -> usize {
        (layer * self.n_ctx + pos) * self.kv_dim()
    }

    pub fn append(&mut self, layer: usize, k: &[f32], v: &[f32]) -> Result<usize, CacheFull> {
        let (pos, kv_dim) = (self.lens[layer], self.kv_dim());
        assert!(k.len() == kv_dim && v.len() == kv_dim, "one position is n_head_kv · head_dim values");
        if pos == self.n_ctx {
            return Err(CacheFull);
        }
        let at = self.at(layer, pos);
        self.k[at..at + kv_dim].copy_from_slice(k);
        self.v[at..at + kv_dim].copy_from_slice(v);
        self.lens[layer] += 1;
        Ok(pos)
    }

    pub fn len(&self, layer: usize) -> usize {
        self.lens[layer]
    }

    pub fn truncate(&mut self, n: usize) {
        self.lens.iter_mut().for_each(|len| *len = (*len).min(n));
    }

    pub fn keys(&self, layer: usize, n: usize) -> &[f32] {
        assert!(n <= self.lens[layer], "only {} positions are stored", self.lens[layer]);
        let at = self.at(layer, 0);
        &self.k[at..at + n * self.kv_dim()]
    }

    pub fn values(&self, layer: usize, n: usize) -> &[f32] {
        assert!(n <= self.lens[layer], "only {} positions are stored", self.lens[layer]);
        let at = self.at(layer, 0);
        &self.v[at..at + n * self.kv_dim()]
    }

    pub fn head_keys(&self, layer: usize, kv_head: usize, n: usize) -> Vec<&[f32]> {
        let d = self.head_dim;
        self.keys(layer, n).chunks_exact(self.kv_dim()).map(|row| &row[kv_head * d..(kv_head + 1) * d]).collect()
    }

    pub fn head_values(&self, layer: usize, kv_head: usize, n: usize) -> Vec<&[f32]> {
        let d = self.head_dim;
        self.values(layer, n).chunks_exact(self.kv_dim()).map(|row| &row[kv_head * d..(kv_head + 1) * d]).collect()
    }

    pub fn bytes(&self) -> usize {
        (self.k.len() + self.v.len()) * size_of::<f32>()
    }
}

pub fn attend(cache: &KvCache, layer: usize, q: &[f32], n_head: usize) -> Vec<f32> {
    let (d, n) = (cache.head_dim, cache.len(layer));
    let scale = 1.0 / (d as f32).sqrt();
    let mut out = vec![0.0; n_head * d];
    for (h, (qh, oh)) in q.chunks_exact(d).zip(out.chunks_exact_mut(d)).enumerate() {
        let g = kv_head_for(h, n_head, cache.n_head_kv);
        let (keys, values) = (cache.head_keys(layer, g, n), cache.head_values(layer, g, n));
        let mut w: Vec<f32> = keys.iter().map(|k| qh.iter().zip(*k).map(|(a, b)| a * b).sum::<f32>() * scale).collect();
        let max = w.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut sum = 0.0;
        for x in &mut w {
            *x = (*x - max).exp();
            sum += *x;
        }
        for (&wj, vj) in w.iter().zip(&values) {
            for (o, &x) in oh.iter_mut().zip(*vj) {
                *o += wj / sum * x;
            }
        }
    }
    out
}
