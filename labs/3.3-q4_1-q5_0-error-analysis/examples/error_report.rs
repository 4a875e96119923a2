//! Quantizes real weights with your Q4_1 and Q5_0 and prints the error analysis:
//! `cargo run -p lab-3-3-q4_1-q5_0-error-analysis --example error_report`.
//!
//! The weights are the first 1024 rows of the default model's token embedding, which the file
//! stores as Q8_0 (close to the original weights: 8.5 bits each).

#[cfg(not(feature = "solution"))]
use lab_3_3_q4_1_q5_0_error_analysis as lab;
#[cfg(feature = "solution")]
#[path = "../solution/lib.rs"]
mod lab;

use engine::gguf::GgufFile;

fn main() -> anyhow::Result<()> {
    let file = GgufFile::open(engine::fetch::default_model()?)?;
    let t = file.tensor("token_embd.weight").expect("the default model has a token embedding");
    let rows = 1024;
    let n = rows * t.row_len() as usize;
    let mut x = vec![0.0f32; n];
    engine::quant::dequantize(t.ty, &file.tensor_data(t)[..t.ty.row_bytes(t.row_len() as usize).unwrap() * rows], &mut x)?;

    let q4_1 = lab::dequantize_q4_1(&lab::quantize_q4_1(&x));
    let q5_0 = lab::dequantize_q5_0(&lab::quantize_q5_0(&x));
    println!("token_embd.weight rows 0..{rows}: {n} weights, {} blocks of 32\n", n / 32);
    for (name, bits, y) in [("Q4_1", 5.0, &q4_1), ("Q5_0", 5.5, &q5_0)] {
        let s = lab::error_stats(&x, y, 32);
        let mean_block_max = s.block_max_abs.iter().sum::<f64>() / s.block_max_abs.len() as f64;
        println!(
            "{name} ({bits} bits/weight): RMSE {:.3e}, max |error| {:.3e}, mean of the per-block max {:.3e}",
            s.rmse, s.max_abs, mean_block_max
        );
        // The same range for both formats, so the two histograms can be compared by eye.
        let limit = 0.02;
        println!("{}", lab::render_histogram(&lab::error_histogram(&x, y, limit, 16), limit, 50));
    }
    Ok(())
}
