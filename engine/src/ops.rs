//! The operations of a transformer forward pass, one file each (module 2 of the course).
//! Each is written plainly first; the matrix multiplication is where the speed lives.

pub mod attention;
pub mod matmul;
pub mod rmsnorm;
pub mod rope;
pub mod softmax;
pub mod swiglu;
