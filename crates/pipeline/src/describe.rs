//! Flows written like `ovs-ofctl dump-flows` writes them, but readable for vnet's pipeline:
//! tables carry their names, cookies and metadata (in matches and in `write_metadata`) are
//! decoded, and `goto_table` names its target:
//!
//! ```text
//! table=20(INTERFACE_EGRESS_VALIDATE) priority=40 cookie=0xc00000000000003(INTERFACE:3) in_port=1 metadata=0x700000000000003/0xff0000007fffffff(INTERFACE:3) actions=goto_table:21(INTERFACE_EGRESS_ROUTES)
//! ```
//!
//! Header items and match fields are separated by spaces; actions by commas, as ovs-ofctl
//! does. The decoded parts in parentheses make a line unfit to paste back into `ovs-ofctl`:
//! it is for people (`vna flows`, the role the original's vnflows-monitor played), and for
//! test failure messages. Everything else (single fields, actions) is the openflow crate's
//! own `Display`.

use std::fmt;

use openflow::action::Actions;
use openflow::multipart::FlowStats;
use openflow::{Instruction, Match, Oxm};

use crate::flow::{Flow, FlowSet};
use crate::{cookie, metadata, tables};

/// A table number with its name: `20(INTERFACE_EGRESS_VALIDATE)`, or just `1` for a table the
/// pipeline does not use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Table(pub u8);

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match tables::name(self.0) {
            Some(name) => write!(f, "{}({name})", self.0),
            None => write!(f, "{}", self.0),
        }
    }
}

/// A cookie in hex with its decoding: `0xc00000000000003(INTERFACE:3)`; `0x0` stays bare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cookie(pub u64);

impl fmt::Display for Cookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return f.write_str("0x0");
        }
        write!(f, "{:#x}({})", self.0, cookie::Decoded(self.0))
    }
}

/// Whole metadata (a packet's, or a full-mask match or write) decoded: its type and value (or
/// pair) and the flags it has set, not every flag it lacks: `INTERFACE:6 REMOTE`, `none` for 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetadataValue(pub u64);

impl fmt::Display for MetadataValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        if v == 0 {
            return f.write_str("none");
        }
        let mask = if v & metadata::PAIR_FLAG != 0 {
            metadata::PAIR_FLAG
                | metadata::PAIR_FIRST_MASK
                | metadata::PAIR_SECOND_MASK
                | (v & metadata::PAIR_FREE_FLAG)
        } else {
            metadata::TYPE_MASK | metadata::VALUE_MASK | (v & metadata::FLAGS_MASK)
        };
        write!(f, "{}", metadata::Decoded(v, mask))
    }
}

/// Metadata with its mask decoded: a full mask reads as a value ([`MetadataValue`]).
fn decode_metadata(v: u64, m: u64) -> String {
    if m == u64::MAX {
        MetadataValue(v).to_string()
    } else {
        metadata::Decoded(v, m).to_string()
    }
}

/// One match field; metadata gets its decoding appended:
/// `metadata=0x700000000000001/0xff0000007fffffff(INTERFACE:1)`.
#[derive(Debug, Clone, Copy)]
pub struct Field<'a>(pub &'a Oxm);

impl fmt::Display for Field<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        if let Oxm::Metadata(v, m) = self.0 {
            write!(f, "({})", decode_metadata(*v, m.unwrap_or(u64::MAX)))?;
        }
        Ok(())
    }
}

/// A match, fields separated by spaces, metadata decoded. The empty match prints nothing.
#[derive(Debug, Clone, Copy)]
pub struct MatchText<'a>(pub &'a Match);

impl fmt::Display for MatchText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, o) in self.0.fields.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{}", Field(o))?;
        }
        Ok(())
    }
}

/// One instruction the way `ovs-ofctl` prints it inside `actions=`: apply-actions inline,
/// `write_metadata` decoded, `goto_table` named. `None` for an empty apply-actions (prints
/// nothing).
#[derive(Debug, Clone, Copy)]
pub struct InstructionText<'a>(pub &'a Instruction);

impl fmt::Display for InstructionText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Instruction::ApplyActions(list) => write!(f, "{}", Actions(list)),
            Instruction::WriteMetadata { metadata, mask } => {
                write!(f, "write_metadata:{metadata:#x}")?;
                if *mask != u64::MAX {
                    write!(f, "/{mask:#x}")?;
                }
                write!(f, "({})", decode_metadata(*metadata, *mask))
            }
            Instruction::GotoTable(t) => write!(f, "goto_table:{}", Table(*t)),
            other => write!(f, "{other}"),
        }
    }
}

/// A flow's instructions as the text after `actions=`; `drop` when they do nothing.
#[derive(Debug, Clone, Copy)]
pub struct InstructionsText<'a>(pub &'a [Instruction]);

impl fmt::Display for InstructionsText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = self
            .0
            .iter()
            .filter(|i| !matches!(i, Instruction::ApplyActions(list) if list.is_empty()));
        let mut any = false;
        for i in shown {
            if any {
                f.write_str(",")?;
            }
            write!(f, "{}", InstructionText(i))?;
            any = true;
        }
        if !any {
            f.write_str("drop")?;
        }
        Ok(())
    }
}

/// Everything one dump line shows. Build it with [`FlowLine::of_flow`] or
/// [`FlowLine::of_stats`], or fill it in by hand for flows read from elsewhere.
#[derive(Debug, Clone, Copy)]
pub struct FlowLine<'a> {
    pub table: u8,
    pub priority: u16,
    pub cookie: u64,
    pub match_: &'a Match,
    pub instructions: &'a [Instruction],
    pub idle_timeout: u16,
    pub hard_timeout: u16,
    /// `(packet_count, byte_count)` for flows read back from a switch.
    pub counters: Option<(u64, u64)>,
}

impl<'a> FlowLine<'a> {
    /// A flow of a [`FlowSet`] (no counters).
    pub fn of_flow(flow: &'a Flow) -> FlowLine<'a> {
        FlowLine {
            table: flow.table,
            priority: flow.priority,
            cookie: flow.cookie,
            match_: &flow.match_,
            instructions: &flow.instructions,
            idle_timeout: flow.idle_timeout,
            hard_timeout: flow.hard_timeout,
            counters: None,
        }
    }

    /// A flow read back from a switch (flow statistics reply), counters included.
    pub fn of_stats(stats: &'a FlowStats) -> FlowLine<'a> {
        FlowLine {
            table: stats.table_id,
            priority: stats.priority,
            cookie: stats.cookie,
            match_: &stats.match_,
            instructions: &stats.instructions,
            idle_timeout: stats.idle_timeout,
            hard_timeout: stats.hard_timeout,
            counters: Some((stats.packet_count, stats.byte_count)),
        }
    }
}

impl fmt::Display for FlowLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "table={} priority={} cookie={}",
            Table(self.table),
            self.priority,
            Cookie(self.cookie)
        )?;
        if let Some((packets, bytes)) = self.counters {
            write!(f, " n_packets={packets} n_bytes={bytes}")?;
        }
        if self.idle_timeout != 0 {
            write!(f, " idle_timeout={}", self.idle_timeout)?;
        }
        if self.hard_timeout != 0 {
            write!(f, " hard_timeout={}", self.hard_timeout)?;
        }
        if !self.match_.is_empty() {
            write!(f, " {}", MatchText(self.match_))?;
        }
        write!(f, " actions={}", InstructionsText(self.instructions))
    }
}

/// One flow as a dump line.
pub fn flow(flow: &Flow) -> String {
    FlowLine::of_flow(flow).to_string()
}

/// A whole flow set, one line per flow (each ending in a newline), sorted by table, then
/// priority (highest first), then match: the order `FlowSet::sorted` gives.
pub fn flow_set(set: &FlowSet) -> String {
    let mut out = String::new();
    for f in set.sorted() {
        out.push_str(&flow(f));
        out.push('\n');
    }
    out
}

/// One flow read from a switch, from its parts.
pub fn entry(
    table: u8,
    priority: u16,
    cookie: u64,
    match_: &Match,
    instructions: &[Instruction],
    packet_count: u64,
    byte_count: u64,
) -> String {
    FlowLine {
        table,
        priority,
        cookie,
        match_,
        instructions,
        idle_timeout: 0,
        hard_timeout: 0,
        counters: Some((packet_count, byte_count)),
    }
    .to_string()
}

/// One flow of a flow statistics reply.
pub fn flow_stats(stats: &FlowStats) -> String {
    FlowLine::of_stats(stats).to_string()
}

/// A flow statistics reply, one line per flow (each ending in a newline), in the same order as
/// [`flow_set`]: table, priority (highest first), then canonical match.
pub fn flow_stats_list(list: &[FlowStats]) -> String {
    let mut keyed: Vec<(u8, u16, Vec<u8>, &FlowStats)> = list
        .iter()
        .map(|s| {
            let mut bytes = Vec::new();
            // An unencodable match only sorts first among its equals.
            let _ = s.match_.canonical().encode(&mut bytes);
            (s.table_id, s.priority, bytes, s)
        })
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
    let mut out = String::new();
    for (_, _, _, s) in keyed {
        out.push_str(&flow_stats(s));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cookie::Prefix;
    use openflow::nicira::{NxAction, REG0};
    use openflow::{Action, MacAddr};

    fn validate_flow() -> Flow {
        let (v, m) = metadata::typed(metadata::kind::INTERFACE, 3);
        Flow::new(
            tables::INTERFACE_EGRESS_VALIDATE,
            40,
            cookie::cookie(Prefix::INTERFACE, 3),
            Match::new()
                .with(Oxm::InPort(1))
                .with(Oxm::Metadata(v, Some(m))),
        )
        .instruction(Instruction::GotoTable(tables::INTERFACE_EGRESS_ROUTES))
    }

    #[test]
    fn a_flow_reads_like_the_brief() {
        assert_eq!(
            flow(&validate_flow()),
            "table=20(INTERFACE_EGRESS_VALIDATE) priority=40 cookie=0xc00000000000003(INTERFACE:3) \
             in_port=1 metadata=0x700000000000003/0xff0000007fffffff(INTERFACE:3) \
             actions=goto_table:21(INTERFACE_EGRESS_ROUTES)"
        );
    }

    #[test]
    fn instructions_inline_apply_actions_and_decode_write_metadata() {
        let (v, m) = metadata::pair(1, 7);
        let f = Flow::new(1, 0, 0, Match::new())
            .instruction(Instruction::apply(vec![
                Action::set_field(Oxm::EthDst(MacAddr([2, 0, 0, 0, 0, 1]), None)),
                Action::Nx(NxAction::load_whole(REG0, 5)),
                Action::output(3),
            ]))
            .instruction(Instruction::write_metadata(v, m))
            .instruction(Instruction::GotoTable(4));
        assert_eq!(
            flow(&f),
            "table=1 priority=0 cookie=0x0 actions=set_field:02:00:00:00:00:01->eth_dst,\
             load:0x5->NXM_NX_REG0[],output:3,\
             write_metadata:0x8000000100000007/0xffffffff7fffffff(pair(1,7)),\
             goto_table:4(TUNNEL_IDS)"
        );
    }

    #[test]
    fn full_mask_metadata_reads_as_a_value() {
        let v = metadata::clear_all(metadata::typed_flags(
            metadata::kind::INTERFACE,
            6,
            metadata::flag::REMOTE,
            0,
        ));
        let f = Flow::new(0, 2, 0, Match::new().with(Oxm::Metadata(v.0, None)))
            .instruction(Instruction::write_metadata(v.0, v.1));
        assert_eq!(
            flow(&f),
            "table=0(CLASSIFIER) priority=2 cookie=0x0 metadata=0x700080000000006(INTERFACE:6 REMOTE) \
             actions=write_metadata:0x700080000000006(INTERFACE:6 REMOTE)"
        );
        assert_eq!(MetadataValue(0).to_string(), "none");
        assert_eq!(
            MetadataValue(metadata::pair(3, 9).0 | metadata::PAIR_FREE_FLAG).to_string(),
            "pair(3,9) REFLECTION"
        );
    }

    #[test]
    fn empty_instructions_are_drop_and_timeouts_and_counters_show() {
        let mut f = Flow::new(tables::NETWORK_DST_MAC_LOOKUP, 35, 0, Match::new())
            .instruction(Instruction::apply(vec![]));
        f.idle_timeout = 36000;
        assert_eq!(
            flow(&f),
            "table=43(NETWORK_DST_MAC_LOOKUP) priority=35 cookie=0x0 idle_timeout=36000 actions=drop"
        );
        assert_eq!(
            entry(0, 1, 0x0900_0000_0000_0000, &Match::new(), &[], 3, 180),
            "table=0(CLASSIFIER) priority=1 cookie=0x900000000000000(SWITCH) n_packets=3 n_bytes=180 actions=drop"
        );
    }

    #[test]
    fn sets_and_stats_lists_sort_by_table_then_priority() {
        let a = validate_flow();
        let mut b = validate_flow();
        b.priority = 50;
        let c = Flow::new(0, 1, 0, Match::new());
        let set: FlowSet = [a.clone(), b.clone(), c.clone()].into_iter().collect();
        let text = flow_set(&set);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("table=0(CLASSIFIER) priority=1"));
        assert!(lines[1].contains("priority=50"));
        assert!(lines[2].contains("priority=40"));

        let stats: Vec<FlowStats> = [a, c, b]
            .iter()
            .map(|f| FlowStats {
                table_id: f.table,
                duration_sec: 0,
                duration_nsec: 0,
                priority: f.priority,
                idle_timeout: 0,
                hard_timeout: 0,
                flags: 0,
                cookie: f.cookie,
                packet_count: 1,
                byte_count: 64,
                match_: f.match_.clone(),
                instructions: f.instructions.clone(),
            })
            .collect();
        let text = flow_stats_list(&stats);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("table=0(CLASSIFIER) priority=1"));
        assert!(
            lines[1].contains(
                "priority=50 cookie=0xc00000000000003(INTERFACE:3) n_packets=1 n_bytes=64"
            )
        );
    }
}
