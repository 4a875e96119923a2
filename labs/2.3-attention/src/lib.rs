//! Lab 2.3: scaled dot-product attention with a causal mask and grouped-query heads. Read
//! `engine/src/ops/attention/reference.rs` and `engine/src/ops/softmax.rs` first.
//! `cargo learn lab 2.3` grades this file.

/// Replaces `x` by `softmax(x)`: `e^(x_i − max) / Σ_j e^(x_j − max)`. Subtract the maximum
/// first: `e^x` overflows f32 for x > 88.7, and scores of 1000 do happen. Entries of `−∞`
/// (masked) become 0.
pub fn softmax(x: &mut [f32]) {
    let _ = x;
    todo!("softmax")
}

/// The key/value head that query head `head` reads. With `n_head` query heads sharing
/// `n_head_kv` KV heads, each KV head serves `n_head / n_head_kv` *consecutive* query heads
/// (SmolLM2: 9 query heads, 3 KV heads, so query heads 0, 1, 2 read KV head 0).
pub fn kv_head_for(head: usize, n_head: usize, n_head_kv: usize) -> usize {
    let _ = (head, n_head, n_head_kv);
    todo!("kv_head_for")
}

/// Causal self-attention of the last `n_tokens` positions of a sequence of `n_keys`.
///
/// - `q`: `[n_tokens][n_head][head_dim]`, the queries of positions `n_keys − n_tokens ..
///   n_keys` (already rotated by RoPE);
/// - `k`, `v`: `[n_keys][n_head_kv][head_dim]`, the keys and values of positions `0 .. n_keys`.
///
/// For query head `h` of the token at position `p`, with `g = kv_head_for(h, …)`:
///
/// ```text
/// score_j = q · k_j[g] / sqrt(head_dim)        for j = 0 ..= p   (later keys are masked)
/// out     = Σ_j softmax(score)_j · v_j[g]
/// ```
///
/// Returns the outputs, shaped like `q`.
pub fn attention(q: &[f32], k: &[f32], v: &[f32], n_head: usize, n_head_kv: usize, head_dim: usize) -> Vec<f32> {
    // TODO: n_tokens and n_keys from the lengths; for every token t and query head h: the
    // scores against keys 0..=p of KV head kv_head_for(h), softmax, then the weighted sum of values.
    let _ = (q, k, v, n_head, n_head_kv, head_dim);
    todo!("attention")
}
