//! Softmax, numerically safe: subtract the maximum before exponentiating so that large
//! logits cannot overflow `exp` (e^89 is already infinite in f32).

/// Replaces `x` by `softmax(x)` in place.
pub fn softmax(x: &mut [f32]) {
    let max = x.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0f64;
    for v in x.iter_mut() {
        *v = (*v - max).exp();
        sum += *v as f64;
    }
    let inv = (1.0 / sum) as f32;
    for v in x.iter_mut() {
        *v *= inv;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_survives_huge_logits() {
        // e^1000 overflows; e^(1000-1000) = 1 and e^(999-1000) = 1/e do not:
        // [1, 1/e] / (1 + 1/e) = [0.7311, 0.2689].
        let mut x = [1000.0, 999.0];
        softmax(&mut x);
        let e = std::f32::consts::E;
        assert!((x[0] - 1.0 / (1.0 + 1.0 / e)).abs() < 1e-6, "{x:?}");
        assert!((x[0] + x[1] - 1.0).abs() < 1e-6);
    }
}
