//! The built book in a real browser: headless Chromium, driven over the DevTools protocol,
//! opens a lesson page and a quiz page served by `learn book`'s server, answers questions and
//! reads the feedback. Chromium is required: scripts/test.sh installs it (Debian: `chromium`).

mod book_common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const CHROMIUM_NAMES: [&str; 3] = ["chromium", "chromium-browser", "google-chrome"];

/// Headless Chromium with a fresh profile; killed (by its own pid) when dropped.
struct Browser {
    child: Child,
    _profile: tempfile::TempDir,
    devtools_port: u16,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn launch() -> Browser {
    let Some(exe) = CHROMIUM_NAMES.iter().find(|n| Command::new(n).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success())) else {
        panic!("this test needs Chromium: scripts/test.sh installs it, or run `sudo apt-get install chromium` (Debian/Ubuntu)");
    };
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(exe)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--remote-debugging-port=0",
            "--remote-allow-origins=*",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("about:blank")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/…" names the port it chose.
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    let port = loop {
        let mut line = String::new();
        if stderr.read_line(&mut line).unwrap_or(0) == 0 {
            let _ = child.kill();
            panic!("chromium exited before its DevTools server started:\n{seen}");
        }
        seen += &line;
        if let Some(rest) = line.trim().strip_prefix("DevTools listening on ws://127.0.0.1:") {
            break rest.split('/').next().unwrap().parse::<u16>().unwrap();
        }
    };
    std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink())); // keep the pipe drained
    Browser { child, _profile: profile, devtools_port: port }
}

/// A plain HTTP GET (the DevTools JSON endpoints). Chromium keeps the connection open whatever
/// the request says, so the body is read by its Content-Length.
fn http_get(port: u16, path: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n").unwrap();
    let mut reader = BufReader::new(stream);
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap();
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    String::from_utf8(body).unwrap()
}

/// One page's DevTools session.
struct Page {
    socket: tungstenite::WebSocket<tungstenite::stream::MaybeTlsStream<TcpStream>>,
    next_id: u64,
}

impl Page {
    fn open(browser: &Browser) -> Page {
        let targets: Value = serde_json::from_str(&http_get(browser.devtools_port, "/json/list")).unwrap();
        let url = targets.as_array().unwrap().iter().find(|t| t["type"] == "page").expect("a page target")["webSocketDebuggerUrl"].as_str().unwrap().to_string();
        let (socket, _) = tungstenite::connect(url).unwrap();
        Page { socket, next_id: 0 }
    }

    fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.socket.send(tungstenite::Message::text(json!({"id": id, "method": method, "params": params}).to_string())).unwrap();
        loop {
            let message = self.socket.read().unwrap();
            let Ok(text) = message.to_text() else { continue };
            let reply: Value = serde_json::from_str(text).unwrap();
            if reply["id"] == id {
                assert!(reply.get("error").is_none(), "{method}: {reply}");
                return reply["result"].clone();
            }
        }
    }

    /// Evaluates a JavaScript expression in the page and returns its value.
    fn eval(&mut self, expression: &str) -> Value {
        let result = self.call("Runtime.evaluate", json!({"expression": expression, "returnByValue": true}));
        assert!(result.get("exceptionDetails").is_none(), "{expression}: {result}");
        result["result"]["value"].clone()
    }

    fn goto(&mut self, url: &str, ready: &str) {
        self.call("Page.navigate", json!({"url": url}));
        self.wait_for(ready);
    }

    fn wait_for(&mut self, condition: &str) {
        let start = Instant::now();
        while self.eval(&format!("document.readyState === 'complete' && !!({condition})")) != json!(true) {
            assert!(start.elapsed() < Duration::from_secs(20), "timed out waiting for {condition}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

#[test]
fn a_lesson_and_a_quiz_work_in_chromium() {
    let course = book_common::course();
    course.build();
    let server = grader::book::serve::start(&course.site(), 0).unwrap();
    let url = server.url();
    let browser = launch();
    let mut page = Page::open(&browser);

    // A lesson page: the text and the book's navigation are there.
    page.goto(&format!("{url}module-1/1.1-lesson.html"), "document.getElementById('the-magic')");
    let heading = page.eval("document.getElementById('the-magic').textContent.trim()");
    assert_eq!(heading, json!("The magic"));
    assert!(page.eval("document.title").as_str().unwrap().contains("The first lesson"));

    // The quiz page: quiz.js has run once the score line is filled in.
    let quiz = format!("{url}module-1/quiz.html");
    page.goto(&quiz, "document.querySelector('.wb-score') && document.querySelector('.wb-score').textContent.startsWith('Answered 0 of 5')");

    // A wrong choice: feedback, the right answer, and why this choice is wrong.
    let feedback = page.eval(
        "(() => { const q = document.getElementById('quiz-1-magic');
                  q.querySelector('input[value=\"0\"]').click();
                  q.querySelector('.wb-check').click();
                  const f = q.querySelector('.wb-feedback');
                  return { feedback: f.hidden ? null : f.textContent,
                           why: Array.from(q.querySelectorAll('.wb-why')).filter(w => !w.hidden).map(w => w.textContent.trim()),
                           explanation: !q.querySelector('.wb-explanation').hidden }; })()",
    );
    assert_eq!(feedback["feedback"], json!("Not quite. The answer: b) The ASCII bytes \"GGUF\""), "{feedback}");
    assert_eq!(feedback["why"][0], json!("The version comes right after the magic."), "{feedback}");
    assert_eq!(feedback["explanation"], json!(true), "{feedback}");

    // A number with its unit, within tolerance; a short answer with other case and spaces.
    let answer = |page: &mut Page, id: &str, value: &str| {
        page.eval(&format!(
            "(() => {{ const q = document.getElementById('{id}');
                       q.querySelector('.wb-input').value = {value:?};
                       q.querySelector('.wb-check').click();
                       return q.querySelector('.wb-feedback').textContent; }})()"
        ))
    };
    assert_eq!(answer(&mut page, "quiz-1-q4-0-bytes", " 18 bytes "), json!("Right."));
    assert_eq!(answer(&mut page, "quiz-1-alignment-key", "  General.ALIGNMENT "), json!("Right."));
    assert_eq!(answer(&mut page, "quiz-1-q4-0-bytes", "17").as_str().unwrap(), "Not quite. The answer: 18 bytes");

    // Ordering: move the items into the right order with the arrow buttons, as a reader would.
    let ordering = page.eval(
        "(() => { const q = document.getElementById('quiz-1-forward-order');
                  const list = q.querySelector('.wb-order');
                  for (let pass = 0; pass < 4; pass++)
                      for (const li of Array.from(list.children))
                          if (li.previousElementSibling && Number(li.previousElementSibling.dataset.index) > Number(li.dataset.index))
                              li.querySelector('.wb-up').click();
                  q.querySelector('.wb-check').click();
                  return q.querySelector('.wb-feedback').textContent; })()",
    );
    assert_eq!(ordering, json!("Right."));

    // Answers are kept per question id and come back after a reload.
    let stored = page.eval("localStorage.getItem('learn-quiz:quiz-1:magic')");
    let stored: Value = serde_json::from_str(stored.as_str().expect("the answer to `magic` is stored")).unwrap();
    assert_eq!((stored["answer"].clone(), stored["score"].clone()), (json!(0), json!(0)));
    page.goto(&quiz, "document.querySelector('.wb-score') && document.querySelector('.wb-score').textContent.startsWith('Answered 4 of 5')");
    let restored = page.eval(
        "(() => { const q = document.getElementById('quiz-1-magic');
                  return [q.querySelector('input[value=\"0\"]').checked, q.querySelector('.wb-feedback').textContent]; })()",
    );
    assert_eq!(restored, json!([true, "Not quite. The answer: b) The ASCII bytes \"GGUF\""]));
    assert!(page.eval("document.querySelector('.wb-score').textContent").as_str().unwrap().contains("40% right"), "2 of 5 right: magic wrong, 17 bytes wrong, the short answer and the ordering right");
}

/// Every question of the course's real quizzes, answered in the browser with right and wrong
/// answers: quiz.js must judge each exactly as the terminal does (`grader::quiz::answer::score`).
#[test]
fn the_browser_judges_every_real_question_as_the_terminal_does() {
    use grader::curriculum::QuestionSet;
    use grader::curriculum::quiz_spec::Ask;
    use grader::quiz::answer::{self, Answer};

    let repo = book_common::repo();
    let mut sets = Vec::new();
    for entry in std::fs::read_dir(repo.join("quizzes")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let set = QuestionSet::load(&path).unwrap_or_else(|e| panic!("{e}"));
            if set.kind == grader::curriculum::SetKind::Quiz {
                sets.push(set);
            }
        }
    }
    assert!(!sets.is_empty(), "no quizzes in quizzes/");

    // Trials: (element id, what to enter, the terminal's verdict).
    let mut trials = Vec::new();
    for set in &sets {
        let key = grader::book::quiz_html::set_key(set);
        for q in &set.questions {
            let id = format!("{key}-{}", q.id);
            let mut trial = |input: Value, rust: Answer| trials.push(json!({"id": id, "input": input, "right": answer::score(q, &rust) == 1.0}));
            match &q.ask {
                Ask::Single { choices } => {
                    for i in 0..choices.len() {
                        trial(json!([i]), Answer::Choice(i));
                    }
                }
                Ask::Multiple { choices } => {
                    let right: Vec<usize> = (0..choices.len()).filter(|&i| choices[i].correct).collect();
                    trial(json!(right), Answer::Choices(right.clone()));
                    let mut toggled: Vec<usize> = (0..choices.len()).filter(|&i| choices[i].correct != (i == 0)).collect();
                    toggled.sort();
                    if !toggled.is_empty() {
                        trial(json!(toggled), Answer::Choices(toggled.clone()));
                    }
                }
                Ask::Numeric { answer: x, tolerance, unit, .. } => {
                    let unit = unit.clone().unwrap_or_default();
                    for text in [format!("{x}"), format!("{} {unit}", x + tolerance * 0.5), format!("{}", x + tolerance + 1.0 + x.abs() * 0.01)] {
                        let parsed = answer::parse(q, &text).unwrap_or_else(|e| panic!("{id}: {text:?}: {e}"));
                        trial(json!(text), parsed);
                    }
                }
                Ask::Short { accept } => {
                    for form in accept {
                        let text = format!("  {}  ", form.to_uppercase().replace(' ', "   "));
                        trial(json!(text), answer::parse(q, &text).unwrap());
                    }
                    trial(json!("not this"), Answer::Text("not this".into()));
                }
                Ask::Ordering { items } => {
                    let shown = answer::shown_order(q);
                    // The right order, and the order as shown, entered as positions in the list.
                    let right: Vec<usize> = (0..items.len()).map(|k| shown.iter().position(|&s| s == k).unwrap()).collect();
                    trial(json!(right), Answer::Order(right.clone()));
                    let as_shown: Vec<usize> = (0..items.len()).collect();
                    trial(json!(as_shown), Answer::Order(as_shown.clone()));
                }
                Ask::Interview { .. } => unreachable!("quiz sets only"),
            }
        }
    }

    let site = tempfile::tempdir().unwrap();
    let html: String = sets.iter().map(grader::book::quiz_html::render).collect();
    std::fs::write(site.path().join("index.html"), format!("<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>{html}<script src=\"quiz.js\"></script></body></html>")).unwrap();
    std::fs::copy(repo.join("book/quiz/quiz.js"), site.path().join("quiz.js")).unwrap();
    let server = grader::book::serve::start(site.path(), 0).unwrap();
    let browser = launch();
    let mut page = Page::open(&browser);
    page.goto(&server.url(), "document.querySelector('.wb-score') && document.querySelector('.wb-score').textContent.startsWith('Answered 0')");

    // Single/multiple: the choice indices to tick. Numeric/short: the text. Ordering: for each
    // place in the list, which item (by its index as shown) goes there.
    let verdicts = page.eval(&format!(
        "(() => {{ const trials = {};
            return trials.map(t => {{
              const q = document.getElementById(t.id);
              const retry = q.querySelector('.wb-retry'); if (!retry.hidden) retry.click();
              const type = q.dataset.type;
              if (type === 'single' || type === 'multiple')
                  q.querySelectorAll('.wb-choices input').forEach(i => i.checked = t.input.includes(Number(i.value)));
              else if (type === 'numeric' || type === 'short') q.querySelector('.wb-input').value = t.input;
              else {{ const list = q.querySelector('.wb-order');
                      const asShown = Array.from(list.children).sort((a, b) =>
                          a.querySelector('.wb-letter').textContent.localeCompare(b.querySelector('.wb-letter').textContent));
                      t.input.forEach(i => list.appendChild(asShown[i])); }}
              q.querySelector('.wb-check').click();
              return q.querySelector('.wb-feedback').textContent; }}); }})()",
        Value::Array(trials.clone())
    ));
    let verdicts = verdicts.as_array().unwrap();
    assert_eq!(verdicts.len(), trials.len());
    let mut disagreements = Vec::new();
    for (trial, verdict) in trials.iter().zip(verdicts) {
        let text = verdict.as_str().unwrap();
        assert!(text == "Right." || text.starts_with("Not quite."), "{trial}: {text}");
        if (text == "Right.") != trial["right"].as_bool().unwrap() {
            disagreements.push(format!("{trial} → browser: {text}"));
        }
    }
    assert!(disagreements.is_empty(), "{} of {} answers judged differently:\n{}", disagreements.len(), trials.len(), disagreements.join("\n"));
    assert!(trials.len() > 300, "{} trials", trials.len());
}

/// The course's own book, built as `learn book build` builds it: a real lesson page and the
/// real module 1 quiz page open in Chromium, and answering a question shows its feedback.
#[test]
fn the_real_book_shows_a_lesson_and_answers_a_quiz_question() {
    let repo = book_common::repo();
    let curriculum = grader::curriculum::Curriculum::load(&repo).unwrap_or_else(|e| panic!("{e}"));
    let site = tempfile::tempdir().unwrap();
    grader::book::build::build(&curriculum, &grader::book::book_dir(&repo), site.path()).unwrap();
    let server = grader::book::serve::start(site.path(), 0).unwrap();
    let url = server.url();
    let browser = launch();
    let mut page = Page::open(&browser);

    page.goto(&format!("{url}module-1/1.2-gguf-format.html"), "document.getElementById('the-layout')");
    assert!(page.eval("document.title").as_str().unwrap().contains("GGUF"), "the lesson page has its title");

    page.goto(&format!("{url}module-1/quiz.html"), "document.querySelector('.wb-score') && document.querySelector('.wb-score').textContent.startsWith('Answered 0 of 43')");
    // The first question, answered with its second choice (a wrong one).
    let feedback = page.eval(
        "(() => { const q = document.getElementById('quiz-1-llamacpp-what-it-is');
                  q.querySelector('input[value=\"1\"]').click();
                  q.querySelector('.wb-check').click();
                  const f = q.querySelector('.wb-feedback');
                  return { feedback: f.hidden ? null : f.textContent,
                           why: Array.from(q.querySelectorAll('.wb-why')).filter(w => !w.hidden).length }; })()",
    );
    let text = feedback["feedback"].as_str().unwrap_or_default();
    assert!(text.starts_with("Not quite. The answer: a) A C/C++ inference engine"), "{feedback}");
    assert!(feedback["why"].as_u64().unwrap() >= 1, "why the chosen answer is wrong is shown: {feedback}");
    assert!(page.eval("localStorage.getItem('learn-quiz:quiz-1:llamacpp-what-it-is')").is_string(), "the answer is kept under its question id");
}
