//! Lab 2.2: RoPE, the reference solution.

/// `θ_i = freq_base^(-2i / head_dim)` for `i = 0 .. head_dim / 2`.
pub fn rope_frequencies(head_dim: usize, freq_base: f32) -> Vec<f32> {
    (0..head_dim / 2).map(|i| freq_base.powf(-2.0 * i as f32 / head_dim as f32)).collect()
}

/// Rotates each adjacent pair `(2i, 2i + 1)` of every head of `x` by `pos · θ_i`.
pub fn apply_rope(x: &mut [f32], head_dim: usize, pos: usize, freq_base: f32) {
    assert!(head_dim % 2 == 0 && x.len() % head_dim == 0, "x must be whole heads of an even head_dim");
    let angles: Vec<(f32, f32)> = rope_frequencies(head_dim, freq_base)
        .iter()
        .map(|&theta| {
            let angle = pos as f32 * theta;
            (angle.cos(), angle.sin())
        })
        .collect();
    for head in x.chunks_exact_mut(head_dim) {
        for (pair, &(cos, sin)) in head.chunks_exact_mut(2).zip(&angles) {
            let (x0, x1) = (pair[0], pair[1]);
            pair[0] = x0 * cos - x1 * sin;
            pair[1] = x0 * sin + x1 * cos;
        }
    }
}
