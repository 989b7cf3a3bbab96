//! Errors of the model.
//!
//! [`ModelError`] is the error every layer above the model reuses (store, vnmgr, vnapi): each
//! variant is one of the original REST API's error codes (reference §3.1), so a failure found
//! anywhere reaches the user with the code and HTTP status the original gave. [`ParseError`]
//! is what the value types' `FromStr` return; it knows the value and what would be accepted,
//! and [`ParseError::for_field`] adds the field name to make it a [`ModelError`].

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::uuid::Uuid;

/// The name of a request field or column, as the user knows it (`network_uuid`, `ipv4_prefix`).
pub type Field = Cow<'static, str>;

/// How many characters of a user-supplied value an error message repeats; longer values are
/// cut so a megabyte of garbage in a request does not come back in the error.
const MAX_ECHO_CHARS: usize = 80;

/// Displays a user-supplied value in double quotes, escaped and cut to [`MAX_ECHO_CHARS`].
pub(crate) struct Quoted<'a>(pub(crate) &'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        let mut chars = self.0.chars();
        for c in chars.by_ref().take(MAX_ECHO_CHARS) {
            // Escape what would break the quoting or the line; leave `'` and non-ASCII text
            // readable.
            match c {
                '"' | '\\' => write!(f, "\\{c}")?,
                c if c.is_control() => write!(f, "{}", c.escape_debug())?,
                c => write!(f, "{c}")?,
            }
        }
        if chars.next().is_some() {
            f.write_str("…")?;
        }
        f.write_str("\"")
    }
}

/// A failure of validation or of a lookup, carrying the original's error code.
///
/// Messages are sentences that name the field and the bad value and, where it helps, what
/// would have been accepted. `code()` and `http_status()` give the original's numbers;
/// `error_name()` gives the class name the original put in the `error` member of its JSON
/// error body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum ModelError {
    /// Code 100: a well-formed uuid that names nothing.
    #[error("{field}: no {} with uuid {uuid}", .uuid.kind().name())]
    UnknownUuid { field: Field, uuid: Uuid },

    /// Code 100 too: a row looked up by its database id that does not exist (or is deleted).
    #[error("{table}: no row with id {id}")]
    UnknownId { table: Field, id: i64 },

    /// Code 101: a string that is not a uuid of the expected kind.
    #[error("{field}: invalid uuid {}: {reason}", Quoted(.value))]
    InvalidUuid {
        field: Field,
        value: String,
        reason: String,
    },

    /// Code 102: creating a resource with a uuid a live resource already has.
    #[error("{field}: {} {uuid} already exists", .uuid.kind().name())]
    DuplicateUuid { field: Field, uuid: Uuid },

    /// Code 103: an id (or a resource reached through one) that cannot be used here.
    #[error("{field}: invalid id {id}: {reason}")]
    InvalidId {
        field: Field,
        id: i64,
        reason: String,
    },

    /// Code 110: a value that is present but not acceptable.
    #[error("{field}: invalid value {}: {reason}", Quoted(.value))]
    InvalidArgument {
        field: Field,
        value: String,
        reason: String,
    },

    /// Code 111: a required field is absent.
    #[error("{field}: missing required argument")]
    MissingArgument { field: Field },

    /// Code 112: an association that already exists, e.g. a network already on a datapath.
    #[error("{relation}: {left} and {right} are already associated")]
    RelationExists {
        relation: Field,
        left: String,
        right: String,
    },

    /// Code 113: a delete refused because other rows still depend on the target.
    #[error("cannot delete {target}: {reason}")]
    DeleteRestriction { target: String, reason: String },

    /// Code 114: a resource looked up by something other than its uuid was not found.
    #[error("unknown resource: {what}")]
    UnknownResource { what: String },
}

impl ModelError {
    /// The original's error code (reference §3.1); sent as a string in the JSON body.
    pub fn code(&self) -> u16 {
        match self {
            Self::UnknownUuid { .. } | Self::UnknownId { .. } => 100,
            Self::InvalidUuid { .. } => 101,
            Self::DuplicateUuid { .. } => 102,
            Self::InvalidId { .. } => 103,
            Self::InvalidArgument { .. } => 110,
            Self::MissingArgument { .. } => 111,
            Self::RelationExists { .. } => 112,
            Self::DeleteRestriction { .. } => 113,
            Self::UnknownResource { .. } => 114,
        }
    }

    /// The HTTP status the original answered with: 404 for "not found" (100, 114), else 400.
    pub fn http_status(&self) -> u16 {
        match self {
            Self::UnknownUuid { .. } | Self::UnknownId { .. } | Self::UnknownResource { .. } => 404,
            _ => 400,
        }
    }

    /// The original's error class name, the `error` member of its JSON error body.
    pub fn error_name(&self) -> &'static str {
        match self {
            Self::UnknownUuid { .. } | Self::UnknownId { .. } => "UnknownUUIDResource",
            Self::InvalidUuid { .. } => "InvalidUUID",
            Self::DuplicateUuid { .. } => "DuplicateUUID",
            Self::InvalidId { .. } => "InvalidID",
            Self::InvalidArgument { .. } => "ArgumentError",
            Self::MissingArgument { .. } => "MissingArgument",
            Self::RelationExists { .. } => "RelationAlreadyExists",
            Self::DeleteRestriction { .. } => "DeleteRestrictionError",
            Self::UnknownResource { .. } => "UnknownResource",
        }
    }

    /// Code 110 for `field` holding `value`, with `reason` saying what is wrong or accepted.
    pub fn invalid(
        field: impl Into<Field>,
        value: impl fmt::Display,
        reason: impl Into<String>,
    ) -> Self {
        Self::InvalidArgument {
            field: field.into(),
            value: value.to_string(),
            reason: reason.into(),
        }
    }

    /// Code 111 for `field`.
    pub fn missing(field: impl Into<Field>) -> Self {
        Self::MissingArgument {
            field: field.into(),
        }
    }
}

/// What kind of value failed to parse; decides which [`ModelError`] it becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ValueKind {
    Uuid,
    Other,
}

/// A string that is not a valid value of one of the model's types.
///
/// Displays as `invalid MAC address "52:54": expected ...`: the kind of value, the value
/// itself and what would have been accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {what} {}: {reason}", Quoted(.value))]
pub struct ParseError {
    what: &'static str,
    value: String,
    reason: Cow<'static, str>,
    kind: ValueKind,
}

impl ParseError {
    pub(crate) fn new(
        what: &'static str,
        value: impl Into<String>,
        reason: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            what,
            value: value.into(),
            reason: reason.into(),
            kind: ValueKind::Other,
        }
    }

    pub(crate) fn uuid(value: impl Into<String>, reason: impl Into<Cow<'static, str>>) -> Self {
        Self {
            what: "uuid",
            value: value.into(),
            reason: reason.into(),
            kind: ValueKind::Uuid,
        }
    }

    /// What kind of value was expected (`uuid`, `MAC address`, `network mode`, …).
    pub fn what(&self) -> &'static str {
        self.what
    }

    /// The rejected input.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// What is wrong with it, or what would be accepted.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// The error for this value given in `field`: code 101 for uuids, 110 for anything else.
    pub fn for_field(self, field: impl Into<Field>) -> ModelError {
        match self.kind {
            ValueKind::Uuid => ModelError::InvalidUuid {
                field: field.into(),
                value: self.value,
                reason: self.reason.into_owned(),
            },
            ValueKind::Other => ModelError::InvalidArgument {
                field: field.into(),
                value: self.value,
                reason: format!("not a valid {}: {}", self.what, self.reason),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::uuid::ResourceKind;

    fn nw(s: &str) -> Uuid {
        Uuid::parse_for(ResourceKind::Network, s).unwrap()
    }

    #[test]
    fn every_variant_has_the_original_code_status_and_name() {
        let cases = [
            (
                ModelError::UnknownUuid {
                    field: "network_uuid".into(),
                    uuid: nw("nw-abc"),
                },
                100,
                404,
                "UnknownUUIDResource",
            ),
            (
                ModelError::UnknownId {
                    table: "networks".into(),
                    id: 5,
                },
                100,
                404,
                "UnknownUUIDResource",
            ),
            (
                ModelError::InvalidUuid {
                    field: "uuid".into(),
                    value: "x".into(),
                    reason: "r".into(),
                },
                101,
                400,
                "InvalidUUID",
            ),
            (
                ModelError::DuplicateUuid {
                    field: "uuid".into(),
                    uuid: nw("nw-abc"),
                },
                102,
                400,
                "DuplicateUUID",
            ),
            (
                ModelError::InvalidId {
                    field: "segment_id".into(),
                    id: 3,
                    reason: "r".into(),
                },
                103,
                400,
                "InvalidID",
            ),
            (
                ModelError::invalid("f", "v", "r"),
                110,
                400,
                "ArgumentError",
            ),
            (ModelError::missing("f"), 111, 400, "MissingArgument"),
            (
                ModelError::RelationExists {
                    relation: "r".into(),
                    left: "a".into(),
                    right: "b".into(),
                },
                112,
                400,
                "RelationAlreadyExists",
            ),
            (
                ModelError::DeleteRestriction {
                    target: "t".into(),
                    reason: "r".into(),
                },
                113,
                400,
                "DeleteRestrictionError",
            ),
            (
                ModelError::UnknownResource { what: "w".into() },
                114,
                404,
                "UnknownResource",
            ),
        ];
        for (err, code, status, name) in cases {
            assert_eq!(err.code(), code, "{err}");
            assert_eq!(err.http_status(), status, "{err}");
            assert_eq!(err.error_name(), name, "{err}");
        }
    }

    #[test]
    fn messages_name_the_field_and_the_value() {
        let e = ModelError::UnknownUuid {
            field: "network_uuid".into(),
            uuid: nw("nw-abc"),
        };
        assert_eq!(e.to_string(), "network_uuid: no network with uuid nw-abc");
        let e = ModelError::DuplicateUuid {
            field: "uuid".into(),
            uuid: nw("nw-abc"),
        };
        assert_eq!(e.to_string(), "uuid: network nw-abc already exists");
        let e = ModelError::invalid("ipv4_prefix", 33, "accepted: 1-32");
        assert_eq!(
            e.to_string(),
            "ipv4_prefix: invalid value \"33\": accepted: 1-32"
        );
        assert_eq!(
            ModelError::missing("dpid").to_string(),
            "dpid: missing required argument"
        );
        let e = ModelError::RelationExists {
            relation: "datapath_networks".into(),
            left: "dp-1".into(),
            right: "nw-1".into(),
        };
        assert_eq!(
            e.to_string(),
            "datapath_networks: dp-1 and nw-1 are already associated"
        );
    }

    #[test]
    fn echoed_values_are_escaped_and_cut() {
        let long = "a".repeat(200);
        let e = ModelError::invalid("display_name", &long, "too long");
        let text = e.to_string();
        assert!(text.contains(&format!("\"{}…\"", "a".repeat(80))), "{text}");
        assert!(!text.contains(&"a".repeat(81)));
        let e = ModelError::invalid("node_id", "a\"b\nc", "bad");
        assert_eq!(e.to_string(), "node_id: invalid value \"a\\\"b\\nc\": bad");
    }

    #[test]
    fn parse_errors_become_101_for_uuids_and_110_otherwise() {
        let e = ParseError::uuid("nw-ABC", "the part after \"nw-\" must be 1-16 of [a-z0-9]");
        let m = e.for_field("network_uuid");
        assert_eq!(m.code(), 101);
        assert_eq!(
            m.to_string(),
            "network_uuid: invalid uuid \"nw-ABC\": the part after \"nw-\" must be 1-16 of [a-z0-9]"
        );
        let e = ParseError::new("MAC address", "zz", "expected 6 hex pairs");
        assert_eq!(
            e.to_string(),
            "invalid MAC address \"zz\": expected 6 hex pairs"
        );
        let m = e.for_field("mac_address");
        assert_eq!(m.code(), 110);
        assert_eq!(
            m.to_string(),
            "mac_address: invalid value \"zz\": not a valid MAC address: expected 6 hex pairs"
        );
    }

    #[test]
    fn errors_cross_the_wire_unchanged() {
        let e = ModelError::UnknownUuid {
            field: "network_uuid".into(),
            uuid: nw("nw-abc"),
        };
        let json = serde_json::to_string(&e).unwrap();
        let back: ModelError = serde_json::from_str(&json).unwrap();
        assert_eq!(back, e);
    }
}
