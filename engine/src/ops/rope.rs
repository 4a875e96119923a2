//! Rotary position embedding (RoPE), in the GGUF llama convention.
//!
//! Each head vector is split into pairs of *adjacent* dimensions `(2i, 2i+1)`; pair `i` is
//! rotated by the angle `pos · base^(-2i/d)`. (Hugging Face's llama rotates `(i, i + d/2)`
//! instead; the GGUF converter permutes the Q and K weights so that adjacent pairs are right.)
//! The dot product of a rotated query and key then depends only on their distance.

/// The cos/sin of every pair's angle at one position, computed the way ggml does (the angle
/// is built by repeated multiplication, so the float rounding matches llama.cpp's).
pub fn rope_angles(pos: usize, n_dims: usize, freq_base: f32, out: &mut Vec<(f32, f32)>) {
    out.clear();
    let theta_scale = freq_base.powf(-2.0 / n_dims as f32);
    let mut theta = pos as f32;
    for _ in 0..n_dims / 2 {
        out.push((theta.cos(), theta.sin()));
        theta *= theta_scale;
    }
}

/// Rotates the first `2 * angles.len()` dimensions of every head of `x` (heads of `head_dim`).
pub fn apply_rope(x: &mut [f32], head_dim: usize, angles: &[(f32, f32)]) {
    for head in x.chunks_exact_mut(head_dim) {
        for (pair, &(cos, sin)) in head.chunks_exact_mut(2).zip(angles) {
            let (x0, x1) = (pair[0], pair[1]);
            // x0·cos − x1·sin and x0·sin + x1·cos, with one rounding less (a fused multiply-add)
            // where llama.cpp's compiled code has one, so the bits agree with it.
            pair[0] = x0.mul_add(cos, -(x1 * sin));
            pair[1] = x0.mul_add(sin, x1 * cos);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rope_rotates_adjacent_pairs_by_position_times_frequency() {
        // d = 4, base 100: pair 0 turns by pos·1, pair 1 by pos·100^(-1/2) = pos/10.
        let mut angles = Vec::new();
        rope_angles(2, 4, 100.0, &mut angles);
        let mut x = [1.0, 0.0, 1.0, 0.0];
        apply_rope(&mut x, 4, &angles);
        let expect = [2f32.cos(), 2f32.sin(), 0.2f32.cos(), 0.2f32.sin()];
        for (a, b) in x.iter().zip(expect) {
            assert!((a - b).abs() < 1e-6, "{x:?} vs {expect:?}");
        }
    }

    #[test]
    fn rope_keeps_scores_dependent_on_distance_only() {
        let q = [0.3f32, -1.2, 0.7, 0.5];
        let k = [1.1f32, 0.4, -0.6, 0.9];
        let score = |pq: usize, pk: usize| {
            let (mut a, mut b, mut angles) = (q, k, Vec::new());
            rope_angles(pq, 4, 10000.0, &mut angles);
            apply_rope(&mut a, 4, &angles);
            rope_angles(pk, 4, 10000.0, &mut angles);
            apply_rope(&mut b, 4, &angles);
            a.iter().zip(&b).map(|(x, y)| x * y).sum::<f32>()
        };
        assert!((score(5, 3) - score(12, 10)).abs() < 1e-4);
    }
}
