//! The read model: every live row, in memory, exactly as of the last committed change set.
//!
//! vnmgr is the only client of its database, so after loading every live row once at start it
//! can follow the database by applying each committed transaction's changes, in commit order,
//! under the same lock that publishes the event. Show, list and snapshot are then answered
//! from memory: they never wait for the write lock (a snapshot takes it only to read
//! `(epoch, seq)` and to take cheap copies of the tables) and never touch the database.
//!
//! Tables are behind `Arc`s: a snapshot keeps the tables it copied while it serialises them,
//! outside every lock; a writer that changes a table a snapshot still holds copies that one
//! table first (`Arc::make_mut`). The model applies changes; it does not decide whether they
//! are right (the store and the services do, inside the transaction).
//!
//! Each row also keeps its reply JSON, serialised once when the row is loaded or changed: a
//! list is then a copy of each row's text rather than a serialisation of each row per
//! request (which was more than half of vnmgr's time under a list-heavy load).
//!
//! **Replies carry the original's extra fields** (reference §3.3), resolved here from the
//! rows in memory when a reply is made: `<x>_uuid` beside each reference `<x>_id`, the
//! `ipv4_address` (and its `network_uuid`) of a row naming an `ip_addresses` row, the
//! `mac_address` of one naming a `mac_addresses` row, a filter rule's ports under the
//! original's names `src_port`/`dst_port`, and an interface's MAC leases with their IP leases
//! nested (`mac_leases`) plus the first lease's `mac_address`, `ipv4_address`,
//! `network_uuid` and `ip_leases`. Which extras a row has is worked out once per change; a
//! row with none is copied into a list as its cached text.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use model::{AnyRecord, ColumnType, Id, SqlValue, Table, Uuid};
use proto::RawRow;
use serde_json::{Map, Value};
use store::{ChangeOp, Filter, StoreError, Tx};

use crate::error::OpError;
use crate::rows;

/// An extra field of a reply, to be looked up in the model when the reply is made.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Extra {
    /// `name` is the uuid of row `id` of `table`.
    Uuid { name: String, table: Table, id: Id },
    /// `ipv4_address` of `ip_addresses` row `id`, and its `network_uuid` when the row has
    /// no network of its own.
    IpAddress { id: Id, with_network: bool },
    /// `mac_address` of `mac_addresses` row `id`.
    MacAddress { id: Id },
}

/// The extras of `row` (see the module documentation), from its reference columns.
fn extras_of(row: &AnyRecord) -> Vec<Extra> {
    let table = row.table();
    let columns = table.columns();
    let has_network = columns.iter().any(|c| c.name == "network_id");
    let mut extras = Vec::new();
    for (column, value) in columns.iter().zip(row.to_values()) {
        let (ColumnType::Int, SqlValue::Int(id)) = (column.ty, value) else {
            continue;
        };
        match column.name {
            "id" => {}
            "ip_address_id" => extras.push(Extra::IpAddress {
                id,
                with_network: !has_network,
            }),
            "mac_address_id" => extras.push(Extra::MacAddress { id }),
            name => {
                if let Some(stem) = name.strip_suffix("_id")
                    && let Some(parent) = rows::referenced_table(table, name)
                    && parent.resource_kind().is_some()
                {
                    extras.push(Extra::Uuid {
                        name: format!("{stem}_uuid"),
                        table: parent,
                        id,
                    });
                }
            }
        }
    }
    extras
}

/// One live row, its reply JSON and the extras its replies get.
#[derive(Debug, Clone)]
struct Entry {
    row: AnyRecord,
    /// The row as replies carry it ([`rows::row_fields`] serialised), or why it could not
    /// be serialised (never expected; the list asking for it then fails, not the write).
    json: Result<RawRow, String>,
    extras: Vec<Extra>,
}

impl Entry {
    fn new(row: AnyRecord) -> Self {
        let json = rows::row_fields(&row)
            .map_err(|e| e.to_string())
            .and_then(|fields| RawRow::from_value(&fields).map_err(|e| e.to_string()));
        let extras = extras_of(&row);
        Self { row, json, extras }
    }

    /// Whether replies of this row are its cached JSON as it is.
    fn is_plain(&self) -> bool {
        self.extras.is_empty() && !has_table_extras(self.row.table())
    }

    /// The row's reply JSON.
    pub(crate) fn json(&self) -> Result<RawRow, OpError> {
        self.json
            .clone()
            .map_err(|e| OpError::Internal(format!("a {} row: {e}", self.row.table())))
    }
}

/// Whether every row of `table` gets extras beyond its references.
fn has_table_extras(table: Table) -> bool {
    matches!(table, Table::Interfaces | Table::FilterStatics)
}

/// The live rows of one table.
#[derive(Debug, Clone, Default)]
pub(crate) struct TableRows {
    /// By id, so lists come out in the database's `ORDER BY id` order.
    by_id: BTreeMap<Id, Entry>,
    by_uuid: HashMap<Uuid, Id>,
    /// By the row's owner (see [`owner_of`]), for the nested replies that would otherwise
    /// scan the whole table per row (an interface's leases at 10,000 interfaces).
    by_owner: HashMap<Id, BTreeSet<Id>>,
}

/// The owner a row is nested under in replies: a MAC lease's interface, an IP lease's MAC
/// lease.
fn owner_of(row: &AnyRecord) -> Option<Id> {
    match row {
        AnyRecord::MacLease(l) => l.interface_id,
        AnyRecord::IpLease(l) => l.mac_lease_id,
        _ => None,
    }
}

impl TableRows {
    pub(crate) fn rows(&self) -> impl Iterator<Item = &AnyRecord> {
        self.by_id.values().map(|e| &e.row)
    }

    /// The rows with an id above `after` (all of them for `None`), by id.
    pub(crate) fn rows_after(&self, after: Option<Id>) -> impl Iterator<Item = &AnyRecord> {
        use std::ops::Bound::{Excluded, Unbounded};
        let from = after.map_or(Unbounded, Excluded);
        self.by_id.range((from, Unbounded)).map(|(_, e)| &e.row)
    }

    fn put(&mut self, row: AnyRecord) {
        let id = row.id();
        if let Some(uuid) = row.uuid() {
            self.by_uuid.insert(uuid, id);
        }
        if let Some(owner) = owner_of(&row) {
            self.by_owner.entry(owner).or_default().insert(id);
        }
        if let Some(old) = self.by_id.insert(id, Entry::new(row))
            && let Some(old_owner) = owner_of(&old.row)
            && self.by_id.get(&id).and_then(|e| owner_of(&e.row)) != Some(old_owner)
        {
            self.unown(old_owner, id);
        }
    }

    fn remove(&mut self, id: Id) {
        let Some(old) = self.by_id.remove(&id) else {
            return;
        };
        if let Some(uuid) = old.row.uuid()
            && self.by_uuid.get(&uuid) == Some(&id)
        {
            self.by_uuid.remove(&uuid);
        }
        if let Some(owner) = owner_of(&old.row) {
            self.unown(owner, id);
        }
    }

    fn unown(&mut self, owner: Id, id: Id) {
        if let Some(ids) = self.by_owner.get_mut(&owner) {
            ids.remove(&id);
            if ids.is_empty() {
                self.by_owner.remove(&owner);
            }
        }
    }

    /// The rows owned by `owner` (see [`owner_of`]), in id order.
    fn owned_by(&self, owner: Id) -> impl Iterator<Item = &Entry> {
        self.by_owner
            .get(&owner)
            .into_iter()
            .flatten()
            .filter_map(|id| self.by_id.get(id))
    }
}

/// Every live row of every table.
#[derive(Debug, Clone, Default)]
pub(crate) struct ReadModel {
    tables: HashMap<Table, Arc<TableRows>>,
}

impl ReadModel {
    /// Reads every live row through `tx`.
    pub(crate) async fn load(tx: &mut Tx) -> Result<Self, StoreError> {
        let mut model = Self::default();
        for &table in Table::ALL {
            let mut rows = TableRows::default();
            for row in tx.find_any(table, &Filter::new()).await? {
                rows.put(row);
            }
            model.tables.insert(table, Arc::new(rows));
        }
        Ok(model)
    }

    /// Applies one committed transaction's changes, in order.
    pub(crate) fn apply(&mut self, changes: &[store::Change]) {
        for change in changes {
            let table = self.tables.entry(change.row.table()).or_default();
            let rows = Arc::make_mut(table);
            match change.op {
                ChangeOp::Created | ChangeOp::Updated => rows.put(change.row.clone()),
                ChangeOp::Deleted => rows.remove(change.row.id()),
            }
        }
    }

    fn entry(&self, table: Table, id: Id) -> Option<&Entry> {
        self.tables.get(&table)?.by_id.get(&id)
    }

    /// `row` as a reply carries it: its fields and its extras.
    pub(crate) fn reply(&self, row: &AnyRecord) -> Result<Value, OpError> {
        let mut fields = rows::row_fields(row)?;
        self.add_extras(row, &extras_of(row), &mut fields);
        Ok(Value::Object(fields))
    }

    /// Adds the extras of the row of `table` whose fields `reply` holds (a reply made before
    /// the row reached the model: created, updated), as the model now has it.
    pub(crate) fn add_reply_extras(&self, table: Table, reply: &mut Value) {
        let Some(id) = reply.get("id").and_then(Value::as_i64) else {
            return;
        };
        let Some(entry) = self.entry(table, id) else {
            return;
        };
        if let Value::Object(fields) = reply {
            self.add_extras(&entry.row, &entry.extras, fields);
        }
    }

    /// One entry as a list item.
    fn item(&self, entry: &Entry) -> Result<RawRow, OpError> {
        if entry.is_plain() {
            return entry.json();
        }
        let value = self.reply(&entry.row)?;
        RawRow::from_value(&value).map_err(|e| OpError::Internal(format!("list row: {e}")))
    }

    fn uuid_of(&self, table: Table, id: Id) -> Option<Value> {
        let uuid = self.entry(table, id)?.row.uuid()?;
        Some(Value::String(uuid.to_string()))
    }

    fn add_extras(&self, row: &AnyRecord, extras: &[Extra], fields: &mut Map<String, Value>) {
        let mut found: Vec<(String, Value)> = Vec::new();
        for extra in extras {
            match extra {
                Extra::Uuid { name, table, id } => {
                    if let Some(uuid) = self.uuid_of(*table, *id) {
                        found.push((name.clone(), uuid));
                    }
                }
                Extra::IpAddress { id, with_network } => {
                    if let Some(AnyRecord::IpAddress(address)) =
                        self.entry(Table::IpAddresses, *id).map(|e| &e.row)
                    {
                        found.push((
                            "ipv4_address".to_owned(),
                            Value::String(address.ipv4_address.to_string()),
                        ));
                        if *with_network
                            && let Some(uuid) = self.uuid_of(Table::Networks, address.network_id)
                        {
                            found.push(("network_uuid".to_owned(), uuid));
                        }
                    }
                }
                Extra::MacAddress { id } => {
                    if let Some(AnyRecord::MacAddress(mac)) =
                        self.entry(Table::MacAddresses, *id).map(|e| &e.row)
                    {
                        found.push((
                            "mac_address".to_owned(),
                            Value::String(mac.mac_address.to_string()),
                        ));
                    }
                }
            }
        }
        match row {
            AnyRecord::FilterStatic(rule) => {
                for (name, port) in [("src_port", rule.port_src), ("dst_port", rule.port_dst)] {
                    if let Some(port) = port {
                        found.push((name.to_owned(), Value::from(port)));
                    }
                }
            }
            AnyRecord::Interface(interface) => self.interface_leases(interface.id, fields),
            _ => {}
        }
        for (name, value) in found {
            fields.entry(name).or_insert(value);
        }
    }

    /// An interface's MAC leases, each with its IP leases, and the first lease's shortcuts
    /// (reference §3.3).
    fn interface_leases(&self, interface_id: Id, fields: &mut Map<String, Value>) {
        // Through the owner index: this runs for every interface of a list.
        let replies = |table: Table, owner: Id| -> Vec<Value> {
            self.tables
                .get(&table)
                .map(|rows| {
                    rows.owned_by(owner)
                        .filter_map(|e| self.reply(&e.row).ok())
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut mac_leases = replies(Table::MacLeases, interface_id);
        for mac_lease in &mut mac_leases {
            let Some(id) = mac_lease.get("id").and_then(Value::as_i64) else {
                continue;
            };
            let ip_leases = replies(Table::IpLeases, id);
            if let Value::Object(lease) = mac_lease {
                lease.insert("ip_leases".to_owned(), Value::Array(ip_leases));
            }
        }
        if let Some(first) = mac_leases.first() {
            let ip_leases = first.get("ip_leases").cloned().unwrap_or_default();
            let first_ip = ip_leases.get(0);
            let shortcuts = [
                ("mac_address", first.get("mac_address")),
                ("ipv4_address", first_ip.and_then(|l| l.get("ipv4_address"))),
                ("network_uuid", first_ip.and_then(|l| l.get("network_uuid"))),
            ];
            for (name, value) in shortcuts {
                if let Some(value) = value {
                    fields.insert(name.to_owned(), value.clone());
                }
            }
            fields.insert("ip_leases".to_owned(), ip_leases);
        }
        fields.insert("mac_leases".to_owned(), Value::Array(mac_leases));
    }

    pub(crate) fn get(&self, table: Table, id: Id) -> Option<AnyRecord> {
        self.tables
            .get(&table)?
            .by_id
            .get(&id)
            .map(|e| e.row.clone())
    }

    pub(crate) fn get_by_uuid(&self, table: Table, uuid: &Uuid) -> Option<AnyRecord> {
        let rows = self.tables.get(&table)?;
        rows.by_uuid
            .get(uuid)
            .and_then(|id| rows.by_id.get(id))
            .map(|e| e.row.clone())
    }

    /// The number of live rows of `table` whose columns equal `filter` (`(column index,
    /// value)`, `Null` matching a null column as SQL's `IS NULL` does), and `limit` of them
    /// from `offset` on, by id: what the store's `list` answers.
    #[cfg(test)]
    pub(crate) fn list(
        &self,
        table: Table,
        filter: &[(usize, SqlValue)],
        limit: u64,
        offset: u64,
    ) -> (u64, Vec<AnyRecord>) {
        self.page(table, filter, limit, offset, |e| e.row.clone())
    }

    /// As [`Self::list`], each row as its reply JSON.
    pub(crate) fn list_json(
        &self,
        table: Table,
        filter: &[(usize, SqlValue)],
        limit: u64,
        offset: u64,
    ) -> Result<(u64, Vec<RawRow>), OpError> {
        let (total, page) = self.page(table, filter, limit, offset, |e| self.item(e));
        Ok((total, page.into_iter().collect::<Result<_, _>>()?))
    }

    fn page<T>(
        &self,
        table: Table,
        filter: &[(usize, SqlValue)],
        limit: u64,
        offset: u64,
        take: impl Fn(&Entry) -> T,
    ) -> (u64, Vec<T>) {
        let Some(rows) = self.tables.get(&table) else {
            return (0, Vec::new());
        };
        let offset = usize::try_from(offset).unwrap_or(usize::MAX);
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        if filter.is_empty() {
            let total = rows.by_id.len() as u64;
            let page = rows
                .by_id
                .values()
                .skip(offset)
                .take(limit)
                .map(take)
                .collect();
            return (total, page);
        }
        let mut total = 0u64;
        let mut page = Vec::new();
        for entry in rows.by_id.values() {
            let values = entry.row.to_values();
            if filter.iter().all(|(i, v)| values.get(*i) == Some(v)) {
                let index = usize::try_from(total).unwrap_or(usize::MAX);
                if index >= offset && page.len() < limit {
                    page.push(take(entry));
                }
                total += 1;
            }
        }
        (total, page)
    }

    /// The rows of `table` (none if the table has no rows).
    pub(crate) fn table_rows(&self, table: Table) -> impl Iterator<Item = &AnyRecord> {
        self.tables.get(&table).into_iter().flat_map(|t| t.rows())
    }

    /// Cheap copies of every table, in [`Table::ALL`] order, to serialise outside the locks.
    pub(crate) fn tables(&self) -> Vec<(Table, Arc<TableRows>)> {
        Table::ALL
            .iter()
            .filter_map(|t| self.tables.get(t).map(|rows| (*t, Arc::clone(rows))))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use model::{Network, NetworkMode, Record, SqlValue};
    use store::Store;

    use super::*;

    fn network(uuid: &str, net: &str, segment_id: Option<i64>) -> Network {
        Network {
            id: 0,
            uuid: uuid.parse().unwrap(),
            display_name: format!("network {uuid}"),
            ipv4_network: net.parse().unwrap(),
            ipv4_prefix: 24,
            mode: NetworkMode::Virtual,
            domain_name: "example.test".into(),
            segment_id,
            created_at: 0,
            updated_at: 0,
            deleted_at: None,
        }
    }

    /// After creates, updates, deletes and a uuid reused after its delete, the model applied
    /// change by change answers get, get_by_uuid and list exactly as the database does.
    #[tokio::test]
    async fn the_model_answers_as_the_database_after_every_kind_of_change() {
        let store = Store::open("sqlite::memory:").await.unwrap();
        let mut tx = store.begin(1).await.unwrap();
        let mut model = ReadModel::load(&mut tx).await.unwrap();
        tx.rollback().await.unwrap();

        let mut tx = store.begin(2).await.unwrap();
        for i in 0..6 {
            let segment = (i % 2 == 0).then_some(7);
            tx.insert(network(
                &format!("nw-n{i}"),
                &format!("10.0.{i}.0"),
                segment,
            ))
            .await
            .unwrap();
        }
        model.apply(&tx.commit().await.unwrap());

        let mut tx = store.begin(3).await.unwrap();
        let mut second: Network = tx.require(2).await.unwrap();
        second.display_name = "renamed".into();
        tx.update(second).await.unwrap();
        tx.delete::<Network>(3).await.unwrap();
        tx.insert(network("nw-n2", "10.0.9.0", None)).await.unwrap();
        model.apply(&tx.commit().await.unwrap());

        let mut tx = store.begin(4).await.unwrap();
        for id in 0..10 {
            assert_eq!(
                model.get(Table::Networks, id),
                tx.get_any(Table::Networks, id).await.unwrap(),
                "id {id}"
            );
        }
        for name in ["nw-n0", "nw-n2", "nw-n5", "nw-n9"] {
            let uuid: Uuid = name.parse().unwrap();
            let stored = tx.get_by_uuid::<Network>(&uuid).await.unwrap();
            assert_eq!(
                model.get_by_uuid(Table::Networks, &uuid),
                stored.map(Record::into_any),
                "{name}"
            );
        }
        let columns = Table::Networks.columns();
        let index = |name: &str| columns.iter().position(|c| c.name == name).unwrap();
        let filters: Vec<Vec<(&str, SqlValue)>> = vec![
            vec![],
            vec![("segment_id", SqlValue::Null)],
            vec![("segment_id", SqlValue::Int(7))],
            vec![("display_name", SqlValue::Text("renamed".into()))],
            vec![("uuid", SqlValue::Text("n2".into()))],
            vec![
                ("segment_id", SqlValue::Int(7)),
                ("ipv4_prefix", SqlValue::Int(24)),
            ],
        ];
        for conditions in filters {
            let mut filter = Filter::new();
            for (name, value) in &conditions {
                filter = filter.eq(*name, value.clone());
            }
            let by_index: Vec<(usize, SqlValue)> = conditions
                .iter()
                .map(|(name, value)| (index(name), value.clone()))
                .collect();
            for (limit, offset) in [(30, 0), (2, 1), (1, 4), (5, 10)] {
                let (total, rows) = tx.list::<Network>(&filter, limit, offset).await.unwrap();
                let rows: Vec<AnyRecord> = rows.into_iter().map(Record::into_any).collect();
                // The cached reply JSON is the row's, as of its last change.
                let json: Vec<String> = rows
                    .iter()
                    .map(|r| serde_json::to_string(&rows::row_fields(r).unwrap()).unwrap())
                    .collect();
                let (json_total, cached) = model
                    .list_json(Table::Networks, &by_index, limit, offset)
                    .unwrap();
                let cached: Vec<&str> = cached.iter().map(RawRow::get).collect();
                assert_eq!(
                    (json_total, cached),
                    (total, json.iter().map(String::as_str).collect())
                );
                assert_eq!(
                    model.list(Table::Networks, &by_index, limit, offset),
                    (total, rows),
                    "{conditions:?} limit {limit} offset {offset}"
                );
            }
        }
    }
}
