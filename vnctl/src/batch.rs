//! Batch files: one vnctl command per line, shell-style quoting, `#` comments.

/// One command of a batch file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchLine {
    /// 1-based line number in the file.
    pub number: usize,
    /// The line as written, for echoing.
    pub text: String,
    /// The words after an optional leading `vnctl`.
    pub words: Vec<String>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("line {line}: unbalanced quotes in {text:?}")]
pub struct BatchParseError {
    pub line: usize,
    pub text: String,
}

/// Splits a batch file into commands, skipping blank lines and `#` comments. A leading
/// `vnctl` is dropped so tutorial lines can be pasted as they are.
pub fn parse(text: &str) -> Result<Vec<BatchLine>, BatchParseError> {
    let mut lines = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let number = index + 1;
        let mut words = shlex::split(trimmed).ok_or_else(|| BatchParseError {
            line: number,
            text: trimmed.to_owned(),
        })?;
        if words.first().is_some_and(|w| w == "vnctl") {
            words.remove(0);
        }
        lines.push(BatchLine {
            number,
            text: trimmed.to_owned(),
            words,
        });
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_blanks_quotes_and_prefix() {
        let text = "# setup\n\nvnctl networks add --uuid nw-1 --display-name 'my net'\n  datapaths show # trailing\n";
        let lines = parse(text).unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].number, 3);
        assert_eq!(
            lines[0].words,
            [
                "networks",
                "add",
                "--uuid",
                "nw-1",
                "--display-name",
                "my net"
            ]
        );
        assert_eq!(lines[1].number, 4);
        assert_eq!(lines[1].words, ["datapaths", "show"]);
    }

    #[test]
    fn unbalanced_quote_names_the_line() {
        let err = parse("networks show\nnetworks add --display-name 'x\n").unwrap_err();
        assert_eq!(err.line, 2);
    }
}
