//! Graded tests of lab 3.4: your Q4_K dequantization against the engine's
//! (`engine/src/quant/q4_k.rs`), on random blocks, quantized random rows and a real tensor.

// The code under test: yours in src/, or the reference solution under `learn dev check`.
#[cfg(not(feature = "solution"))]
use lab_3_4_dequantize_q4_k as lab;
#[cfg(feature = "solution")]
#[path = "../solution/lib.rs"]
mod lab;

use engine::gguf::GgufFile;
use engine::model_quantize::{FileType, plan};
use engine::tensor::GgmlType;
use half::f16;
use lab::BlockQ4K;

use lab_testkit::Rng;

fn engine_dequantize(bytes: &[u8]) -> Vec<f32> {
    let mut out = vec![0.0; bytes.len() / 144 * 256];
    engine::quant::dequantize(GgmlType::Q4_K, bytes, &mut out).unwrap();
    out
}

/// Checks your decoding of `blocks` against the engine's, bit for bit.
fn check_against_engine(blocks: &[BlockQ4K], what: &str) {
    let got = lab::dequantize(blocks);
    let want = engine_dequantize(bytemuck::cast_slice(blocks));
    assert_eq!(got.len(), want.len(), "{what}: 256 weights per super-block");
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        let (b, j) = (i / 256, i % 256 / 32);
        assert!(
            g.to_bits() == w.to_bits(),
            "{what}: weight {i} (super-block {b}, sub-block {j}, index {} in it): yours {g}, engine {w}\n scale and min the engine decodes for sub-block {j}: {:?}\n super-block: {:?}",
            i % 32,
            engine_scale_min(&blocks[b].scales)[j],
            blocks[b]
        );
    }
}

/// The engine's (scale, min) for all 8 sub-blocks of `scales`, read back through its
/// dequantization: with d = 1, dmin = 0 and every code 1 a weight decodes to its scale; with
/// d = 0, dmin = 1 and every code 0 it decodes to minus its minimum.
fn engine_scale_min(scales: &[u8; 12]) -> [(u8, u8); 8] {
    let one = f16::from_f32(1.0);
    let probe = |d, dmin, q| BlockQ4K { d, dmin, scales: *scales, qs: [q; 128] };
    let sc = engine_dequantize(bytemuck::bytes_of(&probe(one, f16::ZERO, 0x11)));
    let m = engine_dequantize(bytemuck::bytes_of(&probe(f16::ZERO, one, 0x00)));
    std::array::from_fn(|j| (sc[32 * j] as u8, (-m[32 * j]) as u8))
}

fn random_block(rng: &mut Rng) -> BlockQ4K {
    BlockQ4K {
        d: rng.finite_f16(),
        dmin: rng.finite_f16(),
        scales: std::array::from_fn(|_| rng.next_u64() as u8),
        qs: std::array::from_fn(|_| rng.next_u64() as u8),
    }
}

#[test]
fn scale_min_k4_unpacks_all_eight_sub_blocks() {
    let mut rng = Rng::fresh();
    for _ in 0..200 {
        let scales: [u8; 12] = std::array::from_fn(|_| rng.next_u64() as u8);
        let want = engine_scale_min(&scales);
        for (j, &want) in want.iter().enumerate() {
            assert_eq!(
                lab::scale_min_k4(j, &scales),
                want,
                "TEST_SEED={}: sub-block {j} of scales {scales:02x?} (as (scale, min))",
                rng.seed()
            );
        }
    }
}

#[test]
fn codes_come_in_64_weight_chunks_low_nibbles_first() {
    // d = 1, dmin = 0, every scale 1: each weight decodes to its own code. Byte l of chunk c
    // holds weight 64c + l (low nibble) and weight 64c + 32 + l (high nibble).
    let mut rng = Rng::fresh();
    let mut scales = [0u8; 12];
    scales[..4].fill(1); // sub-blocks 0..4: scale 1, minimum 0
    scales[8..].fill(0x01); // sub-blocks 4..8: low 4 bits of scale 1, of minimum 0
    let block = BlockQ4K { d: f16::from_f32(1.0), dmin: f16::ZERO, scales, qs: std::array::from_fn(|_| rng.next_u64() as u8) };
    let got = lab::dequantize(&[block]);
    assert_eq!(got.len(), 256);
    for c in 0..4 {
        for l in 0..32 {
            let q = block.qs[32 * c + l];
            let (lo, hi) = ((q & 0x0F) as f32, (q >> 4) as f32);
            assert_eq!(got[64 * c + l], lo, "TEST_SEED={}: weight {} is the low nibble of qs[{}] = {q:#04x}", rng.seed(), 64 * c + l, 32 * c + l);
            assert_eq!(got[64 * c + 32 + l], hi, "TEST_SEED={}: weight {} is the high nibble of qs[{}] = {q:#04x}", rng.seed(), 64 * c + 32 + l, 32 * c + l);
        }
    }
}

#[test]
fn dequantize_matches_the_engine_on_random_blocks() {
    let mut rng = Rng::fresh();
    let blocks: Vec<BlockQ4K> = (0..256).map(|_| random_block(&mut rng)).collect();
    check_against_engine(&blocks, &format!("TEST_SEED={}", rng.seed()));
}

#[test]
fn dequantize_matches_the_engine_on_quantized_random_rows() {
    // Rows through the engine's Q4_K quantizer: real scale/minimum patterns, codes near both ends.
    let mut rng = Rng::fresh();
    let x = rng.weights(64 * 8);
    let bytes = engine::quant::quantize(GgmlType::Q4_K, &x).unwrap();
    let blocks: Vec<BlockQ4K> = bytemuck::pod_collect_to_vec(&bytes);
    check_against_engine(&blocks, &format!("TEST_SEED={}", rng.seed()));
}

#[test]
fn dequantize_matches_the_engine_on_a_real_q4_k_tensor() {
    // A tensor that `infer quantize … Q4_K_M` (llama-quantize's rules) turns into Q4_K, made
    // here the same way: the default model's weights decoded to f32, quantized to Q4_K.
    let path = engine::fetch::default_model().expect("the default model is needed for this test");
    let file = GgufFile::open(&path).expect("the default model parses");
    let planned = plan(&file, FileType::Q4_K_M).unwrap();
    let p = planned.iter().find(|p| p.target == GgmlType::Q4_K).expect("a Q4_K_M file has Q4_K tensors");
    let t = &p.source;
    let mut x = vec![0.0f32; t.n_elements() as usize];
    engine::quant::dequantize(t.ty, file.tensor_data(t), &mut x).unwrap();
    let bytes = engine::quant::quantize_for_file(GgmlType::Q4_K, &x).unwrap();
    let blocks: Vec<BlockQ4K> = bytemuck::pod_collect_to_vec(&bytes);
    check_against_engine(&blocks, &format!("{} ({} super-blocks)", t.name, blocks.len()));
}
