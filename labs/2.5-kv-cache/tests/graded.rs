//! Graded tests of lab 2.5: your KV cache's memory accounting against the engine's
//! (`engine::kv_cache`, `engine::model::Config`) and the default model's shape, its storage
//! and per-head views on fresh random data, and one decoding step of attention over it against
//! `engine::ops::attention`.

// The code under test: yours in src/, or the reference solution under `learn dev check`.
#[cfg(not(feature = "solution"))]
use lab_2_5_kv_cache as lab;
#[cfg(feature = "solution")]
#[path = "../solution/lib.rs"]
mod lab;

use engine::gguf::GgufFile;
use engine::model::Config;
use engine::ops::attention::{AttentionShape, attention as engine_attention};
use engine::tensor::GgmlType;
use engine::threadpool::ThreadPool;
use half::f16;
use lab::{CacheType, KvCache};

use lab_testkit::Rng;

fn default_config() -> Config {
    let path = engine::fetch::default_model().expect("the default model is needed for this test and could not be fetched");
    Config::from_gguf(&GgufFile::open(&path).expect("the default model parses")).expect("config")
}

#[test]
fn smollm2_at_8192_tokens_in_f16_takes_188_743_680_bytes() {
    // 2 (K and V) × 30 layers × 8192 positions × 3 KV heads × 64 × 2 bytes.
    let c = default_config();
    let got = lab::kv_cache_bytes(c.n_layer, 8192, c.n_head_kv, c.head_dim, CacheType::F16);
    assert_eq!(got, 188_743_680, "SmolLM2, 8192 positions, f16");
    assert_eq!(got, c.kv_bytes_per_token() * 8192, "engine::model::Config::kv_bytes_per_token × 8192");
    let engine_cache = engine::kv_cache::KvCache::new(c.n_layer, 300, c.n_head_kv * c.head_dim);
    let mine = lab::kv_cache_bytes(c.n_layer, 300, c.n_head_kv, c.head_dim, CacheType::F16);
    assert_eq!(mine, engine_cache.bytes(), "300 positions vs engine::kv_cache::KvCache::bytes");
}

#[test]
fn bytes_depend_on_the_cache_type() {
    for (n_layer, n_head_kv, head_dim) in [(30, 3, 64), (32, 8, 128), (1, 1, 32)] {
        let row = n_head_kv * head_dim;
        for (ty, ggml) in [(CacheType::F32, GgmlType::F32), (CacheType::F16, GgmlType::F16), (CacheType::Q8_0, GgmlType::Q8_0)] {
            let want = 2 * n_layer * 1000 * ggml.row_bytes(row).expect("whole blocks");
            let got = lab::kv_cache_bytes(n_layer, 1000, n_head_kv, head_dim, ty);
            assert_eq!(got, want, "{n_layer} layers, {n_head_kv} KV heads of {head_dim}, 1000 positions, {ty:?} (Q8_0: 34 bytes per 32 values)");
        }
    }
}

#[test]
fn max_positions_fill_but_do_not_exceed_the_budget() {
    // SmolLM2 in f16: 23 040 bytes a position (2 × 30 × 192 × 2), so 1 GiB holds 46 603 positions.
    assert_eq!(lab::max_positions(1 << 30, 30, 3, 64, CacheType::F16), 46_603);
    let mut rng = Rng::fresh();
    for ty in [CacheType::F32, CacheType::F16, CacheType::Q8_0] {
        let budget = 1_000_000 + rng.below(1 << 31);
        let n = lab::max_positions(budget, 30, 3, 64, ty);
        let (fits, next) = (lab::kv_cache_bytes(30, n, 3, 64, ty), lab::kv_cache_bytes(30, n + 1, 3, 64, ty));
        assert!(fits <= budget && next > budget, "{ty:?}, budget {budget}: {n} positions take {fits} bytes, {} take {next}", n + 1);
    }
}

#[test]
fn kv_head_for_groups_consecutive_query_heads() {
    for (n_head, n_head_kv) in [(9, 3), (32, 8), (4, 4), (8, 1)] {
        for h in 0..n_head {
            let want = h / (n_head / n_head_kv);
            assert_eq!(lab::kv_head_for(h, n_head, n_head_kv), want, "{n_head}/{n_head_kv} heads: query head {h} reads KV head {want}");
        }
    }
}

#[test]
fn appended_positions_read_back_per_layer() {
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    let (n_layer, n_ctx, n_kv, d) = (4, 16, 3, 8);
    let kv_dim = n_kv * d;
    let mut cache = KvCache::new(n_layer, n_ctx, n_kv, d);
    let mut want_k = vec![Vec::new(); n_layer];
    let mut want_v = vec![Vec::new(); n_layer];
    // Layers are filled in an interleaved order, as a forward pass does.
    for step in 0..30 {
        let layer = (step * 3 + rng.below(2)) % n_layer;
        if want_k[layer].len() == n_ctx * kv_dim {
            continue;
        }
        let (k, v) = (rng.vec(kv_dim, 1.0), rng.vec(kv_dim, 1.0));
        let pos = cache.append(layer, &k, &v).expect("room left");
        assert_eq!(pos, want_k[layer].len() / kv_dim, "layer {layer}: append returns the new position");
        want_k[layer].extend(k);
        want_v[layer].extend(v);
    }
    for layer in 0..n_layer {
        let n = want_k[layer].len() / kv_dim;
        assert_eq!(cache.len(layer), n, "layer {layer}: positions stored");
        assert_eq!(cache.keys(layer, n), &want_k[layer][..], "layer {layer}: keys (TEST_SEED={seed})");
        assert_eq!(cache.values(layer, n), &want_v[layer][..], "layer {layer}: values (TEST_SEED={seed})");
    }
}

#[test]
fn head_views_return_the_right_kv_head() {
    // Every stored number encodes where it belongs: layer · 1000 + position · 10 + head, plus
    // dimension / 100 (keys) — values are the negatives.
    let (n_layer, n_ctx, n_kv, d) = (2, 12, 3, 4);
    let mut cache = KvCache::new(n_layer, n_ctx, n_kv, d);
    let tag = |l: usize, p: usize, g: usize, x: usize| (l * 1000 + p * 10 + g) as f32 + x as f32 / 100.0;
    for p in 0..9 {
        for l in 0..n_layer {
            let k: Vec<f32> = (0..n_kv * d).map(|i| tag(l, p, i / d, i % d)).collect();
            let v: Vec<f32> = k.iter().map(|x| -x).collect();
            cache.append(l, &k, &v).unwrap();
        }
    }
    for l in 0..n_layer {
        for g in 0..n_kv {
            let (keys, values) = (cache.head_keys(l, g, 7), cache.head_values(l, g, 7));
            assert_eq!(keys.len(), 7, "head_keys(layer {l}, head {g}, 7): one slice per position");
            for (p, (k, v)) in keys.iter().zip(&values).enumerate() {
                let want: Vec<f32> = (0..d).map(|x| tag(l, p, g, x)).collect();
                assert_eq!(*k, &want[..], "layer {l}, KV head {g}, position {p}: keys");
                assert_eq!(v.iter().map(|x| -x).collect::<Vec<_>>(), want, "layer {l}, KV head {g}, position {p}: values");
            }
        }
    }
}

#[test]
fn a_full_layer_refuses_and_truncate_forgets() {
    let mut cache = KvCache::new(2, 3, 1, 2);
    for p in 0..3 {
        assert_eq!(cache.append(0, &[p as f32, 0.0], &[0.0, 0.0]), Ok(p));
    }
    assert_eq!(cache.append(0, &[9.0, 9.0], &[9.0, 9.0]), Err(lab::CacheFull), "a 3-position cache refuses a 4th");
    assert_eq!(cache.len(1), 0, "layer 1 is still empty");
    cache.truncate(1);
    assert_eq!(cache.len(0), 1, "truncate(1) keeps position 0 only");
    assert_eq!(cache.append(0, &[5.0, 6.0], &[7.0, 8.0]), Ok(1), "after truncate(1) the next position is 1");
    assert_eq!(cache.keys(0, 2), &[0.0, 0.0, 5.0, 6.0]);
}

#[test]
fn bytes_counts_the_f32_storage() {
    let cache = KvCache::new(30, 256, 3, 64);
    assert_eq!(cache.bytes(), lab::kv_cache_bytes(30, 256, 3, 64, CacheType::F32));
    assert_eq!(cache.bytes(), 2 * 30 * 256 * 3 * 64 * 4);
}

#[test]
fn attend_over_the_cache_matches_the_engine_under_gqa() {
    // One decoding step of SmolLM2's shape (9 query heads, 3 KV heads of 64) after 20
    // positions, in layer 1 of a 2-layer cache; the engine reads the same numbers in f16.
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    let (n_head, n_kv, d, n) = (9, 3, 64, 20);
    let mut cache = KvCache::new(2, 32, n_kv, d);
    let (mut k16, mut v16) = (Vec::new(), Vec::new());
    for _ in 0..n {
        let k: Vec<f32> = rng.vec(n_kv * d, 2.0).iter().map(|&x| f16::from_f32(x).to_f32()).collect();
        let v: Vec<f32> = rng.vec(n_kv * d, 1.0).iter().map(|&x| f16::from_f32(x).to_f32()).collect();
        cache.append(0, &rng.vec(n_kv * d, 1.0), &rng.vec(n_kv * d, 1.0)).unwrap(); // layer 0: other data
        cache.append(1, &k, &v).unwrap();
        k16.extend(k.iter().map(|&x| f16::from_f32(x)));
        v16.extend(v.iter().map(|&x| f16::from_f32(x)));
    }
    let q = rng.vec(n_head * d, 2.0);
    let got = lab::attend(&cache, 1, &q, n_head);
    let mut want = vec![0.0; n_head * d];
    let shape = AttentionShape { n_head, n_head_kv: n_kv, head_dim: d, start: n - 1, n_tokens: 1 };
    engine_attention(&ThreadPool::new(1), &shape, &q, &k16, &v16, &mut want);
    assert_eq!(got.len(), want.len(), "n_head · head_dim outputs");
    for (i, (&g, &w)) in got.iter().zip(&want).enumerate() {
        assert!((g - w).abs() < 1e-2, "query head {}, dimension {}: got {g}, engine {w} (TEST_SEED={seed})", i / d, i % d);
    }
}

#[test]
fn attend_reads_kv_head_h_over_the_group_size() {
    // Values of KV head g are all g + 1, so query head h must output h / 3 + 1.
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    let (n_head, n_kv, d) = (9, 3, 16);
    let mut cache = KvCache::new(1, 8, n_kv, d);
    for _ in 0..5 {
        let v: Vec<f32> = (0..n_kv * d).map(|i| (i / d) as f32 + 1.0).collect();
        cache.append(0, &rng.vec(n_kv * d, 1.0), &v).unwrap();
    }
    let out = lab::attend(&cache, 0, &rng.vec(n_head * d, 1.0), n_head);
    for (i, &o) in out.iter().enumerate() {
        let h = i / d;
        assert!((o - ((h / 3) as f32 + 1.0)).abs() < 1e-4, "query head {h} should read KV head {}: got {o} (TEST_SEED={seed})", h / 3);
    }
}
