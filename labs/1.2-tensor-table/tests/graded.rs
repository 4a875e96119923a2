//! Graded tests of lab 1.2: your tensor table against the engine's (`engine::gguf`), on the
//! default model and on files written with `engine::gguf::GgufWriter` from fresh random tensors.

// The code under test: yours in src/, or the reference solution under `learn dev check`.
#[cfg(not(feature = "solution"))]
use lab_1_2_tensor_table as lab;
#[cfg(feature = "solution")]
#[path = "../solution/lib.rs"]
mod lab;

use engine::gguf::{GgufWriter, Header, ParseErrorKind, Value, parse_header};
use engine::tensor::GgmlType;

use lab_testkit::Rng;

struct Written {
    bytes: Vec<u8>,
    /// (name, data) of each tensor, in table order.
    tensors: Vec<(String, Vec<u8>)>,
}

/// A file with 1-6 tensors of random types and shapes (1-4 dimensions), random data, and a
/// random `general.alignment` (or none: 32).
fn random_file(rng: &mut Rng) -> Written {
    let types: Vec<GgmlType> = GgmlType::all().collect();
    let mut w = GgufWriter::new();
    w.set("general.architecture", Value::string("test"));
    const ALIGNMENTS: [u32; 8] = [1, 2, 8, 16, 32, 64, 256, 1024];
    if rng.below_u64(4) != 0 {
        w.set("general.alignment", Value::U32(ALIGNMENTS[rng.below_u64(8) as usize]));
    }
    let mut tensors = Vec::new();
    for i in 0..1 + rng.below_u64(6) {
        let ty = types[rng.below_u64(types.len() as u64) as usize];
        let n_dims = 1 + rng.below_u64(4) as usize;
        let mut shape = vec![ty.block_len() as u64 * (1 + rng.below_u64(3))];
        shape.extend((1..n_dims).map(|_| 1 + rng.below_u64(3)));
        let n: u64 = shape.iter().product();
        let data: Vec<u8> = (0..ty.row_bytes(n as usize).unwrap()).map(|_| rng.next_u64() as u8).collect();
        let name = format!("blk.{i}.{}.weight", ty.name().to_lowercase());
        w.add_tensor(&name, &shape, ty, data.clone()).unwrap();
        tensors.push((name, data));
    }
    let mut bytes = Vec::new();
    w.write_to(&mut bytes).unwrap();
    Written { bytes, tensors }
}

fn default_model_bytes() -> Vec<u8> {
    let path = engine::fetch::default_model().expect("the default model is needed for this test and could not be fetched");
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// Where tensor `i`'s stored offset (a u64) sits in the file.
fn offset_field(header: &Header, i: usize) -> usize {
    let t = &header.tensors[i];
    (t.info_offset + 8 + t.name.len() as u64 + 4 + 8 * t.shape.len() as u64 + 4) as usize
}

/// Where tensor `i`'s type id (a u32) sits in the file.
fn type_field(header: &Header, i: usize) -> usize {
    offset_field(header, i) - 4
}

fn assert_same_table(bytes: &[u8], what: &str) {
    let engine = parse_header(bytes).unwrap();
    let ours = lab::read_tensor_table(bytes).unwrap_or_else(|e| panic!("{what}: read_tensor_table failed: {e}"));
    assert_eq!(ours.alignment, engine.alignment as u64, "{what}: alignment");
    assert_eq!(ours.data_start, engine.data_offset, "{what}: data_start");
    assert_eq!(ours.tensors.len(), engine.tensors.len(), "{what}: tensor count");
    for (mine, theirs) in ours.tensors.iter().zip(&engine.tensors) {
        let name = &theirs.name;
        assert_eq!(&mine.name, name, "{what}: names in table order");
        assert_eq!(mine.dims, theirs.shape, "{what}: dims of '{name}'");
        assert_eq!(mine.type_id, theirs.ty.id(), "{what}: type of '{name}'");
        assert_eq!(mine.offset, theirs.offset, "{what}: stored offset of '{name}'");
        assert_eq!(mine.data_offset, engine.data_offset + theirs.offset, "{what}: absolute data offset of '{name}'");
        assert_eq!(mine.n_bytes, theirs.n_bytes, "{what}: byte size of '{name}' ({} {:?})", theirs.ty, theirs.shape);
    }
}

/// Your error must be `Err`, with the same byte offset as the engine's when `same_offset`.
fn expect_error(bytes: &[u8], what: &str, same_offset: bool, kind_ok: impl Fn(&lab::ErrorKind) -> bool) {
    let theirs = parse_header(bytes).expect_err("the engine rejects this file");
    match lab::read_tensor_table(bytes) {
        Ok(_) => panic!("{what}: read_tensor_table accepted it; the engine says: {theirs}"),
        Err(e) => {
            assert!(kind_ok(&e.kind), "{what}: wrong kind of error: {e} (the engine says: {theirs})");
            if same_offset {
                assert_eq!(e.offset, theirs.offset, "{what}: your error {e}, the engine's: {theirs}");
            }
        }
    }
}

#[test]
fn reads_the_tensor_table_of_the_default_model() {
    let bytes = default_model_bytes();
    assert_same_table(&bytes, "the default model");
}

#[test]
fn computes_byte_sizes_from_the_block_size_of_every_type() {
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    for ty in GgmlType::all() {
        for _ in 0..20 {
            let n_dims = 1 + rng.below_u64(4) as usize;
            let mut dims = vec![ty.block_len() as u64 * (1 + rng.below_u64(64))];
            dims.extend((1..n_dims).map(|_| 1 + rng.below_u64(16)));
            let rows: u64 = dims[1..].iter().product();
            let expected = ty.row_bytes(dims[0] as usize).unwrap() as u64 * rows;
            assert_eq!(lab::tensor_bytes(ty.id(), &dims), Some(expected), "seed {seed}: {ty} {dims:?}");
        }
        if ty.block_len() > 1 {
            let dims = [ty.block_len() as u64 + 1 + rng.below_u64(ty.block_len() as u64 - 1), 2];
            assert_eq!(lab::tensor_bytes(ty.id(), &dims), None, "seed {seed}: {ty} {dims:?} is not a whole number of blocks");
        }
    }
    for unknown in [4, 5, 31, 43, 1000] {
        assert_eq!(lab::tensor_bytes(unknown, &[32]), None, "type id {unknown} does not exist");
    }
}

#[test]
fn reads_random_tensor_tables_with_every_alignment() {
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    for file in 0..30 {
        let written = random_file(&mut rng);
        assert_same_table(&written.bytes, &format!("seed {seed}, file {file}"));
    }
}

#[test]
fn finds_each_tensors_data_at_its_absolute_offset() {
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    for file in 0..10 {
        let written = random_file(&mut rng);
        let table = lab::read_tensor_table(&written.bytes).unwrap_or_else(|e| panic!("seed {seed}, file {file}: {e}"));
        for (t, (name, data)) in table.tensors.iter().zip(&written.tensors) {
            assert_eq!(&t.name, name, "seed {seed}, file {file}");
            let found = written.bytes.get(t.data_offset as usize..(t.data_offset + t.n_bytes) as usize);
            assert!(found == Some(data.as_slice()), "seed {seed}, file {file}: the bytes at data_offset {} are not the data written for '{name}'", t.data_offset);
        }
    }
}

#[test]
fn reads_offsets_from_the_file_not_from_the_table_order() {
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    // Two tensors of the same size; swapping their stored offsets swaps where their data is.
    let mut w = GgufWriter::new();
    let a: Vec<u8> = (0..64).map(|_| rng.next_u64() as u8).collect();
    let b: Vec<u8> = (0..64).map(|_| rng.next_u64() as u8).collect();
    w.add_tensor("a", &[16], GgmlType::F32, a.clone()).unwrap();
    w.add_tensor("b", &[16], GgmlType::F32, b.clone()).unwrap();
    let mut bytes = Vec::new();
    w.write_to(&mut bytes).unwrap();
    let header = parse_header(&bytes).unwrap();
    let (fa, fb) = (offset_field(&header, 0), offset_field(&header, 1));
    let (oa, ob) = (bytes[fa..fa + 8].to_vec(), bytes[fb..fb + 8].to_vec());
    bytes[fa..fa + 8].copy_from_slice(&ob);
    bytes[fb..fb + 8].copy_from_slice(&oa);
    assert_same_table(&bytes, &format!("seed {seed}: swapped offsets"));
    let table = lab::read_tensor_table(&bytes).unwrap();
    let data = |t: &lab::TensorInfo| bytes[t.data_offset as usize..(t.data_offset + t.n_bytes) as usize].to_vec();
    assert_eq!(data(&table.tensors[0]), b, "seed {seed}: tensor 'a' now points at the second block of data");
    assert_eq!(data(&table.tensors[1]), a, "seed {seed}: tensor 'b' now points at the first block of data");
}

#[test]
fn rejects_misaligned_offsets() {
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    let mut done = 0;
    while done < 10 {
        let written = random_file(&mut rng);
        let header = parse_header(&written.bytes).unwrap();
        if header.alignment == 1 {
            continue;
        }
        let i = rng.below_u64(header.tensors.len() as u64) as usize;
        let f = offset_field(&header, i);
        let mut bad = written.bytes.clone();
        let shifted = header.tensors[i].offset + 1 + rng.below_u64(header.alignment as u64 - 1);
        bad[f..f + 8].copy_from_slice(&shifted.to_le_bytes());
        let what = format!("seed {seed}: offset {shifted} of tensor {i} with alignment {}", header.alignment);
        expect_error(&bad, &what, true, |k| matches!(k, lab::ErrorKind::Misaligned { .. }));
        done += 1;
    }
}

#[test]
fn rejects_overlapping_tensors() {
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    let mut done = 0;
    while done < 10 {
        let written = random_file(&mut rng);
        let header = parse_header(&written.bytes).unwrap();
        if header.tensors.len() < 2 {
            continue;
        }
        // Point a later tensor at an earlier one's data.
        let j = 1 + rng.below_u64(header.tensors.len() as u64 - 1) as usize;
        let i = rng.below_u64(j as u64) as usize;
        let f = offset_field(&header, j);
        let mut bad = written.bytes.clone();
        bad[f..f + 8].copy_from_slice(&header.tensors[i].offset.to_le_bytes());
        if parse_header(&bad).is_ok() {
            continue; // cannot happen with non-empty tensors, but the test must not guess
        }
        let what = format!("seed {seed}: tensor {j} moved onto tensor {i}");
        expect_error(&bad, &what, false, |k| matches!(k, lab::ErrorKind::Overlap { .. } | lab::ErrorKind::OutOfBounds { .. }));
        done += 1;
    }
}

#[test]
fn rejects_tensor_data_past_the_end_of_the_file() {
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    for file in 0..5 {
        let written = random_file(&mut rng);
        let header = parse_header(&written.bytes).unwrap();
        // Every cut from the end of the metadata on: in the table, in the padding, in the data.
        let first_info = header.tensors[0].info_offset as usize;
        let last_end = (header.data_offset + header.data_len()) as usize;
        // Every cut in the table and the padding; about 2000 spread over the data.
        let data_step = ((last_end - header.data_offset as usize) / 2000).max(1);
        let cuts = (first_info..header.data_offset as usize).chain((header.data_offset as usize..last_end).step_by(data_step));
        for cut in cuts {
            let what = format!("seed {seed}, file {file}: cut to {cut} of {} bytes", written.bytes.len());
            expect_error(&written.bytes[..cut], &what, true, |k| {
                // A cut early in the table leaves too few bytes for the tensor count (lab 1.1).
                matches!(k, lab::ErrorKind::Truncated { .. } | lab::ErrorKind::OutOfBounds { .. } | lab::ErrorKind::CountTooLarge { .. })
            });
        }
    }
}

#[test]
fn rejects_unknown_types_partial_blocks_and_too_many_dims() {
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    let mut w = GgufWriter::new();
    w.add_tensor("q", &[64, 2], GgmlType::Q8_0, vec![rng.next_u64() as u8; 2 * 2 * 34]).unwrap();
    let mut bytes = Vec::new();
    w.write_to(&mut bytes).unwrap();
    let header = parse_header(&bytes).unwrap();
    let tf = type_field(&header, 0);
    for id in [4u32, 31, 43, 43 + rng.next_u64() as u32 % 1000] {
        let mut bad = bytes.clone();
        bad[tf..tf + 4].copy_from_slice(&id.to_le_bytes());
        expect_error(&bad, &format!("seed {seed}: type id {id}"), true, |k| matches!(k, lab::ErrorKind::UnknownTensorType(x) if *x == id));
    }
    // Q4_K stores blocks of 256 values: a row of 64 is not a whole block.
    let mut bad = bytes.clone();
    bad[tf..tf + 4].copy_from_slice(&GgmlType::Q4_K.id().to_le_bytes());
    expect_error(&bad, "a Q4_K tensor with rows of 64", true, |k| matches!(k, lab::ErrorKind::PartialBlock { ne0: 64, block_len: 256 }));
    // n_dims sits after the name: 5 or more dimensions are refused where n_dims is.
    let nf = (header.tensors[0].info_offset + 8 + 1) as usize;
    for n_dims in [5u32, 1 << 31] {
        let mut bad = bytes.clone();
        bad[nf..nf + 4].copy_from_slice(&n_dims.to_le_bytes());
        expect_error(&bad, &format!("n_dims {n_dims}"), true, |k| matches!(k, lab::ErrorKind::TooManyDims(_)));
    }
}

#[test]
fn huge_shapes_are_an_error_not_a_panic() {
    let mut w = GgufWriter::new();
    w.add_tensor("t", &[4, 2], GgmlType::F32, vec![1u8; 32]).unwrap();
    let mut bytes = Vec::new();
    w.write_to(&mut bytes).unwrap();
    let header = parse_header(&bytes).unwrap();
    let dims_at = (header.tensors[0].info_offset + 8 + 1 + 4) as usize;
    for (d0, d1) in [(1u64 << 62, 1u64), (1 << 40, 1 << 40), (u64::MAX, 3)] {
        let mut bad = bytes.clone();
        bad[dims_at..dims_at + 8].copy_from_slice(&d0.to_le_bytes());
        bad[dims_at + 8..dims_at + 16].copy_from_slice(&d1.to_le_bytes());
        let result = std::panic::catch_unwind(|| lab::read_tensor_table(&bad));
        match result {
            Ok(Err(_)) => {}
            Ok(Ok(t)) => panic!("dims [{d0}, {d1}] F32 in a {}-byte file was accepted: {t:?}", bad.len()),
            Err(_) => panic!("dims [{d0}, {d1}] F32: read_tensor_table panicked (overflow?) instead of returning an error"),
        }
        assert!(matches!(parse_header(&bad).unwrap_err().kind, ParseErrorKind::ShapeOverflow { .. } | ParseErrorKind::SizeOverflow { .. } | ParseErrorKind::OutOfBounds { .. }));
    }
}
