//! Column metadata and the row codec: every table's rows become SQL values and come back
//! unchanged; values a column cannot hold are refused with the table, column and value named.

#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use model::{
    AnyRecord, Column, ColumnType, Datapath, Dpid, HasUuid, InterfacePort, MacAddr, Network,
    Record, SqlValue, Table,
};

/// A plausible value for `column`; `fill_nullable` decides whether nullable columns get one.
fn sample_value(column: &Column, seed: i64, fill_nullable: bool) -> SqlValue {
    if column.nullable && !fill_nullable {
        return SqlValue::Null;
    }
    match column.ty {
        ColumnType::Int => SqlValue::Int(seed % 200 + 1),
        ColumnType::Bool => SqlValue::Int(1),
        ColumnType::Text => SqlValue::Text(format!("text{seed}")),
        ColumnType::Ipv4 => SqlValue::Int(0xc000_0200 + seed),
        ColumnType::Mac => SqlValue::Int(0x5254_0000_0000 + seed),
        ColumnType::Dpid => SqlValue::Int(-seed),
        ColumnType::UuidSuffix => SqlValue::Text(format!("u{seed}")),
        ColumnType::Enum { values } => SqlValue::Text(values.last().unwrap().to_string()),
    }
}

fn sample_row(table: Table, fill_nullable: bool) -> Vec<SqlValue> {
    table
        .columns()
        .iter()
        .enumerate()
        .map(|(i, c)| sample_value(c, i64::try_from(i).unwrap() + 1, fill_nullable))
        .collect()
}

#[test]
fn columns_start_with_id_and_uuid_and_end_with_the_timestamps() {
    for table in Table::ALL {
        let names: Vec<&str> = table.columns().iter().map(|c| c.name).collect();
        assert_eq!(names.first(), Some(&"id"), "{table}");
        assert_eq!(
            names.get(1) == Some(&"uuid"),
            table.resource_kind().is_some(),
            "{table}: uuid is the second column exactly when the table has uuids"
        );
        assert_eq!(
            names.get(names.len() - 3..).unwrap(),
            ["created_at", "updated_at", "deleted_at"],
            "{table}"
        );
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len(), "{table}: duplicate column");
        assert!(!names.contains(&"is_deleted"), "{table}");
    }
}

#[test]
fn column_metadata_follows_the_field_types() {
    let col = |name: &str| {
        *Network::COLUMNS
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    };
    assert_eq!(
        col("ipv4_network"),
        Column {
            name: "ipv4_network",
            ty: ColumnType::Ipv4,
            nullable: false
        }
    );
    assert_eq!(col("segment_id").ty, ColumnType::Int);
    assert!(col("segment_id").nullable);
    assert_eq!(
        col("mode").ty,
        ColumnType::Enum {
            values: &["virtual", "physical", "internal"]
        }
    );
    assert_eq!(col("uuid").ty, ColumnType::UuidSuffix);
    assert!(col("deleted_at").nullable);
    let dp: Vec<ColumnType> = Datapath::COLUMNS.iter().map(|c| c.ty).collect();
    assert!(dp.contains(&ColumnType::Dpid));
    // `static` is a raw identifier in Rust and a plain column name in SQL.
    assert!(
        Table::InterfaceNetworks
            .columns()
            .iter()
            .any(|c| c.name == "static")
    );
    // `singular` is stored as true-or-NULL, hence nullable.
    let singular = InterfacePort::COLUMNS
        .iter()
        .find(|c| c.name == "singular")
        .unwrap();
    assert_eq!(singular.ty, ColumnType::Bool);
    assert!(singular.nullable);
}

#[test]
fn a_row_of_every_table_round_trips_through_sql_values_and_json() {
    assert_eq!(Table::ALL.len(), 52);
    for &table in Table::ALL {
        for fill_nullable in [false, true] {
            let values = sample_row(table, fill_nullable);
            let row = AnyRecord::from_values(table, &values)
                .unwrap_or_else(|e| panic!("{table} (nullable filled: {fill_nullable}): {e}"));
            assert_eq!(row.table(), table);
            assert_eq!(row.id(), 2);
            assert_eq!(row.to_values(), values, "{table}");
            assert_eq!(row.uuid().is_some(), table.resource_kind().is_some());
            if let Some(uuid) = row.uuid() {
                assert_eq!(uuid.kind().table(), table);
            }
            let json = serde_json::to_value(&row).unwrap();
            assert_eq!(json["table"], table.as_str());
            assert!(json["row"].is_object());
            let back: AnyRecord = serde_json::from_value(json).unwrap();
            assert_eq!(back, row, "{table}");
        }
    }
}

#[test]
fn typed_rows_convert_to_and_from_any_record() {
    let values = sample_row(Table::Networks, true);
    let nw = Network::from_values(&values).unwrap();
    assert_eq!(nw.uuid().to_string(), "nw-u2");
    assert_eq!(nw.ipv4_network.to_string(), "192.0.2.4");
    let any = nw.clone().into_any();
    assert_eq!(any.table(), Table::Networks);
    assert_eq!(Network::from_any(any.clone()), Some(nw.clone()));
    assert_eq!(Datapath::from_any(any), None);
    assert_eq!(AnyRecord::from(nw.clone()).id(), nw.id);
}

#[test]
fn stored_forms_are_the_originals() {
    let mut values = sample_row(Table::Datapaths, true);
    // id, uuid, display_name, dpid, node_id, enable_ovs_learn_action, timestamps
    values[3] = SqlValue::Int(i64::from_ne_bytes(0xfedc_ba98_7654_3210u64.to_ne_bytes()));
    let dp = Datapath::from_values(&values).unwrap();
    assert_eq!(dp.dpid, Dpid(0xfedc_ba98_7654_3210));
    let mut values = sample_row(Table::MacAddresses, true);
    values[2] = SqlValue::Int(0x5254_0012_3456);
    let mac = model::MacAddress::from_values(&values).unwrap();
    assert_eq!(
        mac.mac_address,
        "52:54:00:12:34:56".parse::<MacAddr>().unwrap()
    );
    let mut port_values = sample_row(Table::InterfacePorts, true);
    let singular = InterfacePort::COLUMNS
        .iter()
        .position(|c| c.name == "singular")
        .unwrap();
    port_values[singular] = SqlValue::Null;
    let port = InterfacePort::from_values(&port_values).unwrap();
    assert!(!port.singular);
    assert_eq!(port.to_values()[singular], SqlValue::Null);
}

/// Replaces column `name` of a sample row of `table` with `value` and decodes it.
fn decode_with(table: Table, name: &str, value: SqlValue) -> String {
    let mut values = sample_row(table, true);
    let i = table.columns().iter().position(|c| c.name == name).unwrap();
    values[i] = value;
    let err = AnyRecord::from_values(table, &values).unwrap_err();
    assert_eq!(err.code(), 110, "{err}");
    err.to_string()
}

#[test]
fn bad_values_are_errors_that_name_the_table_column_and_value() {
    assert_eq!(
        decode_with(Table::Networks, "ipv4_prefix", SqlValue::Int(300)),
        "networks.ipv4_prefix: invalid value \"300\": corrupt row: expected an integer in 0-255"
    );
    assert_eq!(
        decode_with(Table::Networks, "mode", SqlValue::Text("overlay".into())),
        "networks.mode: invalid value \"overlay\": corrupt row: not a valid network mode: accepted values: virtual, physical, internal"
    );
    assert!(
        decode_with(Table::Networks, "uuid", SqlValue::Text("BAD!".into()))
            .starts_with("networks.uuid: invalid value \"BAD!\": corrupt row:")
    );
    assert_eq!(
        decode_with(Table::Networks, "display_name", SqlValue::Null),
        "networks.display_name: invalid value \"NULL\": corrupt row: expected text, found NULL"
    );
    assert_eq!(
        decode_with(Table::IpAddresses, "ipv4_address", SqlValue::Int(-1)),
        "ip_addresses.ipv4_address: invalid value \"-1\": corrupt row: expected an IPv4 address as an integer in 0-4294967295"
    );
    assert!(
        decode_with(Table::MacAddresses, "mac_address", SqlValue::Int(1 << 50))
            .contains("expected a MAC address")
    );
    assert!(
        decode_with(Table::Interfaces, "enable_routing", SqlValue::Int(5))
            .contains("expected a boolean")
    );
    assert!(
        decode_with(
            Table::Segments,
            "created_at",
            SqlValue::Text("yesterday".into())
        )
        .contains("segments.created_at")
    );
}

#[test]
fn a_row_of_the_wrong_length_is_an_error() {
    let mut values = sample_row(Table::Segments, true);
    values.pop();
    let err = AnyRecord::from_values(Table::Segments, &values).unwrap_err();
    assert_eq!(err.code(), 110);
    assert!(err.to_string().contains("the table has 6 columns"), "{err}");
    assert!(AnyRecord::from_values(Table::Segments, &[]).is_err());
}

#[test]
fn any_record_knows_its_rows_state_and_rules() {
    let mut values = sample_row(Table::Networks, true);
    let deleted_at = values.len() - 1;
    values[deleted_at] = SqlValue::Int(99);
    let row = AnyRecord::from_values(Table::Networks, &values).unwrap();
    assert_eq!(row.deleted_at(), Some(99));
    assert_eq!(row.is_deleted(), 2);
    // The sample network 192.0.2.4/5 has host bits set: validate says so.
    assert_eq!(row.validate().unwrap_err().code(), 110);
}
