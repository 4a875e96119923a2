//! Lab 2.4: the SwiGLU feed-forward network, the reference solution.

/// `x / (1 + e^(−x))`.
pub fn silu(x: f32) -> f32 {
    x / (1.0 + (-x).exp())
}

/// Row-major `rows × cols` matrix times a vector.
pub fn matvec(w: &[f32], rows: usize, cols: usize, x: &[f32], out: &mut [f32]) {
    assert!(w.len() == rows * cols && x.len() == cols && out.len() == rows, "matvec shapes");
    for (o, row) in out.iter_mut().zip(w.chunks_exact(cols)) {
        *o = dot(row, x);
    }
}

/// A dot product in 8 independent partial sums: the compiler can keep them in one vector
/// register (a single running sum forces it to add one product at a time, in order).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            acc[i] += x[i] * y[i];
        }
    }
    let tail: f32 = ra.iter().zip(rb).map(|(x, y)| x * y).sum();
    acc.iter().sum::<f32>() + tail
}

/// `w_down · (silu(w_gate · x) ⊙ (w_up · x))`.
pub fn feed_forward(x: &[f32], w_gate: &[f32], w_up: &[f32], w_down: &[f32], n_embd: usize, n_ff: usize) -> Vec<f32> {
    let mut gate = vec![0.0; n_ff];
    let mut up = vec![0.0; n_ff];
    matvec(w_gate, n_ff, n_embd, x, &mut gate);
    matvec(w_up, n_ff, n_embd, x, &mut up);
    for (g, u) in gate.iter_mut().zip(&up) {
        *g = silu(*g) * u;
    }
    let mut out = vec![0.0; n_embd];
    matvec(w_down, n_embd, n_ff, &gate, &mut out);
    out
}
