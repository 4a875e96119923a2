//! Lesson 2.3: the KV cache size of the default model, from the engine.

use engine::gguf::GgufFile;
use engine::model::{Model, Session};

fn main() {
    let file = GgufFile::open(engine::fetch::default_model().unwrap()).unwrap();
    let model = Model::load(&file).unwrap();
    let c = &model.config;
    println!("n_layer {} n_head {} n_head_kv {} head_dim {}", c.n_layer, c.n_head, c.n_head_kv, c.head_dim);
    println!("bytes per token: {}", c.kv_bytes_per_token());
    for n_ctx in [512, 2048, 4096, 8192] {
        let s = Session::new(&model, n_ctx, 1);
        let b = s.kv_cache_bytes();
        println!("n_ctx {n_ctx:>5}: {b:>11} bytes = {:>6.1} MiB", b as f64 / (1 << 20) as f64);
    }
}
