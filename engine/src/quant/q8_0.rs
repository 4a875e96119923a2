//! Q8_0: 32 weights share one f16 scale `d`; each weight is an i8 and decodes to `q * d`.
//! 34 bytes per 32 weights: 8.5 bits per weight. It is also the activation format that
//! Q4_0, Q5_0, Q8_0 and IQ4_NL weights are dotted with.

use bytemuck::{Pod, Zeroable};
use half::f16;

use super::Format;
use crate::tensor::GgmlType;

pub const QK8_0: usize = 32;

/// ggml's `block_q8_0`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable, PartialEq)]
pub struct BlockQ8_0 {
    pub d: f16,
    pub qs: [i8; QK8_0],
}

const _: () = assert!(size_of::<BlockQ8_0>() == 34);

impl Format for BlockQ8_0 {
    const TYPE: GgmlType = GgmlType::Q8_0;
    const BLOCK_LEN: usize = QK8_0;
    type Activation = BlockQ8_0;

    fn dequantize(blocks: &[Self], out: &mut [f32]) {
        for (block, y) in blocks.iter().zip(out.chunks_exact_mut(QK8_0)) {
            let d = block.d.to_f32();
            for (y, &q) in y.iter_mut().zip(&block.qs) {
                *y = q as f32 * d;
            }
        }
    }

    /// ggml's `quantize_row_q8_0_ref`: symmetric, `d = max|x| / 127`, round half away from zero.
    fn quantize(x: &[f32], out: &mut [Self]) {
        for (xb, block) in x.chunks_exact(QK8_0).zip(out.iter_mut()) {
            let amax = xb.iter().fold(0.0f32, |m, v| m.max(v.abs()));
            let d = amax / 127.0;
            let id = if d != 0.0 { 1.0 / d } else { 0.0 };
            block.d = f16::from_f32(d);
            for (q, &v) in block.qs.iter_mut().zip(xb) {
                *q = (v * id).round() as i8;
            }
        }
    }

    /// ggml's `ggml_vec_dot_q8_0_q8_0_generic`.
    fn vec_dot(w: &[Self], a: &[Self]) -> f32 {
        let mut sum = 0.0f32;
        for (x, y) in w.iter().zip(a) {
            let sumi: i32 = x.qs.iter().zip(&y.qs).map(|(&p, &q)| p as i32 * q as i32).sum();
            // ggml multiplies the two scales first (unlike Q4_0's dot): same order, same bits.
            sum += sumi as f32 * (x.d.to_f32() * y.d.to_f32());
        }
        sum
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quant::test_util::check_format;

    #[test]
    fn q8_0_meets_ggml_error_bounds() {
        check_format::<BlockQ8_0>(0.002);
    }
}
