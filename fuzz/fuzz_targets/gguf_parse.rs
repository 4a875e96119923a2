//! Fuzzes the GGUF reader: any input must either be rejected with a `ParseError` or yield a
//! header that everything downstream can trust without further checks.
//!
//! The engine relies on `parse_header` having validated shapes, sizes and offsets once, so
//! later code indexes and multiplies without checking. This target does what that code does,
//! with overflow checks on (cargo fuzz builds with debug assertions): a validation gap turns
//! into a panic here instead of a wrong slice or a wrapped size in the engine.

#![no_main]

use engine::gguf::{GgufFile, GgufWriter, Header, parse_header};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let header = match parse_header(data) {
        Ok(header) => header,
        Err(error) => {
            // The error must point inside (or just past) the input and render.
            assert!(error.offset <= data.len() as u64, "error offset {} past {} bytes: {error}", error.offset, data.len());
            let _ = error.to_string();
            return;
        }
    };
    check_header(&header, data);
    check_round_trip(data);
});

/// Touches everything the engine trusts about a parsed header.
fn check_header(header: &Header, data: &[u8]) {
    assert!(header.alignment.is_power_of_two());
    for (key, value) in &header.metadata {
        assert!(!key.is_empty());
        // Keys are unique, so lookup finds this very entry.
        assert!(std::ptr::eq(header.get(key).unwrap(), value));
        let _ = value.to_string();
        let _ = value.to_json();
        let _ = (value.as_str(), value.as_u64(), value.as_f64(), value.as_bool(), value.as_array());
    }
    let mut data_len = 0;
    for t in &header.tensors {
        assert!(std::ptr::eq(header.tensor(&t.name).unwrap(), t));
        assert!(t.name.len() < 64 && t.shape.len() <= 4);
        // The shape arithmetic later code does, unchecked.
        let (n, rows, row_len) = (t.n_elements(), t.n_rows(), t.row_len());
        assert_eq!(n, rows * row_len);
        assert_eq!(row_len % t.ty.block_len() as u64, 0);
        assert_eq!(t.n_bytes, n / t.ty.block_len() as u64 * t.ty.block_bytes() as u64);
        let row_bytes = t.ty.row_bytes(row_len as usize).expect("whole blocks per row");
        assert_eq!(row_bytes as u64 * rows, t.n_bytes);
        // ggml's strides: nb[1] is a row's bytes, nb[j] = nb[j-1] * ne[j-1], for every j < 4.
        let mut ne = [1u64; 4];
        ne[..t.shape.len()].copy_from_slice(&t.shape);
        let mut nb = [t.ty.block_bytes() as u64, row_bytes as u64, 0, 0];
        for j in 2..4 {
            nb[j] = nb[j - 1] * ne[j - 1];
        }
        std::hint::black_box(nb);
        // The data slice `GgufFile::tensor_data` will hand out.
        assert_eq!(t.offset % header.alignment as u64, 0);
        let start = header.data_offset + t.offset;
        let end = start + t.n_bytes;
        assert!(end <= data.len() as u64, "tensor {} ends at {end}, file is {} bytes", t.name, data.len());
        let _ = &data[start as usize..end as usize];
        data_len = data_len.max(t.offset + t.n_bytes);
    }
    assert_eq!(header.data_len(), data_len);
    // No two non-empty tensors share a byte.
    let mut spans: Vec<_> = header.tensors.iter().filter(|t| t.n_bytes > 0).map(|t| (t.offset, t.offset + t.n_bytes)).collect();
    spans.sort();
    for pair in spans.windows(2) {
        assert!(pair[0].1 <= pair[1].0, "tensors overlap: {:?} and {:?}", pair[0], pair[1]);
    }
}

/// A valid file, rewritten by the writer, parses again to the same header and data.
fn check_round_trip(data: &[u8]) {
    let file = GgufFile::from_bytes(data.to_vec()).expect("parse_header accepted it");
    let mut out = Vec::new();
    GgufWriter::from_file(&file).write_to(&mut out).expect("the writer writes what the reader read");
    let again = GgufFile::from_bytes(out).unwrap_or_else(|e| panic!("the rewritten file does not parse: {e}"));
    // Debug, not ==, so that NaN values compare equal to themselves.
    assert_eq!(format!("{:?}", again.header.metadata), format!("{:?}", file.header.metadata));
    assert_eq!(again.tensors().len(), file.tensors().len());
    for (a, b) in again.tensors().iter().zip(file.tensors()) {
        assert_eq!((&a.name, &a.shape, a.ty, a.n_bytes), (&b.name, &b.shape, b.ty, b.n_bytes));
        assert!(again.tensor_data(a) == file.tensor_data(b), "data of {} changed", a.name);
    }
}
