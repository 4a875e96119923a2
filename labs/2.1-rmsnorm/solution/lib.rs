//! Lab 2.1: RMSNorm, the reference solution.

/// Normalises each row of `x` into `out`: rows are `weight.len()` values long, and for each row
/// `out[i] = x[i] / sqrt(mean(x²) + eps) * weight[i]`.
pub fn rms_norm(x: &[f32], weight: &[f32], eps: f32, out: &mut [f32]) {
    let n = weight.len();
    assert!(n > 0 && x.len() % n == 0 && out.len() == x.len(), "x and out must be whole rows of weight.len() values");
    for (row, out_row) in x.chunks_exact(n).zip(out.chunks_exact_mut(n)) {
        // Sum the squares in f64: a 576-wide row of f32 squares loses a few bits otherwise.
        let sum_sq: f64 = row.iter().map(|&v| f64::from(v) * f64::from(v)).sum();
        let mean_sq = (sum_sq / n as f64) as f32;
        let scale = 1.0 / (mean_sq + eps).sqrt();
        for ((o, &v), &g) in out_row.iter_mut().zip(row).zip(weight) {
            *o = v * scale * g;
        }
    }
}
