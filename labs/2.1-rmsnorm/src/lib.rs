//! Lab 2.1: RMSNorm. Read `engine/src/ops/rmsnorm.rs` first, then fill in the function below.
//! `cargo learn lab 2.1` grades it.

/// Normalises each row of `x` into `out`: rows are `weight.len()` values long, and for each row
///
/// ```text
/// out[i] = x[i] / sqrt(mean(x²) + eps) * weight[i]
/// ```
///
/// where `mean(x²)` is the mean of the squares of *that row's* values. `x` and `out` have the
/// same length, a whole number of rows.
pub fn rms_norm(x: &[f32], weight: &[f32], eps: f32, out: &mut [f32]) {
    // TODO: for each row: the mean of the squares, the scale 1 / sqrt(mean + eps), then
    // value · scale · gain.
    let _ = (x, weight, eps, out);
    todo!("rms_norm")
}
