//! Q4_K: 256-weight super-blocks of 8 sub-blocks with 6-bit scales and mins; 4-bit codes.
//!
//! Each sub-block of 32 weights has a 6-bit scale `sc` and a 6-bit minimum `m`, themselves
//! scaled by the super-block's f16 `d` and `dmin`, and packed into 12 bytes (see
//! [`get_scale_min_k4`]). A 4-bit code q decodes to `d·sc·q - dmin·m`.
//! 144 bytes per 256 weights: 4.5 bits per weight.

use bytemuck::{Pod, Zeroable};
use half::f16;

use super::Format;
use super::k_quants::{
    Lanes, Qkx2Search, accumulate_16, get_scale_min_k4, make_qkx2_quants, nearest_int, pack_scale_min_k4,
};
use super::q8_k::BlockQ8K;
use crate::tensor::{GgmlType, QK_K};

/// ggml's `block_q4_K`. The codes come in 4 chunks of 64 weights, 32 bytes each: byte `l` of a
/// chunk holds its weight `l` in the low nibble and its weight `32 + l` in the high nibble.
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable, PartialEq)]
pub struct BlockQ4K {
    pub d: f16,
    pub dmin: f16,
    pub scales: [u8; 12],
    pub qs: [u8; QK_K / 2],
}

const _: () = assert!(size_of::<BlockQ4K>() == 144);

/// The scales and minimums of a Q4_K or Q5_K super-block, chosen as `quantize_row_q4_K_ref` and
/// `quantize_row_q5_K_ref` do: each sub-block of 32 is fit by [`make_qkx2_quants`] with weights
/// `rms(sub-block) + |x|`, then the 8 scales and 8 minimums are quantized to 6 bits against the
/// largest of each. Returns the codes for the sub-blocks (before requantization), the packed
/// 6-bit values, and the f16 `d` and `dmin`.
pub(crate) fn choose_scales_k4(x: &[f32], nmax: i32, search: &Qkx2Search) -> ([u8; QK_K], [u8; 12], f16, f16) {
    let mut l = [0u8; QK_K];
    let mut scales = [0.0f32; QK_K / 32];
    let mut mins = [0.0f32; QK_K / 32];
    // Scales are positive since the minimum is subtracted first.
    let mut max_scale = 0.0f32;
    let mut max_min = 0.0f32;
    for j in 0..QK_K / 32 {
        let xs = &x[32 * j..32 * (j + 1)];
        let mut sum_x2 = 0.0f32;
        for &v in xs {
            sum_x2 += v * v;
        }
        let av_x = (sum_x2 / 32.0).sqrt();
        let weights: [f32; 32] = std::array::from_fn(|i| av_x + xs[i].abs());
        (scales[j], mins[j]) = make_qkx2_quants(nmax, xs, &weights, &mut l[32 * j..32 * (j + 1)], search);
        if scales[j] > max_scale {
            max_scale = scales[j];
        }
        if mins[j] > max_min {
            max_min = mins[j];
        }
    }

    let inv_scale = if max_scale > 0.0 { 63.0 / max_scale } else { 0.0 };
    let inv_min = if max_min > 0.0 { 63.0 / max_min } else { 0.0 };
    // ggml narrows to u8 before clamping to 63.
    let ls: [u8; 8] = std::array::from_fn(|j| (nearest_int(inv_scale * scales[j]) as u8).min(63));
    let lm: [u8; 8] = std::array::from_fn(|j| (nearest_int(inv_min * mins[j]) as u8).min(63));
    let packed = pack_scale_min_k4(&ls, &lm);
    (l, packed, f16::from_f32(max_scale / 63.0), f16::from_f32(max_min / 63.0))
}

/// Requantizes `x` against the scales as stored (`(x + dm) / d`, clamped to `0..=nmax`). Where
/// a scale rounded to 0, the codes of the search stay; they decode to the minimum all the same.
pub(crate) fn requantize_k4(x: &[f32], nmax: i32, scales: &[u8; 12], d: f16, dmin: f16, l: &mut [u8; QK_K]) {
    for j in 0..QK_K / 32 {
        let (sc, m) = get_scale_min_k4(j, scales);
        let d = d.to_f32() * sc as f32;
        if d == 0.0 {
            continue;
        }
        let dm = dmin.to_f32() * m as f32;
        for ii in 0..32 {
            l[32 * j + ii] = nearest_int((x[32 * j + ii] + dm) / d).clamp(0, nmax) as u8;
        }
    }
}

/// The 6-bit scales and minimums of all 8 sub-blocks, unpacked.
pub(crate) fn scales_mins_k4(q: &[u8; 12]) -> ([u8; 8], [u8; 8]) {
    let mut scales = [0u8; 8];
    let mut mins = [0u8; 8];
    for j in 0..8 {
        (scales[j], mins[j]) = get_scale_min_k4(j, q);
    }
    (scales, mins)
}

/// The dot product shared by Q4_K and Q5_K (ggml's `ggml_vec_dot_q{4,5}_K_q8_K_generic`),
/// given each block's 256 codes. The minimums go through Q8_K's group sums; their float terms
/// are accumulated apart from the 8 lanes and added first, as in ggml.
pub(crate) fn vec_dot_k4(blocks: impl Iterator<Item = ([i8; QK_K], [u8; 12], f16, f16)>, a: &[BlockQ8K]) -> f32 {
    let mut lanes = Lanes::new();
    let mut sumf = 0.0f32;
    for ((codes, packed, d, dmin), y) in blocks.zip(a) {
        let (scales, mins) = scales_mins_k4(&packed);
        let sumi: i32 = y.bsums.iter().enumerate().map(|(j, &s)| s as i32 * mins[j / 2] as i32).sum();
        let mut aux32 = [0i32; 8];
        for (j, (q8, w)) in y.qs.chunks_exact(16).zip(codes.chunks_exact(16)).enumerate() {
            accumulate_16(&mut aux32, scales[j / 2] as i32, q8, w);
        }
        lanes.add_block(d.to_f32() * y.d, &aux32);
        let dmin = dmin.to_f32() * y.d;
        sumf -= dmin * sumi as f32;
    }
    lanes.finish(sumf)
}

impl BlockQ4K {
    /// The 256 codes, 0..=15, in weight order.
    pub(crate) fn codes(&self) -> [i8; QK_K] {
        let mut a = [0i8; QK_K];
        for (a, q) in a.chunks_exact_mut(64).zip(self.qs.chunks_exact(32)) {
            for (l, &q) in q.iter().enumerate() {
                a[l] = (q & 0x0F) as i8;
                a[l + 32] = (q >> 4) as i8;
            }
        }
        a
    }
}

impl Format for BlockQ4K {
    const TYPE: GgmlType = GgmlType::Q4_K;
    const BLOCK_LEN: usize = QK_K;
    type Activation = BlockQ8K;

    fn dequantize(blocks: &[Self], out: &mut [f32]) {
        for (block, y) in blocks.iter().zip(out.chunks_exact_mut(QK_K)) {
            let d = block.d.to_f32();
            let min = block.dmin.to_f32();
            let codes = block.codes();
            for (j, (y, codes)) in y.chunks_exact_mut(32).zip(codes.chunks_exact(32)).enumerate() {
                let (sc, m) = get_scale_min_k4(j, &block.scales);
                let d = d * sc as f32;
                let m = min * m as f32;
                for (y, &q) in y.iter_mut().zip(codes) {
                    *y = d * q as f32 - m;
                }
            }
        }
    }

    /// ggml's `quantize_row_q4_K_ref`.
    fn quantize(x: &[f32], out: &mut [Self]) {
        let search = Qkx2Search { rmin: -1.0, rdelta: 0.1, nstep: 20, use_mad: false };
        for (x, block) in x.chunks_exact(QK_K).zip(out.iter_mut()) {
            let (mut l, scales, d, dmin) = choose_scales_k4(x, 15, &search);
            block.scales = scales;
            block.d = d;
            block.dmin = dmin;
            requantize_k4(x, 15, &block.scales, d, dmin, &mut l);
            for (l, q) in l.chunks_exact(64).zip(block.qs.chunks_exact_mut(32)) {
                for (i, q) in q.iter_mut().enumerate() {
                    *q = l[i] | (l[i + 32] << 4);
                }
            }
        }
    }

    /// ggml's `ggml_vec_dot_q4_K_q8_K_generic`.
    fn vec_dot(w: &[Self], a: &[BlockQ8K]) -> f32 {
        vec_dot_k4(w.iter().map(|b| (b.codes(), b.scales, b.d, b.dmin)), a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quant::test_util::check_format;

    #[test]
    fn q4_k_meets_ggml_error_bounds() {
        check_format::<BlockQ4K>(0.002);
    }

    #[test]
    fn q4_k_decodes_packed_scales_and_mins() {
        let mut b = BlockQ4K::zeroed();
        b.d = f16::from_f32(0.5);
        b.dmin = f16::from_f32(0.25);
        // Sub-block 1: scale 3 and minimum 8 in the low 6 bits of bytes 1 and 5.
        b.scales[1] = 3;
        b.scales[5] = 8;
        // Sub-block 6: scale 0b11_0010 = 50: low nibble 2 in byte 10, top bits in byte 2;
        // minimum 0b01_0100 = 20: low nibble 4 in byte 10's high nibble, top bits in byte 6.
        b.scales[10] = 0x42;
        b.scales[2] = 0b11 << 6;
        b.scales[6] = 0b01 << 6;
        // Weight 32 (sub-block 1) is the high nibble of byte 0; weight 192 (sub-block 6) the
        // low nibble of byte 96.
        b.qs[0] = 0xA0;
        b.qs[96] = 0x07;
        let mut y = [0.0f32; QK_K];
        BlockQ4K::dequantize(&[b], &mut y);
        assert_eq!(y[32], 0.5 * 3.0 * 10.0 - 0.25 * 8.0);
        assert_eq!(y[33], -0.25 * 8.0);
        assert_eq!(y[192], 0.5 * 50.0 * 7.0 - 0.25 * 20.0);
        assert_eq!(y[64], 0.0, "sub-block 2 ignores the top bits of bytes 2 and 6, which are sub-block 6's");
    }
}
