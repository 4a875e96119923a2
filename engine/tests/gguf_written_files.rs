//! Files our writer produces are read back by gguf-py (an independent reader) and by ours.

use std::process::Command;

use engine::gguf::{GgufFile, GgufWriter, Value, ValueType};
use engine::quant;
use engine::tensor::GgmlType;

/// gguf-py's view of a file as JSON: metadata values, and tensors with their data as bytes.
fn read_with_gguf_py(path: &std::path::Path) -> serde_json::Value {
    let script = r#"
import json, sys, gguf
r = gguf.GGUFReader(sys.argv[1])
meta = {k: {"types": [int(t) for t in f.types], "value": f.contents()}
        for k, f in r.fields.items() if not k.startswith("GGUF.")}
tensors = [{"name": t.name, "type": t.tensor_type.name, "shape": [int(x) for x in t.shape],
            "data": list(bytes(t.data.tobytes()))} for t in r.tensors]
json.dump({"metadata": meta, "tensors": tensors}, sys.stdout)
"#;
    let out = Command::new("python3").arg("-c").arg(script).arg(path).output().expect("python3 runs");
    assert!(
        out.status.success(),
        "gguf-py could not read our file (pip install -r scripts/requirements.txt): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn gguf_py_reads_every_value_type_and_tensor_we_write() {
    let mut w = GgufWriter::new();
    w.set("general.architecture", Value::string("llama"));
    w.set("test.u8", Value::U8(200));
    w.set("test.i8", Value::I8(-100));
    w.set("test.u16", Value::U16(60000));
    w.set("test.i16", Value::I16(-30000));
    w.set("test.u32", Value::U32(4_000_000_000));
    w.set("test.i32", Value::I32(-2_000_000_000));
    w.set("test.f32", Value::F32(0.15625));
    w.set("test.bool", Value::Bool(true));
    w.set("test.string", Value::string("ünïcödé 🦙"));
    w.set("test.u64", Value::U64(1 << 50));
    w.set("test.i64", Value::I64(-(1 << 50)));
    w.set("test.f64", Value::F64(-2.5e-300));
    w.set("test.strings", Value::Array(ValueType::String, vec![Value::string("a"), Value::string(""), Value::string("Ġthe")]));
    w.set("test.floats", Value::Array(ValueType::F32, vec![Value::F32(1.0), Value::F32(-0.5)]));
    w.set("test.empty", Value::Array(ValueType::I32, vec![]));

    // Tensors in several types; values from the engine's own quantizers (the bytes are what
    // is compared, not their meaning).
    let values: Vec<f32> = (0..2 * 64).map(|i| ((i * 37 % 101) as f32 - 50.0) / 17.0).collect();
    let mut expected = Vec::new();
    for (name, ty) in [("t.f32", GgmlType::F32), ("t.f16", GgmlType::F16), ("t.q4_0", GgmlType::Q4_0), ("t.q8_0", GgmlType::Q8_0)] {
        let bytes = quant::quantize(ty, &values).unwrap();
        w.add_tensor(name, &[64, 2], ty, bytes.clone()).unwrap();
        expected.push((name, ty, bytes));
    }

    let dir = std::env::temp_dir().join(format!("gguf-written-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("all-types.gguf");
    w.write_file(&path).unwrap();

    let theirs = read_with_gguf_py(&path);
    let ours = GgufFile::open(&path).unwrap();
    let meta = theirs["metadata"].as_object().unwrap();
    assert_eq!(meta.len(), ours.header.metadata.len());
    for (key, value) in &ours.header.metadata {
        let entry = &meta[key.as_str()];
        assert_eq!(entry["value"], value.to_json(), "value of {key} as gguf-py reads it");
        assert_eq!(entry["types"][0], value.value_type().id(), "type id of {key}");
    }
    let tensors = theirs["tensors"].as_array().unwrap();
    assert_eq!(tensors.len(), expected.len());
    for (t, (name, ty, bytes)) in tensors.iter().zip(&expected) {
        assert_eq!(t["name"], *name);
        assert_eq!(t["type"], ty.name());
        let data: Vec<u8> = t["data"].as_array().unwrap().iter().map(|b| b.as_u64().unwrap() as u8).collect();
        assert_eq!(&data, bytes, "data of {name} as gguf-py reads it");
        assert_eq!(ours.tensor_data(ours.tensor(name).unwrap()), &bytes[..], "data of {name} as we read it");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_file_we_write_and_reread_is_rewritten_identically() {
    let mut w = GgufWriter::new();
    w.set("general.alignment", Value::U32(64));
    w.set("nested", Value::Array(ValueType::Array, vec![Value::Array(ValueType::U8, vec![Value::U8(1), Value::U8(2)])]));
    w.add_tensor("odd", &[3], GgmlType::F32, vec![0u8; 12]).unwrap();
    w.add_tensor("next", &[32, 1], GgmlType::Q8_0, vec![7u8; 34]).unwrap();
    let mut first = Vec::new();
    w.write_to(&mut first).unwrap();
    let file = GgufFile::from_bytes(first.clone()).unwrap();
    assert_eq!(file.header.alignment, 64);
    assert_eq!(file.tensor("next").unwrap().offset, 64, "12 bytes padded to the 64-byte alignment");
    let mut second = Vec::new();
    GgufWriter::from_file(&file).write_to(&mut second).unwrap();
    assert_eq!(first, second);
}
