//! The real course content: it loads and cross-checks, it is as big as the issues promise, and
//! the numeric answers that are facts of the engine agree with the engine.

mod support;

use grader::curriculum::quiz_spec::Ask;
use grader::curriculum::{Curriculum, SetKind};

fn course() -> Curriculum {
    Curriculum::load(&support::repo_root()).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn the_course_loads_without_a_single_content_error() {
    let course = course();
    assert_eq!(course.tracks.len(), 4, "infra, research, fullstack, edge");
    assert_eq!(course.levels.spec.levels.len(), 4);
    assert_eq!(course.levels.spec.capstones.len(), 5);
    assert_eq!(course.lessons.len(), 56, "one page per lesson named in the seed");
}

#[test]
fn modules_one_to_three_have_their_labs_quizzes_and_interview_sets() {
    let course = course();
    for (module, min_labs) in [(1, 4), (2, 7), (3, 6)] {
        let labs = course.labs_of(module).count();
        assert!(labs >= min_labs, "module {module} has {labs} labs, the issues ask for {min_labs}");
        let quiz = course.set(SetKind::Quiz, module).unwrap_or_else(|| panic!("module {module} has no quiz"));
        assert!(quiz.questions.len() >= 20, "quiz {module} has {} questions", quiz.questions.len());
    }
    for module in [2, 3] {
        let set = course.set(SetKind::Interview, module).unwrap_or_else(|| panic!("module {module} has no interview set"));
        assert!(set.questions.len() >= 20, "interview set {module} has {} questions", set.questions.len());
    }
    // Quiz 1 uses every kind of question.
    let quiz1 = course.set(SetKind::Quiz, 1).unwrap();
    for kind in ["single", "multiple", "numeric", "short", "ordering"] {
        let has = quiz1.questions.iter().any(|q| {
            matches!(
                (kind, &q.ask),
                ("single", Ask::Single { .. })
                    | ("multiple", Ask::Multiple { .. })
                    | ("numeric", Ask::Numeric { .. })
                    | ("short", Ask::Short { .. })
                    | ("ordering", Ask::Ordering { .. })
            )
        });
        assert!(has, "quiz 1 has no {kind} question");
    }
}

#[test]
fn numeric_answers_that_are_engine_facts_match_the_engine() {
    let course = course();
    let model = engine::fetch::default_model().expect("the default model is needed for this test and could not be fetched");
    let file = engine::gguf::GgufFile::open(&model).unwrap();
    let mut facts = grader::engine_facts::format_facts();
    facts.extend(grader::engine_facts::model_facts(&file).unwrap());
    let mut checked = 0;
    for set in &course.quizzes {
        for q in &set.questions {
            if let Ask::Numeric { answer, tolerance, engine_fact: Some(fact), .. } = &q.ask {
                let truth = facts.get(fact).unwrap_or_else(|| panic!("{}: question {} names an unknown engine fact {fact}", set.source.path.display(), q.id));
                assert!(
                    (answer - truth).abs() <= tolerance + 1e-9,
                    "{}: question {} says {answer} (± {tolerance}) but the engine says {fact} = {truth}",
                    set.source.path.display(),
                    q.id
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 10, "only {checked} answers are tied to engine facts");
}

#[test]
fn the_kv_cache_fact_is_the_books_number() {
    // 2 (K, V) x 30 layers x 8192 tokens x 3 KV heads x 64 dims x 2 bytes (f16).
    let model = engine::fetch::default_model().unwrap();
    let facts = grader::engine_facts::model_facts(&engine::gguf::GgufFile::open(&model).unwrap()).unwrap();
    assert_eq!(facts["model_kv_cache_bytes_8192"], (2 * 30 * 8192 * 3 * 64 * 2) as f64);
    assert_eq!(facts["model_kv_cache_mib_8192"], 180.0);
}
