//! The SwiGLU gate of the feed-forward network: `silu(gate) * up`, with
//! `silu(x) = x * sigmoid(x) = x / (1 + e^-x)`.

/// `gate[i] = silu(gate[i]) * up[i]`, in place.
pub fn swiglu(gate: &mut [f32], up: &[f32]) {
    for (g, &u) in gate.iter_mut().zip(up) {
        *g = *g / (1.0 + (-*g).exp()) * u;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swiglu_multiplies_silu_of_gate_by_up() {
        // silu(0) = 0; silu(2) = 2 / (1 + e^-2) = 1.7616
        let mut g = [0.0, 2.0];
        swiglu(&mut g, &[5.0, 3.0]);
        assert_eq!(g[0], 0.0);
        assert!((g[1] - 3.0 * 2.0 / (1.0 + (-2f32).exp())).abs() < 1e-6);
    }
}
