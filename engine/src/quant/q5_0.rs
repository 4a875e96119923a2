//! Q5_0: 32 weights, f16 scale; 5-bit codes (low nibble in `qs`, fifth bit in `qh`) decode to `(q - 16) * d`.
//!
//! TODO(issue 2): being filled in; every body below is a placeholder.

use bytemuck::{Pod, Zeroable};
use half::f16;

use super::Format;
use super::q8_0::BlockQ8_0;
use crate::tensor::GgmlType;

/// ggml's `block_q5_0`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable, PartialEq)]
pub struct BlockQ5_0 {
    pub d: f16,
    pub qh: [u8; 4],
    pub qs: [u8; 16],
}

impl Format for BlockQ5_0 {
    const TYPE: GgmlType = GgmlType::Q5_0;
    const BLOCK_LEN: usize = 32;
    type Activation = BlockQ8_0;

    fn dequantize(_blocks: &[Self], _out: &mut [f32]) {
        todo!()
    }

    fn quantize(_x: &[f32], _out: &mut [Self]) {
        todo!()
    }

    fn vec_dot(_w: &[Self], _a: &[BlockQ8_0]) -> f32 {
        todo!()
    }
}
