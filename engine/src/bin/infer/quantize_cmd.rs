//! `infer quantize IN OUT TYPE`: llama-quantize's job, with this engine's quantizers.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use engine::gguf::GgufFile;
use engine::model_quantize::{self, FileType};

#[derive(clap::Args)]
pub struct Args {
    /// The model to read (any GGUF file with tensor types this engine reads).
    input: PathBuf,
    /// Where to write the new file.
    output: PathBuf,
    /// The file type, as llama-quantize names them: Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K,
    /// Q3_K_S/M/L, Q4_K_S/M, Q5_K_S/M, Q6_K, IQ4_NL, IQ4_XS, F16, BF16, F32.
    file_type: String,
    /// Only print the type each tensor would get.
    #[arg(long)]
    dry_run: bool,
}

pub fn run(args: &Args) -> Result<()> {
    let Some(ftype) = FileType::from_name(&args.file_type) else {
        let names: Vec<&str> = FileType::all().map(FileType::name).collect();
        bail!("unknown file type '{}': use one of {}", args.file_type, names.join(", "));
    };
    if args.input == args.output {
        bail!("the output would overwrite the input {}: choose another output path", args.input.display());
    }
    let input = GgufFile::open(&args.input)?;
    if args.dry_run {
        for p in model_quantize::plan(&input, ftype)? {
            println!("{:<32} {:<6} -> {}", p.source.name, p.source.ty, p.target);
        }
        return Ok(());
    }
    let report = model_quantize::quantize_file(&input, &args.output, ftype).context("quantizing")?;
    let changed = report.tensors.iter().filter(|p| p.source.ty != p.target).count();
    if changed > 0 && input.tensors().iter().any(|t| t.ty.is_quantized() && t.n_rows() > 1) {
        eprintln!("note: the input is already quantized; requantizing compounds the error (quantize from F16/BF16/F32 when you can)");
    }
    println!(
        "{}: {} tensors ({changed} converted), {:.1} MiB of tensor data -> {:.1} MiB",
        args.output.display(),
        report.tensors.len(),
        report.bytes_in as f64 / (1 << 20) as f64,
        report.bytes_out as f64 / (1 << 20) as f64
    );
    Ok(())
}
