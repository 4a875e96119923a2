//! Q5_1: 32 weights, f16 scale and minimum; 5-bit codes decode to `q * d + m`.
//!
//! TODO(issue 2): being filled in; every body below is a placeholder.

use bytemuck::{Pod, Zeroable};
use half::f16;

use super::Format;
use super::q8_1::BlockQ8_1;
use crate::tensor::GgmlType;

/// ggml's `block_q5_1`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable, PartialEq)]
pub struct BlockQ5_1 {
    pub d: f16,
    pub m: f16,
    pub qh: [u8; 4],
    pub qs: [u8; 16],
}

impl Format for BlockQ5_1 {
    const TYPE: GgmlType = GgmlType::Q5_1;
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
