//! The OpenAPI 3 document, generated from the route table (served at
//! `/api/1.0/openapi.json`).

use serde_json::{Map, Value, json};

use crate::routes::{Action, Param, ParamType, Route, route_table};

/// The document describing every route of [`route_table`] below `/api/1.0`.
pub fn document() -> Value {
    let mut paths = Map::new();
    for route in route_table() {
        let entry = paths
            .entry(route.path.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(methods) = entry {
            methods.insert(route.method.openapi_name().to_owned(), operation(route));
        }
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "vnet API",
            "version": "1.0",
            "description": "OpenVNet's REST API. Every path is also served below /api, and with a .json or .yml suffix choosing the response format (YAML as text/yaml). Parameters may be sent as a query string, a form body, or a JSON or YAML object body.",
        },
        "servers": [{"url": "/api/1.0"}],
        "paths": paths,
        "components": {
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error", "message", "code"],
                    "properties": {
                        "error": {"type": "string"},
                        "message": {"type": "string"},
                        "code": {"type": "string"},
                    },
                },
                "Row": {"type": "object", "additionalProperties": true},
                "Page": {
                    "type": "object",
                    "properties": {
                        "total_count": {"type": "integer"},
                        "offset": {"type": "integer"},
                        "limit": {"type": "integer"},
                        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Row"}},
                    },
                },
            },
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}, {}],
    })
}

fn schema(ty: ParamType) -> Value {
    match ty {
        ParamType::Text => json!({"type": "string"}),
        ParamType::Int { min, max } => json!({"type": "integer", "minimum": min, "maximum": max}),
        ParamType::Bool => json!({"type": "boolean"}),
        ParamType::Uuid(kind) => json!({
            "type": "string",
            "pattern": format!("^{}-[a-z0-9]{{1,16}}$", kind.prefix()),
        }),
        ParamType::Ipv4 => json!({"type": "string", "format": "ipv4"}),
        ParamType::Mac => {
            json!({"type": "string", "pattern": "^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$"})
        }
        ParamType::Dpid => json!({"type": "string", "pattern": "^(0x)?[0-9a-fA-F]{1,16}$"}),
        ParamType::Enum(values) => json!({"type": "string", "enum": values}),
        ParamType::Cidr { .. } => json!({
            "type": "string",
            "pattern": "^[0-9]{1,3}(\\.[0-9]{1,3}){3}(/[0-9]{1,2})?$",
        }),
    }
}

fn body_schema(params: &[&Param]) -> Value {
    let properties: Map<String, Value> = params
        .iter()
        .map(|p| (p.name.to_owned(), schema(p.ty)))
        .collect();
    let required: Vec<&str> = params
        .iter()
        .filter(|p| p.required)
        .map(|p| p.name)
        .collect();
    let mut schema = Map::new();
    schema.insert("type".to_owned(), json!("object"));
    schema.insert("additionalProperties".to_owned(), json!(false));
    schema.insert("properties".to_owned(), Value::Object(properties));
    if !required.is_empty() {
        schema.insert("required".to_owned(), json!(required));
    }
    Value::Object(schema)
}

fn operation(route: &Route) -> Value {
    let mut parameters: Vec<Value> = route
        .path_params
        .iter()
        .map(|p| {
            json!({"name": p.name, "in": "path", "required": true, "schema": schema(ParamType::Uuid(p.kind))})
        })
        .collect();
    let accepted: Vec<&Param> = route.accepted().collect();
    // Every parameter may come in the query string (vnctl sends them all there).
    parameters.extend(accepted.iter().map(|p| {
        json!({"name": p.name, "in": "query", "required": p.required && !route.method.has_body(), "schema": schema(p.ty)})
    }));
    let success = match route.action {
        Action::List | Action::ListVia { .. } => json!({"$ref": "#/components/schemas/Page"}),
        Action::Delete | Action::Unrelate => {
            json!({"type": "array", "items": {"type": "string"}})
        }
        _ => json!({"$ref": "#/components/schemas/Row"}),
    };
    let error = json!({"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}});
    let mut op = Map::new();
    let fields = json!({
        "operationId": route.operation_id(),
        "summary": route.summary,
        "tags": [route.path.split('/').nth(1).unwrap_or_default()],
        "x-vnet-table": route.table.as_str(),
        "x-vnet-action": route.action.name(),
        "parameters": parameters,
        "responses": {
            "200": {"description": "OK", "content": {"application/json": {"schema": success}}},
            "400": {"description": "bad parameters (codes 101, 102, 110, 111, 112, 113)", "content": error.clone()},
            "401": {"description": "missing or wrong bearer token", "content": error.clone()},
            "404": {"description": "unknown uuid (100) or resource (114)", "content": error.clone()},
            "405": {"description": "the path is not served with this method", "content": error.clone()},
            "503": {"description": "vnmgr or its database unreachable", "content": error.clone()},
        },
    });
    if let Value::Object(fields) = fields {
        op.extend(fields);
    }
    if route.method.has_body() {
        let body = body_schema(&accepted);
        op.insert(
            "requestBody".to_owned(),
            json!({
                "required": false,
                "content": {
                    "application/json": {"schema": body},
                    "application/x-www-form-urlencoded": {"schema": body},
                    "application/yaml": {"schema": body},
                },
            }),
        );
    }
    Value::Object(op)
}
