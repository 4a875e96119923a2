//! Q8_K: the activation format of the k-quants: 256 values, an f32 scale, i8 codes, and the
//! sums of each group of 16 codes (so dots with formats that carry a minimum save work).
//!
//! TODO(issue 2): being filled in; every body below is a placeholder.

use bytemuck::{Pod, Zeroable};

use super::Format;
use crate::tensor::{GgmlType, QK_K};

/// ggml's `block_q8_K`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable, PartialEq)]
pub struct BlockQ8K {
    pub d: f32,
    pub qs: [i8; QK_K],
    pub bsums: [i16; QK_K / 16],
}

impl Format for BlockQ8K {
    const TYPE: GgmlType = GgmlType::Q8_K;
    const BLOCK_LEN: usize = QK_K;
    type Activation = BlockQ8K;

    fn dequantize(_blocks: &[Self], _out: &mut [f32]) {
        todo!()
    }

    fn quantize(_x: &[f32], _out: &mut [Self]) {
        todo!()
    }

    fn vec_dot(_w: &[Self], _a: &[BlockQ8K]) -> f32 {
        todo!()
    }
}
