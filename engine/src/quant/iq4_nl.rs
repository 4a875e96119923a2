//! IQ4_NL: like Q4_0, but the 16 codes index a non-linear table of values.
//!
//! TODO(issue 2): being filled in; every body below is a placeholder.

use bytemuck::{Pod, Zeroable};
use half::f16;

use super::Format;
use super::q8_0::BlockQ8_0;
use crate::tensor::GgmlType;

/// ggml's `block_iq4_nl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable, PartialEq)]
pub struct BlockIQ4NL {
    pub d: f16,
    pub qs: [u8; 16],
}

impl Format for BlockIQ4NL {
    const TYPE: GgmlType = GgmlType::IQ4_NL;
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
