//! GGUF, the file format of llama.cpp models (module 1 of the course).
//!
//! A GGUF file is, in order (all little-endian):
//!
//! ```text
//! magic "GGUF" | version u32 | tensor_count u64 | metadata_kv_count u64
//! metadata:     kv_count × (key: string, value_type: u32, value)
//! tensor infos: tensor_count × (name: string, n_dims: u32, ne: n_dims × u64, type: u32, offset: u64)
//! padding to `general.alignment` (default 32)
//! tensor data:  each tensor at data_start + offset, offsets aligned
//! ```
//!
//! where a string is `len: u64` then `len` bytes (UTF-8, no terminator) and an array value is
//! `elem_type: u32, count: u64, count × elem`. [`GgufFile::open`] memory-maps a file and
//! validates everything once, so later code can trust shapes and offsets; tensor data is handed
//! out as zero-copy slices of the map. [`GgufWriter`] writes files in the same layout.

mod error;
mod reader;
mod value;
mod writer;

pub use error::{Field, GgufError, ParseError, ParseErrorKind};
pub use reader::{GgufFile, Header, TensorInfo, parse_header};
pub use value::{Value, ValueType};
pub use writer::GgufWriter;

/// The first four bytes of every GGUF file.
pub const MAGIC: [u8; 4] = *b"GGUF";
/// Tensor data alignment when `general.alignment` is absent.
pub const DEFAULT_ALIGNMENT: u32 = 32;
/// The metadata key that overrides the alignment (must be a `u32` power of two).
pub const ALIGNMENT_KEY: &str = "general.alignment";
