//! Lab 1.1, reference solution: read a GGUF header and its metadata.

use std::fmt;

/// The first four bytes of every GGUF file.
pub const MAGIC: [u8; 4] = *b"GGUF";

/// The fewest bytes one metadata entry can take: key length (8), value type (4), a 1-byte value.
pub const MIN_ENTRY_BYTES: u64 = 8 + 4 + 1;
/// The fewest bytes one tensor-info record can take: name length (8), n_dims (4), type (4),
/// offset (8).
pub const MIN_TENSOR_INFO_BYTES: u64 = 8 + 4 + 4 + 8;

/// The type tag of a metadata value, numbered as in the file (`enum gguf_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueType {
    U8 = 0,
    I8 = 1,
    U16 = 2,
    I16 = 3,
    U32 = 4,
    I32 = 5,
    F32 = 6,
    Bool = 7,
    String = 8,
    Array = 9,
    U64 = 10,
    I64 = 11,
    F64 = 12,
}

impl ValueType {
    /// The type with number `id`, or `None` when `id` is not one of the 13 types.
    pub fn from_id(id: u32) -> Option<ValueType> {
        use ValueType::*;
        Some(match id {
            0 => U8,
            1 => I8,
            2 => U16,
            3 => I16,
            4 => U32,
            5 => I32,
            6 => F32,
            7 => Bool,
            8 => String,
            9 => Array,
            10 => U64,
            11 => I64,
            12 => F64,
            _ => return None,
        })
    }

    /// The fewest bytes one value of this type takes in a file: its size for numbers and
    /// bools, 8 (the length) for a string, 12 (item type and count) for an array.
    pub fn min_size(self) -> u64 {
        use ValueType::*;
        match self {
            U8 | I8 | Bool => 1,
            U16 | I16 => 2,
            U32 | I32 | F32 => 4,
            U64 | I64 | F64 | String => 8,
            Array => 12,
        }
    }
}

/// One metadata value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    U8(u8),
    I8(i8),
    U16(u16),
    I16(i16),
    U32(u32),
    I32(i32),
    F32(f32),
    Bool(bool),
    String(String),
    /// The item type, then the items (all of that type). The type is kept so that an empty
    /// array still says what it would hold.
    Array(ValueType, Vec<Value>),
    U64(u64),
    I64(i64),
    F64(f64),
}

/// The start of a GGUF file: everything up to the tensor-info records.
#[derive(Clone, Debug, PartialEq)]
pub struct Header {
    /// 2 or 3.
    pub version: u32,
    /// How many tensor-info records follow the metadata.
    pub tensor_count: u64,
    /// The metadata entries, in file order.
    pub metadata: Vec<(String, Value)>,
    /// The byte offset just after the last metadata entry, where the tensor infos start.
    pub metadata_end: u64,
}

impl Header {
    /// The value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.metadata.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

/// What was wrong with the file.
#[derive(Clone, Debug, PartialEq)]
pub enum ErrorKind {
    /// A read needed `needed` bytes but only `available` were left.
    Truncated { needed: u64, available: u64 },
    /// The file does not start with "GGUF".
    BadMagic { found: [u8; 4] },
    /// A version other than 2 or 3.
    UnsupportedVersion(u32),
    /// A count (of tensors, metadata entries or array items) whose items could not possibly
    /// fit in the bytes that remain, even at their smallest.
    CountTooLarge { count: u64 },
    /// A value type number that is not one of the 13 types.
    UnknownValueType(u32),
    /// A bool byte that is neither 0 nor 1.
    InvalidBool(u8),
    /// A key or string value that is not UTF-8.
    NotUtf8,
}

/// An error, and the byte offset in the file where the thing that is wrong starts.
#[derive(Clone, Debug, PartialEq)]
pub struct ParseError {
    pub offset: u64,
    pub kind: ErrorKind,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "byte {}: {:?}", self.offset, self.kind)
    }
}

impl std::error::Error for ParseError {}

/// Reads a GGUF header and all of its metadata from the bytes of a file.
///
/// See the README for the layout and for which offset each error names.
pub fn read_header(bytes: &[u8]) -> Result<Header, ParseError> {
    let mut r = Reader { bytes, pos: 0 };

    let magic: [u8; 4] = r.take(4)?.try_into().expect("took 4 bytes");
    if magic != MAGIC {
        return Err(ParseError { offset: 0, kind: ErrorKind::BadMagic { found: magic } });
    }
    let version = r.u32()?;
    if version != 2 && version != 3 {
        return Err(ParseError { offset: 4, kind: ErrorKind::UnsupportedVersion(version) });
    }
    let tensor_count = r.count(MIN_TENSOR_INFO_BYTES)?;
    let entry_count = r.count(MIN_ENTRY_BYTES)?;

    // The count check above makes this allocation safe: the file holds that many entries.
    let mut metadata = Vec::with_capacity(entry_count as usize);
    for _ in 0..entry_count {
        let key = r.string()?;
        let ty = r.value_type()?;
        let value = r.value(ty)?;
        metadata.push((key, value));
    }
    Ok(Header { version, tensor_count, metadata, metadata_end: r.pos as u64 })
}

/// A little-endian reader that checks every read against the bytes that remain.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> u64 {
        (self.bytes.len() - self.pos) as u64
    }

    fn error(&self, offset: usize, kind: ErrorKind) -> ParseError {
        ParseError { offset: offset as u64, kind }
    }

    /// The next `n` bytes, or `Truncated` at the current position.
    fn take(&mut self, n: u64) -> Result<&'a [u8], ParseError> {
        if n > self.remaining() {
            return Err(self.error(self.pos, ErrorKind::Truncated { needed: n, available: self.remaining() }));
        }
        let start = self.pos;
        self.pos += n as usize;
        Ok(&self.bytes[start..self.pos])
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], ParseError> {
        Ok(self.take(N as u64)?.try_into().expect("took N bytes"))
    }

    fn u32(&mut self) -> Result<u32, ParseError> {
        self.array().map(u32::from_le_bytes)
    }

    fn u64(&mut self) -> Result<u64, ParseError> {
        self.array().map(u64::from_le_bytes)
    }

    /// A count of items that each take at least `min_item_bytes`: refused when the rest of
    /// the file is too short to hold them, before anything is allocated for them.
    fn count(&mut self, min_item_bytes: u64) -> Result<u64, ParseError> {
        let at = self.pos;
        let count = self.u64()?;
        // u128: count × size can overflow a u64 (a hostile count of 2^62 strings).
        if count as u128 * min_item_bytes as u128 > self.remaining() as u128 {
            return Err(self.error(at, ErrorKind::CountTooLarge { count }));
        }
        Ok(count)
    }

    /// A string: a u64 length, then that many bytes of UTF-8.
    fn string(&mut self) -> Result<String, ParseError> {
        let at = self.pos;
        let len = self.u64()?;
        let bytes = self.take(len)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| self.error(at, ErrorKind::NotUtf8))
    }

    fn value_type(&mut self) -> Result<ValueType, ParseError> {
        let at = self.pos;
        let id = self.u32()?;
        ValueType::from_id(id).ok_or_else(|| self.error(at, ErrorKind::UnknownValueType(id)))
    }

    fn value(&mut self, ty: ValueType) -> Result<Value, ParseError> {
        let at = self.pos;
        Ok(match ty {
            ValueType::U8 => Value::U8(u8::from_le_bytes(self.array()?)),
            ValueType::I8 => Value::I8(i8::from_le_bytes(self.array()?)),
            ValueType::U16 => Value::U16(u16::from_le_bytes(self.array()?)),
            ValueType::I16 => Value::I16(i16::from_le_bytes(self.array()?)),
            ValueType::U32 => Value::U32(self.u32()?),
            ValueType::I32 => Value::I32(i32::from_le_bytes(self.array()?)),
            ValueType::F32 => Value::F32(f32::from_le_bytes(self.array()?)),
            ValueType::U64 => Value::U64(self.u64()?),
            ValueType::I64 => Value::I64(i64::from_le_bytes(self.array()?)),
            ValueType::F64 => Value::F64(f64::from_le_bytes(self.array()?)),
            ValueType::Bool => match self.array::<1>()?[0] {
                0 => Value::Bool(false),
                1 => Value::Bool(true),
                other => return Err(self.error(at, ErrorKind::InvalidBool(other))),
            },
            ValueType::String => Value::String(self.string()?),
            ValueType::Array => {
                let item_type = self.value_type()?;
                let len = self.count(item_type.min_size())?;
                let mut items = Vec::with_capacity(len as usize);
                for _ in 0..len {
                    items.push(self.value(item_type)?);
                }
                Value::Array(item_type, items)
            }
        })
    }
}
