//! vnctl: the command-line client of vnapi, with the command tree of OpenVNet's vnctl.
//!
//! The command tree is data ([`spec::RESOURCES`]); [`cli`] turns it into a clap command and
//! turns a parsed command line into [`request::ApiRequest`] values without doing any I/O.
//! [`run`] sends them through a [`transport::Transport`] and renders each answer with
//! [`output`]. Parameters are sent as the query string on every verb, as the original did.
//! vnctl keeps no state and does not retry: a failed request stops it with a one-line error
//! (`error 100: ...`) and a non-zero exit status.

#![forbid(unsafe_code)]

pub mod batch;
pub mod cli;
pub mod config;
pub mod output;
pub mod request;
pub mod spec;
pub mod transport;

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::PathBuf;

use serde_json::Value;

use cli::{Action, Format, Invocation};
use request::ApiRequest;
use spec::Resource;
use transport::{Transport, TransportError};

/// Why a command failed, as printed on stderr.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// vnapi answered with an error; `code` is the API's error code, or the HTTP status when
    /// the body was not an API error.
    #[error("error {code}: {message}")]
    Api { code: String, message: String },
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error("{0}")]
    Usage(String),
    #[error("cannot read batch file {path}: {reason}")]
    BatchFile { path: PathBuf, reason: String },
    #[error("batch line {line}: {reason}")]
    BatchLine { line: usize, reason: String },
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error("cannot write output: {0}")]
    Output(String),
}

/// Turns a non-2xx answer into [`Error::Api`], reading the API's `{error, message, code}`;
/// `code` may be a string (as vnapi and the original send it) or a number.
pub fn api_error(status: u16, body: &str) -> Error {
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    let field = |name: &str| {
        parsed.as_ref().and_then(|v| v.get(name)).map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    };
    match (field("code"), field("message")) {
        (Some(code), Some(message)) => Error::Api { code, message },
        _ => {
            let first_line = body.lines().next().unwrap_or_default().trim();
            let message = if first_line.is_empty() {
                format!("HTTP status {status}")
            } else {
                first_line.to_owned()
            };
            Error::Api {
                code: status.to_string(),
                message,
            }
        }
    }
}

/// Sends `requests` in order, rendering each successful answer to `out`; stops at the first
/// failure.
pub fn execute(
    requests: &[ApiRequest],
    resource: &Resource,
    transport: &dyn Transport,
    format: Format,
    out: &mut dyn Write,
) -> Result<(), Error> {
    for request in requests {
        let response = transport.send(request)?;
        if !(200..300).contains(&response.status) {
            return Err(api_error(response.status, &response.body));
        }
        let text = match serde_json::from_str::<Value>(&response.body) {
            Ok(body) => {
                let listing =
                    request.method == spec::Method::Get && request.path.matches('/').count() == 1;
                let columns = if listing { resource.columns } else { &[] };
                output::render(&body, format, columns)
            }
            Err(_) => format!("{}\n", response.body.trim_end()),
        };
        out.write_all(text.as_bytes())
            .map_err(|e| Error::Output(e.to_string()))?;
    }
    Ok(())
}

/// Runs one parsed invocation. `stdin` feeds `batch` without a file.
pub fn run(
    invocation: &Invocation,
    format: Format,
    transport: &dyn Transport,
    stdin: &mut dyn Read,
    out: &mut dyn Write,
) -> Result<(), Error> {
    match &invocation.action {
        Action::Api { resource, requests } => execute(requests, resource, transport, format, out),
        Action::Completions { shell } => {
            clap_complete::generate(*shell, &mut cli::command(), "vnctl", out);
            Ok(())
        }
        Action::Batch { file } => {
            let text = read_batch(file.as_ref(), stdin)?;
            run_batch(
                &text,
                invocation.globals.output.unwrap_or(format),
                transport,
                out,
            )
        }
    }
}

fn read_batch(file: Option<&PathBuf>, stdin: &mut dyn Read) -> Result<String, Error> {
    let mut text = String::new();
    match file {
        Some(path) => {
            text = std::fs::read_to_string(path).map_err(|e| Error::BatchFile {
                path: path.clone(),
                reason: e.to_string(),
            })?;
        }
        None => {
            stdin
                .read_to_string(&mut text)
                .map_err(|e| Error::BatchFile {
                    path: "-".into(),
                    reason: e.to_string(),
                })?;
        }
    }
    Ok(text)
}

/// Runs a batch file's commands in order, echoing each; stops at the first failure and names
/// its line. A line's own `-o` wins over the batch's format; connection options do not change.
pub fn run_batch(
    text: &str,
    format: Format,
    transport: &dyn Transport,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let lines = batch::parse(text).map_err(|e| Error::BatchLine {
        line: e.line,
        reason: e.to_string(),
    })?;
    for line in lines {
        let at_line = |reason: String| Error::BatchLine {
            line: line.number,
            reason,
        };
        writeln!(out, "{}", line.text).map_err(|e| Error::Output(e.to_string()))?;
        let args = std::iter::once("vnctl".to_owned()).chain(line.words.iter().cloned());
        let invocation = cli::parse(args).map_err(|e| at_line(first_line(&e.to_string())))?;
        let Action::Api { resource, requests } = &invocation.action else {
            return Err(at_line(
                "only resource commands can run in a batch".to_owned(),
            ));
        };
        let line_format = invocation.globals.output.unwrap_or(format);
        execute(requests, resource, transport, line_format, out)
            .map_err(|e| at_line(e.to_string()))?;
    }
    Ok(())
}

fn first_line(text: &str) -> String {
    text.lines()
        .next()
        .unwrap_or_default()
        .trim_start_matches("error: ")
        .to_owned()
}

/// The whole program: parse, configure, run. Returns the process exit status.
pub fn main_with(
    args: impl IntoIterator<Item = OsString>,
    env: impl Fn(&str) -> Option<String>,
    home: Option<PathBuf>,
    stdin: &mut dyn Read,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let invocation = match cli::parse(args) {
        Ok(invocation) => invocation,
        Err(e) => {
            let code = e.exit_code();
            // Help and version go to stdout, usage errors to stderr.
            let sink: &mut dyn Write = if e.use_stderr() { err } else { out };
            let _ = write!(sink, "{}", e.render());
            return code;
        }
    };
    let outcome = config::load_file(invocation.globals.config.as_deref(), home.as_deref())
        .map_err(Error::from)
        .and_then(|file| {
            let settings = config::resolve(&invocation.globals, &env, file);
            let transport = transport::HttpTransport::new(&settings.api, settings.token);
            run(&invocation, settings.output, &transport, stdin, out)
        });
    match outcome {
        Ok(()) => 0,
        Err(e) => {
            let _ = writeln!(err, "{e}");
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use transport::ApiResponse;

    /// Records requests and answers each with `reply`.
    struct Recorder {
        sent: RefCell<Vec<ApiRequest>>,
        reply: fn(&ApiRequest) -> ApiResponse,
    }

    impl Transport for Recorder {
        fn send(&self, request: &ApiRequest) -> Result<ApiResponse, TransportError> {
            self.sent.borrow_mut().push(request.clone());
            Ok((self.reply)(request))
        }
    }

    fn ok_echo(request: &ApiRequest) -> ApiResponse {
        ApiResponse {
            status: 200,
            body: format!("{{\"uuid\": \"{}\"}}", request.path),
        }
    }

    #[test]
    fn api_errors_read_the_body_or_fall_back_to_status() {
        let e = api_error(
            404,
            r#"{"error":"UnknownUUIDResource","message":"nw-x","code":"100"}"#,
        );
        assert_eq!(e.to_string(), "error 100: nw-x");
        // vnapi sends the code as a string, like the original; a number is read the same way.
        let e = api_error(
            404,
            r#"{"error":"UnknownUUIDResource","message":"nw-x","code":100}"#,
        );
        assert_eq!(e.to_string(), "error 100: nw-x");
        assert_eq!(
            api_error(502, "Bad gateway\nmore").to_string(),
            "error 502: Bad gateway"
        );
        assert_eq!(api_error(500, "").to_string(), "error 500: HTTP status 500");
    }

    #[test]
    fn batch_echoes_each_line_and_stops_at_first_failure() {
        fn reply(request: &ApiRequest) -> ApiResponse {
            if request.path.ends_with("nw-bad") {
                ApiResponse {
                    status: 404,
                    body: r#"{"error":"E","message":"nw-bad not found","code":"100"}"#.into(),
                }
            } else {
                ok_echo(request)
            }
        }
        let recorder = Recorder {
            sent: RefCell::default(),
            reply,
        };
        let mut out = Vec::new();
        let text = "# c\nnetworks show nw-1 -o json\n\nnetworks del nw-bad\nnetworks show nw-3\n";
        let err = run_batch(text, Format::Table, &recorder, &mut out).unwrap_err();
        assert_eq!(err.to_string(), "batch line 4: error 100: nw-bad not found");
        assert_eq!(recorder.sent.borrow().len(), 2);
        let out = String::from_utf8(out).unwrap();
        assert_eq!(
            out,
            "networks show nw-1 -o json\n{\n  \"uuid\": \"/networks/nw-1\"\n}\nnetworks del nw-bad\n"
        );
    }

    #[test]
    fn batch_rejects_bad_lines_with_their_number() {
        let recorder = Recorder {
            sent: RefCell::default(),
            reply: ok_echo,
        };
        let err = run_batch(
            "networks show\nnetworks frobnicate\n",
            Format::Table,
            &recorder,
            &mut Vec::new(),
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("batch line 2: "), "{err}");
        let err = run_batch(
            "batch other.txt\n",
            Format::Table,
            &recorder,
            &mut Vec::new(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("only resource commands"), "{err}");
    }
}
