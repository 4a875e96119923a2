//! `infer gguf inspect`: what is inside a GGUF file.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Result;
use engine::fetch;
use engine::gguf::{GgufFile, Value};

pub fn run(file: Option<&Path>, json: bool) -> Result<()> {
    let path = fetch::model_path(file)?;
    let gguf = GgufFile::open(&path)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&to_json(&gguf))?);
    } else {
        print_tables(&path, &gguf);
    }
    Ok(())
}

struct Totals {
    parameters: u64,
    bytes: u64,
    /// type name → (tensor count, parameters, bytes)
    by_type: BTreeMap<&'static str, (u64, u64, u64)>,
}

fn totals(gguf: &GgufFile) -> Totals {
    let mut t = Totals { parameters: 0, bytes: 0, by_type: BTreeMap::new() };
    for info in gguf.tensors() {
        t.parameters += info.n_elements();
        t.bytes += info.n_bytes;
        let entry = t.by_type.entry(info.ty.name()).or_default();
        entry.0 += 1;
        entry.1 += info.n_elements();
        entry.2 += info.n_bytes;
    }
    t
}

fn bits_per_weight(bytes: u64, parameters: u64) -> f64 {
    if parameters == 0 { 0.0 } else { bytes as f64 * 8.0 / parameters as f64 }
}

fn to_json(gguf: &GgufFile) -> serde_json::Value {
    let h = &gguf.header;
    let metadata: serde_json::Map<String, serde_json::Value> = h.metadata.iter().map(|(k, v)| (k.clone(), v.to_json())).collect();
    let tensors: Vec<serde_json::Value> = h
        .tensors
        .iter()
        .map(|t| {
            serde_json::json!({
                "name": t.name,
                "type": t.ty.name(),
                "shape": t.shape,
                "offset": h.data_offset + t.offset,
                "bytes": t.n_bytes,
            })
        })
        .collect();
    let totals = totals(gguf);
    serde_json::json!({
        "version": h.version,
        "alignment": h.alignment,
        "data_offset": h.data_offset,
        "file_bytes": gguf.bytes().len(),
        "metadata": metadata,
        "tensors": tensors,
        "totals": {
            "tensors": h.tensors.len(),
            "parameters": totals.parameters,
            "bytes": totals.bytes,
            "bits_per_weight": bits_per_weight(totals.bytes, totals.parameters),
        },
    })
}

fn print_tables(path: &Path, gguf: &GgufFile) {
    let h = &gguf.header;
    println!("{}: GGUF v{}, {} bytes", path.display(), h.version, gguf.bytes().len());
    println!("alignment {}, tensor data starts at byte {}", h.alignment, h.data_offset);

    println!("\nmetadata ({} keys)", h.metadata.len());
    let key_width = h.metadata.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    for (key, value) in &h.metadata {
        let ty = match value {
            Value::Array(elem, items) => format!("{elem}[{}]", items.len()),
            other => other.value_type().name().to_owned(),
        };
        let shown = value.to_string();
        // Long texts (chat templates) are cut to one line: `--json` has them whole.
        let shown = match shown.char_indices().nth(140) {
            Some((cut, _)) => format!("{}…", &shown[..cut]).replace('\n', "\\n"),
            None => shown.replace('\n', "\\n"),
        };
        println!("  {key:<key_width$}  {ty:<13} {shown}");
    }

    println!("\ntensors ({})", h.tensors.len());
    let name_width = h.tensors.iter().map(|t| t.name.len()).max().unwrap_or(4).max(4);
    println!("  {:<name_width$}  {:<6} {:>14} {:>12} {:>12}", "name", "type", "shape", "bytes", "offset");
    for t in &h.tensors {
        let shape = t.shape.iter().map(u64::to_string).collect::<Vec<_>>().join(" x ");
        println!("  {:<name_width$}  {:<6} {:>14} {:>12} {:>12}", t.name, t.ty.name(), shape, t.n_bytes, h.data_offset + t.offset);
    }

    let totals = totals(gguf);
    println!(
        "\ntotal: {} tensors, {} parameters, {} bytes of tensor data, {:.2} bits per weight",
        h.tensors.len(),
        totals.parameters,
        totals.bytes,
        bits_per_weight(totals.bytes, totals.parameters)
    );
    for (ty, (count, params, bytes)) in &totals.by_type {
        println!("  {ty:<6} {count:>4} tensors {params:>12} parameters {bytes:>12} bytes {:>6.2} bits/weight", bits_per_weight(*bytes, *params));
    }
}
