//! ggml's block formats, one file each.
//!
//! A format is a `#[repr(C)]` block struct laid out byte for byte as in ggml's
//! `ggml-common.h`, plus three operations (see [`Format`]):
//!
//! - `dequantize`: blocks → f32 (ggml's `dequantize_row_*`),
//! - `quantize`: f32 → blocks with ggml's reference algorithm (`quantize_row_*_ref`), the one
//!   that makes model files, so ours are byte-identical to llama-quantize's,
//! - `vec_dot`: the dot product of a row of weights with a row of activations quantized to the
//!   format ggml pairs it with ([`Format::Activation`]: Q8_0, Q8_1 or Q8_K).
//!
//! The trait methods are the scalar reference, always present. [`simd`] holds the fast paths;
//! [`kernels`] picks the fastest one this CPU runs, once, at run time.

pub mod bf16;
pub mod fp16;
pub mod fp32;
pub mod iq4_nl;
pub mod iq4_xs;
pub mod q2_k;
pub mod q3_k;
pub mod q4_0;
pub mod q4_1;
pub mod q4_k;
pub mod q5_0;
pub mod q5_1;
pub mod q5_k;
pub mod q6_k;
pub mod q8_0;
pub mod q8_1;
pub mod q8_k;
pub mod activation;
pub mod simd;
#[cfg(test)]
pub(crate) mod test_util;
pub(crate) mod k_quants;

use std::borrow::Cow;
use std::sync::OnceLock;

use bytemuck::{Pod, Zeroable};

use crate::tensor::GgmlType;

/// One ggml block format.
pub trait Format: Pod + Send + Sync + 'static {
    /// The ggml type this block encodes.
    const TYPE: GgmlType;
    /// Weights per block (ggml's `QK*`; 1 for plain element types).
    const BLOCK_LEN: usize;
    /// The format activations are quantized to before `vec_dot` (ggml's `vec_dot_type`).
    type Activation: Format;

    /// Decodes `blocks` into `out` (`out.len() == blocks.len() * BLOCK_LEN`).
    fn dequantize(blocks: &[Self], out: &mut [f32]);
    /// Encodes `x` with ggml's reference quantizer (`x.len() == out.len() * BLOCK_LEN`).
    fn quantize(x: &[f32], out: &mut [Self]);
    /// Σ wᵢ·aᵢ over one row (`w.len() * BLOCK_LEN == a.len() * Activation::BLOCK_LEN`).
    fn vec_dot(w: &[Self], a: &[Self::Activation]) -> f32;
}

/// Errors of the byte-level entry points: lengths that do not fit the format.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum QuantError {
    #[error("{0} has no kernels in this engine (supported: {list})", list = supported_list())]
    Unsupported(GgmlType),
    #[error("{ty}: {len} values is not a whole number of {block_len}-value blocks")]
    PartialBlock { ty: GgmlType, len: usize, block_len: usize },
    #[error("{ty}: {bytes} bytes given where {expected} were needed for {values} values")]
    ByteLength { ty: GgmlType, bytes: usize, expected: usize, values: usize },
}

fn supported_list() -> String {
    GgmlType::all()
        .filter(|ty| kernels(*ty).is_some())
        .map(|ty| ty.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A type-erased `vec_dot`: weight row bytes, activation row bytes → dot product.
/// Lengths are checked by [`Kernels::vec_dot`] before one of these is called.
pub type VecDotFn = fn(&[u8], &[u8]) -> f32;

/// Weight rows per call of a [`VecDotTileFn`].
pub const TILE_ROWS: usize = 4;
/// Most activation rows per call of a [`VecDotTileFn`].
pub const TILE_COLS: usize = 4;

/// A type-erased tile of dot products, for formats with a fast path that computes several at
/// once (see `ops::matmul`): `tile(w, a, n, out)` dots the [`TILE_ROWS`] weight rows in `w`
/// (back to back) with the `n` activation rows in `a` (back to back, 1 ≤ `n` ≤ [`TILE_COLS`])
/// and sets `out[t * TILE_ROWS + r]` to the dot of weight row `r` with activation row `t`:
/// the very bits [`VecDotFn`] returns for that pair. Panics if the lengths do not fit.
pub type VecDotTileFn = fn(w: &[u8], a: &[u8], n: usize, out: &mut [f32]);

/// Everything the engine does with one format, with the fastest `vec_dot` this CPU runs
/// (ggml's `type_traits_cpu`).
pub struct Kernels {
    pub ty: GgmlType,
    /// The format activations are quantized to for [`Kernels::vec_dot`].
    pub activation: GgmlType,
    /// Which implementation `vec_dot` uses: "scalar", "avx2", "avx512vnni", …
    pub vec_dot_impl: &'static str,
    dequantize: fn(&[u8], &mut [f32]),
    quantize: fn(&[f32], &mut [u8]),
    vec_dot: VecDotFn,
    vec_dot_tile: Option<VecDotTileFn>,
}

impl Kernels {
    fn check_values(&self, values: usize) -> Result<usize, QuantError> {
        let block_len = self.ty.block_len();
        if values % block_len != 0 {
            return Err(QuantError::PartialBlock { ty: self.ty, len: values, block_len });
        }
        Ok(values / block_len * self.ty.block_bytes())
    }

    fn check_bytes(ty: GgmlType, bytes: usize, expected: usize, values: usize) -> Result<(), QuantError> {
        if bytes == expected {
            Ok(())
        } else {
            Err(QuantError::ByteLength { ty, bytes, expected, values })
        }
    }

    /// Checks that `values` values fill whole blocks taking exactly `bytes` bytes.
    pub fn check_lengths(&self, values: usize, bytes: usize) -> Result<(), QuantError> {
        let expected = self.check_values(values)?;
        Self::check_bytes(self.ty, bytes, expected, values)
    }

    /// Decodes `bytes` (whole blocks of this format) into `out`.
    pub fn dequantize(&self, bytes: &[u8], out: &mut [f32]) -> Result<(), QuantError> {
        let expected = self.check_values(out.len())?;
        Self::check_bytes(self.ty, bytes.len(), expected, out.len())?;
        (self.dequantize)(bytes, out);
        Ok(())
    }

    /// Encodes `x` into `out` with ggml's reference quantizer.
    pub fn quantize(&self, x: &[f32], out: &mut [u8]) -> Result<(), QuantError> {
        let expected = self.check_values(x.len())?;
        Self::check_bytes(self.ty, out.len(), expected, x.len())?;
        (self.quantize)(x, out);
        Ok(())
    }

    /// Dot product of one row of `n` weights (this format) with `n` activations already
    /// quantized to [`Kernels::activation`].
    pub fn vec_dot(&self, n: usize, w: &[u8], a: &[u8]) -> Result<f32, QuantError> {
        let expected = self.check_values(n)?;
        Self::check_bytes(self.ty, w.len(), expected, n)?;
        let act = kernels(self.activation).expect("activation formats always have kernels");
        let expected = act.check_values(n)?;
        Self::check_bytes(self.activation, a.len(), expected, n)?;
        Ok((self.vec_dot)(w, a))
    }

    /// The unchecked `vec_dot`, for hot loops whose lengths were checked once up front.
    pub fn vec_dot_fn(&self) -> VecDotFn {
        self.vec_dot
    }

    /// The tile kernel, if this format has one on this CPU (its outputs are bit-identical to
    /// [`Kernels::vec_dot_fn`]'s; it only computes several at once, faster).
    pub fn vec_dot_tile_fn(&self) -> Option<VecDotTileFn> {
        self.vec_dot_tile
    }
}

/// Views `bytes` as blocks, copying only when the bytes are not aligned for `B`
/// (possible in a GGUF file whose `general.alignment` is smaller than the block's).
pub fn cast_blocks<B: Pod>(bytes: &[u8]) -> Cow<'_, [B]> {
    match bytemuck::try_cast_slice(bytes) {
        Ok(blocks) => Cow::Borrowed(blocks),
        Err(_) => Cow::Owned(bytemuck::pod_collect_to_vec(bytes)),
    }
}

fn erased_dequantize<F: Format>(bytes: &[u8], out: &mut [f32]) {
    F::dequantize(&cast_blocks::<F>(bytes), out)
}

fn erased_quantize<F: Format>(x: &[f32], out: &mut [u8]) {
    match bytemuck::try_cast_slice_mut::<u8, F>(out) {
        Ok(blocks) => F::quantize(x, blocks),
        Err(_) => {
            let mut blocks = vec![F::zeroed(); out.len() / size_of::<F>()];
            F::quantize(x, &mut blocks);
            out.copy_from_slice(bytemuck::cast_slice(&blocks));
        }
    }
}

fn erased_vec_dot<F: Format>(w: &[u8], a: &[u8]) -> f32 {
    F::vec_dot(&cast_blocks::<F>(w), &cast_blocks::<F::Activation>(a))
}

fn scalar_kernels_of<F: Format>() -> Kernels {
    Kernels {
        ty: F::TYPE,
        activation: <F::Activation as Format>::TYPE,
        vec_dot_impl: "scalar",
        dequantize: erased_dequantize::<F>,
        quantize: erased_quantize::<F>,
        vec_dot: erased_vec_dot::<F>,
        vec_dot_tile: None,
    }
}

/// Calls `$m!(BlockType)` for every format this engine implements.
macro_rules! for_each_format {
    ($m:ident) => {
        $m!(f32);
        $m!(half::f16);
        $m!(half::bf16);
        $m!(q4_0::BlockQ4_0);
        $m!(q4_1::BlockQ4_1);
        $m!(q5_0::BlockQ5_0);
        $m!(q5_1::BlockQ5_1);
        $m!(q8_0::BlockQ8_0);
        $m!(q8_1::BlockQ8_1);
        $m!(q2_k::BlockQ2K);
        $m!(q3_k::BlockQ3K);
        $m!(q4_k::BlockQ4K);
        $m!(q5_k::BlockQ5K);
        $m!(q6_k::BlockQ6K);
        $m!(q8_k::BlockQ8K);
        $m!(iq4_nl::BlockIQ4NL);
        $m!(iq4_xs::BlockIQ4XS);
    };
}

fn build_tables() -> (Vec<Kernels>, Vec<Kernels>) {
    let mut scalar = Vec::new();
    let mut best = Vec::new();
    macro_rules! push {
        ($block:ty) => {{
            scalar.push(scalar_kernels_of::<$block>());
            let mut fast = scalar_kernels_of::<$block>();
            if let Some((name, f)) = simd::best_vec_dot(<$block as Format>::TYPE) {
                fast.vec_dot_impl = name;
                fast.vec_dot = f;
            }
            fast.vec_dot_tile = simd::best_vec_dot_tile(<$block as Format>::TYPE).map(|(_, f)| f);
            best.push(fast);
        }};
    }
    for_each_format!(push);
    (scalar, best)
}

fn tables() -> &'static (Vec<Kernels>, Vec<Kernels>) {
    static TABLES: OnceLock<(Vec<Kernels>, Vec<Kernels>)> = OnceLock::new();
    TABLES.get_or_init(build_tables)
}

/// The fastest kernels this CPU runs for `ty`, or `None` if the engine cannot compute with it.
pub fn kernels(ty: GgmlType) -> Option<&'static Kernels> {
    tables().1.iter().find(|k| k.ty == ty)
}

/// The scalar reference kernels for `ty` (what the SIMD paths are tested against).
pub fn scalar_kernels(ty: GgmlType) -> Option<&'static Kernels> {
    tables().0.iter().find(|k| k.ty == ty)
}

/// Every type the engine can dequantize, quantize and dot.
pub fn supported_types() -> impl Iterator<Item = GgmlType> {
    tables().0.iter().map(|k| k.ty)
}

/// Checked dequantization of a whole tensor's bytes.
pub fn dequantize(ty: GgmlType, bytes: &[u8], out: &mut [f32]) -> Result<(), QuantError> {
    kernels(ty).ok_or(QuantError::Unsupported(ty))?.dequantize(bytes, out)
}

/// Checked reference quantization into a new byte vector.
pub fn quantize(ty: GgmlType, x: &[f32]) -> Result<Vec<u8>, QuantError> {
    let k = kernels(ty).ok_or(QuantError::Unsupported(ty))?;
    let bytes = k.check_values(x.len())?;
    let mut out = vec![0u8; bytes];
    k.quantize(x, &mut out)?;
    Ok(out)
}

/// ggml's `ggml_quantize_chunk` without an importance matrix: what llama-quantize writes into
/// model files. The reference quantizer for every format but IQ4_NL, whose file quantizer
/// searches more scales than its reference one.
pub fn quantize_for_file(ty: GgmlType, x: &[f32]) -> Result<Vec<u8>, QuantError> {
    if ty != GgmlType::IQ4_NL {
        return quantize(ty, x);
    }
    let k = kernels(ty).ok_or(QuantError::Unsupported(ty))?;
    let n_bytes = k.check_values(x.len())?;
    let mut blocks = vec![iq4_nl::BlockIQ4NL::zeroed(); n_bytes / ty.block_bytes()];
    iq4_nl::quantize_searching_scales(x, &mut blocks);
    Ok(bytemuck::cast_slice(&blocks).to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_structs_match_ggml_sizes() {
        macro_rules! check {
            ($block:ty) => {{
                let ty = <$block as Format>::TYPE;
                assert_eq!(size_of::<$block>(), ty.block_bytes(), "{ty} block size");
                assert_eq!(<$block as Format>::BLOCK_LEN, ty.block_len(), "{ty} block length");
            }};
        }
        for_each_format!(check);
    }

    #[test]
    fn lengths_are_checked_not_trusted() {
        let k = kernels(GgmlType::Q4_0).unwrap();
        let mut out = vec![0.0; 33];
        assert!(matches!(k.dequantize(&[0; 18], &mut out), Err(QuantError::PartialBlock { .. })));
        let mut out = vec![0.0; 32];
        assert!(matches!(k.dequantize(&[0; 17], &mut out), Err(QuantError::ByteLength { .. })));
        assert_eq!(quantize(GgmlType::IQ2_XXS, &[0.0; 256]), Err(QuantError::Unsupported(GgmlType::IQ2_XXS)));
    }
}
