//! Reading typed answers and judging them, on the fixture quiz (one question of each type).

mod support;

use grader::curriculum::SetKind;
use grader::quiz::answer::{self, Answer};

#[test]
fn every_question_type_is_judged_right_and_wrong() {
    let course = support::fixture();
    let quiz = course.set(SetKind::Quiz, 1).unwrap();
    let q = |id: &str| quiz.questions.iter().find(|q| q.id == id).unwrap();
    let judge = |id: &str, typed: &str| answer::score(q(id), &answer::parse(q(id), typed).unwrap());

    assert_eq!(judge("gguf-magic", "a"), 1.0);
    assert_eq!(judge("gguf-magic", " B "), 0.0);
    // Multiple choice is all or nothing: every right choice and no wrong one.
    assert_eq!(judge("gguf-scalar-types", "a b"), 1.0);
    assert_eq!(judge("gguf-scalar-types", "b,a"), 1.0);
    assert_eq!(judge("gguf-scalar-types", "a"), 0.0);
    assert_eq!(judge("gguf-scalar-types", "a b c"), 0.0);
    // Numbers: a unit and digit separators are allowed.
    assert_eq!(judge("q4_0-block-bytes", "18"), 1.0);
    assert_eq!(judge("q4_0-block-bytes", "18 bytes"), 1.0);
    assert_eq!(judge("q4_0-block-bytes", "18.5"), 0.0);
    // Short answers: trimmed, case and inner whitespace ignored, nothing else.
    assert_eq!(judge("alignment-key", "  General.Alignment "), 1.0);
    assert_eq!(judge("alignment-key", "alignment"), 0.0);
}

#[test]
fn ordering_is_judged_against_the_shown_order() {
    let course = support::fixture();
    let q = course.set(SetKind::Quiz, 1).unwrap().questions.iter().find(|q| q.id == "decode-step-order").unwrap();
    let shown = answer::shown_order(q);
    assert_ne!(shown, (0..shown.len()).collect::<Vec<_>>(), "the items must not be shown in the right order");
    // The letters of the shown items, put in the right order.
    let right: Vec<String> =
        (0..shown.len()).map(|k| answer::letter(shown.iter().position(|&s| s == k).unwrap()).to_string()).collect();
    let typed = right.join(" ");
    assert_eq!(answer::score(q, &answer::parse(q, &typed).unwrap()), 1.0, "typed {typed}");
    let mut swapped = right.clone();
    swapped.swap(0, 1);
    assert_eq!(answer::score(q, &answer::parse(q, &swapped.join(" ")).unwrap()), 0.0);
    // The shown order is the same on every run (scripts depend on it).
    assert_eq!(answer::shown_order(q), shown);
}

#[test]
fn unreadable_answers_say_what_form_is_expected() {
    let course = support::fixture();
    let quiz = course.set(SetKind::Quiz, 1).unwrap();
    let q = |id: &str| quiz.questions.iter().find(|q| q.id == id).unwrap();
    assert_eq!(answer::parse(q("gguf-magic"), "z").unwrap_err(), "please answer with one letter, a to c");
    assert_eq!(answer::parse(q("gguf-magic"), "a b").unwrap_err(), "please answer with one letter, a to c");
    assert!(answer::parse(q("q4_0-block-bytes"), "eighteen").unwrap_err().contains("a number"));
    assert!(answer::parse(q("decode-step-order"), "a b").unwrap_err().contains("all 5 letters"));
    assert!(answer::parse(q("decode-step-order"), "a a b c d").is_err(), "a repeated letter is not an order");
}

#[test]
fn interview_answers_score_the_key_points_covered() {
    let course = support::fixture();
    let set = course.set(SetKind::Interview, 1).unwrap();
    let q = &set.questions[0];
    assert_eq!(answer::parse(q, "1 3").unwrap(), Answer::Covered(vec![0, 2]));
    assert!((answer::score(q, &Answer::Covered(vec![0, 2])) - 2.0 / 3.0).abs() < 1e-12);
    assert_eq!(answer::score(q, &answer::parse(q, "none").unwrap()), 0.0);
    assert!(answer::parse(q, "4").is_err(), "there are only 3 key points");
}
