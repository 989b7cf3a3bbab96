//! Turning a client's JSON into rows, and rows back into JSON: defaults, uuids, references
//! given by uuid, precise errors for every field.
//!
//! Input rows use the column names of the model (`ipv4_network`, `network_id`, …) with values
//! as the model serialises them (addresses and MACs as strings). A reference column
//! `<name>_id` may instead be given as `<name>_uuid` with the referenced row's uuid, which is
//! looked up in the same transaction. What the original defaulted is filled in here
//! ([`defaults`]); what is missing and has no default is error 111 naming the field; a value
//! that does not fit its column is error 110 (101 for uuids) naming the field and the value.

use model::column::ColumnValue;
use model::{
    AnyRecord, Column, ColumnType, Dpid, MacAddr, ModelError, ResourceKind, SqlValue, Table,
    TopologyMember, Uuid, parse_ipv4,
};
use serde_json::{Map, Value};
use store::{Filter, Tx, relations};

use crate::error::OpError;

/// Columns vnmgr sets itself; a client may not give them.
pub(crate) const SYSTEM_COLUMNS: &[&str] = &["id", "created_at", "updated_at", "deleted_at"];

/// Reference columns a service fills in when the client leaves them out (MACs from the
/// datapath MAC group, a host interface's lease). They hold 0 until then; 0 left after the
/// services ran is error 111.
pub(crate) const SERVICE_FILLED: &[(Table, &str)] = &[
    (Table::DatapathNetworks, "mac_address_id"),
    (Table::DatapathSegments, "mac_address_id"),
    (Table::DatapathRouteLinks, "mac_address_id"),
    (Table::TopologyDatapaths, "ip_lease_id"),
];

/// The original's defaults for columns a create may leave out (booleans not listed default
/// to false, nullable columns to NULL).
fn defaults(table: Table) -> &'static [(&'static str, &'static str)] {
    match table {
        // The original's API made `mode` optional; `virtual` is what its examples use.
        Table::Networks => &[
            ("ipv4_prefix", "24"),
            ("mode", "virtual"),
            ("display_name", ""),
        ],
        Table::Routes => &[
            ("mode", "gateway"),
            ("ipv4_prefix", "24"),
            ("ingress", "true"),
            ("egress", "true"),
        ],
        Table::Datapaths => &[("enable_ovs_learn_action", "true")],
        Table::IpRangeGroups => &[("allocation_type", "incremental")],
        Table::MacRangeGroups => &[("allocation_type", "random")],
        Table::LeasePolicies => &[("mode", "simple"), ("timing", "immediate")],
        Table::SecurityGroups => &[("rules", "")],
        Table::Filters => &[("mode", "static")],
        Table::Translations => &[("mode", "static_address")],
        Table::FilterStatics => &[("src_prefix", "0"), ("dst_prefix", "0")],
        _ => &[],
    }
}

fn column(table: Table, name: &str) -> Option<&'static Column> {
    table.columns().iter().find(|c| c.name == name)
}

/// The table a reference column of `table` points to.
pub(crate) fn referenced_table(table: Table, fk: &str) -> Option<Table> {
    relations::RELATIONS
        .iter()
        .find(|r| r.child == table && r.fk == fk)
        .map(|r| r.parent)
}

/// The default of `name` as JSON typed for its column.
fn default_value(col: &Column, text: &str) -> Value {
    match col.ty {
        ColumnType::Bool => Value::Bool(text == "true"),
        ColumnType::Int => text.parse::<i64>().map_or(Value::Null, Value::from),
        _ => Value::String(text.to_owned()),
    }
}

/// A uuid given in `field` for a row of `kind`: code 101 when malformed or of another kind.
pub(crate) fn parse_uuid(field: &str, kind: ResourceKind, value: &Value) -> Result<Uuid, OpError> {
    let Some(text) = value.as_str() else {
        return Err(ModelError::InvalidUuid {
            field: field.to_owned().into(),
            value: value.to_string(),
            reason: format!("expected a string such as {}-abcd1234", kind.prefix()),
        }
        .into());
    };
    Uuid::parse_for(kind, text).map_err(|e| e.for_field(field.to_owned()).into())
}

/// The live row of `table` with `uuid`, or error 100 naming `field`.
pub(crate) async fn find_by_uuid(
    tx: &mut Tx,
    table: Table,
    field: &str,
    uuid: Uuid,
) -> Result<AnyRecord, OpError> {
    let rows = tx
        .find_any(table, &Filter::new().eq("uuid", uuid.suffix()))
        .await?;
    rows.into_iter().next().ok_or_else(|| {
        ModelError::UnknownUuid {
            field: field.to_owned().into(),
            uuid,
        }
        .into()
    })
}

/// Replaces `<name>_uuid` keys by `<name>_id` with the referenced row's id.
pub(crate) async fn resolve_uuid_references(
    tx: &mut Tx,
    table: Table,
    fields: &mut Map<String, Value>,
) -> Result<(), OpError> {
    let aliases: Vec<String> = fields
        .keys()
        .filter(|k| k.as_str() != "uuid" && k.ends_with("_uuid"))
        .cloned()
        .collect();
    for alias in aliases {
        let Some(stem) = alias.strip_suffix("_uuid") else {
            continue;
        };
        let fk = format!("{stem}_id");
        let Some(parent) = referenced_table(table, &fk) else {
            // Not a reference of this table: reported as an unknown field later.
            continue;
        };
        let Some(value) = fields.remove(&alias) else {
            continue;
        };
        let id = if value.is_null() {
            Value::Null
        } else {
            let Some(kind) = parent.resource_kind() else {
                return Err(ModelError::invalid(
                    alias,
                    value,
                    format!("{parent} rows have no uuid; give {fk} instead"),
                )
                .into());
            };
            let uuid = parse_uuid(&alias, kind, &value)?;
            Value::from(find_by_uuid(tx, parent, &alias, uuid).await?.id())
        };
        if let Some(given) = fields.get(&fk)
            && *given != id
        {
            return Err(ModelError::invalid(
                fk,
                given,
                format!("{alias} names another row (id {id})"),
            )
            .into());
        }
        fields.insert(fk, id);
    }
    Ok(())
}

/// Refuses fields that are not columns of `table`, or that vnmgr sets itself.
pub(crate) fn check_field_names(
    table: Table,
    fields: &Map<String, Value>,
    also_forbidden: &[&str],
) -> Result<(), OpError> {
    for (name, value) in fields {
        if SYSTEM_COLUMNS.contains(&name.as_str()) || also_forbidden.contains(&name.as_str()) {
            return Err(ModelError::invalid(
                name.clone(),
                value,
                "set by vnmgr; it cannot be given or changed",
            )
            .into());
        }
        if column(table, name).is_none() {
            let names: Vec<&str> = table
                .columns()
                .iter()
                .map(|c| c.name)
                .filter(|n| !SYSTEM_COLUMNS.contains(n))
                .collect();
            return Err(ModelError::invalid(
                name.clone(),
                value,
                format!("{table} has no such field; fields: {}", names.join(", ")),
            )
            .into());
        }
    }
    Ok(())
}

/// Deserialises a full set of fields into a row of `table`, mapping serde's complaints to
/// codes 111 (missing) and 110/101 (bad value) naming the field.
pub(crate) fn decode_row(table: Table, fields: Map<String, Value>) -> Result<AnyRecord, OpError> {
    crate::generic::decode_any(table, Value::Object(fields.clone())).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        if let Some(rest) = inner.strip_prefix("missing field `") {
            let field = rest.split('`').next().unwrap_or(rest).to_owned();
            return ModelError::missing(field).into();
        }
        let field = path;
        let value = fields.get(&field).map_or_else(String::new, |v| {
            v.as_str().map_or_else(|| v.to_string(), str::to_owned)
        });
        // The model's own parse errors read `invalid <what> "<value>": <reason>`.
        let reason = inner
            .strip_prefix("invalid ")
            .and_then(|r| r.split_once(": ").map(|(_, reason)| reason.to_owned()))
            .unwrap_or(inner);
        let reason = reason
            .replace("expected u8", "expected an integer in 0-255")
            .replace("expected u16", "expected an integer in 0-65535")
            .replace("expected u32", "expected an integer in 0-4294967295")
            .replace("expected i64", "expected an integer");
        if field == "uuid" || field.ends_with("_uuid") {
            ModelError::InvalidUuid {
                field: field.into(),
                value,
                reason,
            }
            .into()
        } else {
            ModelError::invalid(field, value, reason).into()
        }
    })
}

/// The row a create of `table` with `input` asks for, not yet checked against other rows:
/// references resolved, defaults and the uuid filled in, id and timestamps zero.
pub(crate) async fn row_for_create(
    tx: &mut Tx,
    table: Table,
    input: Value,
) -> Result<AnyRecord, OpError> {
    let Value::Object(mut fields) = input else {
        return Err(ModelError::invalid(
            "row",
            input,
            format!("expected a JSON object with the fields of a {table} row"),
        )
        .into());
    };
    resolve_uuid_references(tx, table, &mut fields).await?;
    check_field_names(table, &fields, &[])?;
    // Explicit nulls in columns that cannot be NULL count as absent (then defaulted or 111).
    fields.retain(|name, value| {
        !(value.is_null() && column(table, name).is_some_and(|c| !c.nullable))
    });

    if let Some(kind) = table.resource_kind() {
        let uuid = match fields.get("uuid") {
            Some(value) => parse_uuid("uuid", kind, value)?,
            None => Uuid::generate(kind, || fastrand::u32(..)),
        };
        fields.insert("uuid".to_owned(), Value::String(uuid.to_string()));
        if table == Table::Networks && !fields.contains_key("domain_name") {
            fields.insert("domain_name".to_owned(), Value::String(uuid.to_string()));
        }
    }
    for (name, text) in defaults(table) {
        if let Some(col) = column(table, name)
            && !fields.contains_key(*name)
        {
            fields.insert((*name).to_owned(), default_value(col, text));
        }
    }
    if table == Table::InterfacePorts
        && !fields.contains_key("interface_mode")
        && let Some(id) = fields.get("interface_id").and_then(Value::as_i64)
        && let Some(AnyRecord::Interface(interface)) = tx.get_any(Table::Interfaces, id).await?
    {
        fields.insert(
            "interface_mode".to_owned(),
            Value::String(interface.mode.to_string()),
        );
    }
    for col in table.columns() {
        if col.ty == ColumnType::Bool && !fields.contains_key(col.name) {
            fields.insert(col.name.to_owned(), Value::Bool(false));
        }
    }
    for (t, name) in SERVICE_FILLED {
        if *t == table && !fields.contains_key(*name) {
            fields.insert((*name).to_owned(), Value::from(0));
        }
    }
    fields.insert("id".to_owned(), Value::from(0));
    fields.insert("created_at".to_owned(), Value::from(0));
    fields.insert("updated_at".to_owned(), Value::from(0));
    fields.insert("deleted_at".to_owned(), Value::Null);
    decode_row(table, fields)
}

/// The row with `changes` merged in (an update): fields checked, the result re-decoded.
pub(crate) async fn row_for_update(
    tx: &mut Tx,
    current: &AnyRecord,
    changes: Map<String, Value>,
) -> Result<AnyRecord, OpError> {
    let table = current.table();
    let mut changes = changes;
    resolve_uuid_references(tx, table, &mut changes).await?;
    check_field_names(table, &changes, &["uuid"])?;
    if let Some((name, _)) = changes
        .iter()
        .find(|(name, value)| value.is_null() && column(table, name).is_some_and(|c| !c.nullable))
    {
        // Clearing a required field leaves it missing.
        return Err(ModelError::missing(name.clone()).into());
    }
    let mut fields = row_fields(current)?;
    for (name, value) in changes {
        fields.insert(name, value);
    }
    decode_row(table, fields)
}

/// A row's fields as JSON (`{"id": 1, "uuid": "nw-…", …}`), as show and list answer.
pub(crate) fn row_fields(row: &AnyRecord) -> Result<Map<String, Value>, OpError> {
    match serde_json::to_value(row) {
        Ok(Value::Object(mut tagged)) => match tagged.remove("row") {
            Some(Value::Object(fields)) => Ok(fields),
            _ => Err(OpError::Internal(format!(
                "a {} row does not serialise as an object",
                row.table()
            ))),
        },
        Ok(_) => Err(OpError::Internal("a row serialised as a non-object".into())),
        Err(e) => Err(OpError::Internal(format!("cannot serialise a row: {e}"))),
    }
}

/// A row as JSON for replies.
pub(crate) fn row_json(row: &AnyRecord) -> Result<Value, OpError> {
    row_fields(row).map(Value::Object)
}

/// A JSON filter value as the SQL value stored in `table.name`.
pub(crate) fn filter_value(table: Table, name: &str, value: &Value) -> Result<SqlValue, OpError> {
    let Some(col) = column(table, name) else {
        let names: Vec<&str> = table.columns().iter().map(|c| c.name).collect();
        return Err(ModelError::invalid(
            name.to_owned(),
            value,
            format!("{table} has no such column; columns: {}", names.join(", ")),
        )
        .into());
    };
    let bad = |what: &str| -> OpError {
        ModelError::invalid(name.to_owned(), value, format!("expected {what}")).into()
    };
    if value.is_null() {
        return Ok(SqlValue::Null);
    }
    let text = value.as_str();
    let sql = match col.ty {
        ColumnType::Int => match (value.as_i64(), text.and_then(|t| t.parse::<i64>().ok())) {
            (Some(n), _) | (None, Some(n)) => SqlValue::Int(n),
            _ => return Err(bad("an integer")),
        },
        ColumnType::Bool => match value {
            Value::Bool(b) => b.to_sql(),
            _ => return Err(bad("true or false")),
        },
        ColumnType::Text => match text {
            Some(t) => SqlValue::Text(t.to_owned()),
            None => return Err(bad("a string")),
        },
        ColumnType::Enum { values } => match text {
            Some(t) if values.contains(&t) => SqlValue::Text(t.to_owned()),
            _ => return Err(bad(&format!("one of {}", values.join(", ")))),
        },
        ColumnType::Ipv4 => match (value.as_i64(), text) {
            (Some(n), _) => SqlValue::Int(n),
            (None, Some(t)) => parse_ipv4(t)
                .map_err(|e| OpError::from(e.for_field(name.to_owned())))?
                .to_sql(),
            _ => return Err(bad("an IPv4 address")),
        },
        ColumnType::Mac => match (value.as_i64(), text) {
            (Some(n), _) => SqlValue::Int(n),
            (None, Some(t)) => t
                .parse::<MacAddr>()
                .map_err(|e| OpError::from(e.for_field(name.to_owned())))?
                .to_sql(),
            _ => return Err(bad("a MAC address")),
        },
        ColumnType::Dpid => match text {
            Some(t) => t
                .parse::<Dpid>()
                .map_err(|e| OpError::from(e.for_field(name.to_owned())))?
                .to_sql(),
            None => return Err(bad("a datapath id such as 0x0000aabbccddeeff")),
        },
        ColumnType::UuidSuffix => {
            let kind = table.resource_kind().ok_or_else(|| bad("a uuid"))?;
            SqlValue::Text(parse_uuid(name, kind, value)?.suffix().to_owned())
        }
    };
    Ok(sql)
}

/// Checks that every reference of `row` names a live row (code 100 naming the field). Before
/// the services ran (`services_ran` false) the columns they fill may still be 0; after, a 0
/// there is code 111.
pub(crate) async fn check_references(
    tx: &mut Tx,
    row: &AnyRecord,
    services_ran: bool,
) -> Result<(), OpError> {
    let table = row.table();
    let values = row.to_values();
    for (col, value) in table.columns().iter().zip(values.iter()) {
        let Some(parent) = referenced_table(table, col.name) else {
            continue;
        };
        let SqlValue::Int(id) = value else {
            continue;
        };
        if *id == 0 && SERVICE_FILLED.contains(&(table, col.name)) {
            if services_ran {
                return Err(ModelError::missing(col.name).into());
            }
            continue;
        }
        if tx.get_any(parent, *id).await?.is_none() {
            return Err(ModelError::UnknownId {
                table: format!("{} (no live {parent} row)", col.name).into(),
                id: *id,
            }
            .into());
        }
    }
    Ok(())
}

/// Which member of a topology an association table adds.
fn topology_member(table: Table) -> Option<TopologyMember> {
    Some(match table {
        Table::TopologyDatapaths => TopologyMember::Datapaths,
        Table::TopologyNetworks => TopologyMember::Networks,
        Table::TopologySegments => TopologyMember::Segments,
        Table::TopologyRouteLinks => TopologyMember::RouteLinks,
        Table::TopologyMacRangeGroups => TopologyMember::MacRangeGroups,
        _ => return None,
    })
}

/// The model's rules that involve other rows (`check_*`): an address inside its network, a
/// DNS service on a `dns` network service, topology members and layers the modes allow.
/// References are already known to exist.
pub(crate) async fn check_cross_row(tx: &mut Tx, row: &AnyRecord) -> Result<(), OpError> {
    match row {
        AnyRecord::IpAddress(address) => {
            if let Some(AnyRecord::Network(network)) =
                tx.get_any(Table::Networks, address.network_id).await?
            {
                address.check_in_network(&network)?;
            }
        }
        AnyRecord::DnsService(dns) => {
            if let Some(AnyRecord::NetworkService(service)) = tx
                .get_any(Table::NetworkServices, dns.network_service_id)
                .await?
            {
                dns.check_network_service(&service)?;
            }
        }
        AnyRecord::TopologyLayer(layer) => {
            let overlay = tx.get_any(Table::Topologies, layer.overlay_id).await?;
            let underlay = tx.get_any(Table::Topologies, layer.underlay_id).await?;
            if let (Some(AnyRecord::Topology(o)), Some(AnyRecord::Topology(u))) =
                (overlay, underlay)
            {
                model::TopologyLayer::check_layers(&o, &u)?;
            }
        }
        _ => {
            if let Some(member) = topology_member(row.table()) {
                let values = row.to_values();
                let topology_id = row
                    .table()
                    .columns()
                    .iter()
                    .zip(values.iter())
                    .find(|(c, _)| c.name == "topology_id")
                    .and_then(|(_, v)| match v {
                        SqlValue::Int(id) => Some(*id),
                        _ => None,
                    });
                if let Some(id) = topology_id
                    && let Some(AnyRecord::Topology(topology)) =
                        tx.get_any(Table::Topologies, id).await?
                {
                    topology.check_accepts("topology_uuid", member)?;
                }
            }
        }
    }
    Ok(())
}

/// The original's event name for `op` on a row of `table`: `network_created_item`, ….
pub(crate) fn event_kind(table: Table, op: &str) -> String {
    let name = table.as_str();
    let singular = if let Some(stem) = name.strip_suffix("ies") {
        format!("{stem}y")
    } else if let Some(stem) = name.strip_suffix("sses") {
        format!("{stem}ss")
    } else {
        name.strip_suffix('s').unwrap_or(name).to_owned()
    };
    format!("{singular}_{op}_item")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_kinds_are_the_originals_names() {
        assert_eq!(
            event_kind(Table::Networks, "created"),
            "network_created_item"
        );
        assert_eq!(
            event_kind(Table::Topologies, "deleted"),
            "topology_deleted_item"
        );
        assert_eq!(
            event_kind(Table::MacAddresses, "updated"),
            "mac_address_updated_item"
        );
        assert_eq!(
            event_kind(Table::LeasePolicies, "created"),
            "lease_policy_created_item"
        );
    }

    #[test]
    fn decode_errors_name_the_field() {
        let mut fields = Map::new();
        fields.insert("id".into(), Value::from(0));
        fields.insert("uuid".into(), Value::from("nw-abc"));
        fields.insert("display_name".into(), Value::from(""));
        fields.insert("ipv4_network".into(), Value::from("10.0.0.300"));
        fields.insert("ipv4_prefix".into(), Value::from(24));
        fields.insert("mode".into(), Value::from("virtual"));
        fields.insert("domain_name".into(), Value::from("x"));
        fields.insert("created_at".into(), Value::from(0));
        fields.insert("updated_at".into(), Value::from(0));
        let e = decode_row(Table::Networks, fields.clone()).unwrap_err();
        let OpError::Model(m) = e else { panic!("{e}") };
        assert_eq!(m.code(), 110, "{m}");
        assert!(
            m.to_string()
                .starts_with("ipv4_network: invalid value \"10.0.0.300\""),
            "{m}"
        );

        fields.insert("ipv4_network".into(), Value::from("10.0.0.0"));
        fields.insert("ipv4_prefix".into(), Value::from(300));
        let OpError::Model(m) = decode_row(Table::Networks, fields.clone()).unwrap_err() else {
            panic!()
        };
        assert_eq!(m.code(), 110, "{m}");
        assert!(
            m.to_string()
                .starts_with("ipv4_prefix: invalid value \"300\""),
            "{m}"
        );

        fields.insert("ipv4_prefix".into(), Value::from(24));
        fields.remove("mode");
        let OpError::Model(m) = decode_row(Table::Networks, fields).unwrap_err() else {
            panic!()
        };
        assert_eq!(m, ModelError::missing("mode"));
    }

    #[test]
    fn filter_values_are_stored_forms() {
        assert_eq!(
            filter_value(Table::Networks, "ipv4_network", &Value::from("10.0.0.0")).unwrap(),
            SqlValue::Int(0x0a00_0000)
        );
        assert_eq!(
            filter_value(Table::Networks, "uuid", &Value::from("nw-abc")).unwrap(),
            SqlValue::Text("abc".into())
        );
        let OpError::Model(m) =
            filter_value(Table::Networks, "uuid", &Value::from("if-abc")).unwrap_err()
        else {
            panic!()
        };
        assert_eq!(m.code(), 101);
        let OpError::Model(m) =
            filter_value(Table::Networks, "mode", &Value::from("bogus")).unwrap_err()
        else {
            panic!()
        };
        assert_eq!(m.code(), 110);
    }
}
