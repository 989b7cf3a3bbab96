//! `ofp-print`: decode OpenFlow 1.3 messages and print them readably, like `ovs-ofctl ofp-print`.
//!
//! ```text
//! ofp-print FILE          messages stored raw in FILE ("-" for standard input)
//! ofp-print --hex HEX     one message given as hex (spaces, ':' and a 0x prefix are ignored)
//! ```
//! A file may hold several messages back to back; each is printed in turn. On malformed input it
//! prints the byte offset and the problem and exits with status 1; on bad usage, status 2.

use std::io::Read;
use std::process::ExitCode;

use openflow::Message;
use openflow::message::Header;

const USAGE: &str = "usage: ofp-print FILE | ofp-print --hex HEX\n\
    Decodes OpenFlow 1.3 messages (raw bytes in FILE, '-' for stdin, or hex) and prints them.";

fn parse_hex(text: &str) -> Result<Vec<u8>, String> {
    let text = text.trim();
    let text = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(text);
    let digits: Vec<(usize, char)> = text
        .char_indices()
        .filter(|(_, c)| !c.is_whitespace() && *c != ':')
        .collect();
    if let Some((pos, c)) = digits.iter().find(|(_, c)| !c.is_ascii_hexdigit()) {
        return Err(format!(
            "invalid hex input: character {c:?} at position {pos} is not a hex digit"
        ));
    }
    if !digits.len().is_multiple_of(2) {
        return Err(format!(
            "invalid hex input: {} hex digits is an odd number; each byte needs two",
            digits.len()
        ));
    }
    digits
        .chunks(2)
        .map(|pair| {
            let s: String = pair.iter().map(|(_, c)| c).collect();
            u8::from_str_radix(&s, 16).map_err(|e| format!("invalid hex input {s:?}: {e}"))
        })
        .collect()
}

fn read_input(args: &[String]) -> Result<Vec<u8>, (u8, String)> {
    match args {
        [flag, hex] if flag == "--hex" => parse_hex(hex).map_err(|e| (1, e)),
        [flag, ..] if flag == "-h" || flag == "--help" => Err((0, USAGE.to_string())),
        [path] if path == "-" => {
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .map_err(|e| (1, format!("cannot read standard input: {e}")))?;
            Ok(buf)
        }
        [path] if !path.starts_with("--") => {
            std::fs::read(path).map_err(|e| (1, format!("cannot read {path}: {e}")))
        }
        _ => Err((2, USAGE.to_string())),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let bytes = match read_input(&args) {
        Ok(b) => b,
        Err((0, msg)) => {
            println!("{msg}");
            return ExitCode::SUCCESS;
        }
        Err((code, msg)) => {
            eprintln!("ofp-print: {msg}");
            return ExitCode::from(code);
        }
    };
    if bytes.is_empty() {
        eprintln!("ofp-print: no input: expected at least one 8-byte OpenFlow header");
        return ExitCode::from(1);
    }
    let mut at = 0usize;
    while at < bytes.len() {
        let rest = bytes.get(at..).unwrap_or_default();
        let len = match Header::peek(rest) {
            Ok(h) => usize::from(h.length).clamp(8, rest.len().max(8)),
            Err(_) => rest.len(),
        };
        let one = rest.get(..len).unwrap_or(rest);
        match Message::decode(one) {
            Ok(m) => println!("{m}"),
            Err(e) => {
                eprintln!("ofp-print: error at byte {}: {}", at + e.offset, e.kind);
                return ExitCode::from(1);
            }
        }
        at += len;
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::parse_hex;

    #[test]
    fn hex_input() {
        assert_eq!(parse_hex("0x04 00:00 08").unwrap(), [4, 0, 0, 8]);
        assert!(parse_hex("040").unwrap_err().contains("odd"));
        assert!(parse_hex("04zz").unwrap_err().contains("position 2"));
    }
}
