//! IQ4_XS: IQ4_NL's non-linear codes in 256-weight super-blocks with 6-bit sub-block scales.
//!
//! TODO(issue 2): being filled in; every body below is a placeholder.

use bytemuck::{Pod, Zeroable};
use half::f16;

use super::Format;
use super::q8_k::BlockQ8K;
use crate::tensor::{GgmlType, QK_K};

/// ggml's `block_iq4_xs`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable, PartialEq)]
pub struct BlockIQ4XS {
    pub d: f16,
    pub scales_h: u16,
    pub scales_l: [u8; QK_K / 64],
    pub qs: [u8; QK_K / 2],
}

impl Format for BlockIQ4XS {
    const TYPE: GgmlType = GgmlType::IQ4_XS;
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
