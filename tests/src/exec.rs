//! Running commands, in the root namespace or inside a network namespace, with output captured.

use std::process::{Command, ExitStatus, Stdio};

use crate::{Error, Result};

/// What a finished command printed.
#[derive(Debug, Clone)]
pub struct Output {
    /// How it exited.
    pub status: ExitStatus,
    /// Its stdout (lossy UTF-8).
    pub stdout: String,
    /// Its stderr (lossy UTF-8).
    pub stderr: String,
}

impl Output {
    /// Whether it exited with status 0.
    pub fn success(&self) -> bool {
        self.status.success()
    }
}

/// Runs `argv` to completion with no stdin and returns what it printed, whatever its status.
pub fn output(argv: &[&str]) -> Result<Output> {
    let Some((program, args)) = argv.split_first() else {
        return Err(Error::Unavailable("an empty command line".to_owned()));
    };
    let output = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|source| Error::Spawn {
            command: display(argv),
            source,
        })?;
    Ok(Output {
        status: output.status,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    })
}

/// Runs `argv` and returns its stdout; a failure status is an error quoting command, status
/// and stderr.
pub fn run(argv: &[&str]) -> Result<String> {
    let result = output(argv)?;
    if result.success() {
        Ok(result.stdout)
    } else {
        Err(Error::CommandFailed {
            command: display(argv),
            status: result.status,
            stderr: result.stderr.trim().to_owned(),
        })
    }
}

/// `argv` prefixed with `ip netns exec NAMESPACE`.
pub fn in_netns<'a>(namespace: &'a str, argv: &[&'a str]) -> Vec<&'a str> {
    let mut full = vec!["ip", "netns", "exec", namespace];
    full.extend_from_slice(argv);
    full
}

/// A command line as it could be pasted into a shell.
pub fn display(argv: &[&str]) -> String {
    shell_join(argv.iter().copied())
}

fn shell_join<'a>(words: impl Iterator<Item = &'a str>) -> String {
    words
        .map(|word| {
            if !word.is_empty()
                && word
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./:=,@+%".contains(c))
            {
                word.to_owned()
            } else {
                format!("'{}'", word.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_lines_are_quoted_for_a_shell() {
        assert_eq!(
            display(&[
                "ip",
                "netns",
                "exec",
                "vn01-h1",
                "sh",
                "-c",
                "echo 'hi' > x"
            ]),
            r"ip netns exec vn01-h1 sh -c 'echo '\''hi'\'' > x'"
        );
        assert_eq!(display(&["a", ""]), "a ''");
    }

    #[test]
    fn failures_carry_status_and_stderr() {
        let error = run(&["sh", "-c", "echo nope >&2; exit 3"]).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("exit status: 3"), "{message}");
        assert!(message.ends_with("nope"), "{message}");
        assert_eq!(run(&["echo", "ok"]).unwrap(), "ok\n");
    }
}
