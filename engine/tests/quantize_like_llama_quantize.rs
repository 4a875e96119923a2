//! `infer quantize` of the default model writes the same file, byte for byte, as llama.cpp
//! b11312's `llama-quantize --allow-requantize` for every supported file type: same per-tensor
//! types, same order and metadata, same quantized bytes. The reference hashes come from
//! llama.cpp itself (scripts/llama-quantize-reference.py).

use std::io::Write;

use engine::gguf::GgufFile;
use engine::model_quantize::{FileType, convert_model};
use sha2::{Digest, Sha256};

fn reference(ftype: &str) -> (String, u64) {
    let text = include_str!("data/llama_quantize_b11312.json");
    let json: serde_json::Value = serde_json::from_str(text).unwrap();
    let entry = &json["files"][ftype];
    (entry["sha256"].as_str().unwrap().to_owned(), entry["bytes"].as_u64().unwrap())
}

/// Hashes what is written without keeping it (the F32 file is 540 MB).
struct HashingSink(Sha256, u64);

impl Write for HashingSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        self.1 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn check(name: &str) {
    let path = engine::fetch::default_model().expect("the default model is needed for this test and could not be fetched");
    let model = GgufFile::open(&path).unwrap();
    let ftype = FileType::from_name(name).unwrap();
    let (writer, _) = convert_model(&model, ftype).unwrap();
    let mut sink = HashingSink(Sha256::new(), 0);
    writer.write_to(&mut sink).unwrap();
    let ours: String = sink.0.finalize().iter().map(|b| format!("{b:02x}")).collect();
    let (theirs, bytes) = reference(name);
    assert_eq!(sink.1, bytes, "{name}: file size differs from llama-quantize's");
    assert_eq!(ours, theirs, "{name}: file differs from llama-quantize's (same size); compare with `infer quantize --dry-run` and llama-quantize's log");
}

macro_rules! same_file_as_llama_quantize {
    ($($test:ident: $name:literal,)*) => {
        $( #[test] fn $test() { check($name); } )*

        #[test]
        fn every_file_type_is_checked() {
            let checked = [$($name),*];
            for ftype in FileType::all() {
                assert!(checked.contains(&ftype.name()), "no llama-quantize check for {}", ftype.name());
            }
        }
    };
}

same_file_as_llama_quantize! {
    f32: "F32",
    f16: "F16",
    bf16: "BF16",
    q4_0: "Q4_0",
    q4_1: "Q4_1",
    q5_0: "Q5_0",
    q5_1: "Q5_1",
    q8_0: "Q8_0",
    q2_k: "Q2_K",
    q3_k_s: "Q3_K_S",
    q3_k_m: "Q3_K_M",
    q3_k_l: "Q3_K_L",
    q4_k_s: "Q4_K_S",
    q4_k_m: "Q4_K_M",
    q5_k_s: "Q5_K_S",
    q5_k_m: "Q5_K_M",
    q6_k: "Q6_K",
    iq4_nl: "IQ4_NL",
    iq4_xs: "IQ4_XS",
}
