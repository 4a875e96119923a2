//! Lab 2.2: rotary position embedding (RoPE), in the GGUF llama convention. Read
//! `engine/src/ops/rope.rs` first. `cargo learn lab 2.2` grades this file.

/// The rotation frequency of every pair of dimensions of a head of `head_dim` values:
/// `θ_i = freq_base^(-2i / head_dim)` for `i = 0 .. head_dim / 2`.
///
/// `freq_base` is the model's `llama.rope.freq_base` (100 000 for SmolLM2; 10 000 when a model
/// does not say).
pub fn rope_frequencies(head_dim: usize, freq_base: f32) -> Vec<f32> {
    let _ = (head_dim, freq_base);
    todo!("rope_frequencies")
}

/// Rotates, in place, every head of `x` (heads of `head_dim` values back to back) for the
/// token at position `pos`: each pair of *adjacent* dimensions `(2i, 2i + 1)` turns by the
/// angle `pos · θ_i`:
///
/// ```text
/// x'[2i]     = x[2i] · cos(pos·θ_i) − x[2i+1] · sin(pos·θ_i)
/// x'[2i + 1] = x[2i] · sin(pos·θ_i) + x[2i+1] · cos(pos·θ_i)
/// ```
pub fn apply_rope(x: &mut [f32], head_dim: usize, pos: usize, freq_base: f32) {
    // TODO: the frequencies, then for each head and each pair (2i, 2i+1), the 2-D rotation.
    let _ = (x, head_dim, pos, freq_base);
    todo!("apply_rope")
}
