//! Graded tests of lab 1.1: your reader against the engine's (`engine::gguf`), on the default
//! model and on files written with `engine::gguf::GgufWriter` from fresh random metadata.

// The code under test: yours in src/, or the reference solution under `learn dev check`.
#[cfg(not(feature = "solution"))]
use lab_1_1_gguf_header as lab;
#[cfg(feature = "solution")]
#[path = "../solution/lib.rs"]
mod lab;

use engine::gguf::{GgufWriter, ParseErrorKind, Value as EValue, ValueType as EType, parse_header};
use engine::tensor::GgmlType;

use lab_testkit::Rng;

/// Your value as the engine's, so the two can be compared with `==`.
fn to_engine(v: &lab::Value) -> EValue {
    use lab::Value as L;
    match v {
        L::U8(x) => EValue::U8(*x),
        L::I8(x) => EValue::I8(*x),
        L::U16(x) => EValue::U16(*x),
        L::I16(x) => EValue::I16(*x),
        L::U32(x) => EValue::U32(*x),
        L::I32(x) => EValue::I32(*x),
        L::F32(x) => EValue::F32(*x),
        L::Bool(x) => EValue::Bool(*x),
        L::String(s) => EValue::string(s),
        L::Array(ty, items) => {
            let ty = EType::from_id(*ty as u32).expect("lab::ValueType numbers are the GGUF ones");
            EValue::Array(ty, items.iter().map(to_engine).collect())
        }
        L::U64(x) => EValue::U64(*x),
        L::I64(x) => EValue::I64(*x),
        L::F64(x) => EValue::F64(*x),
    }
}

const SCALAR_TYPES: [EType; 11] =
    [EType::U8, EType::I8, EType::U16, EType::I16, EType::U32, EType::I32, EType::F32, EType::Bool, EType::U64, EType::I64, EType::F64];

fn random_string(rng: &mut Rng) -> String {
    const PIECES: [&str; 10] = ["a", "Z", "0", " ", "\n", "é", "→", "🦙", "llama", "<|im_end|>"];
    (0..rng.below_u64(12)).map(|_| PIECES[rng.below_u64(PIECES.len() as u64) as usize]).collect()
}

fn random_scalar(rng: &mut Rng, ty: EType) -> EValue {
    let bits = rng.next_u64();
    match ty {
        EType::U8 => EValue::U8(bits as u8),
        EType::I8 => EValue::I8(bits as i8),
        EType::U16 => EValue::U16(bits as u16),
        EType::I16 => EValue::I16(bits as i16),
        EType::U32 => EValue::U32(bits as u32),
        EType::I32 => EValue::I32(bits as i32),
        // Finite floats of every magnitude (NaN would not compare equal to itself).
        EType::F32 => EValue::F32((bits as i32 as f32) * 1e-3),
        EType::F64 => EValue::F64((bits as i64 as f64) * 1e-9),
        EType::Bool => EValue::Bool(bits & 1 == 1),
        EType::U64 => EValue::U64(bits),
        EType::I64 => EValue::I64(bits as i64),
        EType::String => EValue::string(&random_string(rng)),
        EType::Array => unreachable!("arrays are made by random_array"),
    }
}

/// An array of a random item type, nested up to `depth` more levels, possibly empty.
fn random_array(rng: &mut Rng, depth: usize) -> EValue {
    let n_types = if depth > 0 { 13 } else { 12 };
    let pick = rng.below_u64(n_types);
    let ty = match pick {
        11 => EType::String,
        12 => EType::Array,
        i => SCALAR_TYPES[i as usize],
    };
    let len = rng.below_u64(6);
    let items = (0..len)
        .map(|_| if ty == EType::Array { random_array(rng, depth - 1) } else { random_scalar(rng, ty) })
        .collect();
    EValue::Array(ty, items)
}

/// Random metadata holding every value type at least once (arrays nested up to 3 deep), and
/// a few tiny tensors so that tensor infos follow the metadata.
fn random_file(rng: &mut Rng) -> (Vec<u8>, Vec<(String, EValue)>) {
    let mut w = GgufWriter::new();
    let mut metadata = Vec::new();
    for (i, ty) in SCALAR_TYPES.iter().chain(&[EType::String]).enumerate() {
        metadata.push((format!("test.scalar.{i}"), random_scalar(rng, *ty)));
    }
    for i in 0..3 + rng.below_u64(5) {
        metadata.push((format!("test.array.{i}"), random_array(rng, 2)));
    }
    for i in 0..rng.below_u64(6) {
        let ty = if rng.below_u64(2) == 0 { SCALAR_TYPES[rng.below_u64(11) as usize] } else { EType::String };
        metadata.push((format!("extra.{}.{i}", random_string(rng).len()), random_scalar(rng, ty)));
    }
    for (k, v) in &metadata {
        w.set(k, v.clone());
    }
    let data: Vec<u8> = (0..rng.below_u64(3) + 1).flat_map(|i| (0..16).map(move |j| (i * 16 + j) as u8)).collect();
    for (i, chunk) in data.chunks(16).enumerate() {
        w.add_tensor(&format!("t{i}"), &[4], GgmlType::F32, chunk.to_vec()).unwrap();
    }
    let mut bytes = Vec::new();
    w.write_to(&mut bytes).unwrap();
    (bytes, metadata)
}

fn default_model_bytes() -> Vec<u8> {
    let path = engine::fetch::default_model().expect("the default model is needed for this test and could not be fetched");
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// Compares your error with the engine's: the same byte offset and the same kind of problem.
fn assert_same_error(bytes: &[u8], what: &str) {
    let theirs = parse_header(bytes).expect_err("the engine rejects this file");
    let ours = match lab::read_header(bytes) {
        Ok(h) if h.metadata_end < bytes.len() as u64 && theirs.offset >= h.metadata_end => return, // the problem lies past the metadata
        Ok(_) => panic!("{what}: read_header accepted it; the engine says: {theirs}"),
        Err(e) => e,
    };
    let same_kind = matches!(
        (&ours.kind, &theirs.kind),
        (lab::ErrorKind::Truncated { .. }, ParseErrorKind::Truncated { .. })
            | (lab::ErrorKind::CountTooLarge { .. }, ParseErrorKind::CountTooLarge { .. })
            | (lab::ErrorKind::BadMagic { .. }, ParseErrorKind::BadMagic { .. })
            | (lab::ErrorKind::UnsupportedVersion(_), ParseErrorKind::UnsupportedVersion(_) | ParseErrorKind::BigEndian(_))
            | (lab::ErrorKind::UnknownValueType(_), ParseErrorKind::UnknownValueType(_))
            | (lab::ErrorKind::InvalidBool(_), ParseErrorKind::InvalidBool(_))
    );
    assert!(
        same_kind && ours.offset == theirs.offset,
        "{what}: your error is {ours:?} (byte {}), the engine's is at byte {}: {}",
        ours.offset,
        theirs.offset,
        theirs.kind
    );
}

#[test]
fn reads_the_header_of_the_default_model() {
    let bytes = default_model_bytes();
    let engine = parse_header(&bytes).unwrap();
    let ours = lab::read_header(&bytes).unwrap_or_else(|e| panic!("read_header failed on the default model: {e}"));
    assert_eq!(ours.version, engine.version, "version");
    assert_eq!(ours.tensor_count, engine.tensors.len() as u64, "tensor count");
    assert_eq!(ours.metadata.len(), engine.metadata.len(), "metadata entry count");
    assert_eq!(ours.metadata_end, engine.tensors[0].info_offset, "metadata_end: where the first tensor info starts");
    assert_eq!(ours.get("general.architecture"), Some(&lab::Value::String("llama".into())), "general.architecture");
}

#[test]
fn reads_every_metadata_value_of_the_default_model() {
    let bytes = default_model_bytes();
    let engine = parse_header(&bytes).unwrap();
    let ours = lab::read_header(&bytes).unwrap_or_else(|e| panic!("read_header failed on the default model: {e}"));
    assert_eq!(ours.metadata.len(), engine.metadata.len(), "metadata entry count");
    for ((key, value), (ekey, evalue)) in ours.metadata.iter().zip(&engine.metadata) {
        assert_eq!(key, ekey, "keys in file order");
        let mine = to_engine(value);
        if mine != *evalue {
            panic!("value of '{key}': yours is {mine}, the engine's is {evalue}");
        }
    }
}

#[test]
fn reads_random_metadata_of_every_type() {
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    for file in 0..20 {
        let (bytes, written) = random_file(&mut rng);
        let engine = parse_header(&bytes).unwrap();
        let ours = lab::read_header(&bytes).unwrap_or_else(|e| panic!("seed {seed}, file {file}: read_header failed: {e}"));
        assert_eq!(ours.version, 3, "seed {seed}, file {file}: version");
        assert_eq!(ours.tensor_count, engine.tensors.len() as u64, "seed {seed}, file {file}: tensor count");
        assert_eq!(ours.metadata.len(), written.len(), "seed {seed}, file {file}: entry count");
        for ((key, value), (wkey, wvalue)) in ours.metadata.iter().zip(&written) {
            assert_eq!(key, wkey, "seed {seed}, file {file}: keys in file order");
            assert_eq!(&to_engine(value), wvalue, "seed {seed}, file {file}: value of '{key}'");
        }
        assert_eq!(ours.metadata_end, engine.tensors[0].info_offset, "seed {seed}, file {file}: metadata_end");
    }
}

#[test]
fn reads_nested_and_empty_arrays() {
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    let inner = |rng: &mut Rng| EValue::Array(EType::U16, (0..rng.below_u64(4) + 1).map(|_| random_scalar(rng, EType::U16)).collect());
    let nested = vec![
        ("empty.u8", EValue::Array(EType::U8, vec![])),
        ("empty.string", EValue::Array(EType::String, vec![])),
        ("empty.array", EValue::Array(EType::Array, vec![])),
        ("strings", EValue::Array(EType::String, vec![EValue::string(""), EValue::string(&random_string(&mut rng))])),
        ("nested.2", EValue::Array(EType::Array, vec![inner(&mut rng), EValue::Array(EType::U16, vec![]), inner(&mut rng)])),
        ("nested.3", EValue::Array(EType::Array, vec![EValue::Array(EType::Array, vec![inner(&mut rng)]), EValue::Array(EType::Array, vec![])])),
    ];
    let mut w = GgufWriter::new();
    for (k, v) in &nested {
        w.set(k, v.clone());
    }
    let mut bytes = Vec::new();
    w.write_to(&mut bytes).unwrap();
    let ours = lab::read_header(&bytes).unwrap_or_else(|e| panic!("seed {seed}: read_header failed: {e}"));
    assert_eq!(ours.metadata.len(), nested.len(), "seed {seed}: entry count");
    for ((key, value), (wkey, wvalue)) in ours.metadata.iter().zip(&nested) {
        assert_eq!(key, wkey, "seed {seed}");
        assert_eq!(&to_engine(value), wvalue, "seed {seed}: value of '{key}' (the item type of an empty array counts too)");
    }
    assert_eq!(ours.metadata_end, bytes.len() as u64, "seed {seed}: metadata_end of a file without tensors is its length");
}

#[test]
fn reads_version_2_files() {
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    let (mut bytes, written) = random_file(&mut rng);
    bytes[4..8].copy_from_slice(&2u32.to_le_bytes());
    let ours = lab::read_header(&bytes).unwrap_or_else(|e| panic!("seed {seed}: a version 2 file: {e}"));
    assert_eq!(ours.version, 2, "seed {seed}");
    assert_eq!(ours.metadata.len(), written.len(), "seed {seed}: entry count");
}

#[test]
fn rejects_a_file_that_is_not_gguf() {
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    let (bytes, _) = random_file(&mut rng);
    for magic in [*b"GGML", *b"ggml", *b"FUGG", [0x7f, b'E', b'L', b'F']] {
        let mut bad = bytes.clone();
        bad[..4].copy_from_slice(&magic);
        match lab::read_header(&bad) {
            Err(lab::ParseError { offset: 0, kind: lab::ErrorKind::BadMagic { found } }) => assert_eq!(found, magic, "seed {seed}"),
            other => panic!("seed {seed}: a file starting with {magic:?}: expected BadMagic at byte 0, got {other:?}"),
        }
    }
}

#[test]
fn rejects_unsupported_versions() {
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    let (bytes, _) = random_file(&mut rng);
    for version in [0u32, 1, 4, 0x0300_0000, rng.next_u64() as u32 | 0x100] {
        let mut bad = bytes.clone();
        bad[4..8].copy_from_slice(&version.to_le_bytes());
        match lab::read_header(&bad) {
            Err(lab::ParseError { offset: 4, kind: lab::ErrorKind::UnsupportedVersion(v) }) => assert_eq!(v, version, "seed {seed}"),
            other => panic!("seed {seed}: version {version}: expected UnsupportedVersion at byte 4, got {other:?}"),
        }
    }
}

#[test]
fn truncated_files_give_an_error_at_the_same_offset_as_the_engine() {
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    for file in 0..3 {
        let (bytes, _) = random_file(&mut rng);
        let end = parse_header(&bytes).unwrap().tensors[0].info_offset as usize;
        // Every cut inside the header and the metadata, the empty file included.
        for cut in 0..end {
            assert_same_error(&bytes[..cut], &format!("seed {seed}, file {file}, cut to {cut} of {} bytes", bytes.len()));
        }
    }
}

#[test]
fn rejects_counts_the_file_cannot_hold() {
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    let (bytes, _) = random_file(&mut rng);
    for count in [u64::MAX, 1 << 40, bytes.len() as u64] {
        let mut bad = bytes.clone();
        bad[16..24].copy_from_slice(&count.to_le_bytes());
        assert_same_error(&bad, &format!("seed {seed}: metadata count {count}"));
        let mut bad = bytes.clone();
        bad[8..16].copy_from_slice(&count.to_le_bytes());
        assert_same_error(&bad, &format!("seed {seed}: tensor count {count}"));
    }
    // One entry "a": an array of three u32; its count sits after the header (24), the key
    // (8 + 1), the value type (4) and the item type (4).
    let mut w = GgufWriter::new();
    w.set("a", EValue::Array(EType::U32, vec![EValue::U32(1), EValue::U32(2), EValue::U32(3)]));
    let mut one = Vec::new();
    w.write_to(&mut one).unwrap();
    for count in [4u64, 1 << 62, u64::MAX] {
        let mut bad = one.clone();
        bad[41..49].copy_from_slice(&count.to_le_bytes());
        match lab::read_header(&bad) {
            Err(lab::ParseError { offset: 41, kind: lab::ErrorKind::CountTooLarge { count: c } }) => assert_eq!(c, count),
            other => panic!("an array claiming {count} u32 items in 12 bytes: expected CountTooLarge at byte 41, got {other:?}"),
        }
    }
}

#[test]
fn rejects_unknown_value_types_and_bad_bools() {
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    // One entry "k": its value type sits at 24 + 8 + 1 = 33, the value at 37.
    let mut w = GgufWriter::new();
    w.set("k", EValue::Bool(true));
    let mut one = Vec::new();
    w.write_to(&mut one).unwrap();
    for id in [13u32, 99, 13 + rng.next_u64() as u32 % 1000] {
        let mut bad = one.clone();
        bad[33..37].copy_from_slice(&id.to_le_bytes());
        assert_same_error(&bad, &format!("seed {seed}: value type {id}"));
        assert!(matches!(lab::read_header(&bad), Err(lab::ParseError { offset: 33, kind: lab::ErrorKind::UnknownValueType(x) }) if x == id));
    }
    for byte in [2u8, 0xFF, 2 + (rng.next_u64() % 250) as u8] {
        let mut bad = one.clone();
        bad[37] = byte;
        assert_same_error(&bad, &format!("seed {seed}: bool byte {byte}"));
        assert!(matches!(lab::read_header(&bad), Err(lab::ParseError { offset: 37, kind: lab::ErrorKind::InvalidBool(b) }) if b == byte));
    }
}
