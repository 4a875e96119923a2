//! `learn book serve`: serves the built book on 127.0.0.1 and rebuilds it when a quiz changes.

mod book_common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn get(addr: &str, path: &str) -> (String, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap(); // our server closes the connection
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    (head.lines().next().unwrap().to_string(), body.to_string())
}

#[test]
fn serves_the_book_and_rebuilds_on_change() {
    let course = book_common::course();
    let child = Command::new(env!("CARGO_BIN_EXE_learn"))
        .args(["book", "serve", "--no-open", "--port", "0", "--dest"])
        .arg(course.site())
        .env("LEARN_ROOT", course.root())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut server = Killed(child);
    let mut out = BufReader::new(server.0.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let addr = line.split("http://").nth(1).and_then(|s| s.split('/').next()).unwrap_or_else(|| panic!("no address in {line:?}")).to_string();
    let mut watching = String::new();
    out.read_line(&mut watching).unwrap(); // the watcher is set up once this is printed
    assert!(watching.starts_with("Watching"), "{watching}");

    let (status, quiz) = get(&addr, "/module-1/quiz.html");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(quiz.contains("What are the first four bytes"), "{quiz}");
    assert_eq!(get(&addr, "/module-1/").0, "HTTP/1.1 200 OK", "a folder serves its index.html");
    assert_eq!(get(&addr, "/no-such-page.html").0, "HTTP/1.1 404 Not Found");
    let (_, first_build) = get(&addr, "/__learn/build");

    let yaml = std::fs::read_to_string(course.root().join("quizzes/01-demo.yaml")).unwrap();
    course.write("quizzes/01-demo.yaml", &yaml.replace("What are the first four bytes", "Which four bytes start"));
    let start = Instant::now();
    loop {
        let (_, build) = get(&addr, "/__learn/build");
        if build != first_build {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "no rebuild within 30 s of editing a quiz");
        std::thread::sleep(Duration::from_millis(100));
    }
    let (_, quiz) = get(&addr, "/module-1/quiz.html");
    assert!(quiz.contains("Which four bytes start") && !quiz.contains("What are the first four bytes"), "{quiz}");

    // Reads during the rebuild are not changes: the counter settles.
    std::thread::sleep(Duration::from_millis(1500));
    let (_, settled) = get(&addr, "/__learn/build");
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(get(&addr, "/__learn/build").1, settled, "the server keeps rebuilding with nothing changed");
}
