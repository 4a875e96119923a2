//! F32: plain 32-bit floats, one "block" per value. Norm weights and biases stay in F32.

use super::Format;
use crate::tensor::GgmlType;

impl Format for f32 {
    const TYPE: GgmlType = GgmlType::F32;
    const BLOCK_LEN: usize = 1;
    type Activation = f32;

    fn dequantize(blocks: &[f32], out: &mut [f32]) {
        out.copy_from_slice(blocks);
    }

    fn quantize(x: &[f32], out: &mut [f32]) {
        out.copy_from_slice(x);
    }

    /// ggml's `ggml_vec_dot_f32` (scalar path: a float64 accumulator).
    fn vec_dot(w: &[f32], a: &[f32]) -> f32 {
        w.iter().zip(a).map(|(&x, &y)| x as f64 * y as f64).sum::<f64>() as f32
    }
}

#[cfg(test)]
mod tests {
    use crate::quant::test_util::check_format;

    #[test]
    fn f32_is_lossless() {
        check_format::<f32>(1e-12);
    }
}
