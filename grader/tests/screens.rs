//! Every terminal screen, rendered with ratatui's TestBackend and compared with the reviewed
//! snapshot (`cargo insta review` to accept a change). Uses the fixture course, so the screens
//! change only when the code does.

mod support;

use crossterm::event::{KeyCode, KeyEvent};
use grader::curriculum::{Curriculum, SetKind};
use grader::dashboard::{self, Dashboard};
use grader::progress::{AnswerRecord, Progress, SetRecord};
use grader::quiz::tui::{self, QuizApp};
use grader::terminal::Palette;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const PLAIN: Palette = Palette { color: false };

fn keys(app: &mut QuizApp, codes: &[KeyCode]) {
    for &code in codes {
        app.key(KeyEvent::from(code));
    }
}

fn quiz_screen(app: &QuizApp, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| tui::draw(f, app)).unwrap();
    terminal.backend().to_string()
}

fn dash_screen(dash: &Dashboard, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| dashboard::draw(f, dash)).unwrap();
    terminal.backend().to_string()
}

fn quiz(course: &Curriculum) -> QuizApp<'_> {
    QuizApp::new(course.set(SetKind::Quiz, 1).unwrap(), PLAIN)
}

#[test]
fn quiz_single_choice_question() {
    let course = support::fixture();
    let mut app = quiz(&course);
    keys(&mut app, &[KeyCode::Down]);
    insta::assert_snapshot!(quiz_screen(&app, 80, 18));
}

#[test]
fn quiz_feedback_after_a_wrong_answer_explains_every_wrong_choice() {
    let course = support::fixture();
    let mut app = quiz(&course);
    keys(&mut app, &[KeyCode::Char('b'), KeyCode::Enter]);
    let screen = quiz_screen(&app, 80, 20);
    assert!(screen.contains("Not quite"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn quiz_multiple_choice_with_ticks() {
    let course = support::fixture();
    let mut app = quiz(&course);
    keys(&mut app, &[KeyCode::Char('a'), KeyCode::Enter, KeyCode::Enter, KeyCode::Char('a'), KeyCode::Down, KeyCode::Char(' ')]);
    insta::assert_snapshot!(quiz_screen(&app, 80, 16));
}

#[test]
fn quiz_numeric_answer_being_typed() {
    let course = support::fixture();
    let mut app = quiz(&course);
    keys(&mut app, &[KeyCode::Enter, KeyCode::Enter]);
    keys(&mut app, &[KeyCode::Char('a'), KeyCode::Char('b'), KeyCode::Enter, KeyCode::Enter]);
    keys(&mut app, &[KeyCode::Char('1'), KeyCode::Char('8')]);
    insta::assert_snapshot!(quiz_screen(&app, 80, 12));
}

#[test]
fn quiz_ordering_with_an_item_picked_up() {
    let course = support::fixture();
    let mut app = quiz(&course);
    // Through the first four questions, then pick up the first item and move it down one.
    for answer in [&[KeyCode::Enter][..], &[KeyCode::Char('a'), KeyCode::Char('b'), KeyCode::Enter], &[KeyCode::Char('1'), KeyCode::Char('8'), KeyCode::Enter], &[KeyCode::Char('x'), KeyCode::Enter]] {
        keys(&mut app, answer);
        keys(&mut app, &[KeyCode::Enter]);
    }
    keys(&mut app, &[KeyCode::Char(' '), KeyCode::Down]);
    insta::assert_snapshot!(quiz_screen(&app, 80, 16));
}

#[test]
fn quiz_results_offer_a_retry_of_the_missed_questions() {
    let course = support::fixture();
    let mut app = quiz(&course);
    for answer in [&[KeyCode::Enter][..], &[KeyCode::Char('a'), KeyCode::Char('b'), KeyCode::Enter], &[KeyCode::Char('1'), KeyCode::Char('7'), KeyCode::Enter], &[KeyCode::Char('x'), KeyCode::Enter], &[KeyCode::Enter]] {
        keys(&mut app, answer);
        keys(&mut app, &[KeyCode::Enter]);
    }
    let screen = quiz_screen(&app, 80, 12);
    assert!(screen.contains("Score: 2 / 5"), "{screen}");
    insta::assert_snapshot!(screen);
    // r asks only the three missed questions again.
    keys(&mut app, &[KeyCode::Char('r')]);
    assert_eq!(app.session.queue.len(), 3);
    assert!(quiz_screen(&app, 80, 12).contains("question 1/3"));
}

#[test]
fn quiz_help_overlay() {
    let course = support::fixture();
    let mut app = quiz(&course);
    keys(&mut app, &[KeyCode::Char('?')]);
    insta::assert_snapshot!(quiz_screen(&app, 80, 18));
}

#[test]
fn interview_question_then_key_points() {
    let course = support::fixture();
    let mut app = QuizApp::new(course.set(SetKind::Interview, 1).unwrap(), PLAIN);
    insta::assert_snapshot!("interview_question", quiz_screen(&app, 80, 12));
    keys(&mut app, &[KeyCode::Enter, KeyCode::Char(' '), KeyCode::Down, KeyCode::Down, KeyCode::Char(' ')]);
    insta::assert_snapshot!("interview_key_points", quiz_screen(&app, 80, 18));
}

fn progress_with_some_answers() -> Progress {
    let mut p = Progress::new();
    let mut set = SetRecord::default();
    for id in ["gguf-magic", "gguf-scalar-types", "q4_0-block-bytes", "alignment-key"] {
        set.answers.insert(id.into(), AnswerRecord { at: 1, score: 1.0, self_assessed: false });
    }
    p.sets.insert("quiz-1".into(), set);
    p.track = Some("demo".into());
    p
}

#[test]
fn dashboard_home() {
    let course = support::fixture();
    let dash = Dashboard::new(&course, progress_with_some_answers(), PLAIN);
    insta::assert_snapshot!(dash_screen(&dash, 100, 18));
}

#[test]
fn dashboard_in_a_narrow_terminal() {
    let course = support::fixture();
    let dash = Dashboard::new(&course, Progress::new(), PLAIN);
    insta::assert_snapshot!(dash_screen(&dash, 60, 24));
}

#[test]
fn dashboard_help_and_track_page() {
    let course = support::fixture();
    let mut dash = Dashboard::new(&course, progress_with_some_answers(), PLAIN);
    dash.key(KeyEvent::from(KeyCode::Char('?')));
    insta::assert_snapshot!("dashboard_help", dash_screen(&dash, 100, 18));
    dash.key(KeyEvent::from(KeyCode::Esc)); // closes the help only
    dash.key(KeyEvent::from(KeyCode::Char('t')));
    insta::assert_snapshot!("dashboard_track", dash_screen(&dash, 100, 20));
    assert_eq!(dash.key(KeyEvent::from(KeyCode::Char('q'))), dashboard::Action::None, "q on a page goes back");
    assert_eq!(dash.key(KeyEvent::from(KeyCode::Char('q'))), dashboard::Action::Quit);
}

#[test]
fn dashboard_keys_start_quizzes_and_the_next_step() {
    let course = support::fixture();
    let mut dash = Dashboard::new(&course, progress_with_some_answers(), PLAIN);
    assert_eq!(dash.key(KeyEvent::from(KeyCode::Char('z'))), dashboard::Action::Quiz(1, false));
    assert_eq!(dash.key(KeyEvent::from(KeyCode::Char('i'))), dashboard::Action::Quiz(1, true));
    // Quiz 1 is at 4/5 = 80%, the pass mark: the track's next step is the interview set.
    assert_eq!(dash.key(KeyEvent::from(KeyCode::Enter)), dashboard::Action::Quiz(1, true));
    assert_eq!(dash.key(KeyEvent::from(KeyCode::Char('b'))), dashboard::Action::Book);
}

#[test]
fn a_track_is_chosen_from_the_dashboard() {
    let course = support::fixture();
    let mut dash = Dashboard::new(&course, Progress::new(), PLAIN);
    dash.key(KeyEvent::from(KeyCode::Char('t')));
    insta::assert_snapshot!(dash_screen(&dash, 80, 16));
    assert_eq!(dash.key(KeyEvent::from(KeyCode::Char('1'))), dashboard::Action::SetTrack("demo".into()));
    assert_eq!(dash.view, dashboard::View::Home);
}
