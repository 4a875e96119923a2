//! Quantizing activations for the matrix multiplications, as ggml's CPU backend does.
//!
//! Weights were quantized once, offline, with the careful reference quantizers. Activations
//! are quantized on every matmul, so ggml uses a faster variant: the same Q8 formats, but
//! `id = 127 / max` (instead of `1 / d`) and round-half-to-even (the SIMD rounding mode)
//! instead of round-half-away-from-zero. Matching it keeps our logits close to llama.cpp's.

use half::f16;

use super::q8_0::{BlockQ8_0, QK8_0};
use super::q8_1::{BlockQ8_1, QK8_1};
use super::{Kernels, QuantError};
use crate::tensor::GgmlType;

/// ggml-cpu's `quantize_row_q8_0` (x86 path).
pub fn quantize_q8_0(x: &[f32], out: &mut [BlockQ8_0]) {
    for (xb, block) in x.chunks_exact(QK8_0).zip(out.iter_mut()) {
        let (d, id) = scale_of(xb);
        block.d = f16::from_f32(d);
        for (q, &v) in block.qs.iter_mut().zip(xb) {
            *q = (v * id).round_ties_even() as i8;
        }
    }
}

/// ggml-cpu's `quantize_row_q8_1` (x86 path): also stores `s = d · Σq` for the weight
/// formats with a minimum (Q4_1, Q5_1).
pub fn quantize_q8_1(x: &[f32], out: &mut [BlockQ8_1]) {
    for (xb, block) in x.chunks_exact(QK8_1).zip(out.iter_mut()) {
        let (d, id) = scale_of(xb);
        let mut sum = 0i32;
        for (q, &v) in block.qs.iter_mut().zip(xb) {
            *q = (v * id).round_ties_even() as i8;
            sum += *q as i32;
        }
        block.d = f16::from_f32(d);
        block.s = f16::from_f32(d * sum as f32);
    }
}

fn scale_of(xb: &[f32]) -> (f32, f32) {
    // Eight running maxima, then the largest of them: the same maximum as one running one
    // (the order in which a maximum is taken does not change it), in a shape the compiler
    // turns into vector instructions.
    let mut lanes = [0.0f32; 8];
    for chunk in xb.chunks_exact(8) {
        for (m, v) in lanes.iter_mut().zip(chunk) {
            *m = m.max(v.abs());
        }
    }
    let max = lanes.iter().fold(0.0f32, |m, &v| m.max(v));
    (max / 127.0, if max != 0.0 { 127.0 / max } else { 0.0 })
}

/// Quantizes one row of activations into `out` in the format `kernels.activation`.
/// Q8_0 and Q8_1 use the fast variants above; other activation formats (Q8_K, F32, F16,
/// BF16) use their reference quantizers, as ggml does.
pub fn quantize_row(act: &Kernels, x: &[f32], out: &mut [u8]) -> Result<(), QuantError> {
    match act.ty {
        GgmlType::Q8_0 => with_blocks(act, x, out, quantize_q8_0),
        GgmlType::Q8_1 => with_blocks(act, x, out, quantize_q8_1),
        _ => act.quantize(x, out),
    }
}

fn with_blocks<B: bytemuck::Pod>(act: &Kernels, x: &[f32], out: &mut [u8], f: fn(&[f32], &mut [B])) -> Result<(), QuantError> {
    act.check_lengths(x.len(), out.len())?;
    match bytemuck::try_cast_slice_mut::<u8, B>(out) {
        Ok(blocks) => f(x, blocks),
        Err(_) => {
            let mut blocks = vec![B::zeroed(); out.len() / size_of::<B>()];
            f(x, &mut blocks);
            out.copy_from_slice(bytemuck::cast_slice(&blocks));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytemuck::Zeroable;

    use crate::quant::Format;
    use crate::quant::test_util::Rng;

    #[test]
    fn activation_q8_rounds_half_to_even_unlike_the_reference() {
        // max 127 → d = 1, id = 1: 2.5 rounds to 2 here (ties to even), to 3 in the reference.
        let mut x = [0.0f32; 32];
        x[0] = 127.0;
        x[1] = 2.5;
        let mut fast = [BlockQ8_0::zeroed()];
        quantize_q8_0(&x, &mut fast);
        let mut reference = [BlockQ8_0::zeroed()];
        BlockQ8_0::quantize(&x, &mut reference);
        assert_eq!((fast[0].qs[1], reference[0].qs[1]), (2, 3));
    }

    #[test]
    fn activation_q8_1_sum_matches_its_codes() {
        let x = Rng::fresh().weights(64);
        let mut blocks = [BlockQ8_1::zeroed(); 2];
        quantize_q8_1(&x, &mut blocks);
        for (b, xb) in blocks.iter().zip(x.chunks(32)) {
            let d = xb.iter().fold(0.0f32, |m, v| m.max(v.abs())) / 127.0;
            let sum: i32 = b.qs.iter().map(|&q| q as i32).sum();
            assert_eq!(b.s, f16::from_f32(d * sum as f32), "s = d·Σq with d before its f16 rounding");
        }
    }
}
