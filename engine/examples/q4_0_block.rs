//! Lesson 3.1: one Q4_0 block of a real embedding row, byte by byte.

//! One Q4_0 block of a real weight row, byte by byte.
use engine::gguf::GgufFile;
use engine::model::Model;
use engine::quant;
use engine::tensor::GgmlType;

fn main() {
    let file = GgufFile::open(engine::fetch::default_model().unwrap()).unwrap();
    let model = Model::load(&file).unwrap();
    let mut row = vec![0f32; 576];
    model.token_embd.dequantize_row(7042, &mut row); // the embedding of " Paris"
    let x = &row[..32];
    let bytes = quant::quantize(GgmlType::Q4_0, x).unwrap(); // 18 bytes: f16 d, then 16 bytes of nibbles
    let mut y = [0f32; 32];
    quant::dequantize(GgmlType::Q4_0, &bytes, &mut y).unwrap();
    println!("block bytes ({}): {:02x?}", bytes.len(), bytes);
    println!("  j        x[j]  code   (code-8)*d      error");
    for j in 0..32 {
        let code = if j < 16 { bytes[2 + j] & 15 } else { bytes[2 + j - 16] >> 4 };
        println!("{:>3} {:>11.6} {:>5} {:>12.6} {:>10.6}", j, x[j], code, y[j], y[j] - x[j]);
    }
}
