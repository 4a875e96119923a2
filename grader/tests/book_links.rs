//! `learn book check`: it passes on a good book and names each planted fault.

mod book_common;

use grader::book::links::{self, Problem};

fn check(course: &book_common::Course) -> Vec<Problem> {
    grader::book::check(&course.curriculum(), course.root(), &course.site()).unwrap_or_else(|e| panic!("{e:#}"))
}

fn messages(problems: &[Problem]) -> String {
    problems.iter().map(|p| format!("{p}\n")).collect()
}

#[test]
fn a_good_book_has_no_problems() {
    let course = book_common::course();
    let problems = check(&course);
    assert!(problems.is_empty(), "{}", messages(&problems));
}

#[test]
fn a_broken_link_and_a_missing_anchor_are_found() {
    let course = book_common::course();
    course.append("book/src/introduction.md", "\nSee [a page that is not there](module-1/no-such-page.md).\n");
    course.append("book/src/module-1/index.md", "\nSee [the lesson's summary](1.1-lesson.md#no-such-heading).\n");
    course.append("book/src/module-1/index.md", "\nAnd [question 9](quiz.md#quiz-1-no-such-question).\n");
    let problems = check(&course);
    let all = messages(&problems);
    assert_eq!(problems.len(), 3, "{all}");
    assert!(all.contains("introduction.html: link \"module-1/no-such-page.html\": there is no module-1/no-such-page.html"), "{all}");
    assert!(all.contains("module-1/index.html: link \"1.1-lesson.html#no-such-heading\": module-1/1.1-lesson.html has no anchor #no-such-heading"), "{all}");
    assert!(all.contains("has no anchor #quiz-1-no-such-question"), "{all}");
}

#[test]
fn good_anchors_pass_including_quiz_questions() {
    // The fixture links `1.1-lesson.md#the-magic` (a heading) and `quiz.md#quiz-1-magic` (a
    // question); breaking the heading breaks exactly that link.
    let course = book_common::course();
    course.build();
    assert!(links::check_html(&course.site()).is_empty());
    course.write("book/src/module-1/1.1-lesson.md", "# 1.1 The first lesson\n\n## Renamed\n\nTry [the quiz](quiz.md#quiz-1-magic).\n");
    let problems = check(&course);
    assert_eq!(problems.len(), 1, "{}", messages(&problems));
    assert!(problems[0].message.contains("#the-magic"), "{}", messages(&problems));
}

#[test]
fn includes_lab_pages_and_quiz_directives_are_checked_in_the_sources() {
    let course = book_common::course();
    let curriculum = course.curriculum();
    assert_eq!(links::check_sources(&curriculum, &course.book()), vec![]);

    course.write("book/src/module-1/lab-1.1.md", "# Lab 1.1\n\n{{#include ../../../labs/1.1-demo/READ-ME.md}}\n");
    course.append("book/src/module-1/quiz.md", "\n{{#quiz 9}}\n{{#quiz 1 interview}}\n{{#track nope}}\n");
    std::fs::write(course.book().join("src/module-1/lab-1.9.md"), "# Lab 1.9\n").unwrap();
    let all = messages(&links::check_sources(&curriculum, &course.book()));
    assert!(all.contains("module-1/lab-1.1.md: {{#include ../../../labs/1.1-demo/READ-ME.md}}: there is no such file"), "{all}");
    assert!(all.contains("module-1/lab-1.1.md: the page of lab 1.1 must {{#include}}"), "{all}");
    assert!(all.contains("module-1/quiz.md: {{#quiz 9}}: there is no quiz for module 9"), "{all}");
    assert!(all.contains("{{#track nope}}: there is no tracks/nope.yaml"), "{all}");
    assert!(all.contains("module-1/lab-1.9.md: a page for lab 1.9, but there is no lab 1.9"), "{all}");
    assert!(!all.contains("interview"), "{{{{#quiz 1 interview}}}} exists: {all}");

    std::fs::remove_file(course.book().join("src/module-1/lab-1.1.md")).unwrap();
    let all = messages(&links::check_sources(&curriculum, &course.book()));
    assert!(all.contains("lab 1.1 has no book page (expected book/src/module-1/lab-1.1.md)"), "{all}");
}
