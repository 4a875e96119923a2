//! Reading and validating a GGUF file, after ggml's `gguf_init_from_file`.
//!
//! [`parse_header`] is a pure function of the bytes: it reads the header, the metadata and the
//! tensor infos, and checks every count, length and offset against the bytes that remain
//! *before* allocating for it, so a crafted file can neither crash it nor make it allocate
//! more than a small multiple of the file's own size (the in-memory size of an item over its
//! smallest encoding: a 1-byte array item becomes a 32-byte [`Value`]). [`GgufFile`]
//! memory-maps a file and keeps the parsed header beside the map; tensor data is borrowed from
//! the map, never copied.

use std::collections::HashSet;
use std::fs::File;
use std::path::{Path, PathBuf};

use memmap2::Mmap;

use super::error::{Field, GgufError, ParseError, ParseErrorKind};
use super::value::{Value, ValueType};
use super::{ALIGNMENT_KEY, DEFAULT_ALIGNMENT, MAGIC};
use crate::tensor::GgmlType;

/// ggml's limits (gguf.cpp, ggml.h).
pub const MAX_STRING_LEN: u64 = 1 << 30;
pub const MAX_ARRAY_LEN: u64 = 1 << 30;
pub const MAX_DIMS: u32 = 4;
/// ggml's `GGML_MAX_NAME`: names must be shorter than this (they live in a char[64]).
pub const MAX_TENSOR_NAME_LEN: usize = 64;
/// ggml rejects nested arrays outright; GGUF allows them, gguf-py writes them, so we read a
/// few levels and no more (each level would otherwise recurse on attacker-chosen depth).
pub const MAX_ARRAY_NESTING: usize = 4;
/// The fewest bytes a metadata entry and a tensor info can take (for count checks).
const MIN_KV_BYTES: u64 = 8 + 4 + 1;
const MIN_TENSOR_INFO_BYTES: u64 = 8 + 4 + 4 + 8;

/// One tensor as the file describes it.
#[derive(Clone, Debug, PartialEq)]
pub struct TensorInfo {
    pub name: String,
    /// ggml's `ne`: the first dimension is the row length (contiguous in memory).
    pub shape: Vec<u64>,
    pub ty: GgmlType,
    /// Offset of the data from the start of the data section (aligned).
    pub offset: u64,
    /// Size of the data in bytes (whole blocks).
    pub n_bytes: u64,
    /// Where this tensor's info record starts in the file (for error messages).
    pub info_offset: u64,
}

impl TensorInfo {
    pub fn n_elements(&self) -> u64 {
        self.shape.iter().product()
    }

    /// Number of rows: all dimensions but the first.
    pub fn n_rows(&self) -> u64 {
        self.shape.iter().skip(1).product()
    }

    pub fn row_len(&self) -> u64 {
        self.shape.first().copied().unwrap_or(1)
    }
}

/// Everything in a GGUF file before the tensor data.
#[derive(Clone, Debug, PartialEq)]
pub struct Header {
    pub version: u32,
    /// Metadata in file order (order is kept so a file can be rewritten byte for byte).
    pub metadata: Vec<(String, Value)>,
    pub tensors: Vec<TensorInfo>,
    pub alignment: u32,
    /// Where the data section starts in the file.
    pub data_offset: u64,
}

impl Header {
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.metadata.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn tensor(&self, name: &str) -> Option<&TensorInfo> {
        self.tensors.iter().find(|t| t.name == name)
    }

    /// Bytes of the data section (from its start to the end of the last tensor).
    pub fn data_len(&self) -> u64 {
        self.tensors.iter().map(|t| t.offset + t.n_bytes).max().unwrap_or(0)
    }
}

/// A bounds-checked little-endian reader that knows its position in the file.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn remaining(&self) -> u64 {
        (self.bytes.len() - self.pos) as u64
    }

    fn error(&self, at: usize, field: Field, kind: ParseErrorKind) -> ParseError {
        ParseError { offset: at as u64, field, kind }
    }

    fn take(&mut self, n: u64, field: impl FnOnce() -> Field) -> Result<&'a [u8], ParseError> {
        if n > self.remaining() {
            let kind = ParseErrorKind::Truncated { needed: n, available: self.remaining() };
            return Err(self.error(self.pos, field(), kind));
        }
        let start = self.pos;
        self.pos += n as usize;
        Ok(&self.bytes[start..self.pos])
    }

    fn array<const N: usize>(&mut self, field: impl FnOnce() -> Field) -> Result<[u8; N], ParseError> {
        let bytes = self.take(N as u64, field)?;
        Ok(bytes.try_into().expect("take returned N bytes"))
    }

    fn u32(&mut self, field: impl FnOnce() -> Field) -> Result<u32, ParseError> {
        self.array(field).map(u32::from_le_bytes)
    }

    fn u64(&mut self, field: impl FnOnce() -> Field) -> Result<u64, ParseError> {
        self.array(field).map(u64::from_le_bytes)
    }

    /// A count of items each at least `min_item_bytes` long: refused when the rest of the
    /// file could not hold that many, so no allocation outgrows the file by more than the ratio
    /// of an item's in-memory size to `min_item_bytes`.
    fn count(&mut self, min_item_bytes: u64, field: impl Fn() -> Field) -> Result<u64, ParseError> {
        let at = self.pos;
        let count = self.u64(&field)?;
        let min_bytes = count as u128 * min_item_bytes as u128;
        if min_bytes > self.remaining() as u128 {
            let kind = ParseErrorKind::CountTooLarge { count, min_bytes, available: self.remaining() };
            return Err(self.error(at, field(), kind));
        }
        Ok(count)
    }

    fn string_bytes(&mut self, field: impl Fn() -> Field) -> Result<&'a [u8], ParseError> {
        let at = self.pos;
        let len = self.u64(&field)?;
        if len > MAX_STRING_LEN {
            return Err(self.error(at, field(), ParseErrorKind::TooLong { len, limit: MAX_STRING_LEN }));
        }
        self.take(len, field)
    }

    fn utf8(&mut self, field: impl Fn() -> Field) -> Result<String, ParseError> {
        let at = self.pos;
        let bytes = self.string_bytes(&field)?;
        match std::str::from_utf8(bytes) {
            Ok(s) => Ok(s.to_owned()),
            Err(_) => Err(self.error(at, field(), ParseErrorKind::NotUtf8)),
        }
    }

    fn value_type(&mut self, field: impl Fn() -> Field) -> Result<ValueType, ParseError> {
        let at = self.pos;
        let id = self.u32(&field)?;
        ValueType::from_id(id).ok_or_else(|| self.error(at, field(), ParseErrorKind::UnknownValueType(id)))
    }

    /// A value of type `ty`; `key` is the metadata entry it belongs to (for naming array items).
    fn value(&mut self, ty: ValueType, key: &str, depth: usize, field: &dyn Fn() -> Field) -> Result<Value, ParseError> {
        let at = self.pos;
        Ok(match ty {
            ValueType::U8 => Value::U8(self.array(field).map(u8::from_le_bytes)?),
            ValueType::I8 => Value::I8(self.array(field).map(i8::from_le_bytes)?),
            ValueType::U16 => Value::U16(self.array(field).map(u16::from_le_bytes)?),
            ValueType::I16 => Value::I16(self.array(field).map(i16::from_le_bytes)?),
            ValueType::U32 => Value::U32(self.u32(field)?),
            ValueType::I32 => Value::I32(self.array(field).map(i32::from_le_bytes)?),
            ValueType::F32 => Value::F32(self.array(field).map(f32::from_le_bytes)?),
            ValueType::U64 => Value::U64(self.u64(field)?),
            ValueType::I64 => Value::I64(self.array(field).map(i64::from_le_bytes)?),
            ValueType::F64 => Value::F64(self.array(field).map(f64::from_le_bytes)?),
            ValueType::Bool => match self.array::<1>(field)?[0] {
                0 => Value::Bool(false),
                1 => Value::Bool(true),
                other => return Err(self.error(at, field(), ParseErrorKind::InvalidBool(other))),
            },
            ValueType::String => Value::String(self.string_bytes(field)?.to_vec()),
            ValueType::Array => {
                if depth >= MAX_ARRAY_NESTING {
                    return Err(self.error(at, field(), ParseErrorKind::NestingTooDeep(MAX_ARRAY_NESTING)));
                }
                let elem = self.value_type(field)?;
                let len_at = self.pos;
                let len = self.count(elem.min_size() as u64, field)?;
                if len > MAX_ARRAY_LEN {
                    return Err(self.error(len_at, field(), ParseErrorKind::TooLong { len, limit: MAX_ARRAY_LEN }));
                }
                let mut items = Vec::with_capacity(len as usize);
                for index in 0..len {
                    let item = || Field::ArrayItem { key: key.to_owned(), index };
                    items.push(self.value(elem, key, depth + 1, &item)?);
                }
                Value::Array(elem, items)
            }
        })
    }
}

/// Parses and validates everything but the tensor data of a GGUF file held in `bytes`,
/// including that every tensor's data lies inside `bytes`, aligned and not overlapping another.
///
/// ggml's reader additionally insists that tensors are stored in info order with minimal
/// padding between them; the GGUF specification does not, so neither do we.
pub fn parse_header(bytes: &[u8]) -> Result<Header, ParseError> {
    let mut c = Cursor { bytes, pos: 0 };

    let magic = c.array::<4>(|| Field::Magic)?;
    if magic != MAGIC {
        return Err(c.error(0, Field::Magic, ParseErrorKind::BadMagic { found: magic }));
    }
    let version = c.u32(|| Field::Version)?;
    match version {
        2 | 3 => {}
        // A big-endian writer's 2 or 3 reads as 0x02000000 or 0x03000000 here. (0 is no
        // byte-swapped version, just a bad one.)
        v if v != 0 && v & 0xFFFF == 0 && v.swap_bytes() <= 3 => {
            return Err(c.error(4, Field::Version, ParseErrorKind::BigEndian(v)));
        }
        v => return Err(c.error(4, Field::Version, ParseErrorKind::UnsupportedVersion(v))),
    }
    let n_tensors = c.count(MIN_TENSOR_INFO_BYTES, || Field::TensorCount)?;
    let n_kv = c.count(MIN_KV_BYTES, || Field::MetadataCount)?;

    let mut metadata = Vec::with_capacity(n_kv as usize);
    let mut seen_keys = HashSet::new();
    // Where the value of general.alignment starts (its type id), checked after the loop.
    let mut alignment_at = 0;
    for index in 0..n_kv {
        let key_at = c.pos;
        let key = c.utf8(|| Field::Key { index })?;
        if key.is_empty() {
            return Err(c.error(key_at, Field::Key { index }, ParseErrorKind::EmptyKey));
        }
        if !seen_keys.insert(key.clone()) {
            return Err(c.error(key_at, Field::Key { index }, ParseErrorKind::DuplicateKey(key)));
        }
        let field = || Field::Value { key: key.clone() };
        if key == ALIGNMENT_KEY {
            alignment_at = c.pos;
        }
        let ty = c.value_type(field)?;
        let value = c.value(ty, &key, 0, &field)?;
        metadata.push((key, value));
    }

    let alignment = match metadata.iter().find(|(k, _)| k == ALIGNMENT_KEY) {
        None => DEFAULT_ALIGNMENT,
        Some((_, Value::U32(a))) if a.is_power_of_two() => *a,
        Some((key, value)) => {
            // A wrong type is reported at the type id, a wrong number at the number after it.
            let (at, kind) = match value {
                Value::U32(a) => (alignment_at + 4, ParseErrorKind::AlignmentNotPowerOfTwo(*a)),
                other => (alignment_at, ParseErrorKind::AlignmentType(other.value_type())),
            };
            return Err(c.error(at, Field::Value { key: key.clone() }, kind));
        }
    };

    let mut tensors: Vec<TensorInfo> = Vec::with_capacity(n_tensors as usize);
    let mut seen_names = HashSet::new();
    for index in 0..n_tensors {
        let info_offset = c.pos as u64;
        let name = c.utf8(|| Field::TensorInfo { index, name: None, part: "name" })?;
        let field = |part: &'static str| Field::TensorInfo { index, name: Some(name.clone()), part };
        if name.len() >= MAX_TENSOR_NAME_LEN {
            let kind = ParseErrorKind::TooLong { len: name.len() as u64, limit: MAX_TENSOR_NAME_LEN as u64 - 1 };
            return Err(c.error(info_offset as usize, field("name"), kind));
        }
        if !seen_names.insert(name.clone()) {
            return Err(c.error(info_offset as usize, field("name"), ParseErrorKind::DuplicateTensor(name)));
        }

        let dims_at = c.pos;
        let n_dims = c.u32(|| field("n_dims"))?;
        if n_dims > MAX_DIMS {
            return Err(c.error(dims_at, field("n_dims"), ParseErrorKind::TooManyDims { n_dims, max: MAX_DIMS }));
        }
        let shape_at = c.pos;
        let mut shape = Vec::with_capacity(n_dims as usize);
        for _ in 0..n_dims {
            shape.push(c.u64(|| field("shape"))?);
        }
        // ggml keeps dimensions and element counts in int64_t. Every product of dimensions
        // must fit, not just the total: the empty [0, 2^40, 2^40] has 2^80 rows. Taking zeros
        // as ones bounds every such product (rows, slices, the total) by one number.
        let bound = shape.iter().try_fold(1u64, |acc, &d| acc.checked_mul(d.max(1))).filter(|&n| n <= i64::MAX as u64);
        let Some(bound) = bound else {
            return Err(c.error(shape_at, field("shape"), ParseErrorKind::ShapeOverflow { shape }));
        };
        let n_elements: u64 = shape.iter().product();

        let type_at = c.pos;
        let type_id = c.u32(|| field("type"))?;
        let ty = GgmlType::from_id(type_id)
            .ok_or_else(|| c.error(type_at, field("type"), ParseErrorKind::UnknownTensorType(type_id)))?;
        let (block_len, block_bytes) = (ty.block_len() as u64, ty.block_bytes() as u64);
        let ne0 = shape.first().copied().unwrap_or(1);
        if ne0 % block_len != 0 {
            let kind = ParseErrorKind::PartialBlock { ty, ne0, block_len: ty.block_len() };
            return Err(c.error(type_at, field("type"), kind));
        }
        // Elements fit in 63 bits, their bytes need not: 2^62 F32 values are 2^64 bytes. The
        // bound in bytes must fit, so that the total, a row and every stride do, even in an
        // empty tensor ([2^62, 0] F32 has rows of 2^64 bytes). When ne0 is 0, rows and all
        // built from them are 0 bytes. (Divisions are exact: ne0 is a whole number of blocks
        // and a factor of both products.)
        let byte_bound = if ne0 == 0 { Some(0) } else { (bound / block_len).checked_mul(block_bytes) };
        if byte_bound.is_none() {
            return Err(c.error(type_at, field("type"), ParseErrorKind::SizeOverflow { shape, ty }));
        }
        let n_bytes = n_elements / block_len * block_bytes;

        let offset_at = c.pos;
        let offset = c.u64(|| field("offset"))?;
        if offset % alignment as u64 != 0 {
            return Err(c.error(offset_at, field("offset"), ParseErrorKind::Misaligned { offset, alignment }));
        }
        tensors.push(TensorInfo { name, shape, ty, offset, n_bytes, info_offset });
    }

    // The data section starts at the next multiple of the alignment.
    let infos_end = c.pos as u64;
    let data_offset = infos_end.div_ceil(alignment as u64) * alignment as u64;
    if data_offset > bytes.len() as u64 && !tensors.is_empty() {
        let kind = ParseErrorKind::Truncated { needed: data_offset - infos_end, available: c.remaining() };
        return Err(c.error(c.pos, Field::DataPadding, kind));
    }

    check_tensor_placement(&tensors, data_offset, bytes.len() as u64)?;
    Ok(Header { version, metadata, tensors, alignment, data_offset })
}

/// Every tensor's bytes inside the file and disjoint from every other tensor's.
fn check_tensor_placement(tensors: &[TensorInfo], data_offset: u64, file_len: u64) -> Result<(), ParseError> {
    let span = |t: &TensorInfo| {
        let start = data_offset.checked_add(t.offset)?;
        Some((start, start.checked_add(t.n_bytes)?))
    };
    let error = |t: &TensorInfo, kind| ParseError {
        offset: t.info_offset,
        field: Field::TensorData { name: t.name.clone() },
        kind,
    };
    let mut spans = Vec::with_capacity(tensors.len());
    for t in tensors {
        match span(t) {
            Some((start, end)) if end <= file_len => spans.push((start, end, t)),
            other => {
                let (start, end) = other.unwrap_or((data_offset.saturating_add(t.offset), u64::MAX));
                return Err(error(t, ParseErrorKind::OutOfBounds { start, end, file_len }));
            }
        }
    }
    // Empty tensors occupy no bytes and overlap nothing; they are dropped before the check
    // rather than skipped in it, because one sorted between two overlapping tensors would
    // otherwise hide the overlap (each compared only with its empty neighbour). Among non-empty
    // spans sorted by start, comparing neighbours is enough: if none overlap, ends increase.
    spans.retain(|&(start, end, _)| start < end);
    spans.sort_by_key(|&(start, end, _)| (start, end));
    for pair in spans.windows(2) {
        let (_, prev_end, prev) = pair[0];
        let (start, end, t) = pair[1];
        if start < prev_end {
            return Err(error(t, ParseErrorKind::Overlap { start, end, other: prev.name.clone() }));
        }
    }
    Ok(())
}

enum Storage {
    Mmap(Mmap),
    Owned(Vec<u8>),
}

/// A validated GGUF file: the header, plus the bytes the tensor data is borrowed from.
pub struct GgufFile {
    pub header: Header,
    pub path: Option<PathBuf>,
    storage: Storage,
}

impl GgufFile {
    /// Memory-maps and validates `path`. The weights are never copied: tensor data is read
    /// through the map, page by page, as it is used.
    pub fn open(path: impl AsRef<Path>) -> Result<GgufFile, GgufError> {
        let path = path.as_ref();
        let io = |source| GgufError::Io { path: path.to_owned(), source };
        let file = File::open(path).map_err(io)?;
        // SAFETY: the map is read-only and private to this process. Like every mmap-based
        // model loader (llama.cpp's included), we assume the file is not truncated or
        // rewritten while it is open.
        let map = unsafe { Mmap::map(&file) }.map_err(io)?;
        let header = parse_header(&map).map_err(|error| GgufError::Invalid { path: path.to_owned(), error: Box::new(error) })?;
        Ok(GgufFile { header, path: Some(path.to_owned()), storage: Storage::Mmap(map) })
    }

    /// Validates a file held in memory (tests, fuzzing, files built on the fly).
    pub fn from_bytes(bytes: Vec<u8>) -> Result<GgufFile, ParseError> {
        let header = parse_header(&bytes)?;
        Ok(GgufFile { header, path: None, storage: Storage::Owned(bytes) })
    }

    /// The whole file.
    pub fn bytes(&self) -> &[u8] {
        match &self.storage {
            Storage::Mmap(map) => map,
            Storage::Owned(bytes) => bytes,
        }
    }

    /// The bytes of a tensor's data (bounds were checked when the file was opened).
    pub fn tensor_data(&self, tensor: &TensorInfo) -> &[u8] {
        let start = (self.header.data_offset + tensor.offset) as usize;
        &self.bytes()[start..start + tensor.n_bytes as usize]
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.header.get(key)
    }

    pub fn tensor(&self, name: &str) -> Option<&TensorInfo> {
        self.header.tensor(name)
    }

    pub fn tensors(&self) -> &[TensorInfo] {
        &self.header.tensors
    }
}
