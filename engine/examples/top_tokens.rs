//! Lesson 2.5: the most likely next tokens after a prompt.

//! The model's 10 most likely next tokens after a prompt, and what top-p and min-p keep.
use engine::gguf::GgufFile;
use engine::model::{Logits, Model, Session};
use engine::tokenizer::Tokenizer;

/// Softmax of `logits / temp`, in f64.
fn softmax(logits: &[f32], temp: f64) -> Vec<f64> {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let e: Vec<f64> = logits.iter().map(|&l| ((l - max) as f64 / temp).exp()).collect();
    let z: f64 = e.iter().sum();
    e.iter().map(|v| v / z).collect()
}

fn main() {
    let prompt = std::env::args().nth(1).unwrap_or("The capital of France is".into());
    let file = GgufFile::open(engine::fetch::default_model().unwrap()).unwrap();
    let model = Model::load(&file).unwrap();
    let tok = Tokenizer::from_gguf(&file).unwrap();
    let ids = tok.encode(&prompt, true, true);
    let mut session = Session::new(&model, ids.len(), 2);
    let logits = session.forward(&ids, Logits::Last).unwrap().to_vec();

    let mut order: Vec<usize> = (0..logits.len()).collect();
    order.sort_by(|&a, &b| logits[b].total_cmp(&logits[a]));
    let (p1, p08) = (softmax(&logits, 1.0), softmax(&logits, 0.8));
    println!("rank     id  token        logit   p(T=1)  cumul.  p(T=0.8)");
    let mut cum = 0.0;
    for (r, &i) in order.iter().take(10).enumerate() {
        cum += p1[i];
        let piece = format!("{:?}", tok.decode_lossy(&[i as u32]));
        println!("{:>4} {:>6}  {:<10} {:>7.3} {:>8.4} {:>7.4} {:>9.4}", r + 1, i, piece, logits[i], p1[i], cum, p08[i]);
    }
    // How many candidates top-p 0.95 and min-p 0.05 keep (both look at the T=1 probabilities).
    let (mut cum, mut top_p) = (0.0, 0);
    while cum < 0.95 {
        cum += p1[order[top_p]];
        top_p += 1;
    }
    let min_p = order.iter().take_while(|&&i| p1[i] >= 0.05 * p1[order[0]]).count();
    println!("top-p 0.95 keeps {top_p} tokens; min-p 0.05 keeps {min_p}");
}
