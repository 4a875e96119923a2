//! Hostile GGUF files: one crafted defect per test, each rejected with the exact error kind, at
//! the exact byte, naming the field.
//!
//! The files are built by hand, byte by byte, rather than with `GgufWriter`: the writer refuses
//! to write most of these defects, and a test of the reader should not depend on the writer
//! agreeing with it. A valid baseline file is described by a [`Spec`]; each test changes one
//! thing (a field of the spec before building, or a few bytes after) and checks the error.
//! [`Built::at`] gives the byte offset of every field, so expected offsets are never counted by
//! hand.

use std::collections::HashMap;

use engine::gguf::{Field, GgufError, GgufFile, ParseError, ParseErrorKind, Value, ValueType, parse_header};
use engine::tensor::GgmlType;

// ---------------------------------------------------------------------------------------------
// A tiny GGUF byte builder
// ---------------------------------------------------------------------------------------------

/// GGUF value type ids (gguf.h `enum gguf_type`).
const U8: u32 = 0;
const I8: u32 = 1;
const I32: u32 = 5;
const F32: u32 = 6;
const BOOL: u32 = 7;
const STRING: u32 = 8;
const ARRAY: u32 = 9;
const U64: u32 = 10;

/// ggml type ids.
const GGML_F32: u32 = 0;
const GGML_Q4_0: u32 = 2;

/// One metadata entry: the key's bytes (not necessarily UTF-8), the type id, the value's bytes.
#[derive(Clone)]
struct Kv {
    key: Vec<u8>,
    ty: u32,
    value: Vec<u8>,
}

fn kv(key: &str, ty: u32, value: Vec<u8>) -> Kv {
    Kv { key: key.as_bytes().to_vec(), ty, value }
}

/// The encoding of a string: `len: u64` then the bytes.
fn string(s: &[u8]) -> Vec<u8> {
    let mut out = (s.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(s);
    out
}

/// The encoding of an array value: element type, count, then the items' bytes.
fn array(elem: u32, count: u64, items: &[u8]) -> Vec<u8> {
    let mut out = elem.to_le_bytes().to_vec();
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(items);
    out
}

/// One tensor info record.
#[derive(Clone)]
struct Tensor {
    name: Vec<u8>,
    shape: Vec<u64>,
    ty: u32,
    offset: u64,
}

fn tensor(name: &str, shape: &[u64], ty: u32, offset: u64) -> Tensor {
    Tensor { name: name.as_bytes().to_vec(), shape: shape.to_vec(), ty, offset }
}

/// A whole file, described field by field.
#[derive(Clone)]
struct Spec {
    version: u32,
    kvs: Vec<Kv>,
    tensors: Vec<Tensor>,
    /// The padding before the data section (the builder does not read `general.alignment`).
    alignment: u64,
    /// Bytes of the data section (filled with a counting pattern).
    data_len: usize,
}

/// The bytes of a built file, and where each field starts.
struct Built {
    bytes: Vec<u8>,
    marks: HashMap<String, u64>,
}

impl Built {
    /// Byte offset of a field: "version", "tensor_count", "kv_count", "kv{i}" (the key's
    /// length), "kv{i}.type", "kv{i}.value", "t{i}" (the name's length), "t{i}.n_dims",
    /// "t{i}.shape", "t{i}.type", "t{i}.offset", "infos_end", "data".
    #[track_caller]
    fn at(&self, mark: &str) -> u64 {
        *self.marks.get(mark).unwrap_or_else(|| panic!("no mark {mark}"))
    }

    /// Overwrites bytes at `offset` (the layout, and so every mark, stays the same).
    fn patch(&mut self, offset: u64, bytes: &[u8]) {
        let at = offset as usize;
        self.bytes[at..at + bytes.len()].copy_from_slice(bytes);
    }

    fn patch_u32(&mut self, offset: u64, v: u32) {
        self.patch(offset, &v.to_le_bytes());
    }

    fn patch_u64(&mut self, offset: u64, v: u64) {
        self.patch(offset, &v.to_le_bytes());
    }

    fn len(&self) -> u64 {
        self.bytes.len() as u64
    }

    /// The first `len` bytes.
    fn truncated(&self, len: u64) -> Vec<u8> {
        self.bytes[..len as usize].to_vec()
    }
}

impl Spec {
    fn build(&self) -> Built {
        let mut b = Vec::new();
        let mut marks = HashMap::new();
        let mut mark = |name: String, b: &Vec<u8>| {
            marks.insert(name, b.len() as u64);
        };
        b.extend_from_slice(b"GGUF");
        mark("version".into(), &b);
        b.extend_from_slice(&self.version.to_le_bytes());
        mark("tensor_count".into(), &b);
        b.extend_from_slice(&(self.tensors.len() as u64).to_le_bytes());
        mark("kv_count".into(), &b);
        b.extend_from_slice(&(self.kvs.len() as u64).to_le_bytes());
        for (i, kv) in self.kvs.iter().enumerate() {
            mark(format!("kv{i}"), &b);
            b.extend_from_slice(&string(&kv.key));
            mark(format!("kv{i}.type"), &b);
            b.extend_from_slice(&kv.ty.to_le_bytes());
            mark(format!("kv{i}.value"), &b);
            b.extend_from_slice(&kv.value);
        }
        for (i, t) in self.tensors.iter().enumerate() {
            mark(format!("t{i}"), &b);
            b.extend_from_slice(&string(&t.name));
            mark(format!("t{i}.n_dims"), &b);
            b.extend_from_slice(&(t.shape.len() as u32).to_le_bytes());
            mark(format!("t{i}.shape"), &b);
            for d in &t.shape {
                b.extend_from_slice(&d.to_le_bytes());
            }
            mark(format!("t{i}.type"), &b);
            b.extend_from_slice(&t.ty.to_le_bytes());
            mark(format!("t{i}.offset"), &b);
            b.extend_from_slice(&t.offset.to_le_bytes());
        }
        mark("infos_end".into(), &b);
        if !self.tensors.is_empty() {
            b.resize((b.len() as u64).next_multiple_of(self.alignment) as usize, 0);
        }
        mark("data".into(), &b);
        b.extend((0..self.data_len).map(|i| i as u8));
        Built { bytes: b, marks }
    }
}

/// The valid file every test starts from: metadata of several types (a string array among
/// them), and three tensors, F32 and Q4_0, the middle one followed by alignment padding.
///
/// | index | key                     | type          |
/// |-------|-------------------------|---------------|
/// | 0     | general.architecture    | string        |
/// | 1     | general.alignment       | u32 (32)      |
/// | 2     | test.flag               | bool          |
/// | 3     | test.scale              | f32           |
/// | 4     | test.small              | i8            |
/// | 5     | test.big                | u64           |
/// | 6     | tokenizer.ggml.tokens   | array[string] |
/// | 7     | test.ids                | array[i32]    |
///
/// | index | tensor   | type | shape   | offset | bytes |
/// |-------|----------|------|---------|--------|-------|
/// | 0     | a.weight | F32  | [4, 2]  | 0      | 32    |
/// | 1     | b.weight | Q4_0 | [64, 2] | 32     | 72    |
/// | 2     | c.bias   | F32  | [8]     | 128    | 32    |
fn baseline() -> Spec {
    let tokens: Vec<u8> = [&b"<s>"[..], b"</s>", b"hello"].iter().flat_map(|s| string(s)).collect();
    let ids: Vec<u8> = [1i32, 2, 3].iter().flat_map(|v| v.to_le_bytes()).collect();
    Spec {
        version: 3,
        kvs: vec![
            kv("general.architecture", STRING, string(b"llama")),
            kv("general.alignment", 4, 32u32.to_le_bytes().to_vec()),
            kv("test.flag", BOOL, vec![1]),
            kv("test.scale", F32, 0.5f32.to_le_bytes().to_vec()),
            kv("test.small", I8, vec![(-3i8) as u8]),
            kv("test.big", U64, (1u64 << 40).to_le_bytes().to_vec()),
            kv("tokenizer.ggml.tokens", ARRAY, array(STRING, 3, &tokens)),
            kv("test.ids", ARRAY, array(I32, 3, &ids)),
        ],
        tensors: vec![
            tensor("a.weight", &[4, 2], GGML_F32, 0),
            tensor("b.weight", &[64, 2], GGML_Q4_0, 32),
            tensor("c.bias", &[8], GGML_F32, 128),
        ],
        alignment: 32,
        data_len: 160,
    }
}

// ---------------------------------------------------------------------------------------------
// Assertions
// ---------------------------------------------------------------------------------------------

/// `bytes` is rejected with exactly `kind`, at exactly `offset`, about exactly `field`, and the
/// message a user sees names the byte and the field.
#[track_caller]
fn assert_rejected(bytes: &[u8], offset: u64, field: Field, kind: ParseErrorKind) {
    let error = parse_header(bytes).expect_err("the file must be rejected");
    let expected = ParseError { offset, field, kind };
    assert_eq!(error, expected, "got: {error}");
    let message = error.to_string();
    assert!(message.starts_with(&format!("byte {offset}: ")), "message does not give the offset: {message}");
    assert!(message.contains(&expected.field.to_string()), "message does not name the field: {message}");
    assert!(message.contains(&expected.kind.to_string()), "message does not say what is wrong: {message}");
}

fn value_of(key: &str) -> Field {
    Field::Value { key: key.into() }
}

fn item_of(key: &str, index: u64) -> Field {
    Field::ArrayItem { key: key.into(), index }
}

fn tensor_part(index: u64, name: &str, part: &'static str) -> Field {
    Field::TensorInfo { index, name: Some(name.into()), part }
}

fn data_of(name: &str) -> Field {
    Field::TensorData { name: name.into() }
}

// ---------------------------------------------------------------------------------------------
// Valid files
// ---------------------------------------------------------------------------------------------

#[test]
fn baseline_parses() {
    let file = baseline().build();
    let header = parse_header(&file.bytes).unwrap();
    assert_eq!(header.version, 3);
    assert_eq!(header.alignment, 32);
    assert_eq!(header.data_offset, file.at("data"));
    assert_eq!(header.data_offset % 32, 0);
    assert_eq!(header.metadata.len(), 8);
    assert_eq!(header.get("general.architecture").and_then(Value::as_str), Some("llama"));
    assert_eq!(header.get("test.flag"), Some(&Value::Bool(true)));
    assert_eq!(header.get("test.scale"), Some(&Value::F32(0.5)));
    assert_eq!(header.get("test.small"), Some(&Value::I8(-3)));
    assert_eq!(header.get("test.big").and_then(Value::as_u64), Some(1 << 40));
    let tokens = header.get("tokenizer.ggml.tokens").unwrap();
    assert_eq!(tokens.to_string(), r#"["<s>", "</s>", "hello"]"#);
    assert_eq!(header.get("test.ids"), Some(&Value::Array(ValueType::I32, vec![Value::I32(1), Value::I32(2), Value::I32(3)])));

    let summary: Vec<_> = header.tensors.iter().map(|t| (t.name.as_str(), t.ty, t.shape.clone(), t.offset, t.n_bytes)).collect();
    assert_eq!(
        summary,
        [
            ("a.weight", GgmlType::F32, vec![4, 2], 0, 32),
            ("b.weight", GgmlType::Q4_0, vec![64, 2], 32, 72),
            ("c.bias", GgmlType::F32, vec![8], 128, 32),
        ]
    );
    assert_eq!(header.data_len(), 160);

    let file = GgufFile::from_bytes(file.bytes).unwrap();
    let c = file.tensor("c.bias").unwrap();
    assert_eq!(file.tensor_data(c), (128..160).map(|i| i as u8).collect::<Vec<_>>());
}

#[test]
fn file_without_tensors_parses() {
    let mut spec = baseline();
    spec.tensors.clear();
    spec.data_len = 0;
    let file = spec.build();
    // No tensors, no padding: the file ends with the metadata.
    assert_eq!(file.at("infos_end"), file.len());
    let header = parse_header(&file.bytes).unwrap();
    assert!(header.tensors.is_empty());
    assert_eq!(header.metadata.len(), 8);
    assert_eq!(header.data_len(), 0);
}

#[test]
fn file_with_nothing_but_the_header_parses() {
    let spec = Spec { version: 3, kvs: vec![], tensors: vec![], alignment: 32, data_len: 0 };
    let file = spec.build();
    assert_eq!(file.len(), 24);
    let header = parse_header(&file.bytes).unwrap();
    assert_eq!((header.metadata.len(), header.tensors.len()), (0, 0));
}

#[test]
fn version_2_parses() {
    let mut spec = baseline();
    spec.version = 2;
    assert_eq!(parse_header(&spec.build().bytes).unwrap().version, 2);
}

#[test]
fn arrays_nested_exactly_to_the_limit_parse() {
    // MAX_ARRAY_NESTING (4) arrays inside one another, the innermost holding one u8.
    let mut value = array(U8, 1, &[7]);
    for _ in 1..4 {
        value = array(ARRAY, 1, &value);
    }
    let mut spec = baseline();
    spec.kvs.push(kv("test.nested", ARRAY, value));
    let header = parse_header(&spec.build().bytes).unwrap();
    assert_eq!(header.get("test.nested").unwrap().to_string(), "[[[[7]]]]");
}

#[test]
fn tensor_name_of_63_bytes_parses() {
    let mut spec = baseline();
    let name = "n".repeat(63);
    spec.tensors[0].name = name.clone().into_bytes();
    let header = parse_header(&spec.build().bytes).unwrap();
    assert_eq!(header.tensors[0].name, name);
}

#[test]
fn empty_tensors_may_share_an_offset_with_others() {
    // A tensor with a zero dimension occupies no bytes, so it overlaps nothing.
    let mut spec = baseline();
    spec.tensors.push(tensor("empty", &[0, 3], GGML_F32, 0));
    let header = parse_header(&spec.build().bytes).unwrap();
    assert_eq!(header.tensor("empty").unwrap().n_bytes, 0);
}

// ---------------------------------------------------------------------------------------------
// Truncation, anywhere
// ---------------------------------------------------------------------------------------------

#[test]
fn every_truncation_of_the_baseline_is_rejected() {
    let file = baseline().build();
    for len in 0..file.len() {
        let error = match parse_header(&file.bytes[..len as usize]) {
            Ok(_) => panic!("the first {len} of {} bytes parse", file.len()),
            Err(error) => error,
        };
        // A cut file says so: a read past the end, a count the rest cannot hold, or tensor data
        // past the end. The offset is where the problem is, never past the bytes given.
        assert!(
            matches!(error.kind, ParseErrorKind::Truncated { .. } | ParseErrorKind::CountTooLarge { .. } | ParseErrorKind::OutOfBounds { .. }),
            "first {len} bytes: {error}"
        );
        assert!(error.offset <= len, "first {len} bytes: {error}");
    }
}

#[test]
fn every_truncation_of_a_file_without_tensors_is_rejected() {
    let mut spec = baseline();
    spec.tensors.clear();
    spec.data_len = 0;
    let file = spec.build();
    for len in 0..file.len() {
        assert!(parse_header(&file.bytes[..len as usize]).is_err(), "the first {len} bytes parse");
    }
}

#[test]
fn no_single_byte_change_of_the_baseline_panics() {
    // Not every change is an error (a changed data byte is still a valid file), but none may
    // crash the reader, and whatever parses must hand out in-bounds tensor data.
    let file = baseline().build();
    for at in 0..file.bytes.len() {
        for byte in [0x00, 0x01, 0x02, 0x07, 0x0d, 0x1f, 0x20, 0x40, 0x7f, 0x80, 0xfe, 0xff] {
            let mut bytes = file.bytes.clone();
            bytes[at] = byte;
            if let Ok(file) = GgufFile::from_bytes(bytes) {
                for t in file.tensors() {
                    assert_eq!(file.tensor_data(t).len() as u64, t.n_bytes);
                }
            }
        }
    }
}

#[test]
fn empty_file_is_truncated_at_the_magic() {
    assert_rejected(&[], 0, Field::Magic, ParseErrorKind::Truncated { needed: 4, available: 0 });
}

#[test]
fn truncation_inside_the_header_is_rejected() {
    // Cut in the middle of the tensor count.
    let file = baseline().build();
    let cut = file.at("tensor_count") + 3;
    assert_rejected(&file.truncated(cut), 8, Field::TensorCount, ParseErrorKind::Truncated { needed: 8, available: 3 });
}

#[test]
fn truncation_inside_a_key_is_rejected() {
    // Cut three bytes into the text of the last key (late enough that the counts still fit).
    let file = baseline().build();
    let text = file.at("kv7") + 8;
    let kind = ParseErrorKind::Truncated { needed: "test.ids".len() as u64, available: 3 };
    assert_rejected(&file.truncated(text + 3), text, Field::Key { index: 7 }, kind);
}

#[test]
fn truncation_inside_a_value_is_rejected() {
    // Cut three bytes into the u64 of test.big.
    let file = baseline().build();
    let at = file.at("kv5.value");
    let kind = ParseErrorKind::Truncated { needed: 8, available: 3 };
    assert_rejected(&file.truncated(at + 3), at, value_of("test.big"), kind);
}

#[test]
fn truncation_inside_an_array_item_is_rejected() {
    // Cut two bytes into the text of the third token. (A cut earlier in an array is caught
    // sooner: its count no longer fits in what is left.)
    let file = baseline().build();
    let third_token = file.at("kv6.value") + 4 + 8 + (8 + 3) + (8 + 4);
    let text = third_token + 8;
    let kind = ParseErrorKind::Truncated { needed: "hello".len() as u64, available: 2 };
    assert_rejected(&file.truncated(text + 2), text, item_of("tokenizer.ggml.tokens", 2), kind);
}

#[test]
fn truncation_that_leaves_too_few_bytes_for_an_array_is_rejected_at_its_count() {
    // Cut inside the second i32 of test.ids: three items need 12 bytes, 6 are left.
    let file = baseline().build();
    let count = file.at("kv7.value") + 4;
    let kind = ParseErrorKind::CountTooLarge { count: 3, min_bytes: 12, available: 6 };
    assert_rejected(&file.truncated(count + 8 + 6), count, value_of("test.ids"), kind);
}

#[test]
fn truncation_inside_a_tensor_info_is_rejected() {
    // Cut in the middle of the second dimension of tensor 1.
    let file = baseline().build();
    let dim = file.at("t1.shape") + 8;
    let kind = ParseErrorKind::Truncated { needed: 8, available: 5 };
    assert_rejected(&file.truncated(dim + 5), dim, tensor_part(1, "b.weight", "shape"), kind);
}

#[test]
fn truncation_inside_the_alignment_padding_is_rejected() {
    let file = baseline().build();
    let (end, data) = (file.at("infos_end"), file.at("data"));
    assert!(data - end >= 2, "the baseline has padding");
    let kind = ParseErrorKind::Truncated { needed: data - end, available: 1 };
    assert_rejected(&file.truncated(end + 1), end, Field::DataPadding, kind);
}

#[test]
fn truncation_inside_the_tensor_data_is_rejected() {
    // Cut 120 bytes into the data: tensors 0 and 1 (bytes 0..104) fit, tensor 2 (128..160)
    // does not.
    let file = baseline().build();
    let data = file.at("data");
    let kind = ParseErrorKind::OutOfBounds { start: data + 128, end: data + 160, file_len: data + 120 };
    assert_rejected(&file.truncated(data + 120), file.at("t2"), data_of("c.bias"), kind);
}

// ---------------------------------------------------------------------------------------------
// Header
// ---------------------------------------------------------------------------------------------

#[test]
fn bad_magic_is_rejected() {
    let mut file = baseline().build();
    file.patch(0, b"GGML");
    assert_rejected(&file.bytes, 0, Field::Magic, ParseErrorKind::BadMagic { found: *b"GGML" });
}

#[test]
fn version_0_is_rejected_as_unsupported() {
    // Zero has its low 16 bits clear like a byte-swapped version, but it is not one.
    let mut file = baseline().build();
    file.patch_u32(4, 0);
    assert_rejected(&file.bytes, 4, Field::Version, ParseErrorKind::UnsupportedVersion(0));
}

#[test]
fn version_1_is_rejected() {
    let mut file = baseline().build();
    file.patch_u32(4, 1);
    assert_rejected(&file.bytes, 4, Field::Version, ParseErrorKind::UnsupportedVersion(1));
}

#[test]
fn version_from_the_future_is_rejected() {
    let mut file = baseline().build();
    file.patch_u32(4, 4);
    assert_rejected(&file.bytes, 4, Field::Version, ParseErrorKind::UnsupportedVersion(4));
}

#[test]
fn big_endian_version_3_is_recognised() {
    // A big-endian writer stores 3 as 00 00 00 03, which reads as 0x03000000.
    let mut file = baseline().build();
    file.patch(4, &3u32.to_be_bytes());
    assert_rejected(&file.bytes, 4, Field::Version, ParseErrorKind::BigEndian(0x0300_0000));
}

#[test]
fn tensor_count_larger_than_the_file_is_rejected() {
    let mut file = baseline().build();
    let count = 1u64 << 40;
    file.patch_u64(8, count);
    let kind = ParseErrorKind::CountTooLarge { count, min_bytes: count as u128 * 24, available: file.len() - 16 };
    assert_rejected(&file.bytes, 8, Field::TensorCount, kind);
}

#[test]
fn metadata_count_larger_than_the_file_is_rejected() {
    let mut file = baseline().build();
    file.patch_u64(16, u64::MAX);
    let kind = ParseErrorKind::CountTooLarge { count: u64::MAX, min_bytes: u64::MAX as u128 * 13, available: file.len() - 24 };
    assert_rejected(&file.bytes, 16, Field::MetadataCount, kind);
}

// ---------------------------------------------------------------------------------------------
// Metadata
// ---------------------------------------------------------------------------------------------

#[test]
fn key_length_larger_than_the_remaining_bytes_is_rejected() {
    let mut file = baseline().build();
    let at = file.at("kv3");
    file.patch_u64(at, 100_000);
    let kind = ParseErrorKind::Truncated { needed: 100_000, available: file.len() - at - 8 };
    assert_rejected(&file.bytes, at + 8, Field::Key { index: 3 }, kind);
}

#[test]
fn string_length_larger_than_the_remaining_bytes_is_rejected() {
    let mut file = baseline().build();
    let at = file.at("kv0.value");
    file.patch_u64(at, 1_000_000);
    let kind = ParseErrorKind::Truncated { needed: 1_000_000, available: file.len() - at - 8 };
    assert_rejected(&file.bytes, at + 8, value_of("general.architecture"), kind);
}

#[test]
fn string_length_over_1_gib_is_rejected() {
    let mut file = baseline().build();
    let at = file.at("kv0.value");
    let len = (1 << 30) + 1;
    file.patch_u64(at, len);
    assert_rejected(&file.bytes, at, value_of("general.architecture"), ParseErrorKind::TooLong { len, limit: 1 << 30 });
}

#[test]
fn unknown_value_type_is_rejected() {
    let mut file = baseline().build();
    let at = file.at("kv3.type");
    file.patch_u32(at, 13);
    assert_rejected(&file.bytes, at, value_of("test.scale"), ParseErrorKind::UnknownValueType(13));
}

#[test]
fn unknown_array_element_type_is_rejected() {
    let mut file = baseline().build();
    let at = file.at("kv7.value");
    file.patch_u32(at, 0xFFFF_FFFF);
    assert_rejected(&file.bytes, at, value_of("test.ids"), ParseErrorKind::UnknownValueType(0xFFFF_FFFF));
}

#[test]
fn array_count_too_large_for_the_remaining_bytes_is_rejected() {
    // 4-byte elements: a count one more than the rest of the file could hold.
    let mut file = baseline().build();
    let at = file.at("kv7.value") + 4;
    let available = file.len() - at - 8;
    let count = available / 4 + 1;
    file.patch_u64(at, count);
    let kind = ParseErrorKind::CountTooLarge { count, min_bytes: count as u128 * 4, available };
    assert_rejected(&file.bytes, at, value_of("test.ids"), kind);
}

#[test]
fn string_array_count_too_large_for_the_remaining_bytes_is_rejected() {
    // Each string takes at least its 8-byte length: a count that would fit as single bytes but
    // not as strings is refused before anything is allocated for it.
    let mut file = baseline().build();
    let at = file.at("kv6.value") + 4;
    let available = file.len() - at - 8;
    let count = available / 8 + 1;
    assert!(count <= available, "the count would fit 1-byte items");
    file.patch_u64(at, count);
    let kind = ParseErrorKind::CountTooLarge { count, min_bytes: count as u128 * 8, available };
    assert_rejected(&file.bytes, at, value_of("tokenizer.ggml.tokens"), kind);
}

#[test]
fn arrays_nested_deeper_than_the_limit_are_rejected() {
    // Five arrays inside one another: the fifth (at depth 4) is refused where it starts.
    let mut value = array(U8, 1, &[7]);
    for _ in 1..5 {
        value = array(ARRAY, 1, &value);
    }
    let mut spec = baseline();
    spec.kvs.push(kv("test.nested", ARRAY, value));
    let file = spec.build();
    let fifth = file.at("kv8.value") + 4 * 12;
    assert_rejected(&file.bytes, fifth, item_of("test.nested", 0), ParseErrorKind::NestingTooDeep(4));
}

#[test]
fn empty_key_is_rejected() {
    let mut spec = baseline();
    spec.kvs[2].key.clear();
    let file = spec.build();
    assert_rejected(&file.bytes, file.at("kv2"), Field::Key { index: 2 }, ParseErrorKind::EmptyKey);
}

#[test]
fn duplicate_key_is_rejected() {
    let mut spec = baseline();
    spec.kvs[5].key = b"test.flag".to_vec();
    let file = spec.build();
    assert_rejected(&file.bytes, file.at("kv5"), Field::Key { index: 5 }, ParseErrorKind::DuplicateKey("test.flag".into()));
}

#[test]
fn non_utf8_key_is_rejected() {
    let mut spec = baseline();
    spec.kvs[4].key = b"test.\xff\xfe".to_vec();
    let file = spec.build();
    assert_rejected(&file.bytes, file.at("kv4"), Field::Key { index: 4 }, ParseErrorKind::NotUtf8);
}

#[test]
fn bool_byte_2_is_rejected() {
    let mut file = baseline().build();
    let at = file.at("kv2.value");
    file.patch(at, &[2]);
    assert_rejected(&file.bytes, at, value_of("test.flag"), ParseErrorKind::InvalidBool(2));
}

#[test]
fn bool_byte_2_inside_an_array_is_rejected() {
    let mut spec = baseline();
    spec.kvs.push(kv("test.flags", ARRAY, array(BOOL, 3, &[1, 0, 2])));
    let file = spec.build();
    let third = file.at("kv8.value") + 12 + 2;
    assert_rejected(&file.bytes, third, item_of("test.flags", 2), ParseErrorKind::InvalidBool(2));
}

#[test]
fn alignment_that_is_not_a_u32_is_rejected() {
    // ggml insists on a u32, even for a value that would be a fine alignment.
    let mut spec = baseline();
    spec.kvs[1] = kv("general.alignment", U64, 32u64.to_le_bytes().to_vec());
    let file = spec.build();
    assert_rejected(&file.bytes, file.at("kv1.type"), value_of("general.alignment"), ParseErrorKind::AlignmentType(ValueType::U64));
}

#[test]
fn alignment_0_is_rejected() {
    let mut file = baseline().build();
    let at = file.at("kv1.value");
    file.patch_u32(at, 0);
    assert_rejected(&file.bytes, at, value_of("general.alignment"), ParseErrorKind::AlignmentNotPowerOfTwo(0));
}

#[test]
fn alignment_48_is_rejected() {
    let mut file = baseline().build();
    let at = file.at("kv1.value");
    file.patch_u32(at, 48);
    assert_rejected(&file.bytes, at, value_of("general.alignment"), ParseErrorKind::AlignmentNotPowerOfTwo(48));
}

#[test]
fn bad_alignment_is_reported_at_its_entry_not_at_a_lookalike_string() {
    // An earlier string value holds the exact bytes of the encoded key "general.alignment":
    // the error must still point at the real entry.
    let mut spec = baseline();
    spec.kvs[0] = kv("general.architecture", STRING, string(&string(b"general.alignment")));
    let mut file = spec.build();
    let at = file.at("kv1.value");
    file.patch_u32(at, 48);
    assert_rejected(&file.bytes, at, value_of("general.alignment"), ParseErrorKind::AlignmentNotPowerOfTwo(48));
}

// ---------------------------------------------------------------------------------------------
// Tensor infos
// ---------------------------------------------------------------------------------------------

#[test]
fn duplicate_tensor_name_is_rejected() {
    let mut spec = baseline();
    spec.tensors[2].name = b"a.weight".to_vec();
    let file = spec.build();
    let kind = ParseErrorKind::DuplicateTensor("a.weight".into());
    assert_rejected(&file.bytes, file.at("t2"), tensor_part(2, "a.weight", "name"), kind);
}

#[test]
fn tensor_name_of_64_bytes_is_rejected() {
    let mut spec = baseline();
    let name = "n".repeat(64);
    spec.tensors[1].name = name.clone().into_bytes();
    let file = spec.build();
    assert_rejected(&file.bytes, file.at("t1"), tensor_part(1, &name, "name"), ParseErrorKind::TooLong { len: 64, limit: 63 });
}

#[test]
fn non_utf8_tensor_name_is_rejected() {
    let mut spec = baseline();
    spec.tensors[1].name = b"b.\xc3(".to_vec();
    let file = spec.build();
    let field = Field::TensorInfo { index: 1, name: None, part: "name" };
    assert_rejected(&file.bytes, file.at("t1"), field, ParseErrorKind::NotUtf8);
}

#[test]
fn five_dimensions_are_rejected() {
    let mut spec = baseline();
    spec.tensors[0].shape = vec![1, 1, 4, 2, 1];
    let file = spec.build();
    let kind = ParseErrorKind::TooManyDims { n_dims: 5, max: 4 };
    assert_rejected(&file.bytes, file.at("t0.n_dims"), tensor_part(0, "a.weight", "n_dims"), kind);
}

#[test]
fn shape_whose_element_count_overflows_is_rejected() {
    let mut spec = baseline();
    let shape = vec![1 << 40, 1 << 40];
    spec.tensors[0].shape = shape.clone();
    let file = spec.build();
    assert_rejected(&file.bytes, file.at("t0.shape"), tensor_part(0, "a.weight", "shape"), ParseErrorKind::ShapeOverflow { shape });
}

#[test]
fn dimension_of_2_pow_63_is_rejected() {
    // ggml reads dimensions as int64_t: 2^63 is negative there.
    let mut spec = baseline();
    let shape = vec![1 << 63];
    spec.tensors[0].shape = shape.clone();
    let file = spec.build();
    assert_rejected(&file.bytes, file.at("t0.shape"), tensor_part(0, "a.weight", "shape"), ParseErrorKind::ShapeOverflow { shape });
}

#[test]
fn overflowing_row_count_is_rejected_even_with_a_zero_first_dimension() {
    // Found by the fuzzer (as [0, 0xffdf000000000000, 0xffa8, 0]). 0 × 2^40 × 2^40 is 0
    // elements, but the row count 2^80 overflows in any code that asks for it
    // (`TensorInfo::n_rows`).
    let mut spec = baseline();
    let shape = vec![0, 1 << 40, 1 << 40];
    spec.tensors[0].shape = shape.clone();
    let file = spec.build();
    assert_rejected(&file.bytes, file.at("t0.shape"), tensor_part(0, "a.weight", "shape"), ParseErrorKind::ShapeOverflow { shape });
}

#[test]
fn dimension_of_2_pow_63_is_rejected_even_when_another_is_zero() {
    // Found by the fuzzer: 0 elements in all, so the element count did not overflow, but the
    // bytes of one row (`GgmlType::row_bytes`) did.
    let mut spec = baseline();
    let shape = vec![1 << 63, 0];
    spec.tensors[0].shape = shape.clone();
    let file = spec.build();
    assert_rejected(&file.bytes, file.at("t0.shape"), tensor_part(0, "a.weight", "shape"), ParseErrorKind::ShapeOverflow { shape });
}

#[test]
fn row_whose_byte_size_overflows_is_rejected_even_in_an_empty_tensor() {
    // 2^62 F32 values per row fit in an int64_t; the 2^64 bytes of a row do not, rows or not.
    let mut spec = baseline();
    let shape = vec![1 << 62, 0];
    spec.tensors[0].shape = shape.clone();
    let file = spec.build();
    let kind = ParseErrorKind::SizeOverflow { shape, ty: GgmlType::F32 };
    assert_rejected(&file.bytes, file.at("t0.type"), tensor_part(0, "a.weight", "type"), kind);
}

#[test]
fn shape_whose_byte_size_overflows_is_rejected() {
    // Found by the fuzzer (the size computation overflowed inside the reader).
    // 2^62 F32 elements fit in an int64_t, their 2^64 bytes do not fit in a u64.
    let mut spec = baseline();
    let shape = vec![1 << 62];
    spec.tensors[0].shape = shape.clone();
    let file = spec.build();
    let kind = ParseErrorKind::SizeOverflow { shape, ty: GgmlType::F32 };
    assert_rejected(&file.bytes, file.at("t0.type"), tensor_part(0, "a.weight", "type"), kind);
}

#[test]
fn removed_tensor_type_is_rejected() {
    // 4 was Q4_2, removed from ggml long ago.
    let mut file = baseline().build();
    let at = file.at("t1.type");
    file.patch_u32(at, 4);
    assert_rejected(&file.bytes, at, tensor_part(1, "b.weight", "type"), ParseErrorKind::UnknownTensorType(4));
}

#[test]
fn out_of_range_tensor_type_is_rejected() {
    let mut file = baseline().build();
    let at = file.at("t1.type");
    file.patch_u32(at, 1000);
    assert_rejected(&file.bytes, at, tensor_part(1, "b.weight", "type"), ParseErrorKind::UnknownTensorType(1000));
}

#[test]
fn q4_0_row_of_33_is_rejected() {
    let mut file = baseline().build();
    let at = file.at("t1.shape");
    file.patch_u64(at, 33);
    let kind = ParseErrorKind::PartialBlock { ty: GgmlType::Q4_0, ne0: 33, block_len: 32 };
    assert_rejected(&file.bytes, file.at("t1.type"), tensor_part(1, "b.weight", "type"), kind);
}

#[test]
fn misaligned_tensor_offset_is_rejected() {
    let mut file = baseline().build();
    let at = file.at("t1.offset");
    file.patch_u64(at, 40);
    let kind = ParseErrorKind::Misaligned { offset: 40, alignment: 32 };
    assert_rejected(&file.bytes, at, tensor_part(1, "b.weight", "offset"), kind);
}

#[test]
fn tensor_data_past_the_end_of_the_file_is_rejected() {
    let mut file = baseline().build();
    file.patch_u64(file.at("t2.offset"), 160);
    let data = file.at("data");
    let kind = ParseErrorKind::OutOfBounds { start: data + 160, end: data + 192, file_len: file.len() };
    assert_rejected(&file.bytes, file.at("t2"), data_of("c.bias"), kind);
}

#[test]
fn tensor_offset_plus_size_overflowing_u64_is_rejected() {
    // The data would start 32 bytes before 2^64 (aligned) and end at 2^64: one past u64::MAX.
    let mut file = baseline().build();
    let data = file.at("data");
    file.patch_u64(file.at("t2.offset"), 0u64.wrapping_sub(32) - data);
    let kind = ParseErrorKind::OutOfBounds { start: u64::MAX - 31, end: u64::MAX, file_len: file.len() };
    assert_rejected(&file.bytes, file.at("t2"), data_of("c.bias"), kind);
}

#[test]
fn tensor_offset_overflowing_u64_from_the_data_start_is_rejected() {
    let mut file = baseline().build();
    file.patch_u64(file.at("t2.offset"), u64::MAX - 31);
    let kind = ParseErrorKind::OutOfBounds { start: u64::MAX, end: u64::MAX, file_len: file.len() };
    assert_rejected(&file.bytes, file.at("t2"), data_of("c.bias"), kind);
}

#[test]
fn overlapping_tensors_are_rejected() {
    // b.weight (72 bytes) moved to offset 0, on top of a.weight (32 bytes).
    let mut file = baseline().build();
    file.patch_u64(file.at("t1.offset"), 0);
    let data = file.at("data");
    let kind = ParseErrorKind::Overlap { start: data, end: data + 72, other: "a.weight".into() };
    assert_rejected(&file.bytes, file.at("t1"), data_of("b.weight"), kind);
}

#[test]
fn overlap_behind_an_empty_tensor_is_rejected() {
    // An empty tensor sorted between two overlapping ones must not hide the overlap:
    // a.weight covers 0..128, c.bias at 64..96 lies inside it, "empty" sits at 32.
    let mut spec = baseline();
    spec.tensors = vec![
        tensor("a.weight", &[8, 4], GGML_F32, 0),
        tensor("empty", &[0], GGML_F32, 32),
        tensor("c.bias", &[8], GGML_F32, 64),
    ];
    spec.data_len = 128;
    let file = spec.build();
    let data = file.at("data");
    let kind = ParseErrorKind::Overlap { start: data + 64, end: data + 96, other: "a.weight".into() };
    assert_rejected(&file.bytes, file.at("t2"), data_of("c.bias"), kind);
}

// ---------------------------------------------------------------------------------------------
// Fuzzing seeds
// ---------------------------------------------------------------------------------------------

/// A valid file unlike the baseline: GGUF v2, alignment 64, every value type, nested arrays at
/// the limit, an empty tensor and more block types. A fuzzing seed, so that the fuzzer starts
/// from every branch of the reader.
fn variety() -> Spec {
    let mut nested = array(U8, 2, &[7, 8]);
    for _ in 1..4 {
        nested = array(ARRAY, 1, &nested);
    }
    let scalars: [(&str, u32, Vec<u8>); 10] = [
        ("v.u8", U8, vec![200]),
        ("v.i8", I8, vec![0x80]),
        ("v.u16", 2, 65535u16.to_le_bytes().to_vec()),
        ("v.i16", 3, (-2i16).to_le_bytes().to_vec()),
        ("v.i32", I32, i32::MIN.to_le_bytes().to_vec()),
        ("v.f32", F32, f32::NAN.to_le_bytes().to_vec()),
        ("v.bool", BOOL, vec![0]),
        ("v.u64", U64, u64::MAX.to_le_bytes().to_vec()),
        ("v.i64", 11, (-1i64).to_le_bytes().to_vec()),
        ("v.f64", 12, (-0.0f64).to_le_bytes().to_vec()),
    ];
    let mut kvs = vec![kv("general.alignment", 4, 64u32.to_le_bytes().to_vec())];
    kvs.extend(scalars.into_iter().map(|(k, ty, v)| kv(k, ty, v)));
    kvs.push(kv("v.nested", ARRAY, nested));
    kvs.push(kv("v.empty", ARRAY, array(STRING, 0, &[])));
    kvs.push(kv("v.bytes", STRING, string(b"\xff not utf-8")));
    Spec {
        version: 2,
        kvs,
        tensors: vec![
            tensor("q8", &[32, 1, 1, 2], 8, 0),
            tensor("empty", &[0, 5], GGML_F32, 128),
            tensor("q4k", &[256], 12, 128),
            tensor("scalar", &[], GGML_F32, 320),
        ],
        alignment: 64,
        data_len: 324,
    }
}

/// The seeds of the `gguf_parse` fuzz target (fuzz/seeds/gguf_parse), kept equal to the files
/// this battery builds. Run with `UPDATE_FUZZ_SEEDS=1` to rewrite them after changing a spec.
#[test]
fn fuzz_seeds_are_the_battery_files() {
    let mut no_tensors = baseline();
    no_tensors.tensors.clear();
    no_tensors.data_len = 0;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/seeds/gguf_parse");
    for (name, spec) in [("baseline.gguf", baseline()), ("no_tensors.gguf", no_tensors), ("variety.gguf", variety())] {
        let bytes = spec.build().bytes;
        parse_header(&bytes).unwrap_or_else(|e| panic!("seed {name} does not parse: {e}"));
        let path = dir.join(name);
        if std::env::var_os("UPDATE_FUZZ_SEEDS").is_some() {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &bytes).unwrap();
        }
        let on_disk = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_FUZZ_SEEDS=1)", path.display()));
        assert!(on_disk == bytes, "{} is out of date (run with UPDATE_FUZZ_SEEDS=1)", path.display());
    }
}

// ---------------------------------------------------------------------------------------------
// Files on disk
// ---------------------------------------------------------------------------------------------

fn write_temp(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("gguf_hostile_{}_{name}", std::process::id()));
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn invalid_file_on_disk_names_the_path_and_the_byte() {
    let mut file = baseline().build();
    let at = file.at("t1.offset");
    file.patch_u64(at, 40);
    let path = write_temp("misaligned.gguf", &file.bytes);
    let error = GgufFile::open(&path).err().expect("the file must be rejected");
    let _ = std::fs::remove_file(&path);
    assert!(matches!(error, GgufError::Invalid { .. }), "{error:?}");
    let parse = error.parse_error().unwrap();
    assert_eq!((parse.offset, &parse.kind), (at, &ParseErrorKind::Misaligned { offset: 40, alignment: 32 }));
    let message = error.to_string();
    assert!(message.contains(&path.display().to_string()), "no path in: {message}");
    assert!(message.contains(&format!("byte {at}")), "no byte offset in: {message}");
    assert!(message.contains("offset of tensor 1 'b.weight'"), "no field in: {message}");
}

#[test]
fn empty_file_on_disk_is_invalid_not_an_io_error() {
    let path = write_temp("empty.gguf", &[]);
    let error = GgufFile::open(&path).err().expect("the file must be rejected");
    let _ = std::fs::remove_file(&path);
    let parse = error.parse_error().unwrap_or_else(|| panic!("{error}"));
    assert_eq!(parse.kind, ParseErrorKind::Truncated { needed: 4, available: 0 });
    assert!(error.to_string().contains("byte 0: magic"), "{error}");
}
