//! The model's weights: views into the memory-mapped GGUF file, never copies (except the
//! tiny norm vectors, converted to f32 once).

use super::{Config, ModelError};
use crate::gguf::{GgufFile, TensorInfo};
use crate::quant::{self, Kernels};
use crate::tensor::GgmlType;

/// A weight matrix of `rows` × `cols` in its stored (usually quantized) format: row `r` is
/// the `r`-th output feature, `cols` values wide (ggml's `ne[1]` × `ne[0]`).
pub struct Matrix<'f> {
    pub name: String,
    pub ty: GgmlType,
    pub rows: usize,
    pub cols: usize,
    /// The bytes of all rows, straight from the file's memory map.
    pub data: &'f [u8],
    pub row_bytes: usize,
    pub kernels: &'static Kernels,
}

impl<'f> Matrix<'f> {
    fn load(file: &'f GgufFile, name: &str, cols: usize, rows: usize) -> Result<Matrix<'f>, ModelError> {
        let t = tensor(file, name)?;
        check_shape(t, &[cols as u64, rows as u64])?;
        let kernels = quant::kernels(t.ty).ok_or(ModelError::UnsupportedTensorType { name: name.into(), ty: t.ty })?;
        let row_bytes = t.ty.row_bytes(cols).expect("shape checked against the block size when the file was opened");
        Ok(Matrix { name: name.into(), ty: t.ty, rows, cols, data: file.tensor_data(t), row_bytes, kernels })
    }

    pub fn row(&self, r: usize) -> &'f [u8] {
        &self.data[r * self.row_bytes..(r + 1) * self.row_bytes]
    }

    /// Rows `rows`, back to back.
    pub fn rows(&self, rows: std::ops::Range<usize>) -> &'f [u8] {
        &self.data[rows.start * self.row_bytes..rows.end * self.row_bytes]
    }

    /// Row `r` as f32 (how the token embedding is looked up).
    pub fn dequantize_row(&self, r: usize, out: &mut [f32]) {
        self.kernels.dequantize(self.row(r), out).expect("row length matches the matrix shape");
    }
}

/// One transformer block's weights.
pub struct Layer<'f> {
    pub attn_norm: Vec<f32>,
    pub wq: Matrix<'f>,
    pub wk: Matrix<'f>,
    pub wv: Matrix<'f>,
    pub wo: Matrix<'f>,
    pub ffn_norm: Vec<f32>,
    pub w_gate: Matrix<'f>,
    pub w_up: Matrix<'f>,
    pub w_down: Matrix<'f>,
}

/// A loaded model: configuration plus weight views borrowed from the open file.
pub struct Model<'f> {
    pub config: Config,
    pub file: &'f GgufFile,
    pub token_embd: Matrix<'f>,
    pub layers: Vec<Layer<'f>>,
    pub output_norm: Vec<f32>,
    /// The output projection; the token embedding itself when the model ties them.
    pub output: Matrix<'f>,
}

impl<'f> Model<'f> {
    pub fn load(file: &'f GgufFile) -> Result<Model<'f>, ModelError> {
        let c = Config::from_gguf(file)?;
        let (d, kv, ff) = (c.n_embd, c.n_head_kv * c.head_dim, c.n_ff);
        let layers = (0..c.n_layer)
            .map(|i| {
                let name = |part: &str| format!("blk.{i}.{part}.weight");
                Ok(Layer {
                    attn_norm: vector(file, &name("attn_norm"), d)?,
                    wq: Matrix::load(file, &name("attn_q"), d, d)?,
                    wk: Matrix::load(file, &name("attn_k"), d, kv)?,
                    wv: Matrix::load(file, &name("attn_v"), d, kv)?,
                    wo: Matrix::load(file, &name("attn_output"), d, d)?,
                    ffn_norm: vector(file, &name("ffn_norm"), d)?,
                    w_gate: Matrix::load(file, &name("ffn_gate"), d, ff)?,
                    w_up: Matrix::load(file, &name("ffn_up"), d, ff)?,
                    w_down: Matrix::load(file, &name("ffn_down"), ff, d)?,
                })
            })
            .collect::<Result<Vec<_>, ModelError>>()?;
        let token_embd = Matrix::load(file, "token_embd.weight", d, c.vocab_size)?;
        let output = match file.tensor("output.weight") {
            Some(_) => Matrix::load(file, "output.weight", d, c.vocab_size)?,
            None => Matrix::load(file, "token_embd.weight", d, c.vocab_size)?,
        };
        Ok(Model { output_norm: vector(file, "output_norm.weight", d)?, config: c, file, token_embd, layers, output })
    }

    /// True when the output projection is the token embedding matrix (SmolLM2 ties them).
    pub fn tied_embeddings(&self) -> bool {
        self.file.tensor("output.weight").is_none()
    }
}

fn tensor<'f>(file: &'f GgufFile, name: &str) -> Result<&'f TensorInfo, ModelError> {
    file.tensor(name).ok_or(ModelError::MissingTensor { name: name.into() })
}

fn check_shape(t: &TensorInfo, expected: &[u64]) -> Result<(), ModelError> {
    // ggml drops trailing dimensions of 1; compare with them removed.
    let trim = |s: &[u64]| s.iter().rposition(|&d| d != 1).map_or(0, |i| i + 1);
    let (found, want) = (&t.shape[..trim(&t.shape)], &expected[..trim(expected)]);
    if found != want {
        return Err(ModelError::TensorShape { name: t.name.clone(), expected: expected.to_vec(), found: t.shape.clone() });
    }
    Ok(())
}

/// A 1-D weight (a norm's gain) as f32.
fn vector(file: &GgufFile, name: &str, len: usize) -> Result<Vec<f32>, ModelError> {
    let t = tensor(file, name)?;
    check_shape(t, &[len as u64])?;
    let mut out = vec![0.0; len];
    quant::dequantize(t.ty, file.tensor_data(t), &mut out).map_err(|_| ModelError::UnsupportedTensorType { name: name.into(), ty: t.ty })?;
    Ok(out)
}
