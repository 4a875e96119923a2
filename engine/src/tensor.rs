//! Tensor element types as ggml numbers them, and what one block of each weighs.
//!
//! The ids are part of the GGUF format: a tensor-info record stores one as a `u32`.
//! Ids 4, 5 and 31-33, 36-38 were removed from ggml and are unknown here too; the list is
//! llama.cpp b11312's (ggml/include/ggml.h).

use std::fmt;

/// A ggml tensor type (`enum ggml_type`).
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GgmlType {
    F32,
    F16,
    Q4_0,
    Q4_1,
    Q5_0,
    Q5_1,
    Q8_0,
    Q8_1,
    Q2_K,
    Q3_K,
    Q4_K,
    Q5_K,
    Q6_K,
    Q8_K,
    IQ2_XXS,
    IQ2_XS,
    IQ3_XXS,
    IQ1_S,
    IQ4_NL,
    IQ3_S,
    IQ2_S,
    IQ4_XS,
    I8,
    I16,
    I32,
    I64,
    F64,
    IQ1_M,
    BF16,
    TQ1_0,
    TQ2_0,
    MXFP4,
    NVFP4,
    Q1_0,
    Q2_0,
}

/// Weights per super-block of the k-quants and i-quants (ggml's `QK_K`).
pub const QK_K: usize = 256;

/// (type, id, name, weights per block, bytes per block), from ggml.c's `type_traits`.
const TABLE: &[(GgmlType, u32, &str, usize, usize)] = {
    use GgmlType::*;
    &[
        (F32, 0, "F32", 1, 4),
        (F16, 1, "F16", 1, 2),
        (Q4_0, 2, "Q4_0", 32, 18),
        (Q4_1, 3, "Q4_1", 32, 20),
        (Q5_0, 6, "Q5_0", 32, 22),
        (Q5_1, 7, "Q5_1", 32, 24),
        (Q8_0, 8, "Q8_0", 32, 34),
        (Q8_1, 9, "Q8_1", 32, 36),
        (Q2_K, 10, "Q2_K", QK_K, 84),
        (Q3_K, 11, "Q3_K", QK_K, 110),
        (Q4_K, 12, "Q4_K", QK_K, 144),
        (Q5_K, 13, "Q5_K", QK_K, 176),
        (Q6_K, 14, "Q6_K", QK_K, 210),
        (Q8_K, 15, "Q8_K", QK_K, 292),
        (IQ2_XXS, 16, "IQ2_XXS", QK_K, 66),
        (IQ2_XS, 17, "IQ2_XS", QK_K, 74),
        (IQ3_XXS, 18, "IQ3_XXS", QK_K, 98),
        (IQ1_S, 19, "IQ1_S", QK_K, 50),
        (IQ4_NL, 20, "IQ4_NL", 32, 18),
        (IQ3_S, 21, "IQ3_S", QK_K, 110),
        (IQ2_S, 22, "IQ2_S", QK_K, 82),
        (IQ4_XS, 23, "IQ4_XS", QK_K, 136),
        (I8, 24, "I8", 1, 1),
        (I16, 25, "I16", 1, 2),
        (I32, 26, "I32", 1, 4),
        (I64, 27, "I64", 1, 8),
        (F64, 28, "F64", 1, 8),
        (IQ1_M, 29, "IQ1_M", QK_K, 56),
        (BF16, 30, "BF16", 1, 2),
        (TQ1_0, 34, "TQ1_0", QK_K, 54),
        (TQ2_0, 35, "TQ2_0", QK_K, 66),
        (MXFP4, 39, "MXFP4", 32, 17),
        (NVFP4, 40, "NVFP4", 64, 36),
        (Q1_0, 41, "Q1_0", 128, 18),
        (Q2_0, 42, "Q2_0", 64, 18),
    ]
};

impl GgmlType {
    /// Every type this engine can name, in id order.
    pub fn all() -> impl Iterator<Item = GgmlType> {
        TABLE.iter().map(|row| row.0)
    }

    fn row(self) -> &'static (GgmlType, u32, &'static str, usize, usize) {
        TABLE.iter().find(|row| row.0 == self).expect("every variant has a table row")
    }

    /// The type with this GGUF/ggml id, or `None` for an unknown or removed id.
    pub fn from_id(id: u32) -> Option<GgmlType> {
        TABLE.iter().find(|row| row.1 == id).map(|row| row.0)
    }

    /// The type named `name` (as ggml spells it, case-insensitive).
    pub fn from_name(name: &str) -> Option<GgmlType> {
        TABLE.iter().find(|row| row.2.eq_ignore_ascii_case(name)).map(|row| row.0)
    }

    pub fn id(self) -> u32 {
        self.row().1
    }

    pub fn name(self) -> &'static str {
        self.row().2
    }

    /// Weights per block (1 for plain element types).
    pub fn block_len(self) -> usize {
        self.row().3
    }

    /// Bytes per block.
    pub fn block_bytes(self) -> usize {
        self.row().4
    }

    /// Bytes of a row of `n` weights, or `None` when `n` is not a whole number of blocks.
    pub fn row_bytes(self, n: usize) -> Option<usize> {
        n.is_multiple_of(self.block_len()).then(|| n / self.block_len() * self.block_bytes())
    }

    /// Bits per weight of the format (e.g. 4.5 for Q4_0).
    pub fn bits_per_weight(self) -> f64 {
        self.block_bytes() as f64 * 8.0 / self.block_len() as f64
    }

    /// True for the block-quantized formats (as opposed to plain element types).
    pub fn is_quantized(self) -> bool {
        self.block_len() > 1
    }
}

impl fmt::Display for GgmlType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names_round_trip() {
        for ty in GgmlType::all() {
            assert_eq!(GgmlType::from_id(ty.id()), Some(ty));
            assert_eq!(GgmlType::from_name(ty.name()), Some(ty));
        }
        for removed in [4, 5, 31, 32, 33, 36, 37, 38, 43, 1000] {
            assert_eq!(GgmlType::from_id(removed), None, "id {removed}");
        }
    }

    #[test]
    fn q4_0_weighs_four_and_a_half_bits() {
        assert_eq!(GgmlType::Q4_0.bits_per_weight(), 4.5);
        assert_eq!(GgmlType::Q4_K.row_bytes(576), None);
        assert_eq!(GgmlType::Q4_1.row_bytes(576), Some(18 * 20));
    }
}
