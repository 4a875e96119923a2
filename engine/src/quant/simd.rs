//! Fast `vec_dot` paths, chosen at run time; each is tested against the scalar reference.
//!
//! TODO(issue 2): AVX2/FMA and AVX-512 VNNI paths.

use super::VecDotFn;
use crate::tensor::GgmlType;

/// The fastest `vec_dot` this CPU runs for `ty` other than the scalar one, with its name.
pub fn best_vec_dot(_ty: GgmlType) -> Option<(&'static str, VecDotFn)> {
    None
}
