//! Paged snapshots ([`proto::Op::SnapshotPage`]): the model at one `(epoch, seq)`, served a
//! bounded page at a time, so neither vnmgr nor a vna ever holds the whole model as one
//! message (17.8 MiB of JSON at 1,000 networks / 10,000 interfaces / 100 datapaths).
//!
//! Opening a snapshot keeps the read model's tables as they are (one `Arc` per table, see
//! `read_model`) with their `(epoch, seq)` under a token; every page is cut from those kept
//! tables, so every page of a snapshot reflects the same position however many writes happen
//! meanwhile. A cursor is keyset-based (the table and id of the last row sent), so a page
//! costs a seek, not a walk from the start. Snapshots opened while nothing was written share
//! one token: a hundred vnas resnapshotting after a vnmgr restart keep one copy, not a
//! hundred.
//!
//! Bounds, so that a client that never finishes (or a hostile one) cannot grow vnmgr's
//! memory: at most [`MAX_OPEN`] snapshots are open, the least recently used one is dropped
//! to make room; one that no page was asked of for [`IDLE_TIMEOUT`] is dropped. A kept
//! snapshot costs nothing until a write changes a table it holds (the writer then copies that
//! table), so the worst case is [`MAX_OPEN`] old versions of the tables written meanwhile.
//! Asking for a page of a dropped snapshot is error 410 (`SnapshotExpired`): start again.
//!
//! The bookkeeping is pure (the caller passes the time), so it is tested with plain values.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use model::{Id, Table};
use proto::{RawRow, SnapshotCursor, SnapshotPage};

use crate::error::OpError;
use crate::read_model::TableRows;

/// At most this many rows a page. With [`PAGE_BYTES`], a page is small beside the model it
/// loads: at the large model's ~200 bytes a row, about 1,300 rows (a 256 KiB frame, as many
/// bytes again as the rows a client copies out of it, and the decoded rows), against the
/// 14.5 MiB a vna holding that model takes; 70 pages, each a round trip of a millisecond or
/// two, add about a tenth of a second to a snapshot of that model.
pub const PAGE_ROWS: usize = 2_000;

/// A page stops after the row that brings its rows' JSON to this many bytes (so a page is
/// never empty, whatever the size of one row).
pub const PAGE_BYTES: usize = 256 * 1024;

/// At most this many snapshots are kept open at once.
pub const MAX_OPEN: usize = 16;

/// A snapshot no page was asked of for this long is dropped. A vna asks for the next page as
/// soon as it has loaded one (milliseconds).
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// How large a page may grow (the constants above; smaller in tests).
#[derive(Debug, Clone, Copy)]
pub(crate) struct PageLimits {
    pub rows: usize,
    pub bytes: usize,
}

impl Default for PageLimits {
    fn default() -> Self {
        Self {
            rows: PAGE_ROWS,
            bytes: PAGE_BYTES,
        }
    }
}

/// The model as it was at `(epoch, seq)`: the read model's tables, in [`Table::ALL`] order.
#[derive(Debug)]
pub(crate) struct KeptModel {
    pub epoch: u64,
    pub seq: u64,
    pub tables: Vec<(Table, Arc<TableRows>)>,
}

#[derive(Debug)]
struct OpenSnapshot {
    token: u64,
    model: Arc<KeptModel>,
    last_used: Instant,
}

/// The open snapshots, least recently used first.
#[derive(Debug)]
pub(crate) struct OpenSnapshots {
    open: VecDeque<OpenSnapshot>,
    next_token: u64,
}

/// Why a token names no snapshot, for the error message.
pub(crate) const EXPIRED_WHY: &str =
    "snapshots are dropped after 30 s without a page, or when 16 newer ones are open";

impl OpenSnapshots {
    /// Tokens count up from `first_token` (random per vnmgr start, so a token from before a
    /// restart is unknown to the new vnmgr rather than naming another snapshot).
    pub(crate) fn new(first_token: u64) -> Self {
        Self {
            open: VecDeque::new(),
            next_token: first_token,
        }
    }

    /// The open snapshot at `(epoch, seq)`, or a new one of the tables `tables` gives
    /// (dropping the least recently used if [`MAX_OPEN`] are open); its token and model.
    pub(crate) fn open(
        &mut self,
        epoch: u64,
        seq: u64,
        tables: impl FnOnce() -> Vec<(Table, Arc<TableRows>)>,
        now: Instant,
    ) -> (u64, Arc<KeptModel>) {
        self.expire(now);
        if let Some(i) = self
            .open
            .iter()
            .position(|s| (s.model.epoch, s.model.seq) == (epoch, seq))
        {
            return self.touch(i, now);
        }
        while self.open.len() >= MAX_OPEN {
            self.open.pop_front();
        }
        let token = self.next_token;
        self.next_token = self.next_token.wrapping_add(1);
        let model = Arc::new(KeptModel {
            epoch,
            seq,
            tables: tables(),
        });
        self.open.push_back(OpenSnapshot {
            token,
            model: Arc::clone(&model),
            last_used: now,
        });
        (token, model)
    }

    /// The snapshot `token` names, if still open.
    pub(crate) fn get(&mut self, token: u64, now: Instant) -> Option<Arc<KeptModel>> {
        self.expire(now);
        let i = self.open.iter().position(|s| s.token == token)?;
        Some(self.touch(i, now).1)
    }

    /// Drops the snapshots idle for [`IDLE_TIMEOUT`] or more.
    pub(crate) fn expire(&mut self, now: Instant) {
        self.open
            .retain(|s| now.saturating_duration_since(s.last_used) < IDLE_TIMEOUT);
    }

    /// How many are open.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.open.len()
    }

    /// Marks snapshot `i` used now (moving it last) and returns it.
    fn touch(&mut self, i: usize, now: Instant) -> (u64, Arc<KeptModel>) {
        let Some(mut s) = self.open.remove(i) else {
            unreachable!("index from position()")
        };
        s.last_used = now;
        let found = (s.token, Arc::clone(&s.model));
        self.open.push_back(s);
        found
    }
}

/// The page of `model` (the snapshot `token`) that starts after `after` (the first page for
/// `None`): rows in [`Table::ALL`] order, each table by id, up to `limits`.
pub(crate) fn page(
    model: &KeptModel,
    token: u64,
    after: Option<(Table, Id)>,
    limits: PageLimits,
) -> Result<SnapshotPage<RawRow>, OpError> {
    // Tables before the cursor's are done; of its table, the rows up to its id.
    let start = after.map_or(0, |(table, _)| {
        model
            .tables
            .partition_point(|(t, _)| position(*t) < position(table))
    });
    let mut remaining = model
        .tables
        .iter()
        .skip(start)
        .flat_map(|(table, rows)| {
            let from = after.and_then(|(t, id)| (t == *table).then_some(id));
            rows.rows_after(from).map(move |row| (*table, row))
        })
        .peekable();
    let mut rows = Vec::new();
    let mut bytes = 0_usize;
    let mut last = None;
    while rows.len() < limits.rows && bytes < limits.bytes {
        let Some((table, row)) = remaining.next() else {
            break;
        };
        let raw =
            RawRow::from_value(row).map_err(|e| OpError::Internal(format!("snapshot row: {e}")))?;
        bytes = bytes.saturating_add(raw.get().len());
        rows.push(raw);
        last = Some((table, row.id()));
    }
    let next = match (remaining.peek(), last) {
        (Some(_), Some((table, after))) => Some(SnapshotCursor {
            token,
            table,
            after,
        }),
        _ => None,
    };
    Ok(SnapshotPage {
        epoch: model.epoch,
        seq: model.seq,
        rows,
        next,
    })
}

/// A table's place in the order pages walk.
fn position(table: Table) -> usize {
    Table::ALL
        .iter()
        .position(|t| *t == table)
        .unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use model::{AnyRecord, Network, NetworkMode};
    use store::{Change, ChangeOp};

    use super::*;
    use crate::read_model::ReadModel;

    fn network(id: Id) -> AnyRecord {
        AnyRecord::Network(Network {
            id,
            uuid: format!("nw-{id}").parse().unwrap(),
            display_name: format!("network {id}"),
            ipv4_network: "10.0.0.0".parse().unwrap(),
            ipv4_prefix: 24,
            mode: NetworkMode::Virtual,
            domain_name: "example.test".into(),
            segment_id: None,
            created_at: 0,
            updated_at: 0,
            deleted_at: None,
        })
    }

    fn model_of(ids: impl IntoIterator<Item = Id>) -> ReadModel {
        let mut model = ReadModel::default();
        let changes: Vec<Change> = ids
            .into_iter()
            .map(|id| Change {
                op: ChangeOp::Created,
                row: network(id),
            })
            .collect();
        model.apply(&changes);
        model
    }

    fn ids_of(page: &SnapshotPage<RawRow>) -> Vec<Id> {
        page.rows
            .iter()
            .map(|r| r.to_value().unwrap()["row"]["id"].as_i64().unwrap())
            .collect()
    }

    #[test]
    fn pages_walk_every_row_once_at_the_position_of_the_first() {
        let read_model = model_of(1..=10);
        let kept = KeptModel {
            epoch: 7,
            seq: 42,
            tables: read_model.tables(),
        };
        let limits = PageLimits {
            rows: 3,
            bytes: 1 << 20,
        };
        let mut seen = Vec::new();
        let mut cursor = None;
        let mut pages = 0;
        loop {
            let page = page(&kept, 99, cursor, limits).unwrap();
            assert_eq!((page.epoch, page.seq), (7, 42));
            assert!(page.rows.len() <= 3);
            seen.extend(ids_of(&page));
            pages += 1;
            match page.next {
                Some(c) => {
                    assert_eq!((c.token, c.table), (99, Table::Networks));
                    cursor = Some((c.table, c.after));
                }
                None => break,
            }
        }
        assert_eq!(seen, (1..=10).collect::<Vec<_>>());
        assert_eq!(pages, 4);

        // A byte budget smaller than a row still makes progress, a row a page.
        let tiny = PageLimits {
            rows: 100,
            bytes: 1,
        };
        let first = page(&kept, 99, None, tiny).unwrap();
        assert_eq!(ids_of(&first), vec![1]);
        // Cursors of any table and id are positions, not errors: before every table, after
        // the last row, past every table.
        let all = page(&kept, 99, Some((Table::ALL[0], Id::MIN)), limits).unwrap();
        assert_eq!(ids_of(&all), vec![1, 2, 3]);
        let end = page(&kept, 99, Some((Table::Networks, 10)), limits).unwrap();
        assert!(end.rows.is_empty() && end.next.is_none());
        let past = page(&kept, 99, Some((*Table::ALL.last().unwrap(), 0)), limits).unwrap();
        assert!(past.rows.is_empty() && past.next.is_none());
    }

    #[test]
    fn a_kept_snapshot_does_not_see_later_writes() {
        let mut read_model = model_of(1..=4);
        let mut open = OpenSnapshots::new(1);
        let now = Instant::now();
        let (token, kept) = open.open(1, 4, || read_model.tables(), now);
        read_model.apply(&[
            Change {
                op: ChangeOp::Deleted,
                row: network(1),
            },
            Change {
                op: ChangeOp::Created,
                row: network(5),
            },
        ]);
        let kept_again = open.get(token, now).unwrap();
        assert!(Arc::ptr_eq(&kept, &kept_again));
        let page = page(&kept_again, token, None, PageLimits::default()).unwrap();
        assert_eq!(ids_of(&page), vec![1, 2, 3, 4]);
        assert!(page.next.is_none());
    }

    #[test]
    fn open_snapshots_are_shared_bounded_and_expire() {
        let read_model = model_of(1..=2);
        let mut open = OpenSnapshots::new(u64::MAX - 1);
        let t0 = Instant::now();
        let (a, _) = open.open(1, 10, || read_model.tables(), t0);
        // The same position: the same snapshot.
        let (b, _) = open.open(1, 10, || unreachable!("shared"), t0);
        assert_eq!(a, b);
        assert_eq!(open.len(), 1);

        // MAX_OPEN more positions: the least recently used goes; the first one was used in
        // between, so the second goes.
        let mut tokens = BTreeSet::new();
        let mut second = None;
        for seq in 11..11 + MAX_OPEN as u64 {
            let (token, _) = open.open(1, seq, || read_model.tables(), t0);
            assert!(tokens.insert(token), "tokens are unique, wrapping included");
            second.get_or_insert(token);
            if seq == 12 {
                assert!(open.get(a, t0).is_some());
            }
        }
        assert_eq!(open.len(), MAX_OPEN);
        assert!(
            open.get(second.unwrap(), t0).is_none(),
            "least recently used"
        );
        assert!(open.get(a, t0).is_some(), "used recently, kept");

        // Idle for the timeout: gone; unknown tokens are simply absent.
        let later = t0 + IDLE_TIMEOUT;
        assert!(open.get(a, later).is_none());
        assert_eq!(open.len(), 0);
        assert!(open.get(12_345, later).is_none());
    }
}
