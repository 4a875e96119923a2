//! What can be wrong with a GGUF file, and where.
//!
//! Every [`ParseError`] names the field being read and the byte offset where it starts, so a
//! learner can open the file in a hex viewer and see the problem.

use std::fmt;
use std::path::PathBuf;

use crate::tensor::GgmlType;

/// Which part of the file a check was about.
#[derive(Clone, Debug, PartialEq)]
pub enum Field {
    Magic,
    Version,
    TensorCount,
    MetadataCount,
    /// The key of metadata entry `index`.
    Key { index: u64 },
    /// The value of metadata entry `key`.
    Value { key: String },
    /// Item `index` of the array value of `key`.
    ArrayItem { key: String, index: u64 },
    /// `part` of tensor-info record `index` (named once its name is known).
    TensorInfo { index: u64, name: Option<String>, part: &'static str },
    /// The tensor data of `name`.
    TensorData { name: String },
    /// The padding between the tensor infos and the data.
    DataPadding,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Field::Magic => write!(f, "magic"),
            Field::Version => write!(f, "version"),
            Field::TensorCount => write!(f, "tensor count"),
            Field::MetadataCount => write!(f, "metadata count"),
            Field::Key { index } => write!(f, "key of metadata entry {index}"),
            Field::Value { key } => write!(f, "value of '{key}'"),
            Field::ArrayItem { key, index } => write!(f, "item {index} of '{key}'"),
            Field::TensorInfo { index, name: Some(name), part } => write!(f, "{part} of tensor {index} '{name}'"),
            Field::TensorInfo { index, name: None, part } => write!(f, "{part} of tensor {index}"),
            Field::TensorData { name } => write!(f, "data of tensor '{name}'"),
            Field::DataPadding => write!(f, "padding before the tensor data"),
        }
    }
}

/// What was wrong.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ParseErrorKind {
    #[error("the file ends: {needed} bytes needed, {available} left")]
    Truncated { needed: u64, available: u64 },
    #[error("not a GGUF file: starts with {found:?}, not \"GGUF\"")]
    BadMagic { found: [u8; 4] },
    #[error("version {0} is not supported (this engine reads GGUF v2 and v3)")]
    UnsupportedVersion(u32),
    #[error("version {0:#x} looks byte-swapped: big-endian GGUF files are not supported")]
    BigEndian(u32),
    #[error("count {count} needs at least {min_bytes} bytes but only {available} remain")]
    CountTooLarge { count: u64, min_bytes: u128, available: u64 },
    #[error("length {len} is over the limit of {limit}")]
    TooLong { len: u64, limit: u64 },
    #[error("is not valid UTF-8")]
    NotUtf8,
    #[error("the key is empty")]
    EmptyKey,
    #[error("duplicate key '{0}'")]
    DuplicateKey(String),
    #[error("unknown value type {0}")]
    UnknownValueType(u32),
    #[error("arrays nested deeper than {0} levels")]
    NestingTooDeep(usize),
    #[error("bool byte {0} is neither 0 nor 1")]
    InvalidBool(u8),
    #[error("general.alignment must be a u32, found {0}")]
    AlignmentType(crate::gguf::ValueType),
    #[error("alignment {0} is not a power of two")]
    AlignmentNotPowerOfTwo(u32),
    #[error("duplicate tensor name '{0}'")]
    DuplicateTensor(String),
    #[error("{n_dims} dimensions (at most {max})")]
    TooManyDims { n_dims: u32, max: u32 },
    #[error("shape {shape:?} has a dimension, element count or row count over 2^63 - 1")]
    ShapeOverflow { shape: Vec<u64> },
    #[error("shape {shape:?} of {ty} has a size (the whole, a row or a slice) of 2^64 bytes or more")]
    SizeOverflow { shape: Vec<u64>, ty: GgmlType },
    #[error("unknown tensor type {0}")]
    UnknownTensorType(u32),
    #[error("{ty} stores blocks of {block_len} values, but the first dimension is {ne0}")]
    PartialBlock { ty: GgmlType, ne0: u64, block_len: usize },
    #[error("offset {offset} is not a multiple of the alignment {alignment}")]
    Misaligned { offset: u64, alignment: u32 },
    #[error("bytes {start}..{end} lie outside the file ({file_len} bytes)")]
    OutOfBounds { start: u64, end: u64, file_len: u64 },
    #[error("bytes {start}..{end} overlap tensor '{other}'")]
    Overlap { start: u64, end: u64, other: String },
}

/// A file that is not a valid GGUF file: what, which field, at which byte.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("byte {offset}: {field}: {kind}")]
pub struct ParseError {
    pub offset: u64,
    pub field: Field,
    pub kind: ParseErrorKind,
}

/// Errors of opening a GGUF file.
#[derive(Debug, thiserror::Error)]
pub enum GgufError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: invalid GGUF file at {error}\n{HINT}")]
    Invalid { path: PathBuf, error: Box<ParseError> },
}

impl GgufError {
    /// The parse error, when the file was read but is not valid GGUF.
    pub fn parse_error(&self) -> Option<&ParseError> {
        match self {
            GgufError::Invalid { error, .. } => Some(error),
            GgufError::Io { .. } => None,
        }
    }
}

const HINT: &str = "The file is damaged, truncated or not a GGUF model: download it again (`infer fetch` \
for the default model) or re-convert it; `infer gguf inspect FILE` shows what parses.";
