//! OpenFlow 1.3 wire codec for vnet, with the Nicira (NX) and ONF extensions Open vSwitch offers.
//!
//! This crate turns OpenFlow 1.3 messages into typed Rust values and back, byte for byte. It covers
//! every OpenFlow 1.3 message a controller meets, every OXM match field, every instruction and
//! action, the Nicira extensions vna uses (registers, tunnel and conntrack fields, `resubmit`,
//! `learn`, `conjunction`, `ct`, `nat`, `note`, …) and the ONF bundle extension for atomic
//! updates. [`codec::OfCodec`] frames a TCP byte stream into messages for tokio.
//!
//! What it does not do: it holds no policy, opens no socket and keeps no clock. Anything it does not
//! know (an unknown message type, OXM field, instruction or action) decodes to a raw form that
//! encodes back to the same bytes, so a message can always be relayed or printed. Hostile input
//! never panics and never reads out of bounds: every read is checked and a failure is a
//! [`DecodeError`] naming the byte offset and the problem.
//!
//! ```
//! use openflow::{FlowMod, Instruction, Match, Message, Oxm};
//! let flow = FlowMod::add(0)
//!     .priority(100)
//!     .match_(Match::new().with(Oxm::InPort(1)).with(Oxm::Metadata(0x7, Some(0xff))))
//!     .instruction(Instruction::GotoTable(4));
//! let bytes = Message::new(7, flow.into()).encode_to_vec().unwrap();
//! let back = Message::decode(&bytes).unwrap();
//! assert_eq!(back.xid, 7);
//! ```
//!
//! # Fuzzing
//!
//! `fuzz/` at the workspace root holds two cargo-fuzz targets: `decode` feeds arbitrary bytes to
//! [`Message::decode`] and checks that whatever decodes encodes and decodes again to the same
//! value; `framing` feeds arbitrary bytes in small chunks to [`codec::OfCodec`]. cargo-fuzz needs
//! nightly features, which `RUSTC_BOOTSTRAP=1` enables on the stable toolchain:
//!
//! ```text
//! cargo install cargo-fuzz
//! cd fuzz
//! mkdir -p corpus/decode seeds && cp ../../shared/testdata/openflow13/ryu/*.packet seeds/
//! RUSTC_BOOTSTRAP=1 cargo fuzz run decode corpus/decode seeds -- -max_total_time=300
//! RUSTC_BOOTSTRAP=1 cargo fuzz run framing -- -max_total_time=60
//! ```
//!
//! Seeding with the third-party corpus (the `ryu` folder of the shared test data) starts the
//! fuzzer from real messages, so it reaches deep into match, action and multipart decoding within
//! seconds.

#![warn(clippy::indexing_slicing)]

pub mod action;
pub mod buf;
pub mod codec;
pub mod error;
pub mod errors;
pub mod instruction;
pub mod message;
pub mod multipart;
pub mod nicira;
pub mod oxm;
pub mod port;
pub mod types;

pub use action::Action;
pub use error::{DecodeError, DecodeErrorKind, EncodeError};
pub use instruction::Instruction;
pub use message::*;
pub use multipart::{MultipartReply, MultipartRequest};
pub use oxm::{Match, Oxm};
pub use port::{Port, PortNo};
pub use types::{HexBytes, MacAddr};

/// The OpenFlow version byte this codec speaks (OpenFlow 1.3).
pub const OFP_VERSION: u8 = 0x04;
