//! Shared checks for the format tests, after llama.cpp's `tests/test-quantize-fns.cpp`:
//! the same synthetic data and error metrics, plus fresh seeded random rows.

use bytemuck::Zeroable;

use super::Format;

/// The error metrics of test-quantize-fns (note: `sqrt(Σd²) / n`, not an RMSE).
pub const MAX_DOT_PRODUCT_ERROR: f32 = 0.02;

/// A small seeded generator (SplitMix64): tests need reproducible rows, not a crate.
pub struct Rng(u64);

impl Rng {
    /// Seeded from `TEST_SEED` when set, else from the clock; the seed is printed so a
    /// failure can be replayed with `TEST_SEED=<seed> cargo test …`.
    pub fn fresh() -> Rng {
        let seed = std::env::var("TEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64
        });
        eprintln!("random inputs from TEST_SEED={seed}");
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [-1, 1).
    pub fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    }

    /// A row that looks like trained weights: mostly small, some outliers, never all zero.
    pub fn weights(&mut self, n: usize) -> Vec<f32> {
        (0..n)
            .map(|_| {
                let scale = if self.next_u64().is_multiple_of(16) { 4.0 } else { 0.5 };
                self.unit() * scale
            })
            .collect()
    }

    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next_u64() as u8).collect()
    }
}

/// test-quantize-fns' `generate_data`: `0.1 + amplitude * cos(i + offset)`.
pub fn ggml_test_data(offset: f32, n: usize) -> Vec<f32> {
    (0..n).map(|i| 0.1 + 2.0 * (i as f32 + offset).cos()).collect()
}

fn ggml_rmse(a: &[f32], b: &[f32]) -> f32 {
    let sum: f64 = a.iter().zip(b).map(|(&x, &y)| (x as f64 - y as f64).powi(2)).sum();
    sum.sqrt() as f32 / a.len() as f32
}

fn quantize_then_dequantize<F: Format>(x: &[f32]) -> Vec<f32> {
    let mut blocks = vec![F::zeroed(); x.len() / F::BLOCK_LEN];
    F::quantize(x, &mut blocks);
    let mut out = vec![0.0; x.len()];
    F::dequantize(&blocks, &mut out);
    out
}

/// Quantization error and dot-product error of `F` within test-quantize-fns' bounds, on its
/// synthetic data and on a fresh random row; the dot product is judged against float64.
pub fn check_format<F: Format>(max_total_error: f32) {
    check_format_with_dot_bound::<F>(max_total_error, MAX_DOT_PRODUCT_ERROR)
}

pub fn check_format_with_dot_bound<F: Format>(max_total_error: f32, max_dot_error: f32) {
    let n = 32 * 128;
    let mut rng = Rng::fresh();
    let rows = [("ggml cos data", ggml_test_data(0.0, n), ggml_test_data(1.0, n)), ("random", rng.weights(n), rng.weights(n))];
    for (what, x, y) in rows {
        let total = ggml_rmse(&x, &quantize_then_dequantize::<F>(&x));
        assert!(total < max_total_error, "{}: total quantization error {total} on {what} (bound {max_total_error})", F::TYPE);

        let mut w = vec![F::zeroed(); n / F::BLOCK_LEN];
        F::quantize(&x, &mut w);
        let mut a = vec![F::Activation::zeroed(); n / F::Activation::BLOCK_LEN];
        F::Activation::quantize(&y, &mut a);
        let got = F::vec_dot(&w, &a);
        let want: f64 = x.iter().zip(&y).map(|(&p, &q)| p as f64 * q as f64).sum();
        let err = (got as f64 - want).abs() as f32 / n as f32;
        assert!(err < max_dot_error, "{}: dot product error {err} on {what} (got {got}, float64 {want})", F::TYPE);
    }
}
