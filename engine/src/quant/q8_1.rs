//! Q8_1: Q8_0 plus the block sum; the activation format of Q4_1 and Q5_1.
//!
//! TODO(issue 2): being filled in; every body below is a placeholder.

use bytemuck::{Pod, Zeroable};
use half::f16;

use super::Format;
use crate::tensor::GgmlType;

/// ggml's `block_q8_1`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable, PartialEq)]
pub struct BlockQ8_1 {
    pub d: f16,
    /// `d * Σ qs`, so a dot with Q4_1/Q5_1 can add the minimum term in one multiply.
    pub s: f16,
    pub qs: [i8; 32],
}

impl Format for BlockQ8_1 {
    const TYPE: GgmlType = GgmlType::Q8_1;
    const BLOCK_LEN: usize = 32;
    type Activation = BlockQ8_1;

    fn dequantize(_blocks: &[Self], _out: &mut [f32]) {
        todo!()
    }

    fn quantize(_x: &[f32], _out: &mut [Self]) {
        todo!()
    }

    fn vec_dot(_w: &[Self], _a: &[BlockQ8_1]) -> f32 {
        todo!()
    }
}
