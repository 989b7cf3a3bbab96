//! OpenFlow 1.3 error types and codes (§7.4.4), as constants and names.

/// `OFPET_*` error type numbers.
#[allow(missing_docs)]
pub mod error_type {
    pub const HELLO_FAILED: u16 = 0;
    pub const BAD_REQUEST: u16 = 1;
    pub const BAD_ACTION: u16 = 2;
    pub const BAD_INSTRUCTION: u16 = 3;
    pub const BAD_MATCH: u16 = 4;
    pub const FLOW_MOD_FAILED: u16 = 5;
    pub const GROUP_MOD_FAILED: u16 = 6;
    pub const PORT_MOD_FAILED: u16 = 7;
    pub const TABLE_MOD_FAILED: u16 = 8;
    pub const QUEUE_OP_FAILED: u16 = 9;
    pub const SWITCH_CONFIG_FAILED: u16 = 10;
    pub const ROLE_REQUEST_FAILED: u16 = 11;
    pub const METER_MOD_FAILED: u16 = 12;
    pub const TABLE_FEATURES_FAILED: u16 = 13;
    pub const EXPERIMENTER: u16 = 0xffff;
}

/// Codes of the errors a controller most often sends or must recognise.
#[allow(missing_docs)]
pub mod code {
    pub const HELLO_INCOMPATIBLE: u16 = 0;
    pub const BAD_REQUEST_BAD_VERSION: u16 = 0;
    pub const BAD_REQUEST_BAD_TYPE: u16 = 1;
    pub const BAD_REQUEST_BAD_MULTIPART: u16 = 2;
    pub const BAD_REQUEST_BAD_EXPERIMENTER: u16 = 3;
    pub const BAD_REQUEST_BAD_LEN: u16 = 6;
    pub const BUNDLE_FAILED_BAD_ID: u16 = 0;
}

macro_rules! codes {
    ($prefix:literal: $($code:literal),* $(,)?) => {
        &[$(concat!($prefix, $code)),*]
    };
}

/// Each error type's name and the names of its codes, indexed by number.
const TYPES: [(&str, &[&str]); 14] = [
    (
        "OFPET_HELLO_FAILED",
        codes!("OFPHFC_": "INCOMPATIBLE", "EPERM"),
    ),
    (
        "OFPET_BAD_REQUEST",
        codes!("OFPBRC_": "BAD_VERSION", "BAD_TYPE", "BAD_MULTIPART", "BAD_EXPERIMENTER",
            "BAD_EXP_TYPE", "EPERM", "BAD_LEN", "BUFFER_EMPTY", "BUFFER_UNKNOWN", "BAD_TABLE_ID",
            "IS_SLAVE", "BAD_PORT", "BAD_PACKET", "MULTIPART_BUFFER_OVERFLOW"),
    ),
    (
        "OFPET_BAD_ACTION",
        codes!("OFPBAC_": "BAD_TYPE", "BAD_LEN", "BAD_EXPERIMENTER", "BAD_EXP_TYPE",
            "BAD_OUT_PORT", "BAD_ARGUMENT", "EPERM", "TOO_MANY", "BAD_QUEUE", "BAD_OUT_GROUP",
            "MATCH_INCONSISTENT", "UNSUPPORTED_ORDER", "BAD_TAG", "BAD_SET_TYPE", "BAD_SET_LEN",
            "BAD_SET_ARGUMENT"),
    ),
    (
        "OFPET_BAD_INSTRUCTION",
        codes!("OFPBIC_": "UNKNOWN_INST", "UNSUP_INST", "BAD_TABLE_ID", "UNSUP_METADATA",
            "UNSUP_METADATA_MASK", "BAD_EXPERIMENTER", "BAD_EXP_TYPE", "BAD_LEN", "EPERM"),
    ),
    (
        "OFPET_BAD_MATCH",
        codes!("OFPBMC_": "BAD_TYPE", "BAD_LEN", "BAD_TAG", "BAD_DL_ADDR_MASK",
            "BAD_NW_ADDR_MASK", "BAD_WILDCARDS", "BAD_FIELD", "BAD_VALUE", "BAD_MASK",
            "BAD_PREREQ", "DUP_FIELD", "EPERM"),
    ),
    (
        "OFPET_FLOW_MOD_FAILED",
        codes!("OFPFMFC_": "UNKNOWN", "TABLE_FULL", "BAD_TABLE_ID", "OVERLAP", "EPERM",
            "BAD_TIMEOUT", "BAD_COMMAND", "BAD_FLAGS"),
    ),
    (
        "OFPET_GROUP_MOD_FAILED",
        codes!("OFPGMFC_": "GROUP_EXISTS", "INVALID_GROUP", "WEIGHT_UNSUPPORTED",
            "OUT_OF_GROUPS", "OUT_OF_BUCKETS", "CHAINING_UNSUPPORTED", "WATCH_UNSUPPORTED", "LOOP",
            "UNKNOWN_GROUP", "CHAINED_GROUP", "BAD_TYPE", "BAD_COMMAND", "BAD_BUCKET",
            "BAD_WATCH", "EPERM"),
    ),
    (
        "OFPET_PORT_MOD_FAILED",
        codes!("OFPPMFC_": "BAD_PORT", "BAD_HW_ADDR", "BAD_CONFIG", "BAD_ADVERTISE", "EPERM"),
    ),
    (
        "OFPET_TABLE_MOD_FAILED",
        codes!("OFPTMFC_": "BAD_TABLE", "BAD_CONFIG", "EPERM"),
    ),
    (
        "OFPET_QUEUE_OP_FAILED",
        codes!("OFPQOFC_": "BAD_PORT", "BAD_QUEUE", "EPERM"),
    ),
    (
        "OFPET_SWITCH_CONFIG_FAILED",
        codes!("OFPSCFC_": "BAD_FLAGS", "BAD_LEN", "EPERM"),
    ),
    (
        "OFPET_ROLE_REQUEST_FAILED",
        codes!("OFPRRFC_": "STALE", "UNSUP", "BAD_ROLE"),
    ),
    (
        "OFPET_METER_MOD_FAILED",
        codes!("OFPMMFC_": "UNKNOWN", "METER_EXISTS", "INVALID_METER", "UNKNOWN_METER",
            "BAD_COMMAND", "BAD_FLAGS", "BAD_RATE", "BAD_BURST", "BAD_BAND", "BAD_BAND_VALUE",
            "OUT_OF_METERS", "OUT_OF_BANDS"),
    ),
    (
        "OFPET_TABLE_FEATURES_FAILED",
        codes!("OFPTFFC_": "BAD_TABLE", "BAD_METADATA", "BAD_TYPE", "BAD_LEN", "BAD_ARGUMENT",
            "EPERM"),
    ),
];

/// The name of an error type (`OFPET_BAD_MATCH`); `OFPET_UNKNOWN` for numbers outside OpenFlow 1.3.
pub fn type_name(ty: u16) -> &'static str {
    if ty == error_type::EXPERIMENTER {
        return "OFPET_EXPERIMENTER";
    }
    TYPES
        .get(usize::from(ty))
        .map(|t| t.0)
        .unwrap_or("OFPET_UNKNOWN")
}

/// The full name of an error code (`OFPBMC_BAD_FIELD`), when OpenFlow 1.3 defines it.
pub fn code_name(ty: u16, code: u16) -> Option<&'static str> {
    TYPES
        .get(usize::from(ty))?
        .1
        .get(usize::from(code))
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(type_name(4), "OFPET_BAD_MATCH");
        assert_eq!(code_name(4, 6), Some("OFPBMC_BAD_FIELD"));
        assert_eq!(code_name(5, 1), Some("OFPFMFC_TABLE_FULL"));
        assert_eq!(code_name(13, 5), Some("OFPTFFC_EPERM"));
        assert_eq!(code_name(4, 99), None);
        assert_eq!(type_name(0xffff), "OFPET_EXPERIMENTER");
        assert_eq!(type_name(77), "OFPET_UNKNOWN");
        assert_eq!(code_name(1, 13), Some("OFPBRC_MULTIPART_BUFFER_OVERFLOW"));
        assert_eq!(code_name(2, 15), Some("OFPBAC_BAD_SET_ARGUMENT"));
        assert_eq!(code_name(6, 14), Some("OFPGMFC_EPERM"));
    }
}
