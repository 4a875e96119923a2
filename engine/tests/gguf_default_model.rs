//! The GGUF reader and writer on the real default model, checked against gguf-py.

use std::process::Command;

mod common;

use common::default_model;
use engine::gguf::GgufWriter;

#[test]
fn default_model_round_trips_byte_for_byte() {
    let file = default_model();
    let mut out = Vec::with_capacity(file.bytes().len());
    GgufWriter::from_file(&file).write_to(&mut out).unwrap();
    assert_eq!(out.len(), file.bytes().len(), "rewritten size");
    let first_diff = out.iter().zip(file.bytes()).position(|(a, b)| a != b);
    assert_eq!(first_diff, None, "first differing byte");
}

#[test]
fn default_model_header_matches_gguf_py() {
    let file = default_model();
    let script = r#"
import json, sys, gguf
r = gguf.GGUFReader(sys.argv[1])
meta = {}
for k, f in r.fields.items():
    if k.startswith("GGUF."):
        continue
    meta[k] = f.contents()
tensors = [{"name": t.name, "type": t.tensor_type.name, "shape": [int(x) for x in t.shape],
            "offset": int(t.data_offset), "bytes": int(t.n_bytes)} for t in r.tensors]
json.dump({"metadata": meta, "tensors": tensors}, sys.stdout)
"#;
    let out = Command::new("python3").arg("-c").arg(script).arg(file.path.as_ref().unwrap()).output().expect("python3 runs");
    assert!(out.status.success(), "gguf-py failed (pip install -r scripts/requirements.txt): {}", String::from_utf8_lossy(&out.stderr));
    let theirs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();

    let meta = theirs["metadata"].as_object().unwrap();
    assert_eq!(meta.len(), file.header.metadata.len(), "metadata count");
    for (key, value) in &file.header.metadata {
        assert_eq!(&value.to_json(), &meta[key], "value of {key}");
    }
    let tensors = theirs["tensors"].as_array().unwrap();
    assert_eq!(tensors.len(), file.tensors().len(), "tensor count");
    for (ours, theirs) in file.tensors().iter().zip(tensors) {
        assert_eq!(ours.name, theirs["name"].as_str().unwrap());
        assert_eq!(ours.ty.name(), theirs["type"].as_str().unwrap(), "type of {}", ours.name);
        assert_eq!(serde_json::json!(ours.shape), theirs["shape"], "shape of {}", ours.name);
        assert_eq!(file.header.data_offset + ours.offset, theirs["offset"].as_u64().unwrap(), "file offset of {}", ours.name);
        assert_eq!(ours.n_bytes, theirs["bytes"].as_u64().unwrap(), "bytes of {}", ours.name);
    }
}
