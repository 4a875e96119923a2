//! BF16: the top 16 bits of an f32 (8-bit exponent, 7-bit mantissa), one value per "block".
//! Conversion is ggml's `ggml_compute_fp32_to_bf16`: round to nearest even, NaNs kept quiet.

use half::bf16;

use super::Format;
use crate::tensor::GgmlType;

/// ggml's f32 → bf16 rounding (it differs from a plain truncation and, for NaN payloads,
/// from other libraries, so it is spelled out here).
pub fn bf16_from_f32(v: f32) -> bf16 {
    let bits = v.to_bits();
    if bits & 0x7fff_ffff > 0x7f80_0000 {
        return bf16::from_bits(((bits >> 16) | 64) as u16);
    }
    bf16::from_bits((bits.wrapping_add(0x7fff + ((bits >> 16) & 1)) >> 16) as u16)
}

impl Format for bf16 {
    const TYPE: GgmlType = GgmlType::BF16;
    const BLOCK_LEN: usize = 1;
    type Activation = bf16;

    fn dequantize(blocks: &[bf16], out: &mut [f32]) {
        for (y, x) in out.iter_mut().zip(blocks) {
            *y = f32::from_bits((x.to_bits() as u32) << 16);
        }
    }

    fn quantize(x: &[f32], out: &mut [bf16]) {
        for (y, &v) in out.iter_mut().zip(x) {
            *y = bf16_from_f32(v);
        }
    }

    /// ggml's `ggml_vec_dot_bf16` (scalar path: a float64 accumulator).
    fn vec_dot(w: &[bf16], a: &[bf16]) -> f32 {
        w.iter().zip(a).map(|(x, y)| (x.to_f32() * y.to_f32()) as f64).sum::<f64>() as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quant::test_util::check_format;

    #[test]
    fn bf16_meets_ggml_error_bounds() {
        check_format::<bf16>(0.002);
    }

    #[test]
    fn bf16_rounds_half_to_even_and_keeps_nan_quiet() {
        assert_eq!(bf16_from_f32(f32::from_bits(0x3F80_8000)).to_bits(), 0x3F80, "tie to even (down)");
        assert_eq!(bf16_from_f32(f32::from_bits(0x3F81_8000)).to_bits(), 0x3F82, "tie to even (up)");
        assert_eq!(bf16_from_f32(f32::from_bits(0x7F80_0001)).to_bits(), 0x7FC0, "signalling NaN made quiet");
    }
}
