//! Field checks shared by several resources' `validate`.

use std::net::Ipv4Addr;

use crate::error::{Field, ModelError};
use crate::ipv4::{Ipv4Prefix, MAX_PREFIX_LEN};

/// `value` has something besides whitespace.
pub(crate) fn non_empty(field: &'static str, value: &str) -> Result<(), ModelError> {
    if value.trim().is_empty() {
        return Err(ModelError::invalid(field, value, "must not be empty"));
    }
    Ok(())
}

/// Like [`non_empty`] for optional columns: absent is fine, present must not be blank.
pub(crate) fn non_empty_if_set(field: &'static str, value: Option<&str>) -> Result<(), ModelError> {
    value.map_or(Ok(()), |v| non_empty(field, v))
}

/// The longest domain name, without a trailing dot (RFC 1035).
const MAX_DNS_NAME_LEN: usize = 253;
/// The longest label of a domain name (RFC 1035).
const MAX_DNS_LABEL_LEN: usize = 63;

/// Checks that `name` is a domain name: dot-separated labels of letters, digits, `-` and `_`
/// (underscore for service names), none empty or longer than 63, the whole at most 253
/// characters; a trailing dot is allowed. Used for DNS records and networks' `domain_name`.
pub fn check_dns_name(field: impl Into<Field>, name: &str) -> Result<(), ModelError> {
    let bad = |reason: String| Err(ModelError::invalid(field, name, reason));
    let body = name.strip_suffix('.').unwrap_or(name);
    if body.is_empty() {
        return bad("must not be empty".into());
    }
    if body.len() > MAX_DNS_NAME_LEN {
        return bad(format!(
            "longer than {MAX_DNS_NAME_LEN} characters ({})",
            body.len()
        ));
    }
    for label in body.split('.') {
        if label.is_empty() {
            return bad("has an empty label (a leading dot or two dots in a row)".into());
        }
        if label.len() > MAX_DNS_LABEL_LEN {
            return bad(format!(
                "label \"{label}\" is longer than {MAX_DNS_LABEL_LEN} characters"
            ));
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return bad(format!(
                "label \"{label}\" has a character other than letters, digits, '-' and '_'"
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return bad(format!("label \"{label}\" starts or ends with '-'"));
        }
    }
    Ok(())
}

/// Checks a network given as two columns (`ipv4_network`, `ipv4_prefix`): the length within
/// `min_len..=32` and no host bits set. Returns the network.
pub(crate) fn network_columns(
    addr_field: &'static str,
    addr: Ipv4Addr,
    len_field: &'static str,
    len: u8,
    min_len: u8,
) -> Result<Ipv4Prefix, ModelError> {
    if !(min_len..=MAX_PREFIX_LEN).contains(&len) {
        return Err(ModelError::invalid(
            len_field,
            len,
            format!("accepted range: {min_len}-{MAX_PREFIX_LEN}"),
        ));
    }
    let prefix = Ipv4Prefix::new_truncating(addr, len).map_err(|e| e.for_field(len_field))?;
    if prefix.network() != addr {
        return Err(ModelError::invalid(
            addr_field,
            addr,
            format!("host bits are set for a /{len} network; the network is {prefix}"),
        ));
    }
    Ok(prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_names() {
        for ok in [
            "vm1",
            "vm1.example.com",
            "example.com.",
            "nw-abc123",
            "_sip._tcp.example",
            "a",
        ] {
            assert!(check_dns_name("name", ok).is_ok(), "{ok}");
        }
        let cases = [
            ("", "must not be empty"),
            (".", "must not be empty"),
            (
                "a..b",
                "has an empty label (a leading dot or two dots in a row)",
            ),
            (
                ".a",
                "has an empty label (a leading dot or two dots in a row)",
            ),
            (
                "vm 1",
                "label \"vm 1\" has a character other than letters, digits, '-' and '_'",
            ),
            (
                "vm*.x",
                "label \"vm*\" has a character other than letters, digits, '-' and '_'",
            ),
            ("-vm.x", "label \"-vm\" starts or ends with '-'"),
        ];
        for (name, reason) in cases {
            let e = check_dns_name("name", name).unwrap_err();
            assert_eq!(
                e,
                ModelError::invalid("name", name, reason),
                "{name:?}: {e}"
            );
        }
        let long_label = "a".repeat(64);
        let e = check_dns_name("name", &long_label).unwrap_err();
        assert!(
            e.to_string().ends_with("is longer than 63 characters"),
            "{e}"
        );
        let long_name = [
            "a".repeat(63),
            "b".repeat(63),
            "c".repeat(63),
            "d".repeat(63),
        ]
        .join(".");
        let e = check_dns_name("name", &long_name).unwrap_err();
        assert!(
            e.to_string().ends_with("longer than 253 characters (255)"),
            "{e}"
        );
    }

    #[test]
    fn network_columns_name_the_offending_column() {
        let a: Ipv4Addr = "10.0.0.0".parse().unwrap();
        let p = network_columns("ipv4_network", a, "ipv4_prefix", 24, 1).unwrap();
        assert_eq!(p.to_string(), "10.0.0.0/24");
        let e = network_columns("ipv4_network", a, "ipv4_prefix", 0, 1).unwrap_err();
        assert_eq!(
            e.to_string(),
            "ipv4_prefix: invalid value \"0\": accepted range: 1-32"
        );
        let e = network_columns("ipv4_network", a, "ipv4_prefix", 33, 0).unwrap_err();
        assert_eq!(
            e.to_string(),
            "ipv4_prefix: invalid value \"33\": accepted range: 0-32"
        );
        let b: Ipv4Addr = "10.0.0.5".parse().unwrap();
        let e = network_columns("ipv4_network", b, "ipv4_prefix", 24, 1).unwrap_err();
        assert_eq!(
            e.to_string(),
            "ipv4_network: invalid value \"10.0.0.5\": host bits are set for a /24 network; the network is 10.0.0.0/24"
        );
    }

    #[test]
    fn blank_values() {
        assert!(non_empty("node_id", "vna1").is_ok());
        let e = non_empty("node_id", "  ").unwrap_err();
        assert_eq!(
            e.to_string(),
            "node_id: invalid value \"  \": must not be empty"
        );
        assert!(non_empty_if_set("label", None).is_ok());
        assert!(non_empty_if_set("label", Some("")).is_err());
    }
}
