//! Arbitrary bytes through the stream framing codec: no panic, bounded buffering.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use openflow::codec::OfCodec;
use tokio_util::codec::Decoder;

fuzz_target!(|data: &[u8]| {
    let mut codec = OfCodec::new();
    let mut buf = BytesMut::new();
    for chunk in data.chunks(7) {
        buf.extend_from_slice(chunk);
        loop {
            match codec.decode(&mut buf) {
                Ok(Some(_)) => continue,
                Ok(None) => break,
                Err(_) => return,
            }
        }
        assert!(buf.len() <= 65_535 + 7);
    }
});
