//! Checked reading and writing of big-endian wire data.
//!
//! Every read goes through [`Reader`], which knows its absolute offset inside the message so that
//! a decode error can say exactly where the bytes went wrong. Nothing here indexes a slice without
//! checking its length first: hostile input yields a [`DecodeError`], never a panic.

use crate::error::{DecodeError, DecodeErrorKind, EncodeError};

/// A cursor over a byte slice that reports errors with absolute offsets.
#[derive(Debug, Clone, Copy)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Reader<'a> {
    /// A reader over `buf`, whose first byte is at offset 0.
    pub fn new(buf: &'a [u8]) -> Self {
        Self::with_base(buf, 0)
    }

    /// A reader over `buf`, whose first byte is at absolute offset `base`.
    pub fn with_base(buf: &'a [u8], base: usize) -> Self {
        Self { buf, pos: 0, base }
    }

    /// Absolute offset of the next byte to be read.
    pub fn offset(&self) -> usize {
        self.base + self.pos
    }

    /// Bytes left to read.
    pub fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    /// Whether every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// An error at the current offset.
    pub fn error(&self, kind: DecodeErrorKind) -> DecodeError {
        DecodeError::new(self.offset(), kind)
    }

    /// An error at `delta` bytes before (or after) the current offset, e.g. at the start of the
    /// field that was just read.
    pub fn error_at(&self, offset: usize, kind: DecodeErrorKind) -> DecodeError {
        DecodeError::new(offset, kind)
    }

    /// Takes the next `n` bytes.
    pub fn bytes(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], DecodeError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len());
        match end.and_then(|e| self.buf.get(self.pos..e)) {
            Some(s) => {
                self.pos += n;
                Ok(s)
            }
            None => Err(self.error(DecodeErrorKind::Truncated {
                what,
                needed: n,
                available: self.remaining(),
            })),
        }
    }

    /// Takes the next `N` bytes as an array.
    pub fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], DecodeError> {
        let s = self.bytes(N, what)?;
        let mut out = [0u8; N];
        out.copy_from_slice(s);
        Ok(out)
    }

    /// Reads one byte.
    pub fn u8(&mut self, what: &'static str) -> Result<u8, DecodeError> {
        Ok(u8::from_be_bytes(self.array(what)?))
    }

    /// Reads a big-endian u16.
    pub fn u16(&mut self, what: &'static str) -> Result<u16, DecodeError> {
        Ok(u16::from_be_bytes(self.array(what)?))
    }

    /// Reads a big-endian u32.
    pub fn u32(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(self.array(what)?))
    }

    /// Reads a big-endian u64.
    pub fn u64(&mut self, what: &'static str) -> Result<u64, DecodeError> {
        Ok(u64::from_be_bytes(self.array(what)?))
    }

    /// Reads a big-endian u128.
    pub fn u128(&mut self, what: &'static str) -> Result<u128, DecodeError> {
        Ok(u128::from_be_bytes(self.array(what)?))
    }

    /// Skips `n` bytes (padding).
    pub fn skip(&mut self, n: usize, what: &'static str) -> Result<(), DecodeError> {
        self.bytes(n, what).map(|_| ())
    }

    /// Takes everything that is left.
    pub fn rest(&mut self) -> &'a [u8] {
        let s = self.buf.get(self.pos..).unwrap_or_default();
        self.pos = self.buf.len();
        s
    }

    /// Splits off the next `n` bytes as a reader of their own, keeping absolute offsets.
    pub fn sub(&mut self, n: usize, what: &'static str) -> Result<Reader<'a>, DecodeError> {
        let base = self.offset();
        let buf = self.bytes(n, what)?;
        Ok(Reader::with_base(buf, base))
    }

    /// Looks at the big-endian u16 `at` bytes ahead without consuming anything.
    pub fn peek_u16(&self, at: usize, what: &'static str) -> Result<u16, DecodeError> {
        let mut r = *self;
        r.skip(at, what)?;
        r.u16(what)
    }

    /// Looks at the big-endian u32 `at` bytes ahead without consuming anything.
    pub fn peek_u32(&self, at: usize, what: &'static str) -> Result<u32, DecodeError> {
        let mut r = *self;
        r.skip(at, what)?;
        r.u32(what)
    }

    /// Fails unless every byte has been consumed.
    pub fn finish(&self, what: &'static str) -> Result<(), DecodeError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self.error(DecodeErrorKind::TrailingBytes {
                what,
                count: self.remaining(),
            }))
        }
    }

    /// For a TLV element whose `len` (header included) was just read along with the rest of a
    /// `header_read`-byte header: checks that `len` is at least `min` and fits in what is left,
    /// and returns a reader over the element's remaining `len - header_read` bytes.
    pub fn tlv_body(
        &mut self,
        len: usize,
        header_read: usize,
        min: usize,
        what: &'static str,
    ) -> Result<Reader<'a>, DecodeError> {
        let start = self.offset().saturating_sub(header_read);
        if len < min.max(header_read) {
            return Err(self.error_at(
                start,
                DecodeErrorKind::BadLength {
                    what,
                    len,
                    reason: "shorter than its fixed header",
                },
            ));
        }
        if len - header_read > self.remaining() {
            return Err(self.error_at(
                start,
                DecodeErrorKind::BadLength {
                    what,
                    len,
                    reason: "runs past the end of its container",
                },
            ));
        }
        self.sub(len - header_read, what)
    }
}

/// Rounds `n` up to a multiple of 8.
pub const fn pad8_len(n: usize) -> usize {
    n.div_ceil(8) * 8
}

/// Appends zero bytes until the bytes written since `start` are a multiple of 8.
pub fn pad8(out: &mut Vec<u8>, start: usize) {
    let len = out.len().saturating_sub(start);
    out.resize(start + pad8_len(len), 0);
}

/// Appends `n` zero bytes.
pub fn zeros(out: &mut Vec<u8>, n: usize) {
    out.resize(out.len() + n, 0);
}

/// Converts a length to a u16 wire field.
pub fn len_u16(len: usize, what: &'static str) -> Result<u16, EncodeError> {
    u16::try_from(len).map_err(|_| EncodeError::TooLong {
        what,
        len,
        max: usize::from(u16::MAX),
    })
}

/// Writes `out.len() - start` as a big-endian u16 at position `at`.
pub fn patch_len16(
    out: &mut [u8],
    at: usize,
    start: usize,
    what: &'static str,
) -> Result<(), EncodeError> {
    let len = len_u16(out.len().saturating_sub(start), what)?;
    if let Some(slot) = out.get_mut(at..at + 2) {
        slot.copy_from_slice(&len.to_be_bytes());
    }
    Ok(())
}

/// Appends a TLV element: a 16-bit type, a 16-bit length that counts the whole element, then
/// `parts` back to back (used for raw actions and instructions kept as found on the wire).
pub fn put_tlv16(
    out: &mut Vec<u8>,
    ty: u16,
    parts: &[&[u8]],
    what: &'static str,
) -> Result<(), EncodeError> {
    let start = out.len();
    out.extend_from_slice(&ty.to_be_bytes());
    out.extend_from_slice(&[0, 0]);
    for p in parts {
        out.extend_from_slice(p);
    }
    patch_len16(out, start + 2, start, what)
}

/// Big-endian writers for `Vec<u8>`.
pub trait Put {
    /// Appends one byte.
    fn put8(&mut self, v: u8);
    /// Appends a big-endian u16.
    fn put16(&mut self, v: u16);
    /// Appends a big-endian u32.
    fn put32(&mut self, v: u32);
    /// Appends a big-endian u64.
    fn put64(&mut self, v: u64);
    /// Appends a big-endian u128.
    fn put128(&mut self, v: u128);
    /// Appends raw bytes.
    fn put_bytes(&mut self, v: &[u8]);
}

impl Put for Vec<u8> {
    #[inline]
    fn put8(&mut self, v: u8) {
        self.push(v);
    }
    #[inline]
    fn put16(&mut self, v: u16) {
        self.extend_from_slice(&v.to_be_bytes());
    }
    #[inline]
    fn put32(&mut self, v: u32) {
        self.extend_from_slice(&v.to_be_bytes());
    }
    #[inline]
    fn put64(&mut self, v: u64) {
        self.extend_from_slice(&v.to_be_bytes());
    }
    #[inline]
    fn put128(&mut self, v: u128) {
        self.extend_from_slice(&v.to_be_bytes());
    }
    #[inline]
    fn put_bytes(&mut self, v: &[u8]) {
        self.extend_from_slice(v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_checked_and_report_offsets() {
        let data = [1u8, 2, 3, 4, 5];
        let mut r = Reader::with_base(&data, 100);
        assert_eq!(r.u16("a").unwrap(), 0x0102);
        let err = r.u32("b").unwrap_err();
        assert_eq!(err.offset, 102);
        assert!(err.to_string().contains("b"), "{err}");
        let mut sub = r.sub(2, "c").unwrap();
        assert_eq!(sub.offset(), 102);
        assert_eq!(sub.u8("d").unwrap(), 3);
        assert_eq!(r.remaining(), 1);
        assert!(r.sub(2, "e").is_err());
    }

    #[test]
    fn padding_and_lengths() {
        let mut v = vec![0u8; 3];
        pad8(&mut v, 0);
        assert_eq!(v.len(), 8);
        pad8(&mut v, 0);
        assert_eq!(v.len(), 8);
        assert!(len_u16(70_000, "x").is_err());
        let mut w = vec![0u8; 10];
        patch_len16(&mut w, 2, 0, "x").unwrap();
        assert_eq!(&w[2..4], &[0, 10]);
    }
}
