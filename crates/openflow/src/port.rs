//! Port numbers and the `ofp_port` description (OpenFlow 1.3 §7.2.1).

use std::fmt;

use crate::buf::{Put, Reader, zeros};
use crate::error::DecodeError;
use crate::types::MacAddr;

/// Largest number of a physical port.
pub const OFPP_MAX: u32 = 0xffff_ff00;
/// Send the packet out the port it came in on.
pub const OFPP_IN_PORT: u32 = 0xffff_fff8;
/// Submit the packet to the first flow table (PACKET_OUT only).
pub const OFPP_TABLE: u32 = 0xffff_fff9;
/// Forward as a traditional non-OpenFlow switch would.
pub const OFPP_NORMAL: u32 = 0xffff_fffa;
/// Flood along the spanning tree, except the ingress port.
pub const OFPP_FLOOD: u32 = 0xffff_fffb;
/// All ports except the ingress port.
pub const OFPP_ALL: u32 = 0xffff_fffc;
/// Send to the controller.
pub const OFPP_CONTROLLER: u32 = 0xffff_fffd;
/// The switch's local port.
pub const OFPP_LOCAL: u32 = 0xffff_fffe;
/// Wildcard port (no port).
pub const OFPP_ANY: u32 = 0xffff_ffff;

/// A port number that prints reserved ports by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PortNo(pub u32);

impl PortNo {
    /// The name of a reserved port, if this is one.
    pub fn reserved_name(self) -> Option<&'static str> {
        Some(match self.0 {
            OFPP_IN_PORT => "IN_PORT",
            OFPP_TABLE => "TABLE",
            OFPP_NORMAL => "NORMAL",
            OFPP_FLOOD => "FLOOD",
            OFPP_ALL => "ALL",
            OFPP_CONTROLLER => "CONTROLLER",
            OFPP_LOCAL => "LOCAL",
            OFPP_ANY => "ANY",
            _ => return None,
        })
    }
}

impl fmt::Display for PortNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.reserved_name() {
            Some(n) => f.write_str(n),
            None => write!(f, "{}", self.0),
        }
    }
}

/// `ofp_port_config` bits.
#[allow(missing_docs)]
pub mod config {
    pub const PORT_DOWN: u32 = 1 << 0;
    pub const NO_RECV: u32 = 1 << 2;
    pub const NO_FWD: u32 = 1 << 5;
    pub const NO_PACKET_IN: u32 = 1 << 6;
}

/// `ofp_port_state` bits.
#[allow(missing_docs)]
pub mod state {
    pub const LINK_DOWN: u32 = 1 << 0;
    pub const BLOCKED: u32 = 1 << 1;
    pub const LIVE: u32 = 1 << 2;
}

/// Size of `ofp_port` on the wire.
pub const PORT_LEN: usize = 64;
/// Size of the name field.
pub const PORT_NAME_LEN: usize = 16;

/// A port's description, as in FEATURES/PORT_DESC/PORT_STATUS.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Port {
    /// Port number.
    pub port_no: u32,
    /// Hardware address.
    pub hw_addr: MacAddr,
    /// Name (the switch's interface name), NUL padding removed.
    pub name: String,
    /// `ofp_port_config` bits.
    pub config: u32,
    /// `ofp_port_state` bits.
    pub state: u32,
    /// Current features.
    pub curr: u32,
    /// Advertised features.
    pub advertised: u32,
    /// Supported features.
    pub supported: u32,
    /// Features advertised by the peer.
    pub peer: u32,
    /// Current bit rate in kbps.
    pub curr_speed: u32,
    /// Maximum bit rate in kbps.
    pub max_speed: u32,
}

impl Port {
    /// Whether the link is up and the port is not administratively down.
    pub fn is_live(&self) -> bool {
        self.state & state::LINK_DOWN == 0 && self.config & config::PORT_DOWN == 0
    }

    /// Appends the 64-byte `ofp_port`. Names longer than 15 bytes are cut at a character
    /// boundary so that a NUL always ends them.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.put32(self.port_no);
        zeros(out, 4);
        out.put_bytes(&self.hw_addr.0);
        zeros(out, 2);
        out.put_bytes(&name_field(&self.name));
        out.put32(self.config);
        out.put32(self.state);
        out.put32(self.curr);
        out.put32(self.advertised);
        out.put32(self.supported);
        out.put32(self.peer);
        out.put32(self.curr_speed);
        out.put32(self.max_speed);
    }

    /// Decodes a 64-byte `ofp_port`.
    pub fn decode(r: &mut Reader<'_>) -> Result<Port, DecodeError> {
        let port_no = r.u32("port_no")?;
        r.skip(4, "port pad")?;
        let hw_addr = MacAddr(r.array("port hw_addr")?);
        r.skip(2, "port pad")?;
        let name = name_from_field(r.bytes(PORT_NAME_LEN, "port name")?);
        Ok(Port {
            port_no,
            hw_addr,
            name,
            config: r.u32("port config")?,
            state: r.u32("port state")?,
            curr: r.u32("port curr")?,
            advertised: r.u32("port advertised")?,
            supported: r.u32("port supported")?,
            peer: r.u32("port peer")?,
            curr_speed: r.u32("port curr_speed")?,
            max_speed: r.u32("port max_speed")?,
        })
    }
}

/// A fixed-size NUL-padded string field of `N` bytes, always NUL terminated.
pub fn fixed_str<const N: usize>(s: &str) -> [u8; N] {
    let mut out = [0u8; N];
    let mut end = s.len().min(N.saturating_sub(1));
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    if let (Some(dst), Some(src)) = (out.get_mut(..end), s.as_bytes().get(..end)) {
        dst.copy_from_slice(src);
    }
    out
}

fn name_field(s: &str) -> [u8; PORT_NAME_LEN] {
    fixed_str::<PORT_NAME_LEN>(s)
}

/// The text of a NUL-padded string field (lossy for invalid UTF-8), at most one byte shorter
/// than the field and cut at a character boundary, as [`fixed_str`] writes it (and as OVS reads
/// it): a field without a NUL, or whose invalid bytes grow into U+FFFD, then still encodes back
/// to a field that decodes to the same text.
pub fn name_from_field(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    let mut s = String::from_utf8_lossy(b.get(..end).unwrap_or_default()).into_owned();
    let mut max = b.len().saturating_sub(1);
    if s.len() > max {
        while !s.is_char_boundary(max) {
            max -= 1;
        }
        s.truncate(max);
    }
    s
}

impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}({}): addr:{} config:{:#x} state:{:#x} speed:{}/{} kbps",
            PortNo(self.port_no),
            self.name,
            self.hw_addr,
            self.config,
            self.state,
            self.curr_speed,
            self.max_speed
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_round_trip_and_names() {
        let p = Port {
            port_no: 3,
            hw_addr: MacAddr([2, 0, 0, 0, 0, 3]),
            name: "tap-ほげ".into(),
            state: state::LIVE,
            curr_speed: 10_000_000,
            ..Port::default()
        };
        let mut out = Vec::new();
        p.encode(&mut out);
        assert_eq!(out.len(), PORT_LEN);
        let back = Port::decode(&mut Reader::new(&out)).unwrap();
        assert_eq!(back, p);
        assert!(back.is_live());
        let long = fixed_str::<16>("ほげほげほげほげ");
        assert_eq!(long[15], 0);
        assert_eq!(name_from_field(&long), "ほげほげほ");
        assert_eq!(PortNo(OFPP_CONTROLLER).to_string(), "CONTROLLER");
        assert_eq!(PortNo(7).to_string(), "7");
    }
}
