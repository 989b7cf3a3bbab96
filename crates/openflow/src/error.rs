//! Errors of the codec: what went wrong while decoding (with the byte offset) or encoding.

/// A message, or part of one, could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at byte {offset}: {kind}")]
pub struct DecodeError {
    /// Absolute offset, from the start of the message, where the problem was found.
    pub offset: usize,
    /// What the problem is.
    pub kind: DecodeErrorKind,
}

impl DecodeError {
    /// An error at `offset`.
    pub fn new(offset: usize, kind: DecodeErrorKind) -> Self {
        Self { offset, kind }
    }

    /// Whether the input simply ended too early (more bytes may complete it).
    pub fn is_truncated(&self) -> bool {
        matches!(self.kind, DecodeErrorKind::Truncated { .. })
    }
}

/// The kinds of decode failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeErrorKind {
    /// Fewer bytes than a field needs.
    #[error("truncated {what}: needs {needed} bytes, only {available} left")]
    Truncated {
        /// The field being read.
        what: &'static str,
        /// Bytes the field needs.
        needed: usize,
        /// Bytes that were left.
        available: usize,
    },
    /// A length field that cannot be right.
    #[error("{what} has invalid length {len}: {reason}")]
    BadLength {
        /// The element whose length is wrong.
        what: &'static str,
        /// The length found on the wire.
        len: usize,
        /// Why it is wrong.
        reason: &'static str,
    },
    /// The header's version byte is not OpenFlow 1.3's.
    #[error("unsupported OpenFlow version {0:#04x}; this codec speaks 0x04 (OpenFlow 1.3)")]
    BadVersion(u8),
    /// A field holds a value the protocol does not allow.
    #[error("{what} has invalid value {value:#x}: {reason}")]
    BadValue {
        /// The field.
        what: &'static str,
        /// The value found.
        value: u64,
        /// What is accepted.
        reason: &'static str,
    },
    /// Bytes left over after a complete element.
    #[error("{count} unexpected trailing bytes after {what}")]
    TrailingBytes {
        /// The element that should have ended.
        what: &'static str,
        /// How many bytes were left over.
        count: usize,
    },
}

/// A message could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// Something is larger than its length field can express.
    #[error("{what} is {len} bytes long, more than the {max} its length field can hold")]
    TooLong {
        /// The element that is too long.
        what: &'static str,
        /// Its encoded length.
        len: usize,
        /// The largest length allowed.
        max: usize,
    },
    /// A field holds a value that cannot be put on the wire.
    #[error("{what} cannot be encoded: {reason}")]
    Invalid {
        /// The field.
        what: &'static str,
        /// Why.
        reason: &'static str,
    },
}
