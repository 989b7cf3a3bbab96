//! Framing of an OpenFlow byte stream for tokio (`tokio_util::codec`).
//!
//! [`OfCodec`] cuts a stream into messages by their header's length. A frame whose length is
//! below the 8-byte header or above the configured maximum is a [`CodecError`]: the stream is out
//! of step and the connection must be closed. A well-framed message whose body does not decode
//! is *not* fatal: it is yielded as `Err(BadMessage)` carrying its bytes, so the caller can log it
//! or answer with an `OFPT_ERROR` and carry on. At most one frame is ever buffered (the header's
//! 16-bit length bounds it), so a peer cannot make the codec grow without bound.

use bytes::{Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use crate::error::{DecodeError, EncodeError};
use crate::message::{HEADER_LEN, Header, Message};

/// The largest message OpenFlow can frame (the header length is 16 bits).
pub const MAX_MESSAGE_LEN: usize = 65_535;

/// A fatal framing or I/O error: the connection must be closed.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    /// Reading or writing the socket failed.
    #[error("OpenFlow connection I/O failed")]
    Io(#[from] std::io::Error),
    /// A header's length is below the 8-byte header size.
    #[error(
        "message header at stream offset {offset} has length {len}, less than the 8-byte header"
    )]
    ShortLength {
        /// Bytes of the stream consumed before this header.
        offset: u64,
        /// The length found.
        len: usize,
    },
    /// A header's length is above the configured maximum.
    #[error(
        "message header at stream offset {offset} has length {len}, more than the allowed {max}"
    )]
    TooLong {
        /// Bytes of the stream consumed before this header.
        offset: u64,
        /// The length found.
        len: usize,
        /// The configured maximum.
        max: usize,
    },
    /// An outgoing message could not be encoded.
    #[error("could not encode an outgoing message")]
    Encode(#[from] EncodeError),
}

/// A framed message whose body could not be decoded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("undecodable {} message (xid {:#x}): {error}", crate::message::msg_type_name(header.msg_type), header.xid)]
pub struct BadMessage {
    /// Its header.
    pub header: Header,
    /// Why it could not be decoded.
    pub error: DecodeError,
    /// The whole message as received.
    pub bytes: Bytes,
}

/// Splits a byte stream into OpenFlow messages and encodes messages onto it.
#[derive(Debug, Clone)]
pub struct OfCodec {
    max_len: usize,
    consumed: u64,
    scratch: Vec<u8>,
}

impl Default for OfCodec {
    fn default() -> Self {
        Self::new()
    }
}

impl OfCodec {
    /// A codec accepting messages up to [`MAX_MESSAGE_LEN`].
    pub fn new() -> Self {
        Self::with_max_len(MAX_MESSAGE_LEN)
    }

    /// A codec accepting messages up to `max_len` bytes (at least the header size).
    pub fn with_max_len(max_len: usize) -> Self {
        Self {
            max_len: max_len.clamp(HEADER_LEN, MAX_MESSAGE_LEN),
            consumed: 0,
            scratch: Vec::with_capacity(256),
        }
    }
}

impl Decoder for OfCodec {
    type Item = Result<Message, BadMessage>;
    type Error = CodecError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, CodecError> {
        let Ok(header) = Header::peek(src) else {
            src.reserve(HEADER_LEN);
            return Ok(None);
        };
        let len = usize::from(header.length);
        if len < HEADER_LEN {
            return Err(CodecError::ShortLength {
                offset: self.consumed,
                len,
            });
        }
        if len > self.max_len {
            return Err(CodecError::TooLong {
                offset: self.consumed,
                len,
                max: self.max_len,
            });
        }
        if src.len() < len {
            src.reserve(len - src.len());
            return Ok(None);
        }
        let frame = src.split_to(len).freeze();
        self.consumed += len as u64;
        Ok(Some(Message::decode(&frame).map_err(|error| BadMessage {
            header,
            error,
            bytes: frame,
        })))
    }
}

impl Encoder<&Message> for OfCodec {
    type Error = CodecError;

    fn encode(&mut self, msg: &Message, dst: &mut BytesMut) -> Result<(), CodecError> {
        self.scratch.clear();
        msg.encode(&mut self.scratch)?;
        dst.extend_from_slice(&self.scratch);
        Ok(())
    }
}

impl Encoder<Message> for OfCodec {
    type Error = CodecError;

    fn encode(&mut self, msg: Message, dst: &mut BytesMut) -> Result<(), CodecError> {
        <Self as Encoder<&Message>>::encode(self, &msg, dst)
    }
}

/// Encodes raw, already-encoded message bytes (for relaying).
impl Encoder<Bytes> for OfCodec {
    type Error = CodecError;

    fn encode(&mut self, raw: Bytes, dst: &mut BytesMut) -> Result<(), CodecError> {
        dst.extend_from_slice(&raw);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{MessageBody, msg_type};

    fn echo(xid: u32, payload: &[u8]) -> Vec<u8> {
        Message::new(xid, MessageBody::EchoRequest(payload.to_vec()))
            .encode_to_vec()
            .unwrap()
    }

    #[test]
    fn split_across_reads_and_several_in_one_read() {
        let mut stream = echo(1, b"abc");
        stream.extend(echo(2, b""));
        stream.extend(echo(3, &[7; 100]));
        let mut codec = OfCodec::new();
        let mut buf = BytesMut::new();
        let mut got = Vec::new();
        // feed one byte at a time
        for b in &stream {
            buf.extend_from_slice(&[*b]);
            while let Some(m) = codec.decode(&mut buf).unwrap() {
                got.push(m.unwrap().xid);
            }
        }
        assert_eq!(got, [1, 2, 3]);
        // all at once
        let mut buf = BytesMut::from(&stream[..]);
        let mut n = 0;
        while let Some(m) = codec.decode(&mut buf).unwrap() {
            m.unwrap();
            n += 1;
        }
        assert_eq!(n, 3);
        assert!(buf.is_empty());
    }

    #[test]
    fn bad_lengths_are_fatal_errors() {
        let mut codec = OfCodec::new();
        let mut buf = BytesMut::from(&[4u8, 2, 0, 7, 0, 0, 0, 1][..]);
        assert!(matches!(
            codec.decode(&mut buf),
            Err(CodecError::ShortLength { len: 7, .. })
        ));
        let mut codec = OfCodec::with_max_len(64);
        let mut buf = BytesMut::from(&[4u8, 2, 0, 65, 0, 0, 0, 1][..]);
        let err = codec.decode(&mut buf).unwrap_err();
        assert!(err.to_string().contains("65"), "{err}");
    }

    #[test]
    fn undecodable_body_is_not_fatal() {
        // a FEATURES_REPLY that is too short, followed by a good echo
        let mut stream = vec![4u8, msg_type::FEATURES_REPLY, 0, 12, 0, 0, 0, 9, 1, 2, 3, 4];
        stream.extend(echo(10, b"x"));
        let mut codec = OfCodec::new();
        let mut buf = BytesMut::from(&stream[..]);
        let bad = codec.decode(&mut buf).unwrap().unwrap().unwrap_err();
        assert_eq!(bad.header.xid, 9);
        assert_eq!(bad.bytes.len(), 12);
        let good = codec.decode(&mut buf).unwrap().unwrap().unwrap();
        assert_eq!(good.xid, 10);
    }

    #[test]
    fn encoder_writes_whole_messages() {
        let mut codec = OfCodec::new();
        let mut dst = BytesMut::new();
        let m = Message::new(5, MessageBody::BarrierRequest);
        codec.encode(&m, &mut dst).unwrap();
        codec.encode(Bytes::from(echo(6, b"")), &mut dst).unwrap();
        assert_eq!(&dst[..8], &[4, msg_type::BARRIER_REQUEST, 0, 8, 0, 0, 0, 5]);
        assert_eq!(dst.len(), 16);
    }
}
