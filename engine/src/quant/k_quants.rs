//! Helpers shared by the k-quant reference quantizers (ggml-quants.c: `nearest_int`,
//! `make_qx_quants`, `make_q3_quants`, `make_qkx2_quants`, `get_scale_min_k4`, …).
//!
//! TODO(issue 2): being filled in.
