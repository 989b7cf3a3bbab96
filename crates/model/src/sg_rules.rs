//! Security group rules: parsing the original's text syntax into typed rules.
//!
//! A group's `rules` column is text. Rules are separated by newlines or commas; `#` starts a
//! comment that runs to the end of its line; blank entries are ignored. Each rule is
//! `protocol:port:source`:
//!
//! * `protocol` is `tcp`, `udp` or `icmp`;
//! * `port` is the destination port, 1-65535, for tcp and udp (the original accepted exactly
//!   that range: there is no "all ports" value); icmp takes `-1` or nothing, both meaning any
//!   ICMP (the original ignored icmp's port entirely);
//! * `source` is an IPv4 address (a /32), a network in CIDR form (`10.0.0.0/24`), or another
//!   group's uuid (`sg-…`, a *reference rule*: the rule follows that group's members'
//!   addresses). Address `0.0.0.0`, bare or with any prefix, means any source, as in the
//!   original. A network with host bits set is refused with the network it probably meant.
//!
//! Rules whitelist ingress traffic to the group's members. Examples: `tcp:22:10.0.0.0/24`,
//! `udp:53:192.168.2.100`, `icmp:-1:0.0.0.0`, `tcp:5432:sg-db`.
//!
//! Differences from the original, which are fixes: its comment stripping also swallowed the
//! newline, joining the next line's rule onto the commented one; a rule with a fourth `:` part
//! was accepted with the extra part ignored; `tcp:22abc:…` was read as port 22. All three are
//! handled strictly here.

use std::fmt;
use std::net::Ipv4Addr;
use std::num::NonZeroU16;
use std::str::FromStr;

use crate::error::{ModelError, ParseError, Quoted};
use crate::ipv4::{Ipv4Prefix, MAX_PREFIX_LEN};
use crate::serde_str::serde_as_str;
use crate::uuid::{ResourceKind, Uuid};

/// A rule's protocol, with the port for the protocols that have one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SgProtocol {
    Tcp {
        port: NonZeroU16,
    },
    Udp {
        port: NonZeroU16,
    },
    /// Any ICMP type.
    Icmp,
}

impl SgProtocol {
    /// `tcp`, `udp` or `icmp`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Tcp { .. } => "tcp",
            Self::Udp { .. } => "udp",
            Self::Icmp => "icmp",
        }
    }

    /// The destination port; `None` for icmp.
    pub fn port(&self) -> Option<u16> {
        match self {
            Self::Tcp { port } | Self::Udp { port } => Some(port.get()),
            Self::Icmp => None,
        }
    }
}

/// Where the traffic a rule admits comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SgSource {
    /// Addresses in this network (`0.0.0.0/0` for any, a `/32` for one host).
    Cidr(Ipv4Prefix),
    /// The addresses of the members of this security group.
    Group(Uuid),
}

impl fmt::Display for SgSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Cidr(p) => p.fmt(f),
            Self::Group(u) => u.fmt(f),
        }
    }
}

/// One rule: admit `protocol` traffic from `source`.
///
/// Displays (and serialises) in canonical form: `tcp:22:10.0.0.0/24`, `icmp:-1:0.0.0.0/0`,
/// `udp:53:sg-dns`. `FromStr` parses one rule (no comments or separators).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SgRule {
    pub protocol: SgProtocol,
    pub source: SgSource,
}

impl SgRule {
    /// Whether the source is another group (a reference rule).
    pub fn is_reference(&self) -> bool {
        matches!(self.source, SgSource::Group(_))
    }
}

impl fmt::Display for SgRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.protocol.port() {
            Some(port) => write!(f, "{}:{port}:{}", self.protocol.name(), self.source),
            None => write!(f, "{}:-1:{}", self.protocol.name(), self.source),
        }
    }
}

impl FromStr for SgRule {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, ParseError> {
        parse_rule(s.trim()).map_err(|reason| ParseError::new("security group rule", s, reason))
    }
}

serde_as_str!(SgRule, "a security group rule such as tcp:22:10.0.0.0/24");

/// A rule that does not parse: its line (1-based), its text, and what is wrong with it.
///
/// Displays as `line 3: "tcp:99999:10.0.0.0/24": port 99999 is out of range 1-65535`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {}: {reason}", Quoted(.text))]
pub struct RuleError {
    pub line: usize,
    pub text: String,
    pub reason: String,
}

/// Every bad rule of a rules text (at least one), in order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct RuleErrors(Vec<RuleError>);

impl RuleErrors {
    pub fn errors(&self) -> &[RuleError] {
        &self.0
    }

    /// The error (code 110) for the rules text `rules` given in `field`, listing every bad rule.
    pub fn for_field(self, field: &'static str, rules: &str) -> ModelError {
        ModelError::invalid(field, rules, self.to_string())
    }
}

/// How many bad rules a message lists; the rest are counted (a huge rules text full of bad
/// entries must not make a huge error message).
pub const MAX_LISTED_ERRORS: usize = 10;

impl fmt::Display for RuleErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().take(MAX_LISTED_ERRORS).enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            e.fmt(f)?;
        }
        let more = self.0.len().saturating_sub(MAX_LISTED_ERRORS);
        if more > 0 {
            write!(
                f,
                "; and {more} more bad rule{}",
                if more == 1 { "" } else { "s" }
            )?;
        }
        Ok(())
    }
}

/// Parses a group's rules text; every bad rule is reported, not only the first.
pub fn parse_rules(text: &str) -> Result<Vec<SgRule>, RuleErrors> {
    let (rules, errors) = parse_rules_lossy(text);
    if errors.is_empty() {
        Ok(rules)
    } else {
        Err(RuleErrors(errors))
    }
}

/// Parses a rules text, keeping the good rules and reporting the bad ones. This is how the
/// original's vna treated rows that bypassed validation: apply what is valid, log the rest.
pub fn parse_rules_lossy(text: &str) -> (Vec<SgRule>, Vec<RuleError>) {
    let mut rules = Vec::new();
    let mut errors = Vec::new();
    for (index, line) in lines(text).enumerate() {
        let code = line.split_once('#').map_or(line, |(code, _comment)| code);
        for entry in code.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            match parse_rule(entry) {
                Ok(rule) => rules.push(rule),
                Err(reason) => errors.push(RuleError {
                    line: index + 1,
                    text: entry.to_owned(),
                    reason,
                }),
            }
        }
    }
    (rules, errors)
}

/// The lines of `text`, ended by `\n`, `\r\n` or a lone `\r`.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.split('\n')
        .flat_map(|l| l.strip_suffix('\r').unwrap_or(l).split('\r'))
}

const RULE_FORMAT: &str = "expected protocol:port:source, e.g. tcp:22:10.0.0.0/24";

/// Parses one trimmed rule; the error is the reason alone.
fn parse_rule(text: &str) -> Result<SgRule, String> {
    let parts: Vec<&str> = text.split(':').map(str::trim).collect();
    let [protocol, port, source] = parts.as_slice() else {
        return Err(if parts.len() < 3 {
            RULE_FORMAT.to_owned()
        } else {
            format!("too many ':'-separated parts; {RULE_FORMAT}")
        });
    };
    let protocol = match *protocol {
        "tcp" => SgProtocol::Tcp {
            port: tcp_udp_port("tcp", port)?,
        },
        "udp" => SgProtocol::Udp {
            port: tcp_udp_port("udp", port)?,
        },
        "icmp" => {
            if !matches!(*port, "" | "-1") {
                return Err(format!(
                    "icmp takes port -1 (any) or an empty port, not {}",
                    Quoted(port)
                ));
            }
            SgProtocol::Icmp
        }
        other => {
            return Err(format!(
                "unknown protocol {}; accepted: tcp, udp, icmp",
                Quoted(other)
            ));
        }
    };
    Ok(SgRule {
        protocol,
        source: parse_source(source)?,
    })
}

fn tcp_udp_port(protocol: &str, port: &str) -> Result<NonZeroU16, String> {
    if port.is_empty() {
        return Err(format!("{protocol} needs a port 1-65535"));
    }
    if port == "-1" {
        return Err(format!(
            "port -1 (any) is only for icmp; {protocol} takes a port 1-65535"
        ));
    }
    if !port.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("port {} is not a number", Quoted(port)));
    }
    port.parse::<u16>()
        .ok()
        .and_then(NonZeroU16::new)
        .ok_or_else(|| format!("port {port} is out of range 1-65535"))
}

fn parse_source(source: &str) -> Result<SgSource, String> {
    const EXPECTED: &str =
        "an IPv4 address, a network such as 10.0.0.0/24, or a security group uuid (sg-…)";
    if source.is_empty() {
        return Err(format!("missing source; expected {EXPECTED}"));
    }
    if source.starts_with(|c: char| c.is_ascii_digit()) {
        return parse_cidr_source(source);
    }
    if source.contains('-') {
        return Uuid::parse_for(ResourceKind::SecurityGroup, source)
            .map(SgSource::Group)
            .map_err(|e| format!("source {}: {}", Quoted(source), e.reason()));
    }
    Err(format!("source {} is not {EXPECTED}", Quoted(source)))
}

fn parse_cidr_source(source: &str) -> Result<SgSource, String> {
    // The original treated address 0.0.0.0 as "any" whatever the prefix.
    let (addr, len) = source.split_once('/').unwrap_or((source, ""));
    let any_len = len.is_empty() || len.parse::<u8>().is_ok_and(|l| l <= MAX_PREFIX_LEN);
    if addr.parse::<Ipv4Addr>().is_ok_and(|a| a.is_unspecified()) && any_len {
        return Ok(SgSource::Cidr(Ipv4Prefix::ANY));
    }
    Ipv4Prefix::from_str(source)
        .map(SgSource::Cidr)
        .map_err(|e| format!("source {}: {}", Quoted(source), e.reason()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(s: &str) -> SgRule {
        s.parse().unwrap()
    }

    fn one_error(text: &str) -> String {
        let errors = parse_rules(text).unwrap_err();
        assert_eq!(errors.errors().len(), 1, "{errors}");
        errors.to_string()
    }

    #[test]
    fn parses_the_documented_examples() {
        let rules =
            parse_rules("tcp:22:10.0.0.0/24\nudp:53:192.168.2.100\nicmp:-1:0.0.0.0").unwrap();
        assert_eq!(
            rules,
            [
                SgRule {
                    protocol: SgProtocol::Tcp {
                        port: NonZeroU16::new(22).unwrap()
                    },
                    source: SgSource::Cidr("10.0.0.0/24".parse().unwrap()),
                },
                SgRule {
                    protocol: SgProtocol::Udp {
                        port: NonZeroU16::new(53).unwrap()
                    },
                    source: SgSource::Cidr("192.168.2.100/32".parse().unwrap()),
                },
                SgRule {
                    protocol: SgProtocol::Icmp,
                    source: SgSource::Cidr(Ipv4Prefix::ANY),
                },
            ]
        );
    }

    #[test]
    fn reference_rules_name_another_group() {
        let r = rule("tcp:5432:sg-db");
        assert!(r.is_reference());
        assert_eq!(r.source, SgSource::Group("sg-db".parse().unwrap()));
        assert!(!rule("tcp:5432:10.0.0.1").is_reference());
        assert_eq!(rule("icmp::sg-web").to_string(), "icmp:-1:sg-web");
    }

    #[test]
    fn commas_newlines_comments_and_blanks() {
        // The original's own test case: a comment after a rule, then a rule on the next line.
        let text = "icmp::0.0.0.0, #tcp:22,22,ip4:0.0.0.0, tcp:80:0.0.0.0\n         tcp:22:0.0.0.0";
        let rules: Vec<String> = parse_rules(text)
            .unwrap()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(rules, ["icmp:-1:0.0.0.0/0", "tcp:22:0.0.0.0/0"]);

        let text = "# web tier\r\n\r\ntcp:80:0.0.0.0/0 , tcp:443:0.0.0.0/0 # http(s)\r\n,,\n  \n\ticmp:-1:10.0.0.0/8";
        let rules: Vec<String> = parse_rules(text)
            .unwrap()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            rules,
            [
                "tcp:80:0.0.0.0/0",
                "tcp:443:0.0.0.0/0",
                "icmp:-1:10.0.0.0/8"
            ]
        );
        assert_eq!(parse_rules("").unwrap(), []);
        assert_eq!(parse_rules("# nothing but a comment\n\n").unwrap(), []);
    }

    #[test]
    fn a_comment_does_not_swallow_the_next_line() {
        // The original's regex removed the newline with the comment, gluing these two together.
        let rules = parse_rules("tcp:22:10.0.0.0/24 # ssh\nudp:53:10.0.0.0/24").unwrap();
        assert_eq!(rules.len(), 2);
    }

    #[test]
    fn zero_address_means_any_source_whatever_the_prefix() {
        for s in ["0.0.0.0", "0.0.0.0/0", "0.0.0.0/8", "0.0.0.0/32"] {
            assert_eq!(
                rule(&format!("tcp:22:{s}")).source,
                SgSource::Cidr(Ipv4Prefix::ANY),
                "{s}"
            );
        }
    }

    #[test]
    fn canonical_text_round_trips() {
        for s in [
            "tcp:22:10.0.0.0/24",
            "udp:65535:192.168.2.100/32",
            "icmp:-1:0.0.0.0/0",
            "tcp:1:sg-a1",
        ] {
            assert_eq!(rule(s).to_string(), s);
            assert_eq!(rule(&rule(s).to_string()), rule(s));
        }
        let json = serde_json::to_string(&rule("udp:53:10.0.0.0/8")).unwrap();
        assert_eq!(json, "\"udp:53:10.0.0.0/8\"");
        assert_eq!(
            serde_json::from_str::<SgRule>(&json).unwrap(),
            rule("udp:53:10.0.0.0/8")
        );
    }

    #[test]
    fn errors_give_line_text_and_reason() {
        let text = "tcp:22:10.0.0.0/24\n# comment\ntcp:99999:10.0.0.0/24";
        assert_eq!(
            one_error(text),
            "line 3: \"tcp:99999:10.0.0.0/24\": port 99999 is out of range 1-65535"
        );
        let e = &parse_rules(text).unwrap_err().errors()[0].clone();
        assert_eq!(
            (e.line, e.text.as_str(), e.reason.as_str()),
            (
                3,
                "tcp:99999:10.0.0.0/24",
                "port 99999 is out of range 1-65535"
            )
        );
    }

    #[test]
    fn bad_rules_and_why() {
        let cases = [
            (
                "broken",
                "expected protocol:port:source, e.g. tcp:22:10.0.0.0/24",
            ),
            (
                "tcp:22",
                "expected protocol:port:source, e.g. tcp:22:10.0.0.0/24",
            ),
            (
                "icmp::0.0.0.0/0:something else",
                "too many ':'-separated parts; expected protocol:port:source, e.g. tcp:22:10.0.0.0/24",
            ),
            (
                "joske:22:0.0.0.0/0",
                "unknown protocol \"joske\"; accepted: tcp, udp, icmp",
            ),
            (
                "TCP:22:0.0.0.0/0",
                "unknown protocol \"TCP\"; accepted: tcp, udp, icmp",
            ),
            (
                "ip:0:0.0.0.0/0",
                "unknown protocol \"ip\"; accepted: tcp, udp, icmp",
            ),
            ("tcp:joske:0.0.0.0/0", "port \"joske\" is not a number"),
            (
                "tcp:i ain't no port:10.0.0.1/24",
                "port \"i ain't no port\" is not a number",
            ),
            ("tcp:22abc:0.0.0.0/0", "port \"22abc\" is not a number"),
            ("tcp:+22:0.0.0.0/0", "port \"+22\" is not a number"),
            ("tcp:0:0.0.0.0/0", "port 0 is out of range 1-65535"),
            ("udp:65536:0.0.0.0/0", "port 65536 is out of range 1-65535"),
            (
                "tcp:99999999999999999999999:0.0.0.0/0",
                "port 99999999999999999999999 is out of range 1-65535",
            ),
            (
                "tcp:-1:0.0.0.0/0",
                "port -1 (any) is only for icmp; tcp takes a port 1-65535",
            ),
            ("udp::0.0.0.0/0", "udp needs a port 1-65535"),
            (
                "icmp:8:0.0.0.0/0",
                "icmp takes port -1 (any) or an empty port, not \"8\"",
            ),
            (
                "udp:52:no ip for you",
                "source \"no ip for you\" is not an IPv4 address, a network such as 10.0.0.0/24, or a security group uuid (sg-…)",
            ),
            (
                "tcp:22:",
                "missing source; expected an IPv4 address, a network such as 10.0.0.0/24, or a security group uuid (sg-…)",
            ),
            (
                "tcp:22:456.462.890.1/33",
                "source \"456.462.890.1/33\": \"456.462.890.1\" is not a dotted-quad address; expected a network such as 10.0.0.0/24",
            ),
            (
                "tcp:22:10.0.0.1/24",
                "source \"10.0.0.1/24\": host bits are set; the network is 10.0.0.0/24",
            ),
            (
                "tcp:22:10.0.0.0/33",
                "source \"10.0.0.0/33\": prefix length 33 is out of range 0-32",
            ),
            (
                "tcp:22:0.0.0.0/33",
                "source \"0.0.0.0/33\": prefix length 33 is out of range 0-32",
            ),
            (
                "tcp:22:nw-abc",
                "source \"nw-abc\": wrong kind: network uuid, expected security group uuid (sg-…)",
            ),
            (
                "tcp:22:sg-ABC",
                "source \"sg-ABC\": the part after \"sg-\" must be 1-16 characters of [a-z0-9]",
            ),
            (
                "tcp:22:10.0.0.0/24 udp:53:10.0.0.0/24",
                "too many ':'-separated parts; expected protocol:port:source, e.g. tcp:22:10.0.0.0/24",
            ),
        ];
        for (text, reason) in cases {
            let errors = parse_rules(text).unwrap_err();
            let [e] = errors.errors() else {
                panic!("{text}: expected one error, got {errors}");
            };
            assert_eq!(e.reason, reason, "{text}");
            assert_eq!(e.line, 1);
            assert_eq!(e.text, text.trim());
        }
    }

    #[test]
    fn every_bad_rule_is_reported_and_lossy_parsing_keeps_the_good_ones() {
        // The original's "faulty syntax" fixture.
        let text = "
          # I am a comment
          I'm not even a rule at all
          joske:22:0.0.0.0/0
          tcp:i ain't no port:10.0.0.1/24
          udp:52:no ip for you
          tcp:22:10.1.0.0/24
          icmp::0.0.0.0/0:something else
          udp:666:sg-nothere
        ";
        let errors = parse_rules(text).unwrap_err();
        let lines: Vec<usize> = errors.errors().iter().map(|e| e.line).collect();
        assert_eq!(lines, [3, 4, 5, 6, 8]);
        let (good, bad) = parse_rules_lossy(text);
        let good: Vec<String> = good.iter().map(ToString::to_string).collect();
        assert_eq!(good, ["tcp:22:10.1.0.0/24", "udp:666:sg-nothere"]);
        assert_eq!(bad.len(), 5);
        assert!(errors.to_string().starts_with(
            "line 3: \"I'm not even a rule at all\": expected protocol:port:source, e.g. tcp:22:10.0.0.0/24; line 4: "
        ));
    }

    #[test]
    fn comma_separated_rules_share_their_line_number() {
        let errors =
            parse_rules("tcp:22:10.0.0.0/24\ntcp:80:0.0.0.0, tcp:0:0.0.0.0, udp:x:1.2.3.4")
                .unwrap_err();
        let found: Vec<(usize, &str)> = errors
            .errors()
            .iter()
            .map(|e| (e.line, e.text.as_str()))
            .collect();
        assert_eq!(found, [(2, "tcp:0:0.0.0.0"), (2, "udp:x:1.2.3.4")]);
    }

    #[test]
    fn lone_carriage_returns_end_lines() {
        let errors = parse_rules("tcp:22:0.0.0.0\rbad").unwrap_err();
        assert_eq!(errors.errors()[0].line, 2);
    }

    #[test]
    fn single_rule_from_str_reports_a_parse_error() {
        let e = "tcp:0:0.0.0.0".parse::<SgRule>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid security group rule \"tcp:0:0.0.0.0\": port 0 is out of range 1-65535"
        );
    }

    #[test]
    fn a_flood_of_bad_rules_makes_a_short_message() {
        let text = "x,".repeat(100_000);
        let errors = parse_rules(&text).unwrap_err();
        assert_eq!(errors.errors().len(), 100_000);
        let message = errors.for_field("rules", &text).to_string();
        assert!(message.len() < 2_000, "{}", message.len());
        assert!(message.ends_with("and 99990 more bad rules"), "{message}");
    }

    #[test]
    fn errors_become_a_110_on_the_rules_field() {
        let text = "tcp:99999:10.0.0.0/24";
        let e = parse_rules(text).unwrap_err().for_field("rules", text);
        assert_eq!(e.code(), 110);
        assert_eq!(
            e.to_string(),
            "rules: invalid value \"tcp:99999:10.0.0.0/24\": line 1: \"tcp:99999:10.0.0.0/24\": port 99999 is out of range 1-65535"
        );
    }
}
