//! Lab 2.4: the SwiGLU feed-forward network of a llama block. Read `engine/src/ops/swiglu.rs`
//! and the feed-forward half of `engine/src/model/forward.rs` first.
//! `cargo learn lab 2.4` grades this file.

/// `silu(x) = x · sigmoid(x) = x / (1 + e^(−x))`. Must be finite for every finite `x`
/// (for x = −100, `e^100` is large but `x / (1 + e^100)` is a tiny negative number).
pub fn silu(x: f32) -> f32 {
    let _ = x;
    todo!("silu")
}

/// `out = W · x` for a weight matrix of `rows × cols` stored row-major as ggml stores it: row
/// `r` (output feature `r`) is `w[r · cols .. (r + 1) · cols]`, and `x` has `cols` values.
pub fn matvec(w: &[f32], rows: usize, cols: usize, x: &[f32], out: &mut [f32]) {
    let _ = (w, rows, cols, x, out);
    todo!("matvec")
}

/// The feed-forward network of one token: `x` has `n_embd` values, the three matrices are
///
/// - `w_gate`, `w_up`: `n_ff × n_embd` (`n_ff` rows of `n_embd`),
/// - `w_down`: `n_embd × n_ff`,
///
/// and the result is `w_down · (silu(w_gate · x) ⊙ (w_up · x))`, `n_embd` values.
pub fn feed_forward(x: &[f32], w_gate: &[f32], w_up: &[f32], w_down: &[f32], n_embd: usize, n_ff: usize) -> Vec<f32> {
    // TODO: gate = w_gate·x, up = w_up·x (n_ff each); h = silu(gate) * up; return w_down·h.
    let _ = (x, w_gate, w_up, w_down, n_embd, n_ff);
    todo!("feed_forward")
}
