//! The course runner behind `learn`: content loading and validation, lab grading, quizzes,
//! tracks, progress and certification, and the terminal screens. `main.rs` is the CLI.

pub mod attest_cmd;
pub mod book;
pub mod certification;
pub mod curriculum;
pub mod dashboard;
pub mod dev_check;
pub mod engine_facts;
pub mod lab_cmd;
pub mod lab_runner;
pub mod progress;
pub mod quiz;
pub mod root;
pub mod status_cmd;
pub mod style;
pub mod terminal;
pub mod track_cmd;
pub mod watch;
