//! F16: IEEE half precision, one value per "block". Conversion rounds to nearest even, as
//! ggml's `GGML_FP32_TO_FP16` (F16C's `vcvtps2ph` with rounding mode 0) and numpy do.

use half::f16;

use super::Format;
use crate::tensor::GgmlType;

impl Format for f16 {
    const TYPE: GgmlType = GgmlType::F16;
    const BLOCK_LEN: usize = 1;
    type Activation = f16;

    fn dequantize(blocks: &[f16], out: &mut [f32]) {
        for (y, x) in out.iter_mut().zip(blocks) {
            *y = x.to_f32();
        }
    }

    fn quantize(x: &[f32], out: &mut [f16]) {
        for (y, &v) in out.iter_mut().zip(x) {
            *y = f16::from_f32(v);
        }
    }

    /// ggml's `ggml_vec_dot_f16` (scalar path: a float64 accumulator).
    fn vec_dot(w: &[f16], a: &[f16]) -> f32 {
        w.iter().zip(a).map(|(x, y)| (x.to_f32() * y.to_f32()) as f64).sum::<f64>() as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quant::test_util::check_format;

    #[test]
    fn f16_meets_ggml_error_bounds() {
        check_format::<f16>(0.002);
    }

    #[test]
    fn f16_rounds_half_to_even() {
        // 1 + 2^-11 lies exactly between 1 and the next half (1 + 2^-10): ties go to even (1).
        assert_eq!(f16::from_f32(1.0 + 2f32.powi(-11)).to_bits(), 0x3C00);
        assert_eq!(f16::from_f32(1.0 + 3.0 * 2f32.powi(-11)).to_bits(), 0x3C02);
    }
}
