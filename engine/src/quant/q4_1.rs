//! Q4_1: 32 weights, f16 scale `d` and minimum `m`; 4-bit codes decode to `q * d + m`.
//!
//! TODO(issue 2): being filled in; every body below is a placeholder.

use bytemuck::{Pod, Zeroable};
use half::f16;

use super::Format;
use super::q8_1::BlockQ8_1;
use crate::tensor::GgmlType;

/// ggml's `block_q4_1`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable, PartialEq)]
pub struct BlockQ4_1 {
    pub d: f16,
    pub m: f16,
    pub qs: [u8; 16],
}

impl Format for BlockQ4_1 {
    const TYPE: GgmlType = GgmlType::Q4_1;
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
