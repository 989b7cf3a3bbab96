//! The built `vnctl` binary against a tiny in-test HTTP server answering canned JSON.
// Helpers outside #[test] functions may panic: a failed expectation is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;

/// Serves canned answers on 127.0.0.1 and records each request line (and its auth header).
struct FakeApi {
    url: String,
    seen: Arc<Mutex<Vec<String>>>,
}

fn answer(method: &str, target: &str) -> (u16, String) {
    let path = target.split('?').next().unwrap_or_default();
    match (method, path) {
        ("GET", "/api/1.0/datapaths") => (
            200,
            r#"{"total_count":1,"offset":0,"limit":30,"items":[{"id":1,"uuid":"dp-test1","display_name":"test1","dpid":"0x0000aaaaaaaaaaaa","node_id":"vna"}]}"#.into(),
        ),
        ("GET", "/api/1.0/networks/nw-missing") => (
            404,
            r#"{"error":"UnknownUUIDResource","message":"nw-missing","code":"100"}"#.into(),
        ),
        ("POST", _) => (200, r#"{"uuid":"nw-test1","ipv4_network":"10.100.0.0","ipv4_prefix":24}"#.into()),
        ("DELETE", p) => (200, format!("[\"{}\"]", p.rsplit('/').next().unwrap_or_default())),
        _ => (404, r#"{"error":"UnknownResource","message":"no route","code":"114"}"#.into()),
    }
}

impl FakeApi {
    fn start() -> FakeApi {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request_line = String::new();
                reader.read_line(&mut request_line).unwrap();
                let mut auth = String::new();
                let mut length = 0usize;
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).unwrap() == 0 || header == "\r\n" {
                        break;
                    }
                    let lower = header.to_ascii_lowercase();
                    if let Some(v) = lower.strip_prefix("authorization:") {
                        auth = format!(" [{}]", v.trim());
                    }
                    if let Some(v) = lower.strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; length];
                reader.read_exact(&mut body).unwrap();
                let mut words = request_line.split_whitespace();
                let (method, target) = (
                    words.next().unwrap_or_default(),
                    words.next().unwrap_or_default(),
                );
                log.lock().unwrap().push(format!("{method} {target}{auth}"));
                let (status, body) = answer(method, target);
                let response = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes());
            }
        });
        FakeApi { url, seen }
    }

    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

fn vnctl(args: &[&str], env: &[(&str, &str)], stdin: &str) -> Output {
    let home = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_vnctl"));
    command
        .args(args)
        .env_clear()
        .env("HOME", home.path())
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn list_prints_a_table_and_exits_zero() {
    let api = FakeApi::start();
    let out = vnctl(&["datapaths", "show", "--api", &api.url], &[], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "UUID      DISPLAY_NAME  DPID                NODE_ID\ndp-test1  test1         0x0000aaaaaaaaaaaa  vna\n"
    );
    assert_eq!(api.seen(), ["GET /api/1.0/datapaths"]);
}

#[test]
fn env_locates_vnapi_and_carries_the_token() {
    let api = FakeApi::start();
    let host_port = api.url.trim_start_matches("http://");
    let env = [("VNET_WEBAPI", host_port), ("VNET_API_TOKEN", "s3cret")];
    let out = vnctl(
        &[
            "networks",
            "add",
            "--uuid",
            "nw-test1",
            "--ipv4_network",
            "10.100.0.0",
            "-o",
            "yaml",
        ],
        &env,
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "ipv4_network: \"10.100.0.0\"\nipv4_prefix: 24\nuuid: nw-test1\n"
    );
    assert_eq!(
        api.seen(),
        ["POST /api/1.0/networks?uuid=nw-test1&ipv4_network=10.100.0.0 [bearer s3cret]"]
    );
}

#[test]
fn api_error_is_one_line_and_non_zero() {
    let api = FakeApi::start();
    let out = vnctl(
        &["networks", "show", "nw-missing", "--api", &api.url],
        &[],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stderr), "error 100: nw-missing\n");
    assert!(out.stdout.is_empty());
}

#[test]
fn unreachable_vnapi_is_reported() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let out = vnctl(&["networks", "show", "--api", &url], &[], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).starts_with(&format!("cannot reach vnapi at {url}/api/1.0/networks")),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn usage_errors_exit_two() {
    let out = vnctl(&["datapaths", "add", "--display-name", "x"], &[], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--dpid"));
}

#[test]
fn batch_from_stdin_echoes_and_stops_at_failing_line() {
    let api = FakeApi::start();
    let script = "# demo\nnetworks del nw-1 -o json\nnetworks show nw-missing\nnetworks del nw-2\n";
    let out = vnctl(&["batch", "--api", &api.url], &[], script);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stdout),
        "networks del nw-1 -o json\n[\n  \"nw-1\"\n]\nnetworks show nw-missing\n"
    );
    assert_eq!(text(&out.stderr), "batch line 3: error 100: nw-missing\n");
    assert_eq!(
        api.seen(),
        [
            "DELETE /api/1.0/networks/nw-1",
            "GET /api/1.0/networks/nw-missing"
        ]
    );
}

#[test]
fn tutorial_batch_file_runs_against_the_server() {
    let api = FakeApi::start();
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tutorial.vnctl");
    let out = vnctl(&["batch", file, "--api", &api.url, "-o", "json"], &[], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(api.seen().len(), 15);
}

#[test]
fn completions_are_generated() {
    let out = vnctl(&["completions", "bash"], &[], "");
    assert_eq!(out.status.code(), Some(0));
    let script = text(&out.stdout);
    assert!(script.contains("vnctl") && script.contains("mac_range_groups"));
}
