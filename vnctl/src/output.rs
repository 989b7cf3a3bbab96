//! Rendering response bodies: tables for people, JSON and YAML for scripts. Pure functions.

use serde_json::Value;

use crate::cli::Format;

/// Row fields left out of automatic table columns: bookkeeping, not what an operator reads.
const HIDDEN_COLUMNS: &[&str] = &["id", "created_at", "updated_at", "deleted_at", "is_deleted"];

/// Renders `body` in `format`; `columns` chooses the table columns of lists (empty: automatic).
pub fn render(body: &Value, format: Format, columns: &[&str]) -> String {
    match format {
        Format::Json => {
            let mut out = serde_json::to_string_pretty(body).unwrap_or_else(|_| body.to_string());
            out.push('\n');
            out
        }
        Format::Yaml => yaml(body),
        Format::Table => table(body, columns),
    }
}

fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A list (`{items: [...]}` or a bare array of objects) becomes aligned columns; one object
/// becomes `key  value` lines; an array of strings (DELETE's answer) one line each.
pub fn table(body: &Value, columns: &[&str]) -> String {
    match body {
        Value::Object(map) => match map.get("items") {
            Some(Value::Array(items)) => {
                let mut out = rows(items, columns);
                if let Some(total) = map.get("total_count").and_then(Value::as_u64)
                    && total != items.len() as u64
                {
                    let offset = map.get("offset").and_then(Value::as_u64).unwrap_or(0);
                    out.push_str(&format!(
                        "({} of {total} shown, from offset {offset})\n",
                        items.len()
                    ));
                }
                out
            }
            _ => {
                let width = map.keys().map(String::len).max().unwrap_or(0);
                uuid_first(map.iter())
                    .map(|(k, v)| format!("{k:width$}  {}", cell(v)).trim_end().to_owned() + "\n")
                    .collect()
            }
        },
        Value::Array(items) if items.iter().all(Value::is_object) && !items.is_empty() => {
            rows(items, columns)
        }
        Value::Array(items) => items.iter().map(|v| cell(v) + "\n").collect(),
        scalar => cell(scalar) + "\n",
    }
}

/// Map entries with `uuid` first: it names the row. (Bodies are parsed into sorted maps, so
/// the server's key order is not kept.)
fn uuid_first<'a>(
    entries: impl Iterator<Item = (&'a String, &'a Value)> + Clone,
) -> impl Iterator<Item = (&'a String, &'a Value)> {
    let uuid = entries.clone().filter(|(k, _)| k.as_str() == "uuid");
    uuid.chain(entries.filter(|(k, _)| k.as_str() != "uuid"))
}

fn rows(items: &[Value], columns: &[&str]) -> String {
    let columns: Vec<String> = if columns.is_empty() {
        match items.first() {
            Some(Value::Object(first)) => uuid_first(first.iter())
                .filter(|(k, v)| {
                    !HIDDEN_COLUMNS.contains(&k.as_str()) && !v.is_object() && !v.is_array()
                })
                .map(|(k, _)| k.clone())
                .collect(),
            _ => Vec::new(),
        }
    } else {
        columns.iter().map(|c| (*c).to_owned()).collect()
    };
    let mut grid = vec![columns.iter().map(|c| c.to_uppercase()).collect::<Vec<_>>()];
    for item in items {
        grid.push(
            columns
                .iter()
                .map(|c| item.get(c).map(cell).unwrap_or_default())
                .collect(),
        );
    }
    let widths: Vec<usize> = (0..columns.len())
        .map(|i| {
            grid.iter()
                .filter_map(|row| row.get(i))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in grid {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:w$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// Block-style YAML for a JSON value. Strings that YAML could read as anything else (numbers,
/// booleans, hex, MAC addresses, timestamps) are double-quoted, JSON-escaped.
pub fn yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => yaml_block(value, 0, &mut out),
        Value::Array(items) if !items.is_empty() => yaml_block(value, 0, &mut out),
        scalar => {
            out.push_str(&yaml_scalar(scalar));
            out.push('\n');
        }
    }
    out
}

fn is_block(value: &Value) -> bool {
    match value {
        Value::Object(map) => !map.is_empty(),
        Value::Array(items) => !items.is_empty(),
        _ => false,
    }
}

fn yaml_block(value: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                let key = yaml_string(key);
                if is_block(v) {
                    out.push_str(&format!("{pad}{key}:\n"));
                    // Sequences under a key sit at the key's indentation, as most emitters do.
                    let inner = if v.is_array() { indent } else { indent + 2 };
                    yaml_block(v, inner, out);
                } else {
                    out.push_str(&format!("{pad}{key}: {}\n", yaml_scalar(v)));
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                if is_block(item) {
                    let mut nested = String::new();
                    yaml_block(item, indent + 2, &mut nested);
                    // The first line's indentation becomes the "- " marker.
                    out.push_str(&pad);
                    out.push_str("- ");
                    out.push_str(nested.get(indent + 2..).unwrap_or_default());
                } else {
                    out.push_str(&format!("{pad}- {}\n", yaml_scalar(item)));
                }
            }
        }
        scalar => {
            out.push_str(&format!("{pad}{}\n", yaml_scalar(scalar)));
        }
    }
}

fn yaml_scalar(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::String(s) => yaml_string(s),
        Value::Object(_) => "{}".to_owned(),
        Value::Array(_) => "[]".to_owned(),
        other => other.to_string(),
    }
}

fn yaml_string(text: &str) -> String {
    const RESERVED: &[&str] = &[
        "true", "false", "null", "yes", "no", "on", "off", "y", "n", "~",
    ];
    let plain = text
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '/')
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'))
        && !RESERVED.contains(&text.to_ascii_lowercase().as_str());
    if plain {
        text.to_owned()
    } else {
        Value::String(text.to_owned()).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn list() -> Value {
        json!({"total_count": 3, "offset": 0, "limit": 2, "items": [
            {"id": 1, "uuid": "dp-test1", "display_name": "test1", "dpid": "0x0000aaaaaaaaaaaa", "node_id": "vna"},
            {"id": 2, "uuid": "dp-2", "display_name": null, "dpid": "0x0000000000000002", "node_id": "vna2"}
        ]})
    }

    #[test]
    fn list_table_with_given_columns() {
        let text = table(&list(), &["uuid", "display_name", "dpid"]);
        assert_eq!(
            text,
            "UUID      DISPLAY_NAME  DPID\n\
             dp-test1  test1         0x0000aaaaaaaaaaaa\n\
             dp-2                    0x0000000000000002\n\
             (2 of 3 shown, from offset 0)\n"
        );
    }

    #[test]
    fn automatic_columns_hide_bookkeeping_and_nesting() {
        let body =
            json!([{"id": 7, "uuid": "if-1", "mac_leases": [], "mode": "vif", "created_at": "x"}]);
        assert_eq!(table(&body, &[]), "UUID  MODE\nif-1  vif\n");
    }

    #[test]
    fn object_and_delete_answers() {
        assert_eq!(
            table(&json!({"uuid": "nw-1", "ipv4_prefix": 24}), &[]),
            "uuid         nw-1\nipv4_prefix  24\n"
        );
        assert_eq!(table(&json!(["nw-1"]), &[]), "nw-1\n");
    }

    #[test]
    fn yaml_quotes_what_yaml_would_misread() {
        let body = json!({"uuid": "dp-1", "dpid": "0x00aa", "mac": "10:54:ff:00:00:01", "on": "yes",
                          "n": 24, "ok": true, "none": null, "empty": [], "at": "2024-01-01 00:00:00"});
        assert_eq!(
            yaml(&body),
            "at: \"2024-01-01 00:00:00\"\ndpid: \"0x00aa\"\nempty: []\nmac: \"10:54:ff:00:00:01\"\n\"n\": 24\n\
             none: null\nok: true\n\"on\": \"yes\"\nuuid: dp-1\n"
        );
    }

    #[test]
    fn yaml_nests_lists_of_objects() {
        let body = json!({"items": [{"uuid": "a", "ips": ["10.0.0.1"]}, {"uuid": "b", "m": {"k": "v"}}], "total_count": 2});
        assert_eq!(
            yaml(&body),
            "items:\n- ips:\n  - \"10.0.0.1\"\n  uuid: a\n- m:\n    k: v\n  uuid: b\ntotal_count: 2\n"
        );
        assert_eq!(yaml(&json!(["nw-1"])), "- nw-1\n");
        assert_eq!(yaml(&json!("x y")), "\"x y\"\n");
    }

    #[test]
    fn json_is_pretty() {
        assert_eq!(
            render(&json!({"a": 1}), Format::Json, &[]),
            "{\n  \"a\": 1\n}\n"
        );
    }
}
