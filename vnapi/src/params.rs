//! Request parameters: read from the query string and from a form or JSON body (the
//! original merged them all), checked against a route's declared parameters and converted to
//! the JSON vnmgr expects.

use std::str::FromStr;

use model::{Dpid, MacAddr, ModelError, Uuid, parse_ipv4};
use serde_json::{Map, Value};

use crate::error::Failure;
use crate::routes::{Param, ParamType, Route};

/// The raw parameters of one request, by name; a later source overrides an earlier one
/// (query string first, then the body).
pub type RawParams = Map<String, Value>;

/// Adds the pairs of an `application/x-www-form-urlencoded` text (a query string or a form
/// body).
pub fn add_urlencoded(into: &mut RawParams, text: &[u8]) {
    for (name, value) in form_urlencoded::parse(text) {
        into.insert(name.into_owned(), Value::String(value.into_owned()));
    }
}

/// Adds the members of a JSON object body; anything else is error 110.
pub fn add_json(into: &mut RawParams, body: &[u8]) -> Result<(), Failure> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(members)) => {
            into.extend(members);
            Ok(())
        }
        Ok(_) => Err(Failure::argument(
            "the JSON body must be an object of parameters",
        )),
        Err(e) => Err(Failure::argument(format!(
            "the JSON body is malformed: {e}"
        ))),
    }
}

/// The most `[` and `{` a YAML body may hold. The YAML parser takes time in proportion to
/// flow nesting before the deserialiser's depth limit stops it (a 2 MB body of `[` took
/// seconds); parameter bodies are flat mappings and need few.
pub const MAX_YAML_FLOW_OPENERS: usize = 1024;

/// Adds the members of a YAML mapping body (the original parsed YAML bodies as it did
/// JSON); anything else is error 110.
pub fn add_yaml(into: &mut RawParams, body: &[u8]) -> Result<(), Failure> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    if body.iter().filter(|b| matches!(b, b'[' | b'{')).count() > MAX_YAML_FLOW_OPENERS {
        return Err(Failure::argument(format!(
            "the YAML body holds more than {MAX_YAML_FLOW_OPENERS} '[' or '{{'; send a flat mapping of parameters"
        )));
    }
    match serde_norway::from_slice::<Value>(body) {
        Ok(Value::Object(members)) => {
            into.extend(members);
            Ok(())
        }
        Ok(Value::Null) => Ok(()),
        Ok(_) => Err(Failure::argument(
            "the YAML body must be a mapping of parameters",
        )),
        Err(e) => Err(Failure::argument(format!(
            "the YAML body is malformed: {}",
            quoted(&e.to_string())
        ))),
    }
}

/// Checks `raw` against what `route` accepts and converts every value: an unknown name is
/// error 110 listing the accepted ones, a missing required parameter 111, a bad uuid 101, any
/// other bad value 110. Returns the fields keyed by the names vnmgr knows them by.
pub fn check(route: &Route, raw: RawParams) -> Result<Map<String, Value>, Failure> {
    let mut fields = Map::new();
    for (name, value) in raw {
        let Some(param) = route.accepted().find(|p| p.name == name) else {
            let accepted: Vec<&str> = route.accepted().map(|p| p.name).collect();
            let accepted = if accepted.is_empty() {
                "it takes none".to_owned()
            } else {
                format!("accepted: {}", accepted.join(", "))
            };
            return Err(Failure::argument(format!(
                "unknown parameter {} for {} {}; {accepted}",
                quoted(&name),
                route.method.openapi_name().to_uppercase(),
                route.path
            )));
        };
        let value = convert(param, value)?;
        if let (ParamType::Cidr { prefix_field }, Value::String(cidr)) = (param.ty, &value)
            && let Some((address, prefix)) = cidr.split_once('/')
        {
            let prefix: u8 = prefix.parse().unwrap_or(32);
            fields.insert(prefix_field.to_owned(), Value::from(prefix));
            fields.insert(param.field_name().to_owned(), Value::from(address));
            continue;
        }
        fields.insert(param.field_name().to_owned(), value);
    }
    if let Some(missing) = route
        .accepted()
        .find(|p| p.required && !fields.contains_key(p.field_name()))
    {
        return Err(ModelError::MissingArgument {
            field: missing.name.into(),
        }
        .into());
    }
    Ok(fields)
}

/// A name or value for an error message, cut short if long (a 1 MB parameter must not come
/// back whole).
fn quoted(text: &str) -> String {
    const MAX: usize = 64;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{:?}…", text.get(..cut).unwrap_or_default()),
        None => format!("{text:?}"),
    }
}

fn invalid(param: &Param, value: &Value, reason: impl Into<String>) -> Failure {
    let shown = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    ModelError::InvalidArgument {
        field: param.name.into(),
        value: quoted(&shown),
        reason: reason.into(),
    }
    .into()
}

/// The longest value a parameter other than free text may have.
const MAX_TOKEN_LEN: usize = 64;

/// The longest free text accepted (display names, descriptions, security group rules): a
/// megabyte-long name is refused rather than stored.
pub const MAX_TEXT_LEN: usize = 64 << 10;

/// The value of `param` as vnmgr takes it.
pub fn convert(param: &Param, value: Value) -> Result<Value, Failure> {
    let text = match &value {
        Value::String(s) => Some(s.as_str()),
        _ => None,
    };
    // Only free text may be long; a shorter cap keeps a huge value out of parse errors.
    if param.ty != ParamType::Text && text.is_some_and(|t| t.len() > MAX_TOKEN_LEN) {
        return Err(invalid(param, &value, "far too long for this parameter"));
    }
    if text.is_some_and(|t| t.len() > MAX_TEXT_LEN) {
        return Err(invalid(
            param,
            &value,
            format!("longer than {MAX_TEXT_LEN} bytes"),
        ));
    }
    match param.ty {
        ParamType::Text => match text {
            Some(_) => Ok(value),
            None => Err(invalid(param, &value, "expected a string")),
        },
        ParamType::Int { min, max } => {
            let n = match (&value, text) {
                (Value::Number(n), _) => n.as_i64(),
                (_, Some(t)) => t.trim().parse::<i64>().ok(),
                _ => None,
            };
            match n {
                Some(n) if (min..=max).contains(&n) => Ok(Value::from(n)),
                Some(_) => Err(invalid(
                    param,
                    &value,
                    format!("expected an integer in {min}..{max}"),
                )),
                None => Err(invalid(param, &value, "expected an integer")),
            }
        }
        ParamType::Bool => match (&value, text) {
            (Value::Bool(b), _) => Ok(Value::Bool(*b)),
            (_, Some("true" | "1")) => Ok(Value::Bool(true)),
            (_, Some("false" | "0")) => Ok(Value::Bool(false)),
            _ => Err(invalid(param, &value, "expected true or false")),
        },
        ParamType::Uuid(kind) => {
            let Some(t) = text else {
                return Err(ModelError::InvalidUuid {
                    field: param.name.into(),
                    value: quoted(&value.to_string()),
                    reason: format!("expected a string such as {}-abcd1234", kind.prefix()),
                }
                .into());
            };
            let uuid = Uuid::parse_for(kind, t).map_err(|e| e.for_field(param.name))?;
            Ok(Value::String(uuid.to_string()))
        }
        ParamType::Ipv4 => match text.map(parse_ipv4) {
            Some(Ok(addr)) => Ok(Value::String(addr.to_string())),
            Some(Err(e)) => Err(e.for_field(param.name).into()),
            None => Err(invalid(
                param,
                &value,
                "expected a dotted-quad IPv4 address",
            )),
        },
        ParamType::Mac => match text.map(MacAddr::from_str) {
            Some(Ok(mac)) => Ok(Value::String(mac.to_string())),
            Some(Err(e)) => Err(e.for_field(param.name).into()),
            None => Err(invalid(
                param,
                &value,
                "expected a MAC address such as 52:54:00:12:34:56",
            )),
        },
        ParamType::Dpid => {
            let dpid = match (&value, text) {
                (_, Some(t)) => {
                    Dpid::from_str(t).map_err(|e| Failure::from(e.for_field(param.name)))?
                }
                (Value::Number(n), _) => match n.as_u64() {
                    Some(n) => Dpid(n),
                    None => return Err(invalid(param, &value, "expected a hexadecimal dpid")),
                },
                _ => return Err(invalid(param, &value, "expected a hexadecimal dpid")),
            };
            Ok(Value::String(dpid.to_string()))
        }
        ParamType::Cidr { .. } => {
            let Some(t) = text else {
                return Err(invalid(
                    param,
                    &value,
                    "expected an IPv4 network such as 10.0.0.0/24",
                ));
            };
            let (address, prefix) = t.split_once('/').unwrap_or((t, "32"));
            let address = parse_ipv4(address).map_err(|e| e.for_field(param.name))?;
            match prefix.parse::<u8>() {
                Ok(prefix) if prefix <= 32 => Ok(Value::String(format!("{address}/{prefix}"))),
                _ => Err(invalid(param, &value, "the prefix length must be 0..32")),
            }
        }
        ParamType::Enum(values) => match text {
            Some(t) if values.contains(&t) => Ok(value),
            _ => Err(invalid(
                param,
                &value,
                format!("accepted values: {}", values.join(", ")),
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn p(ty: ParamType) -> Param {
        Param::opt("x", ty)
    }

    #[test]
    fn text_from_a_query_becomes_typed_json() {
        let int = p(ParamType::Int { min: 1, max: 32 });
        assert_eq!(convert(&int, json!("24")).ok(), Some(json!(24)));
        assert_eq!(convert(&int, json!(24)).ok(), Some(json!(24)));
        assert_eq!(convert(&int, json!("33")).map_err(|f| f.code), Err(110));
        assert_eq!(
            convert(&p(ParamType::Bool), json!("1")).ok(),
            Some(json!(true))
        );
        assert_eq!(
            convert(&p(ParamType::Dpid), json!("aabb")).ok(),
            Some(json!("0x000000000000aabb"))
        );
        assert_eq!(
            convert(&p(ParamType::Dpid), json!("xyz")).map_err(|f| f.code),
            Err(110)
        );
        let uuid = p(ParamType::Uuid(model::ResourceKind::Network));
        assert_eq!(convert(&uuid, json!("dp-1")).map_err(|f| f.code), Err(101));
        assert_eq!(convert(&uuid, json!("nw-1")).ok(), Some(json!("nw-1")));
    }

    #[test]
    fn yaml_bodies_are_flat_mappings_and_bombs_fail_fast() {
        let mut raw = RawParams::new();
        assert!(add_yaml(&mut raw, b"display_name: a b\nipv4_prefix: 16\n").is_ok());
        assert_eq!(raw.get("display_name"), Some(&json!("a b")));
        assert_eq!(raw.get("ipv4_prefix"), Some(&json!(16)));
        let laughs = "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n\
                      c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n\
                      e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n\
                      g: [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n";
        let nested = "[".repeat(1 << 20);
        let dashes = "- ".repeat(64 << 10);
        for bomb in [laughs, nested.as_str(), dashes.as_str(), "- a\n", "a: ["] {
            let started = std::time::Instant::now();
            let failed = add_yaml(&mut RawParams::new(), bomb.as_bytes()).map_err(|f| f.code);
            assert_eq!(failed, Err(110));
            assert!(started.elapsed() < std::time::Duration::from_millis(500));
        }
    }

    #[test]
    fn long_values_are_cut_in_messages() {
        let cidr = p(ParamType::Cidr {
            prefix_field: "x_prefix",
        });
        assert_eq!(
            convert(&cidr, json!("10.0.0.0/8")).ok(),
            Some(json!("10.0.0.0/8"))
        );
        assert_eq!(
            convert(&cidr, json!("10.0.0.1")).ok(),
            Some(json!("10.0.0.1/32"))
        );
        assert_eq!(
            convert(&cidr, json!("10.0.0.0/33")).map_err(|f| f.code),
            Err(110)
        );
        let long = "a".repeat(1 << 20);
        let failure = convert(&p(ParamType::Ipv4), json!(long)).err();
        assert!(failure.is_some_and(|f| f.message.len() < 1000));
    }
}
