//! Quantizing a whole model file the way `llama-quantize` does (llama.cpp src/llama-quant.cpp):
//! the same per-tensor type choices, the same tensor order and metadata, and — because the
//! block formats use ggml's reference quantizers — the same bytes.
//!
//! The choice of a type per tensor is the interesting part for a learner: a "Q4_K_M" file is
//! not all Q4_K. 1-D tensors (norms) stay as they are; the token embedding / output matrix is
//! treated specially; some attention-V and FFN-down layers get more bits ("use_more_bits");
//! and a tensor whose rows are not a whole number of 256-value super-blocks falls back to a
//! 32-block format (SmolLM2's 576-wide rows turn most of a Q4_K_M file into Q5_0).

use std::borrow::Cow;
use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::gguf::{GgufFile, GgufWriter, TensorInfo, Value};
use crate::quant;
use crate::tensor::GgmlType;

/// The file types `infer quantize` can produce (llama.h's `llama_ftype`, named as
/// llama-quantize names them).
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileType {
    F32,
    F16,
    BF16,
    Q4_0,
    Q4_1,
    Q5_0,
    Q5_1,
    Q8_0,
    Q2_K,
    Q3_K_S,
    Q3_K_M,
    Q3_K_L,
    Q4_K_S,
    Q4_K_M,
    Q5_K_S,
    Q5_K_M,
    Q6_K,
    IQ4_NL,
    IQ4_XS,
}

/// (file type, name, llama_ftype id, default tensor type)
const FILE_TYPES: &[(FileType, &str, u32, GgmlType)] = {
    use FileType as F;
    use GgmlType as T;
    &[
        (F::F32, "F32", 0, T::F32),
        (F::F16, "F16", 1, T::F16),
        (F::Q4_0, "Q4_0", 2, T::Q4_0),
        (F::Q4_1, "Q4_1", 3, T::Q4_1),
        (F::Q8_0, "Q8_0", 7, T::Q8_0),
        (F::Q5_0, "Q5_0", 8, T::Q5_0),
        (F::Q5_1, "Q5_1", 9, T::Q5_1),
        (F::Q2_K, "Q2_K", 10, T::Q2_K),
        (F::Q3_K_S, "Q3_K_S", 11, T::Q3_K),
        (F::Q3_K_M, "Q3_K_M", 12, T::Q3_K),
        (F::Q3_K_L, "Q3_K_L", 13, T::Q3_K),
        (F::Q4_K_S, "Q4_K_S", 14, T::Q4_K),
        (F::Q4_K_M, "Q4_K_M", 15, T::Q4_K),
        (F::Q5_K_S, "Q5_K_S", 16, T::Q5_K),
        (F::Q5_K_M, "Q5_K_M", 17, T::Q5_K),
        (F::Q6_K, "Q6_K", 18, T::Q6_K),
        (F::IQ4_NL, "IQ4_NL", 25, T::IQ4_NL),
        (F::IQ4_XS, "IQ4_XS", 30, T::IQ4_XS),
        (F::BF16, "BF16", 32, T::BF16),
    ]
};

impl FileType {
    fn row(self) -> &'static (FileType, &'static str, u32, GgmlType) {
        FILE_TYPES.iter().find(|r| r.0 == self).expect("every file type has a row")
    }

    pub fn all() -> impl Iterator<Item = FileType> {
        FILE_TYPES.iter().map(|r| r.0)
    }

    /// Parses a name as llama-quantize spells it (case-insensitive): "Q4_K_M", "q8_0", …
    pub fn from_name(name: &str) -> Option<FileType> {
        FILE_TYPES.iter().find(|r| r.1.eq_ignore_ascii_case(name)).map(|r| r.0)
    }

    pub fn name(self) -> &'static str {
        self.row().1
    }

    /// The value written to `general.file_type`.
    pub fn id(self) -> u32 {
        self.row().2
    }

    /// The tensor type most weight matrices get.
    pub fn default_type(self) -> GgmlType {
        self.row().3
    }
}

/// Broad tensor roles, by name (llama-quant.cpp's `tensor_category`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Category {
    Output,
    TokenEmbd,
    AttentionQkv,
    AttentionKvB,
    AttentionV,
    AttentionK,
    AttentionQ,
    AttentionOutput,
    FfnUp,
    FfnGate,
    FfnDown,
    Other,
}

fn category(name: &str) -> Category {
    use Category::*;
    if name == "output.weight" {
        return Output;
    }
    if name == "token_embd.weight" || name == "per_layer_token_embd.weight" {
        return TokenEmbd;
    }
    let patterns = [
        ("attn_qkv.weight", AttentionQkv),
        ("attn_kv_b.weight", AttentionKvB),
        ("attn_v.weight", AttentionV),
        ("attn_k.weight", AttentionK),
        ("attn_q.weight", AttentionQ),
        ("attn_output.weight", AttentionOutput),
        ("ffn_up", FfnUp),
        ("ffn_gate", FfnGate),
        ("ffn_down", FfnDown),
    ];
    patterns.iter().find(|(p, _)| name.contains(p)).map_or(Other, |&(_, c)| c)
}

/// Whether llama-quantize would quantize this tensor at all (`tensor_allows_quantization`),
/// limited to the rules that concern llama-family models.
fn allows_quantization(t: &TensorInfo) -> bool {
    let name = t.name.as_str();
    let n_dims = t.shape.iter().rposition(|&d| d != 1).map_or(1, |i| i + 1);
    n_dims >= 2
        && name.ends_with("weight")
        && !name.contains("_norm.weight")
        && !name.contains("ffn_gate_inp.weight")
        && name != "position_embd.weight"
        && name != "token_types.weight"
}

/// Counters and model facts the type choice depends on (`quantize_state_impl`).
struct State {
    ftype: FileType,
    n_gqa: u64,
    n_expert: u64,
    has_tied_embeddings: bool,
    n_attention_wv: usize,
    i_attention_wv: usize,
    n_layer: usize,
    i_ffn_down: usize,
}

/// llama.cpp's `use_more_bits`: the first and last eighth of the layers, and every third
/// layer in between, get more bits for the most sensitive tensors.
fn use_more_bits(i_layer: usize, n_layers: usize) -> bool {
    let (i, n) = (i_layer as i64, n_layers as i64);
    i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2
}

impl State {
    /// `llama_tensor_get_type_impl` for the file types this engine writes.
    fn choose(&mut self, t: &TensorInfo, mut new_type: GgmlType) -> GgmlType {
        use FileType as F;
        use GgmlType as T;
        let ftype = self.ftype;
        let cat = category(&t.name);
        if cat == Category::Output || (self.has_tied_embeddings && cat == Category::TokenEmbd) {
            // The output matrix (or the token embedding standing in for it) is the most
            // sensitive tensor: at least Q6_K unless the rows do not fit the block size.
            let nx = t.row_len();
            if !nx.is_multiple_of(new_type.block_len() as u64) {
                new_type = T::Q8_0;
            } else if new_type != T::Q8_0 {
                new_type = T::Q6_K;
            }
        } else if cat == Category::TokenEmbd {
            // An untied token embedding keeps the default type for these file types.
        } else if matches!(cat, Category::AttentionV | Category::AttentionQkv | Category::AttentionKvB) {
            let (i, n) = (self.i_attention_wv, self.n_attention_wv);
            match ftype {
                F::Q2_K => new_type = if self.n_gqa >= 4 { T::Q4_K } else { T::Q3_K },
                F::Q3_K_M => new_type = if i < 2 { T::Q5_K } else { T::Q4_K },
                F::Q3_K_L => new_type = T::Q5_K,
                F::IQ4_NL | F::IQ4_XS if self.n_gqa >= 4 => new_type = T::Q5_K,
                F::Q4_K_M | F::Q5_K_M if use_more_bits(i, n) => new_type = T::Q6_K,
                F::Q4_K_S if i < 4 => new_type = T::Q5_K,
                _ => {}
            }
            if self.n_expert == 8 {
                new_type = T::Q8_0;
            }
            self.i_attention_wv += 1;
        } else if cat == Category::AttentionK {
            if self.n_expert == 8 {
                new_type = T::Q8_0;
            }
        } else if cat == Category::FfnDown {
            let (i, n) = (self.i_ffn_down, self.n_layer);
            match ftype {
                F::Q2_K => new_type = T::Q3_K,
                F::Q3_K_M => new_type = if i < n / 16 { T::Q5_K } else { T::Q4_K },
                F::Q3_K_L => new_type = T::Q5_K,
                F::Q4_K_M if use_more_bits(i, n) => new_type = T::Q6_K,
                F::Q4_K_M => {}
                F::IQ4_NL | F::IQ4_XS if i < n / 8 => new_type = T::Q5_K,
                F::Q5_K_M if use_more_bits(i, n) => new_type = T::Q6_K,
                F::Q4_K_S if i < n / 8 => new_type = T::Q5_K,
                _ => {}
            }
            self.i_ffn_down += 1;
        } else if cat == Category::AttentionOutput {
            if self.n_expert == 8 {
                if matches!(ftype, F::Q2_K | F::Q3_K_S | F::Q3_K_M | F::IQ4_NL | F::Q4_K_S | F::Q4_K_M | F::IQ4_XS) {
                    new_type = T::Q5_K;
                }
            } else {
                match ftype {
                    F::Q2_K => new_type = T::Q3_K,
                    F::Q3_K_M => new_type = T::Q4_K,
                    F::Q3_K_L => new_type = T::Q5_K,
                    _ => {}
                }
            }
        } else if cat == Category::AttentionQkv {
            // (unreachable: QKV is handled with attention-V above, as in llama.cpp)
        }
        new_type
    }
}

/// `tensor_type_fallback`: a type whose block does not divide the row length falls back to a
/// 32-value block format (or to F16 when even that does not fit).
fn fallback(t: &TensorInfo, ty: GgmlType) -> GgmlType {
    use GgmlType as T;
    let ncols = t.row_len();
    if ncols.is_multiple_of(ty.block_len() as u64) {
        return ty;
    }
    let to = match ty {
        T::IQ4_XS => T::IQ4_NL,
        T::Q2_K | T::Q3_K => T::Q4_0,
        T::Q4_K => T::Q5_0,
        T::Q5_K => T::Q5_1,
        T::Q6_K => T::Q8_0,
        other => other,
    };
    if ncols.is_multiple_of(to.block_len() as u64) { to } else { T::F16 }
}

/// llama-quantize's tensor order (`weight_name_comparer`): tensors outside the blocks first,
/// then by block number, then by name.
fn sort_key(name: &str) -> (i64, &str) {
    let layer = name
        .strip_prefix("blk.")
        .and_then(|rest| rest.split('.').next())
        .and_then(|n| n.parse::<i64>().ok())
        .unwrap_or(-1);
    (layer, name)
}

/// One tensor of the output file: where it comes from and what it becomes.
#[derive(Clone, Debug)]
pub struct PlannedTensor {
    pub source: TensorInfo,
    pub target: GgmlType,
}

/// The per-tensor types llama-quantize would choose for `file` and `ftype`, in its order.
pub fn plan(file: &GgufFile, ftype: FileType) -> Result<Vec<PlannedTensor>> {
    let arch = file.get("general.architecture").and_then(Value::as_str).unwrap_or("llama").to_owned();
    let hp = |key: &str| file.get(&format!("{arch}.{key}")).and_then(Value::as_u64);
    let n_head = hp("attention.head_count").unwrap_or(1);
    let n_head_kv = hp("attention.head_count_kv").filter(|&n| n > 0).unwrap_or(n_head);
    let mut tensors: Vec<&TensorInfo> = file.tensors().iter().collect();
    tensors.sort_by(|a, b| sort_key(&a.name).cmp(&sort_key(&b.name)));

    let mut state = State {
        ftype,
        n_gqa: n_head / n_head_kv,
        n_expert: hp("expert_count").unwrap_or(0),
        has_tied_embeddings: !tensors.iter().any(|t| category(&t.name) == Category::Output),
        n_attention_wv: tensors
            .iter()
            .filter(|t| matches!(category(&t.name), Category::AttentionV | Category::AttentionQkv | Category::AttentionKvB))
            .count(),
        i_attention_wv: 0,
        n_layer: hp("block_count").unwrap_or(0) as usize,
        i_ffn_down: 0,
    };
    let default_type = ftype.default_type();
    let mut planned = Vec::with_capacity(tensors.len());
    for t in tensors {
        let target = if !allows_quantization(t) {
            t.ty
        } else if default_type.is_quantized() {
            fallback(t, state.choose(t, default_type))
        } else {
            default_type
        };
        planned.push(PlannedTensor { source: t.clone(), target });
    }
    Ok(planned)
}

/// What [`quantize_file`] did.
pub struct Report {
    pub tensors: Vec<PlannedTensor>,
    pub bytes_in: u64,
    pub bytes_out: u64,
}

/// Writes `output`: `input` with its weight matrices converted for `ftype` (see [`convert_model`]).
pub fn quantize_file(input: &GgufFile, output: &Path, ftype: FileType) -> Result<Report> {
    let (writer, report) = convert_model(input, ftype)?;
    writer.write_file(output).with_context(|| format!("writing {}", output.display()))?;
    Ok(report)
}

/// `input` with its weight matrices converted for `ftype`, ready to write. Tensors already in
/// their target type are copied unchanged; others are dequantized to f32 and quantized as
/// llama-quantize does (requantizing an already quantized model compounds the errors:
/// quantize from F16/BF16/F32 when you can).
pub fn convert_model(input: &GgufFile, ftype: FileType) -> Result<(GgufWriter<'_>, Report)> {
    let planned = plan(input, ftype)?;
    let mut writer = GgufWriter::new();
    for (key, value) in &input.header.metadata {
        writer.set(key, value.clone());
    }
    // llama-quantize re-sets these two, which moves them to the end of the metadata.
    for (key, value) in [("general.quantization_version", 2), ("general.file_type", ftype.id())] {
        writer.remove(key);
        writer.set(key, Value::U32(value));
    }
    for key in ["split.no", "split.count", "split.tensors.count"] {
        writer.remove(key);
    }

    let mut bytes_out = 0;
    for p in &planned {
        let t = &p.source;
        let data = input.tensor_data(t);
        let converted = if p.target == t.ty {
            Cow::Borrowed(data)
        } else {
            Cow::Owned(convert(t, data, p.target)?)
        };
        bytes_out += converted.len() as u64;
        writer.add_tensor(&t.name, &t.shape, p.target, converted)?;
    }
    Ok((writer, Report { tensors: planned, bytes_in: input.header.data_len(), bytes_out }))
}

fn convert(t: &TensorInfo, data: &[u8], target: GgmlType) -> Result<Vec<u8>> {
    let (Some(from), Some(_)) = (quant::kernels(t.ty), quant::kernels(target)) else {
        bail!("tensor '{}': cannot convert {} to {} (this engine computes with: {})", t.name, t.ty, target, supported());
    };
    let n = t.n_elements() as usize;
    let mut values = vec![0f32; n];
    from.dequantize(data, &mut values).with_context(|| format!("dequantizing '{}'", t.name))?;
    quant::quantize_for_file(target, &values).with_context(|| format!("quantizing '{}' to {target}", t.name))
}

fn supported() -> String {
    quant::supported_types().map(|t| t.name()).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn use_more_bits_marks_first_and_last_eighth_and_every_third() {
        // 30 layers: n/8 = 3, 7n/8 = 26; in between, (i - 3) % 3 == 2 → 5, 8, 11, …, 23.
        let chosen: Vec<usize> = (0..30).filter(|&i| use_more_bits(i, 30)).collect();
        assert_eq!(chosen, vec![0, 1, 2, 5, 8, 11, 14, 17, 20, 23, 26, 27, 28, 29]);
    }

    #[test]
    fn llama_quantize_orders_blocks_numerically() {
        let mut names = vec!["blk.10.attn_q.weight", "output_norm.weight", "blk.2.ffn_up.weight", "token_embd.weight", "blk.2.attn_k.weight"];
        names.sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
        assert_eq!(names, ["output_norm.weight", "token_embd.weight", "blk.2.attn_k.weight", "blk.2.ffn_up.weight", "blk.10.attn_q.weight"]);
    }

    #[test]
    fn file_type_names_round_trip() {
        for f in FileType::all() {
            assert_eq!(FileType::from_name(f.name()), Some(f));
        }
        assert_eq!(FileType::from_name("q4_k_m"), Some(FileType::Q4_K_M));
    }
}
