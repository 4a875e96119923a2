//! RMSNorm: `y = x / sqrt(mean(x²) + eps) * w`. Unlike LayerNorm it does not subtract the
//! mean: it only rescales each token's vector to unit root-mean-square, then applies a
//! learned per-channel gain `w`.

/// Normalises each row of `x` (rows of `w.len()` values) into `out`.
pub fn rms_norm(x: &[f32], w: &[f32], eps: f32, out: &mut [f32]) {
    let n = w.len();
    for (xr, yr) in x.chunks_exact(n).zip(out.chunks_exact_mut(n)) {
        // As ggml: each square in single precision, summed in double, scaled in single.
        let sum: f64 = xr.iter().map(|&v| (v * v) as f64).sum();
        let mean = (sum / n as f64) as f32;
        let scale = 1.0 / (mean + eps).sqrt();
        for ((y, &v), &g) in yr.iter_mut().zip(xr).zip(w) {
            *y = (v * scale) * g;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rms_norm_gives_unit_rms_times_gain() {
        // x = [3, 4]: mean of squares 12.5, rms = 3.5355…; with gain [1, 2] → [0.8485, 2.2627].
        let mut y = [0.0; 2];
        rms_norm(&[3.0, 4.0], &[1.0, 2.0], 0.0, &mut y);
        let rms = 12.5f32.sqrt();
        assert!((y[0] - 3.0 / rms).abs() < 1e-6 && (y[1] - 8.0 / rms).abs() < 1e-6, "{y:?}");
    }
}
