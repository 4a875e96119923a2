//! Lesson 3.6: a custom per-tensor quantization mix, written with the engine's API.

//! A custom quantization mix: Q4_0 everywhere, but ffn_down and attn_v in Q8_0.
use std::borrow::Cow;

use engine::gguf::{GgufFile, GgufWriter, Value};
use engine::quant;
use engine::tensor::GgmlType;

fn main() -> anyhow::Result<()> {
    let input = GgufFile::open(engine::fetch::default_model()?)?;
    let mut out = GgufWriter::new();
    for (key, value) in &input.header.metadata {
        out.set(key, value.clone());
    }
    out.set("general.file_type", Value::U32(2)); // "mostly Q4_0"
    for t in input.tensors() {
        let target = if t.shape.len() < 2 || t.name == "token_embd.weight" {
            t.ty // norms stay F32, the (tied) embedding stays Q8_0
        } else if t.name.contains("ffn_down") || t.name.contains("attn_v") {
            GgmlType::Q8_0
        } else {
            GgmlType::Q4_0
        };
        let data = input.tensor_data(t);
        let bytes = if target == t.ty {
            Cow::Borrowed(data)
        } else {
            let mut values = vec![0f32; t.n_elements() as usize];
            quant::dequantize(t.ty, data, &mut values)?;
            Cow::Owned(quant::quantize_for_file(target, &values)?)
        };
        out.add_tensor(&t.name, &t.shape, target, bytes)?;
    }
    out.write_file(std::path::Path::new("smollm-custom.gguf"))?;
    Ok(())
}
