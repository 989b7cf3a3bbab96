//! [`Tx`]: one database transaction and the generic operations on records inside it.

use std::collections::{HashMap, HashSet};
use std::net::Ipv4Addr;
use std::sync::OnceLock;

use model::{
    AnyRecord, ColumnType, Dpid, HasUuid, Id, MacAddr, ModelError, Record, SqlValue, Table,
    Timestamp, Uuid,
};

use crate::db::{self, Conn};
use crate::relations::{self, OnDelete};
use crate::schema;
use crate::{Change, ChangeOp, StoreError};

pub(crate) enum Inner {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    MySql(sqlx::Transaction<'static, sqlx::MySql>),
}

/// Equality conditions on columns, all of which a row must meet (`NULL` matches `IS NULL`).
/// Column names are checked against the table's columns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    conditions: Vec<(String, SqlValue)>,
}

impl Filter {
    /// No condition: every live row.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `column = value`.
    pub fn eq(mut self, column: impl Into<String>, value: impl Into<SqlValue>) -> Self {
        self.conditions.push((column.into(), value.into()));
        self
    }

    pub fn conditions(&self) -> &[(String, SqlValue)] {
        &self.conditions
    }
}

/// The SQL of one table, built from its columns once.
struct TableSql {
    /// The quoted column list in `COLUMNS` order.
    select_list: String,
    /// Which columns are read as integers.
    integer: Vec<bool>,
    insert: String,
    update: String,
}

fn table_sql(table: Table) -> &'static TableSql {
    static CACHE: OnceLock<HashMap<Table, TableSql>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| {
        Table::ALL
            .iter()
            .map(|&t| (t, build_table_sql(t)))
            .collect()
    });
    // Every table is in the cache; building again is only a fallback for the type system.
    cache
        .get(&table)
        .unwrap_or_else(|| Box::leak(Box::new(build_table_sql(table))))
}

fn build_table_sql(table: Table) -> TableSql {
    let columns = table.columns();
    let quoted: Vec<String> = columns.iter().map(|c| format!("`{}`", c.name)).collect();
    let written: Vec<&String> = quoted.iter().skip(1).collect();
    let placeholders = vec!["?"; written.len()].join(", ");
    let assignments: Vec<String> = written.iter().map(|c| format!("{c} = ?")).collect();
    TableSql {
        select_list: quoted.join(", "),
        integer: columns.iter().map(|c| c.ty.is_integer()).collect(),
        insert: format!(
            "INSERT INTO {table} ({}, is_deleted) VALUES ({placeholders}, 0)",
            written
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        update: format!(
            "UPDATE {table} SET {} WHERE id = ? AND is_deleted = 0",
            assignments.join(", ")
        ),
    }
}

fn column_index(table: Table, name: &str) -> Option<usize> {
    table.columns().iter().position(|c| c.name == name)
}

/// One database transaction. See the crate docs for the rules; in short: every method works
/// on live rows, writes are stamped with the transaction's `now`, [`Tx::commit`] returns the
/// changes in order, and dropping the `Tx` rolls back.
pub struct Tx {
    inner: Inner,
    now: Timestamp,
    changes: Vec<Change>,
    /// The live rows this transaction has read by id or written, as they now are. A write's
    /// validations and services read the same few rows again and again (a composite
    /// interface create read its new interface nine times), and every read is a round trip
    /// to the database (for SQLite, to its connection's thread). Every write goes through
    /// this `Tx` and keeps the cache exact, so a hit is what the database would answer.
    rows: HashMap<(Table, Id), AnyRecord>,
    /// The ids of the cached rows that have a uuid, by uuid suffix: a reference given as a
    /// uuid is looked up by uuid first, then by id.
    uuids: HashMap<(Table, String), Id>,
}

impl std::fmt::Debug for Tx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tx")
            .field("now", &self.now)
            .field("changes", &self.changes.len())
            .finish_non_exhaustive()
    }
}

impl Tx {
    pub(crate) fn new(inner: Inner, now: Timestamp) -> Self {
        Self {
            inner,
            now,
            changes: Vec::new(),
            rows: HashMap::new(),
            uuids: HashMap::new(),
        }
    }

    fn conn(&mut self) -> Conn<'_> {
        match &mut self.inner {
            Inner::Sqlite(t) => Conn::Sqlite(&mut *t),
            Inner::MySql(t) => Conn::MySql(&mut *t),
        }
    }

    /// The time this transaction stamps on what it writes.
    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// The changes made so far, in order.
    pub fn changes(&self) -> &[Change] {
        &self.changes
    }

    /// Commits; returns every change the transaction made, in order.
    pub async fn commit(self) -> Result<Vec<Change>, StoreError> {
        match self.inner {
            Inner::Sqlite(t) => t.commit().await?,
            Inner::MySql(t) => t.commit().await?,
        }
        Ok(self.changes)
    }

    /// Rolls back explicitly (dropping the `Tx` does the same, without waiting).
    pub async fn rollback(self) -> Result<(), StoreError> {
        match self.inner {
            Inner::Sqlite(t) => t.rollback().await?,
            Inner::MySql(t) => t.rollback().await?,
        }
        Ok(())
    }

    async fn fetch_rows(
        &mut self,
        table: Table,
        where_sql: &str,
        binds: &[SqlValue],
    ) -> Result<Vec<AnyRecord>, StoreError> {
        let sql = table_sql(table);
        let text = format!("SELECT {} FROM {table} WHERE {where_sql}", sql.select_list);
        let rows = db::fetch(self.conn(), text, binds, &sql.integer).await?;
        rows.iter()
            .map(|values| {
                AnyRecord::from_values(table, values)
                    .map_err(|source| StoreError::Corrupt { table, source })
            })
            .collect()
    }

    /// Keeps `row` (live, as it now is) for later reads by id or uuid.
    fn remember(&mut self, row: AnyRecord) {
        let key = (row.table(), row.id());
        if let Some(uuid) = row.uuid() {
            self.uuids.insert((key.0, uuid.suffix().to_owned()), key.1);
        }
        self.rows.insert(key, row);
    }

    /// Forgets the row `id` of `table` (deleted).
    fn forget(&mut self, table: Table, id: Id) {
        if let Some(uuid) = self.rows.remove(&(table, id)).and_then(|row| row.uuid()) {
            self.uuids.remove(&(table, uuid.suffix().to_owned()));
        }
    }

    /// The live row `id` of `table`, of any table.
    pub async fn get_any(&mut self, table: Table, id: Id) -> Result<Option<AnyRecord>, StoreError> {
        if let Some(row) = self.rows.get(&(table, id)) {
            return Ok(Some(row.clone()));
        }
        let rows = self
            .fetch_rows(table, "id = ? AND is_deleted = 0", &[SqlValue::Int(id)])
            .await?;
        let found = rows.into_iter().next();
        if let Some(row) = &found {
            self.remember(row.clone());
        }
        Ok(found)
    }

    /// The live row `id`, if there is one.
    pub async fn get<R: Record>(&mut self, id: Id) -> Result<Option<R>, StoreError> {
        Ok(self.get_any(R::TABLE, id).await?.and_then(R::from_any))
    }

    /// The live row `id`; error 100 if there is none.
    pub async fn require<R: Record>(&mut self, id: Id) -> Result<R, StoreError> {
        self.get(id).await?.ok_or_else(|| unknown_id(R::TABLE, id))
    }

    /// The live row with `uuid`, if there is one.
    pub async fn get_by_uuid<R: HasUuid>(&mut self, uuid: &Uuid) -> Result<Option<R>, StoreError> {
        if uuid.kind() != R::KIND {
            return Ok(None);
        }
        let rows = self
            .fetch_rows(
                R::TABLE,
                "uuid = ? AND is_deleted = 0",
                &[SqlValue::Text(uuid.suffix().to_owned())],
            )
            .await?;
        Ok(rows.into_iter().next().and_then(R::from_any))
    }

    /// The live row with `uuid`; error 100 naming the uuid if there is none.
    pub async fn require_uuid<R: HasUuid>(&mut self, uuid: &Uuid) -> Result<R, StoreError> {
        self.get_by_uuid(uuid).await?.ok_or_else(|| {
            StoreError::Model(ModelError::UnknownUuid {
                field: "uuid".into(),
                uuid: *uuid,
            })
        })
    }

    /// `WHERE` text and binds for `filter` on `table`'s live rows.
    fn where_clause(table: Table, filter: &Filter) -> Result<(String, Vec<SqlValue>), StoreError> {
        let mut sql = String::from("is_deleted = 0");
        let mut binds = Vec::new();
        for (column, value) in filter.conditions() {
            let Some(i) = column_index(table, column) else {
                let names: Vec<&str> = table.columns().iter().map(|c| c.name).collect();
                return Err(ModelError::invalid(
                    column.clone(),
                    table,
                    format!("{table} has no such column; columns: {}", names.join(", ")),
                )
                .into());
            };
            let name = table.columns().get(i).map_or("id", |c| c.name);
            if *value == SqlValue::Null {
                sql.push_str(&format!(" AND `{name}` IS NULL"));
            } else {
                sql.push_str(&format!(" AND `{name}` = ?"));
                binds.push(value.clone());
            }
        }
        Ok((sql, binds))
    }

    /// Every live row of `table` meeting `filter`, by id.
    pub async fn find_any(
        &mut self,
        table: Table,
        filter: &Filter,
    ) -> Result<Vec<AnyRecord>, StoreError> {
        let (where_sql, binds) = Self::where_clause(table, filter)?;
        let by_uuid = match filter.conditions() {
            [(column, SqlValue::Text(suffix))] if column == "uuid" => Some(suffix),
            _ => None,
        };
        if let Some(suffix) = by_uuid
            && let Some(id) = self.uuids.get(&(table, suffix.clone()))
            && let Some(row) = self.rows.get(&(table, *id))
        {
            return Ok(vec![row.clone()]);
        }
        let rows = self
            .fetch_rows(table, &format!("{where_sql} ORDER BY id"), &binds)
            .await?;
        if by_uuid.is_some()
            && let [row] = rows.as_slice()
        {
            self.remember(row.clone());
        }
        Ok(rows)
    }

    /// Every live row meeting `filter`, by id.
    pub async fn find<R: Record>(&mut self, filter: &Filter) -> Result<Vec<R>, StoreError> {
        let rows = self.find_any(R::TABLE, filter).await?;
        Ok(rows.into_iter().filter_map(R::from_any).collect())
    }

    /// The number of live rows meeting `filter`, and `limit` of them from `offset` on, by id.
    pub async fn list<R: Record>(
        &mut self,
        filter: &Filter,
        limit: u64,
        offset: u64,
    ) -> Result<(u64, Vec<R>), StoreError> {
        let (where_sql, mut binds) = Self::where_clause(R::TABLE, filter)?;
        let count_sql = format!("SELECT COUNT(*) FROM {} WHERE {where_sql}", R::TABLE);
        let counted = db::fetch(self.conn(), count_sql, &binds, &[true]).await?;
        let total = match counted.first().and_then(|r| r.first()) {
            Some(SqlValue::Int(n)) => u64::try_from(*n).unwrap_or(0),
            _ => 0,
        };
        binds.push(SqlValue::Int(i64::try_from(limit).unwrap_or(i64::MAX)));
        binds.push(SqlValue::Int(i64::try_from(offset).unwrap_or(i64::MAX)));
        let rows = self
            .fetch_rows(
                R::TABLE,
                &format!("{where_sql} ORDER BY id LIMIT ? OFFSET ?"),
                &binds,
            )
            .await?;
        Ok((total, rows.into_iter().filter_map(R::from_any).collect()))
    }

    /// Inserts `row` (validated first): the database assigns the id, `created_at` and
    /// `updated_at` are the transaction's `now`, `deleted_at` is cleared. Returns the row as
    /// stored. A uuid a live row already has is error 102; another unique key 110.
    pub async fn insert<R: Record>(&mut self, row: R) -> Result<R, StoreError> {
        row.validate()?;
        let table = R::TABLE;
        let mut values = row.to_values();
        self.stamp(table, &mut values, None);
        let sql = table_sql(table).insert.clone();
        let written = values.get(1..).unwrap_or(&[]);
        let (_, id) = db::execute(self.conn(), sql, written)
            .await
            .map_err(|e| unique_error(table, &values, e))?;
        if let Some(v) = values.first_mut() {
            *v = SqlValue::Int(id);
        }
        let stored =
            R::from_values(&values).map_err(|source| StoreError::Corrupt { table, source })?;
        self.remember(stored.clone().into_any());
        self.changes.push(Change {
            op: ChangeOp::Created,
            row: stored.clone().into_any(),
        });
        Ok(stored)
    }

    /// Sets `created_at` (to `created_at` or now), `updated_at` (now) and clears `deleted_at`.
    fn stamp(&self, table: Table, values: &mut [SqlValue], created_at: Option<Timestamp>) {
        for (name, value) in [
            ("created_at", SqlValue::Int(created_at.unwrap_or(self.now))),
            ("updated_at", SqlValue::Int(self.now)),
            ("deleted_at", SqlValue::Null),
        ] {
            if let Some(slot) = column_index(table, name).and_then(|i| values.get_mut(i)) {
                *slot = value;
            }
        }
    }

    /// Replaces the live row `row.id()` with `row` (validated first). The uuid and
    /// `created_at` stay as stored; `updated_at` becomes now. Returns the row as stored; an
    /// unknown id is error 100, a unique key taken by another live row 102/110.
    pub async fn update<R: Record>(&mut self, row: R) -> Result<R, StoreError> {
        row.validate()?;
        let table = R::TABLE;
        let id = row.id();
        let existing = self
            .get_any(table, id)
            .await?
            .ok_or_else(|| unknown_id(table, id))?;
        let old = existing.to_values();
        let mut values = row.to_values();
        if let Some(i) = column_index(table, "uuid")
            && let (Some(slot), Some(v)) = (values.get_mut(i), old.get(i))
        {
            *slot = v.clone();
        }
        self.stamp(table, &mut values, Some(existing.created_at()));
        let mut binds: Vec<SqlValue> = values.get(1..).unwrap_or(&[]).to_vec();
        binds.push(SqlValue::Int(id));
        let sql = table_sql(table).update.clone();
        db::execute(self.conn(), sql, &binds)
            .await
            .map_err(|e| unique_error(table, &values, e))?;
        let stored =
            R::from_values(&values).map_err(|source| StoreError::Corrupt { table, source })?;
        self.remember(stored.clone().into_any());
        self.changes.push(Change {
            op: ChangeOp::Updated,
            row: stored.clone().into_any(),
        });
        Ok(stored)
    }

    /// Soft-deletes the live row `id` and applies the relations (see
    /// [`crate::relations`]). Returns the deleted row.
    pub async fn delete<R: Record>(&mut self, id: Id) -> Result<R, StoreError> {
        let row = self.delete_any(R::TABLE, id).await?;
        R::from_any(row).ok_or_else(|| unknown_id(R::TABLE, id))
    }

    /// Soft-deletes the live row `id` of `table` with everything that cascades from it, after
    /// checking that nothing restricts the delete (error 113 naming the referring row); then
    /// nullifies references to the deleted rows. Every affected row is a change: the
    /// nullified ones (updated) first, then the deleted ones, each after the rows that
    /// depended on it. Returns the row `id` as deleted.
    pub async fn delete_any(&mut self, table: Table, id: Id) -> Result<AnyRecord, StoreError> {
        let root = self
            .get_any(table, id)
            .await?
            .ok_or_else(|| unknown_id(table, id))?;

        // Plan: every row to delete (children before parents), what restricts, what nullifies.
        let mut doomed: Vec<AnyRecord> = Vec::new();
        let mut seen: HashSet<(Table, Id)> = HashSet::from([(table, id)]);
        let mut restricting: Vec<(AnyRecord, &'static relations::Relation, AnyRecord)> = Vec::new();
        let mut nullify: Vec<(&'static relations::Relation, AnyRecord)> = Vec::new();
        // Depth-first; `true` marks a row whose dependents are already on the stack.
        let mut stack: Vec<(AnyRecord, bool)> = vec![(root, false)];
        while let Some((row, expanded)) = stack.pop() {
            if expanded {
                doomed.push(row);
                continue;
            }
            let (row_table, row_id) = (row.table(), row.id());
            let mut next = Vec::new();
            for rel in relations::children_of(row_table) {
                let children = self
                    .fetch_rows(
                        rel.child,
                        &format!("`{}` = ? AND is_deleted = 0", rel.fk),
                        &[SqlValue::Int(row_id)],
                    )
                    .await?;
                for child in children {
                    match rel.on_delete {
                        OnDelete::Cascade => next.push(child),
                        OnDelete::Restrict => restricting.push((row.clone(), rel, child)),
                        OnDelete::Nullify => nullify.push((rel, child)),
                    }
                }
            }
            let values = row.to_values();
            for owned in relations::owned_by(row_table) {
                let target = column_index(row_table, owned.fk).and_then(|i| values.get(i));
                if let Some(SqlValue::Int(target)) = target
                    && let Some(target_row) = self.get_any(owned.owned, *target).await?
                {
                    next.push(target_row);
                }
            }
            stack.push((row, true));
            for child in next {
                if seen.insert((child.table(), child.id())) {
                    stack.push((child, false));
                }
            }
        }
        if let Some((parent, rel, child)) = restricting
            .iter()
            .find(|(_, _, child)| !seen.contains(&(child.table(), child.id())))
        {
            let target = describe(parent);
            let via = if parent.table() == table && parent.id() == id {
                String::new()
            } else {
                format!(" (deleted with {})", describe_ref(table, id, &doomed))
            };
            return Err(ModelError::DeleteRestriction {
                target: format!("{target}{via}"),
                reason: format!(
                    "{} still refers to it by {}; delete or change that first",
                    describe(child),
                    rel.fk
                ),
            }
            .into());
        }

        // Apply.
        let now = self.now;
        for (rel, child) in nullify {
            if seen.contains(&(child.table(), child.id())) {
                continue;
            }
            let sql = format!(
                "UPDATE {} SET `{}` = NULL, updated_at = ? WHERE id = ? AND is_deleted = 0",
                rel.child, rel.fk
            );
            db::execute(
                self.conn(),
                sql,
                &[SqlValue::Int(now), SqlValue::Int(child.id())],
            )
            .await?;
            let mut values = child.to_values();
            if let Some(slot) = column_index(rel.child, rel.fk).and_then(|i| values.get_mut(i)) {
                *slot = SqlValue::Null;
            }
            if let Some(slot) =
                column_index(rel.child, "updated_at").and_then(|i| values.get_mut(i))
            {
                *slot = SqlValue::Int(now);
            }
            let row = AnyRecord::from_values(rel.child, &values).map_err(|source| {
                StoreError::Corrupt {
                    table: rel.child,
                    source,
                }
            })?;
            self.remember(row.clone());
            self.changes.push(Change {
                op: ChangeOp::Updated,
                row,
            });
        }
        let mut deleted_root = None;
        for row in doomed {
            let row_table = row.table();
            let sql = format!(
                "UPDATE {row_table} SET deleted_at = ?, updated_at = ?, is_deleted = id \
                 WHERE id = ? AND is_deleted = 0"
            );
            db::execute(
                self.conn(),
                sql,
                &[
                    SqlValue::Int(now),
                    SqlValue::Int(now),
                    SqlValue::Int(row.id()),
                ],
            )
            .await?;
            self.forget(row_table, row.id());
            let mut values = row.to_values();
            for (name, value) in [("updated_at", now), ("deleted_at", now)] {
                if let Some(slot) = column_index(row_table, name).and_then(|i| values.get_mut(i)) {
                    *slot = SqlValue::Int(value);
                }
            }
            let deleted = AnyRecord::from_values(row_table, &values).map_err(|source| {
                StoreError::Corrupt {
                    table: row_table,
                    source,
                }
            })?;
            if row_table == table && deleted.id() == id {
                deleted_root = Some(deleted.clone());
            }
            self.changes.push(Change {
                op: ChangeOp::Deleted,
                row: deleted,
            });
        }
        deleted_root.ok_or_else(|| unknown_id(table, id))
    }
}

fn unknown_id(table: Table, id: Id) -> StoreError {
    StoreError::Model(ModelError::UnknownId {
        table: table.as_str().into(),
        id,
    })
}

/// `network nw-abc` or `ip_addresses row 7`.
fn describe(row: &AnyRecord) -> String {
    match row.uuid() {
        Some(uuid) => format!("{} {uuid}", uuid.kind().name()),
        None => format!("{} row {}", row.table(), row.id()),
    }
}

fn describe_ref(table: Table, id: Id, rows: &[AnyRecord]) -> String {
    rows.iter()
        .find(|r| r.table() == table && r.id() == id)
        .map_or_else(|| format!("{table} row {id}"), describe)
}

/// A stored value as a user would write it: addresses as addresses.
fn display_value(ty: ColumnType, value: &SqlValue) -> String {
    match (ty, value) {
        (ColumnType::Ipv4, SqlValue::Int(i)) => u32::try_from(*i)
            .map(|v| Ipv4Addr::from(v).to_string())
            .unwrap_or_else(|_| i.to_string()),
        (ColumnType::Mac, SqlValue::Int(i)) => u64::try_from(*i)
            .ok()
            .and_then(|v| MacAddr::from_u64(v).ok())
            .map_or_else(|| i.to_string(), |m| m.to_string()),
        (ColumnType::Dpid, SqlValue::Int(i)) => {
            Dpid(u64::from_ne_bytes(i.to_ne_bytes())).to_string()
        }
        (_, v) => v.to_string(),
    }
}

/// The unique key a database error names, as column names.
fn violated_key(table: Table, message: &str) -> Option<Vec<String>> {
    if let Some(list) = message.strip_prefix("UNIQUE constraint failed: ") {
        // SQLite: `UNIQUE constraint failed: networks.uuid, networks.is_deleted`
        return Some(
            list.split(", ")
                .map(|c| c.rsplit('.').next().unwrap_or(c).to_owned())
                .collect(),
        );
    }
    // MySQL/MariaDB: `Duplicate entry '...' for key 'networks_u0'`
    let key = message.rsplit("for key '").next()?.trim_end_matches('\'');
    schema::unique_key_by_name(table, key)
        .map(|cols| cols.iter().map(|c| (*c).to_owned()).collect())
}

/// Turns a unique violation while writing `values` into `table` into error 102 or 110.
fn unique_error(table: Table, values: &[SqlValue], err: sqlx::Error) -> StoreError {
    let sqlx::Error::Database(db_err) = &err else {
        return err.into();
    };
    if !db_err.is_unique_violation() {
        return err.into();
    }
    let columns: Vec<String> = violated_key(table, db_err.message())
        .unwrap_or_default()
        .into_iter()
        .filter(|c| c != "is_deleted")
        .collect();
    if columns == ["uuid"]
        && let Some(kind) = table.resource_kind()
        && let Some(SqlValue::Text(suffix)) =
            column_index(table, "uuid").and_then(|i| values.get(i))
        && let Ok(uuid) = Uuid::from_suffix(kind, suffix)
    {
        return ModelError::DuplicateUuid {
            field: "uuid".into(),
            uuid,
        }
        .into();
    }
    if columns.is_empty() {
        return ModelError::invalid(
            table.as_str(),
            db_err.message(),
            "a live row already has these unique values",
        )
        .into();
    }
    let shown: Vec<String> = columns
        .iter()
        .map(|c| {
            column_index(table, c)
                .and_then(|i| Some((table.columns().get(i)?, values.get(i)?)))
                .map_or_else(|| "?".to_owned(), |(col, v)| display_value(col.ty, v))
        })
        .collect();
    let (field, value) = if columns.len() == 1 {
        (columns.join(""), shown.join(""))
    } else {
        (
            format!("({})", columns.join(", ")),
            format!("({})", shown.join(", ")),
        )
    };
    ModelError::invalid(
        field,
        value,
        format!("a live {table} row already has this value; it must be unique"),
    )
    .into()
}
