//! Reading `ovs-vsctl --format=json --data=json` output.
//!
//! The table is `{"headings": [column...], "data": [[value...]...]}`. Values use OVSDB's JSON
//! notation (RFC 7047 §5.1): an atom is a JSON string, number or boolean, or `["uuid", "..."]`;
//! a set is `["set", [atom...]]`, except that a set of exactly one atom may be written as the
//! atom itself; a map is `["map", [[key, value]...]]`. An optional column (`min: 0, max: 1`)
//! is an empty set when it has no value.

use std::collections::BTreeMap;

use serde_json::Value;

/// One row: column name to value.
pub(crate) type Row = BTreeMap<String, Value>;

/// Parses the whole table into rows, or says what is wrong with it.
pub(crate) fn parse_table(text: &str) -> Result<Vec<Row>, String> {
    let table: Value = serde_json::from_str(text).map_err(|error| format!("not JSON: {error}"))?;
    let headings = table
        .get("headings")
        .and_then(Value::as_array)
        .ok_or("no \"headings\" array")?;
    let headings = headings
        .iter()
        .map(|heading| {
            heading
                .as_str()
                .map(str::to_owned)
                .ok_or("a heading is not a string")
        })
        .collect::<Result<Vec<_>, _>>()?;
    let data = table
        .get("data")
        .and_then(Value::as_array)
        .ok_or("no \"data\" array")?;
    data.iter()
        .map(|row| {
            let cells = row.as_array().ok_or("a row is not an array")?;
            if cells.len() != headings.len() {
                return Err(format!(
                    "a row has {} cells for {} headings",
                    cells.len(),
                    headings.len()
                ));
            }
            Ok(headings
                .iter()
                .cloned()
                .zip(cells.iter().cloned())
                .collect())
        })
        .collect()
}

/// The atoms of a set value (a lone atom counts as a set of one).
pub(crate) fn set_atoms(value: &Value) -> Vec<&Value> {
    match value.as_array().map(Vec::as_slice) {
        Some([tag, Value::Array(atoms)]) if tag == "set" => atoms.iter().collect(),
        _ => vec![value],
    }
}

/// A string-to-string map value; entries whose key or value is not a string are skipped
/// (no column this crate reads has any).
pub(crate) fn string_map(value: &Value) -> Result<BTreeMap<String, String>, String> {
    match value.as_array().map(Vec::as_slice) {
        Some([tag, Value::Array(pairs)]) if tag == "map" => Ok(pairs
            .iter()
            .filter_map(|pair| match pair.as_array().map(Vec::as_slice) {
                Some([Value::String(key), Value::String(value)]) => {
                    Some((key.clone(), value.clone()))
                }
                _ => None,
            })
            .collect()),
        _ => Err(format!("expected a map, got {value}")),
    }
}

/// An optional string column: `None` for the empty set.
pub(crate) fn optional_string(value: &Value) -> Result<Option<String>, String> {
    match set_atoms(value).as_slice() {
        [] => Ok(None),
        [Value::String(text)] => Ok(Some(text.clone())),
        _ => Err(format!("expected an optional string, got {value}")),
    }
}

/// An optional integer column: `None` for the empty set.
pub(crate) fn optional_integer(value: &Value) -> Result<Option<i64>, String> {
    match set_atoms(value).as_slice() {
        [] => Ok(None),
        [number] => number
            .as_i64()
            .map(Some)
            .ok_or_else(|| format!("expected an integer, got {value}")),
        _ => Err(format!("expected an optional integer, got {value}")),
    }
}

/// A set-of-strings column.
pub(crate) fn string_set(value: &Value) -> Result<Vec<String>, String> {
    set_atoms(value)
        .into_iter()
        .map(|atom| {
            atom.as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("expected a set of strings, got {value}"))
        })
        .collect()
}

/// The value of `column` in `row`, or an error naming the missing column.
pub(crate) fn column<'row>(row: &'row Row, column: &str) -> Result<&'row Value, String> {
    row.get(column)
        .ok_or_else(|| format!("no column {column:?} in the output"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_table_with_every_value_shape() {
        let text = r#"{"data":[["eth0","patch",1,["map",[["peer","patch-br0"]]],["set",[]],["set",["OpenFlow10","OpenFlow13"]]],
                               ["t-1","gre",["set",[]],["map",[]],"e2:44:31:e0:b3:4f","OpenFlow13"]],
                       "headings":["name","type","ofport","options","mac_in_use","protocols"]}"#;
        let rows = parse_table(text).unwrap();
        assert_eq!(rows.len(), 2);
        let first = &rows[0];
        assert_eq!(optional_integer(&first["ofport"]).unwrap(), Some(1));
        assert_eq!(
            string_map(&first["options"]).unwrap(),
            BTreeMap::from([("peer".to_owned(), "patch-br0".to_owned())])
        );
        assert_eq!(optional_string(&first["mac_in_use"]).unwrap(), None);
        assert_eq!(
            string_set(&first["protocols"]).unwrap(),
            ["OpenFlow10", "OpenFlow13"]
        );
        let second = &rows[1];
        assert_eq!(optional_integer(&second["ofport"]).unwrap(), None);
        assert!(string_map(&second["options"]).unwrap().is_empty());
        assert_eq!(
            optional_string(&second["mac_in_use"]).unwrap().as_deref(),
            Some("e2:44:31:e0:b3:4f")
        );
        // A set of one may be written as the lone atom.
        assert_eq!(string_set(&second["protocols"]).unwrap(), ["OpenFlow13"]);
    }

    #[test]
    fn an_empty_table_has_no_rows() {
        assert!(
            parse_table(r#"{"data":[],"headings":["name"]}"#)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn rejects_malformed_tables_with_a_reason() {
        for (text, reason) in [
            ("", "not JSON"),
            ("{}", "headings"),
            (r#"{"headings":["a"]}"#, "data"),
            (
                r#"{"headings":["a"],"data":[[1,2]]}"#,
                "2 cells for 1 headings",
            ),
            (r#"{"headings":["a"],"data":[3]}"#, "not an array"),
            (r#"{"headings":[1],"data":[]}"#, "not a string"),
        ] {
            let error = parse_table(text).unwrap_err();
            assert!(error.contains(reason), "{text}: {error}");
        }
    }

    #[test]
    fn rejects_values_of_the_wrong_shape() {
        let value: Value = serde_json::from_str(r#"["set",["a","b"]]"#).unwrap();
        assert!(optional_string(&value).is_err());
        assert!(optional_integer(&value).is_err());
        assert!(string_map(&value).is_err());
        let value: Value = serde_json::from_str(r#"["set",[1]]"#).unwrap();
        assert!(string_set(&value).is_err());
        assert_eq!(optional_integer(&value).unwrap(), Some(1));
    }
}
