//! Lesson 3.1: the quantization error of each block format on real weights.

//! Quantize real weights of the default model to several formats and measure the error.
//! The sample: every 64th row of the token embedding (768 rows of 576 values, stored as Q8_0).
use engine::gguf::GgufFile;
use engine::model::Model;
use engine::quant;
use engine::tensor::GgmlType;

fn main() {
    let file = GgufFile::open(engine::fetch::default_model().unwrap()).unwrap();
    let model = Model::load(&file).unwrap();
    let mut x = Vec::new();
    let mut row = vec![0f32; 576];
    for r in (0..model.token_embd.rows).step_by(64) {
        model.token_embd.dequantize_row(r, &mut row);
        x.extend_from_slice(&row[..512]); // 512 = two 256-value super-blocks, so every format fits
    }
    let rms = (x.iter().map(|v| (v * v) as f64).sum::<f64>() / x.len() as f64).sqrt();
    println!("{} weights, rms {rms:.5}", x.len());
    println!("format  bits/weight  rmse       rmse/rms");
    for name in ["Q8_0", "Q6_K", "Q5_1", "Q5_K", "Q5_0", "Q4_1", "Q4_K", "IQ4_NL", "Q4_0", "IQ4_XS", "Q3_K", "Q2_K"] {
        let ty = GgmlType::from_name(name).unwrap();
        let bytes = quant::quantize(ty, &x).unwrap();
        let mut back = vec![0f32; x.len()];
        quant::dequantize(ty, &bytes, &mut back).unwrap();
        let mse = x.iter().zip(&back).map(|(a, b)| ((a - b) as f64).powi(2)).sum::<f64>() / x.len() as f64;
        let bpw = bytes.len() as f64 * 8.0 / x.len() as f64;
        println!("{name:<7} {bpw:>11.4}  {:.6}   {:.4}", mse.sqrt(), mse.sqrt() / rms);
    }
}
