//! Q4_0: 32 weights share one f16 scale `d`; each weight is a 4-bit code q in 0..=15 and
//! decodes to `(q - 8) * d`. 18 bytes per 32 weights: 4.5 bits per weight.
//!
//! The scale is chosen so the weight of largest magnitude lands exactly on code 0
//! (`d = max / -8`), which wastes no range on the side the block does not use.

use bytemuck::{Pod, Zeroable};
use half::f16;

use super::Format;
use super::q8_0::BlockQ8_0;
use crate::tensor::GgmlType;

pub const QK4_0: usize = 32;

/// ggml's `block_q4_0`. Byte `j` of `qs` holds weight `j` in its low nibble and weight
/// `j + 16` in its high nibble.
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable, PartialEq)]
pub struct BlockQ4_0 {
    pub d: f16,
    pub qs: [u8; QK4_0 / 2],
}

const _: () = assert!(size_of::<BlockQ4_0>() == 18);

impl Format for BlockQ4_0 {
    const TYPE: GgmlType = GgmlType::Q4_0;
    const BLOCK_LEN: usize = QK4_0;
    type Activation = BlockQ8_0;

    fn dequantize(blocks: &[Self], out: &mut [f32]) {
        for (block, y) in blocks.iter().zip(out.chunks_exact_mut(QK4_0)) {
            let d = block.d.to_f32();
            for (j, &q) in block.qs.iter().enumerate() {
                y[j] = ((q & 0x0F) as i32 - 8) as f32 * d;
                y[j + QK4_0 / 2] = ((q >> 4) as i32 - 8) as f32 * d;
            }
        }
    }

    /// ggml's `quantize_row_q4_0_ref`.
    fn quantize(x: &[f32], out: &mut [Self]) {
        for (xb, block) in x.chunks_exact(QK4_0).zip(out.iter_mut()) {
            // The signed value of largest magnitude (the first one, on ties).
            let mut amax = 0.0f32;
            let mut max = 0.0f32;
            for &v in xb {
                if amax < v.abs() {
                    amax = v.abs();
                    max = v;
                }
            }
            let d = max / -8.0;
            let id = if d != 0.0 { 1.0 / d } else { 0.0 };
            block.d = f16::from_f32(d);
            for j in 0..QK4_0 / 2 {
                // `as i8` truncates toward zero like C's (int8_t) cast: +8.5 rounds to nearest.
                let q0 = ((xb[j] * id + 8.5) as i8).min(15) as u8;
                let q1 = ((xb[j + QK4_0 / 2] * id + 8.5) as i8).min(15) as u8;
                block.qs[j] = q0 | (q1 << 4);
            }
        }
    }

    /// ggml's `ggml_vec_dot_q4_0_q8_0_generic`: integer sums per block, one float
    /// multiply by both scales per block.
    fn vec_dot(w: &[Self], a: &[BlockQ8_0]) -> f32 {
        let mut sum = 0.0f32;
        for (x, y) in w.iter().zip(a) {
            let mut sumi = 0i32;
            for j in 0..QK4_0 / 2 {
                let v0 = (x.qs[j] & 0x0F) as i32 - 8;
                let v1 = (x.qs[j] >> 4) as i32 - 8;
                sumi += v0 * y.qs[j] as i32 + v1 * y.qs[j + QK4_0 / 2] as i32;
            }
            sum += sumi as f32 * x.d.to_f32() * y.d.to_f32();
        }
        sum
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quant::test_util::check_format;

    #[test]
    fn q4_0_meets_ggml_error_bounds() {
        check_format::<BlockQ4_0>(0.002);
    }

    #[test]
    fn q4_0_puts_the_largest_magnitude_on_code_zero() {
        let mut x = [0.25f32; 32];
        x[5] = -2.0;
        let mut b = [BlockQ4_0::zeroed()];
        BlockQ4_0::quantize(&x, &mut b);
        assert_eq!(b[0].d.to_f32(), 0.25);
        assert_eq!(b[0].qs[5] & 0x0F, 0, "-2.0 = (0 - 8) * 0.25");
        assert_eq!(b[0].qs[0] & 0x0F, 9, "0.25 = (9 - 8) * 0.25");
    }
}
