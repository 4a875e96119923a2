//! Q8_1: Q8_0 plus a second f16, `s = d * Σ q`, the block's sum as the codes see it.
//! 36 bytes per 32 weights: 9 bits per weight. It exists as the activation format of Q4_1
//! and Q5_1, whose dot products need Σ a to apply their minimum: stored once per block at
//! quantization time, it saves 32 additions per block in every dot product.

use bytemuck::{Pod, Zeroable};
use half::f16;

use super::Format;
use crate::tensor::GgmlType;

pub const QK8_1: usize = 32;

/// ggml's `block_q8_1`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable, PartialEq)]
pub struct BlockQ8_1 {
    pub d: f16,
    /// `d * Σ qs`, so a dot with Q4_1/Q5_1 can add the minimum term in one multiply.
    pub s: f16,
    pub qs: [i8; QK8_1],
}

const _: () = assert!(size_of::<BlockQ8_1>() == 36);

impl Format for BlockQ8_1 {
    const TYPE: GgmlType = GgmlType::Q8_1;
    const BLOCK_LEN: usize = QK8_1;
    type Activation = BlockQ8_1;

    /// `q * d`, as for Q8_0 (ggml itself has no `dequantize_row_q8_1`); `s` is not needed.
    fn dequantize(blocks: &[Self], out: &mut [f32]) {
        for (block, y) in blocks.iter().zip(out.chunks_exact_mut(QK8_1)) {
            let d = block.d.to_f32();
            for (y, &q) in y.iter_mut().zip(&block.qs) {
                *y = q as f32 * d;
            }
        }
    }

    /// ggml's `quantize_row_q8_1_ref`: the codes are exactly Q8_0's; `s` is the integer sum
    /// of the codes times the f32 `d`, before `d` is rounded to f16.
    fn quantize(x: &[f32], out: &mut [Self]) {
        for (xb, block) in x.chunks_exact(QK8_1).zip(out.iter_mut()) {
            let amax = xb.iter().fold(0.0f32, |m, v| m.max(v.abs()));
            let d = amax / 127.0;
            let id = if d != 0.0 { 1.0 / d } else { 0.0 };
            block.d = f16::from_f32(d);
            for (q, &v) in block.qs.iter_mut().zip(xb) {
                *q = (v * id).round() as i8;
            }
            let sum: i32 = block.qs.iter().map(|&q| q as i32).sum();
            block.s = f16::from_f32(sum as f32 * d);
        }
    }

    /// Σ qa·qb per block times both scales, shaped like `ggml_vec_dot_q8_0_q8_0_generic`:
    /// ggml never dots two Q8_1 rows, so it has no kernel to follow. `s` plays no part.
    fn vec_dot(w: &[Self], a: &[Self]) -> f32 {
        let mut sum = 0.0f32;
        for (x, y) in w.iter().zip(a) {
            let sumi: i32 = x.qs.iter().zip(&y.qs).map(|(&p, &q)| p as i32 * q as i32).sum();
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
    fn q8_1_meets_ggml_error_bounds() {
        check_format::<BlockQ8_1>(0.002);
    }

    #[test]
    fn q8_1_stores_d_times_the_sum_of_the_codes() {
        // max|x| = 63.5, so d = 63.5 / 127 = 0.5 and 1/d = 2, all exact. Codes are round(2x),
        // half away from zero: 63.5 → 127, 1.25 → 3, -1.25 → -3, -50.2 → round(-100.4) = -100,
        // and 0 for the rest. Σ q = 127 + 3 - 3 - 100 = 27, so s = 0.5 * 27 = 13.5 (exact in
        // f16). Storing Σ x instead (13.3) would give f16(13.3) = 13.296875.
        let mut x = [0.0f32; 32];
        x[0] = 63.5;
        x[1] = 1.25;
        x[2] = -1.25;
        x[20] = -50.2;
        let mut b = [BlockQ8_1::zeroed()];
        BlockQ8_1::quantize(&x, &mut b);
        assert_eq!(b[0].d.to_f32(), 0.5);
        assert_eq!(&b[0].qs[..3], &[127, 3, -3]);
        assert_eq!(b[0].qs[20], -100);
        assert_eq!(b[0].s.to_f32(), 13.5);

        let mut y = [0.0f32; 32];
        BlockQ8_1::dequantize(&b, &mut y);
        assert_eq!(&y[..3], &[63.5, 1.5, -1.5], "q * d: 3 * 0.5 = 1.5");
    }

    #[test]
    fn q8_1_dot_multiplies_codes_and_scales_and_ignores_s() {
        // Each of the 32 products is 2 * -3 = -6, so Σ qa·qb = -192; times da·db = 0.5 * 0.25
        // gives -24. The `s` fields hold nonsense: the dot must not read them.
        let w = BlockQ8_1 { d: f16::from_f32(0.5), s: f16::from_f32(100.0), qs: [2; 32] };
        let a = BlockQ8_1 { d: f16::from_f32(0.25), s: f16::from_f32(-7.0), qs: [-3; 32] };
        assert_eq!(BlockQ8_1::vec_dot(&[w], &[a]), -24.0);
    }
}
