//! Arbitrary bytes into `Message::decode`: it must never panic, and whatever decodes must
//! encode again and decode to the same message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use openflow::Message;

fuzz_target!(|data: &[u8]| {
    if let Ok(msg) = Message::decode(data) {
        let bytes = msg.encode_to_vec().expect("a decoded message encodes");
        let again = Message::decode(&bytes).expect("an encoded message decodes");
        assert_eq!(again, msg);
    }
});
