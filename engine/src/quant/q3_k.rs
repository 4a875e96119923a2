//! Q3_K: 256-weight super-blocks of 16 sub-blocks with 6-bit scales; 3-bit codes.
//!
//! TODO(issue 2): being filled in; every body below is a placeholder.

use bytemuck::{Pod, Zeroable};
use half::f16;

use super::Format;
use super::q8_k::BlockQ8K;
use crate::tensor::{GgmlType, QK_K};

/// ggml's `block_q3_k`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable, PartialEq)]
pub struct BlockQ3K {
    pub hmask: [u8; QK_K / 8],
    pub qs: [u8; QK_K / 4],
    pub scales: [u8; 12],
    pub d: f16,
}

impl Format for BlockQ3K {
    const TYPE: GgmlType = GgmlType::Q3_K;
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
