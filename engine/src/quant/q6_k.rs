//! Q6_K: 256-weight super-blocks of 16 sub-blocks with 8-bit scales; 6-bit codes.
//!
//! TODO(issue 2): being filled in; every body below is a placeholder.

use bytemuck::{Pod, Zeroable};
use half::f16;

use super::Format;
use super::q8_k::BlockQ8K;
use crate::tensor::{GgmlType, QK_K};

/// ggml's `block_q6_k`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable, PartialEq)]
pub struct BlockQ6K {
    pub ql: [u8; QK_K / 2],
    pub qh: [u8; QK_K / 4],
    pub scales: [i8; QK_K / 16],
    pub d: f16,
}

impl Format for BlockQ6K {
    const TYPE: GgmlType = GgmlType::Q6_K;
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
