//! Helpers shared by the integration tests.
#![allow(dead_code)] // each test file uses a different subset

use std::path::PathBuf;

use engine::gguf::GgufFile;

/// `$SHARED_DIR/reference/NAME`, else `shared/reference/NAME` beside the checkout: llama.cpp's
/// outputs that the engine is checked against. A missing file fails the test.
pub fn reference_file(name: &str) -> PathBuf {
    let shared = match std::env::var_os("SHARED_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"),
    };
    let path = shared.join("reference").join(name);
    assert!(
        path.is_file(),
        "{} is missing: the shared reference directory should sit beside the repository checkout, or set SHARED_DIR to it",
        path.display()
    );
    path
}

/// The default model, fetched if needed (a test that needs it fails when it cannot be had).
pub fn default_model() -> GgufFile {
    let path = engine::fetch::default_model().expect("the default model is needed for this test and could not be fetched");
    GgufFile::open(&path).expect("the default model parses")
}
