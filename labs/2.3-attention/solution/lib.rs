//! Lab 2.3: attention, the reference solution.

/// `e^(x_i − max) / Σ_j e^(x_j − max)`, in place.
pub fn softmax(x: &mut [f32]) {
    let max = x.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    if max == f32::NEG_INFINITY {
        // Everything masked: no distribution; leave zeros rather than NaN.
        x.fill(0.0);
        return;
    }
    let mut sum = 0.0f32;
    for v in x.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    for v in x.iter_mut() {
        *v /= sum;
    }
}

/// Each KV head serves `n_head / n_head_kv` consecutive query heads.
pub fn kv_head_for(head: usize, n_head: usize, n_head_kv: usize) -> usize {
    head / (n_head / n_head_kv)
}

/// Causal self-attention of the last `q.len() / (n_head · head_dim)` positions over the
/// `k.len() / (n_head_kv · head_dim)` positions of `k` and `v`.
pub fn attention(q: &[f32], k: &[f32], v: &[f32], n_head: usize, n_head_kv: usize, head_dim: usize) -> Vec<f32> {
    assert!(n_head_kv > 0 && n_head % n_head_kv == 0, "KV heads must divide query heads");
    let (q_row, kv_row) = (n_head * head_dim, n_head_kv * head_dim);
    let (n_tokens, n_keys) = (q.len() / q_row, k.len() / kv_row);
    assert!(n_tokens <= n_keys && v.len() == k.len());
    let start = n_keys - n_tokens; // position of the first query
    let scale = 1.0 / (head_dim as f32).sqrt();
    let mut out = vec![0.0; q.len()];
    let mut scores = Vec::with_capacity(n_keys);
    for t in 0..n_tokens {
        let visible = start + t + 1; // causal mask: keys 0..=position
        for h in 0..n_head {
            let g = kv_head_for(h, n_head, n_head_kv);
            let qh = &q[t * q_row + h * head_dim..][..head_dim];
            scores.clear();
            for j in 0..visible {
                let kj = &k[j * kv_row + g * head_dim..][..head_dim];
                scores.push(qh.iter().zip(kj).map(|(a, b)| a * b).sum::<f32>() * scale);
            }
            softmax(&mut scores);
            let oh = &mut out[t * q_row + h * head_dim..][..head_dim];
            for (j, &w) in scores.iter().enumerate() {
                let vj = &v[j * kv_row + g * head_dim..][..head_dim];
                for (o, &x) in oh.iter_mut().zip(vj) {
                    *o += w * x;
                }
            }
        }
    }
    out
}
