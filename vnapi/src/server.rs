//! The HTTP side: the axum router built from the route table, the one handler every route
//! shares, and bearer-token authentication.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::rejection::RawPathParamsRejection;
use axum::extract::{RawPathParams, Request, State};
use axum::http::{HeaderMap, Method as HttpMethod, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, get};
use model::{ModelError, Uuid};
use proto::{Key, Op, Reply, RpcClient, RpcError, ServiceCall};
use serde_json::{Map, Value, json};

use crate::error::Failure;
use crate::openapi;
use crate::params::{self, RawParams};
use crate::routes::{Action, Method, PathRole, Route, Service, route_table};

/// The largest request body read; larger bodies are refused with 400.
pub const MAX_BODY_BYTES: usize = 2 << 20;

/// The API root and its alias (reference §3.1).
pub const API_ROOTS: &[&str] = &["/api/1.0", "/api"];

/// What every request needs: the vnmgr client and the token, if one is required.
#[derive(Debug, Clone)]
pub struct AppState {
    pub vnmgr: RpcClient,
    pub token: Option<Arc<str>>,
}

/// The whole HTTP API: every route of [`route_table`] plus `/openapi` under each of
/// [`API_ROOTS`], behind the token check when a token is configured. A path may end in
/// `.json` or `.yml` (reference §3.1): the suffix is taken off before routing and picks the
/// response's format (`/api/1.0/openapi.json` is the OpenAPI document as JSON).
pub fn router(state: AppState) -> Router {
    Router::new()
        .fallback_service(routes(state))
        .layer(middleware::from_fn(format_suffix))
}

/// The response formats a path suffix can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Yaml,
}

/// Takes a `.json`, `.yml` or `.yaml` suffix off the path, routes the request, and answers
/// in the format it asked for.
async fn format_suffix(mut request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let found = [
        (".json", Format::Json),
        (".yml", Format::Yaml),
        (".yaml", Format::Yaml),
    ]
    .into_iter()
    .find_map(|(suffix, format)| Some((path.strip_suffix(suffix)?.to_owned(), format)));
    let Some((stripped, format)) = found else {
        return next.run(request).await;
    };
    let rewritten = match request.uri().query() {
        Some(query) => format!("{stripped}?{query}"),
        None => stripped,
    };
    match rewritten.parse() {
        Ok(uri) => *request.uri_mut() = uri,
        Err(_) => return Failure::no_route(request.uri().path()).into_response(),
    }
    let response = next.run(request).await;
    match format {
        Format::Json => response,
        Format::Yaml => as_yaml(response).await,
    }
}

/// A JSON response re-written as YAML (`text/yaml`), status and headers kept.
async fn as_yaml(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, usize::MAX).await else {
        return Failure::from(proto::ApiError::internal("cannot read the response body"))
            .into_response();
    };
    let yaml = serde_json::from_slice::<Value>(&bytes)
        .map_err(|e| e.to_string())
        .and_then(|value| serde_norway::to_string(&value).map_err(|e| e.to_string()));
    match yaml {
        Ok(text) => {
            parts.headers.remove(header::CONTENT_LENGTH);
            parts.headers.insert(
                header::CONTENT_TYPE,
                header::HeaderValue::from_static("text/yaml; charset=utf-8"),
            );
            Response::from_parts(parts, Body::from(text))
        }
        Err(e) => Failure::from(proto::ApiError::internal(format!(
            "cannot write the response as YAML: {e}"
        )))
        .into_response(),
    }
}

/// Every route under each API root, behind the token check.
fn routes(state: AppState) -> Router {
    let mut api: Router<AppState> = Router::new();
    let mut paths: Vec<&str> = Vec::new();
    for route in route_table() {
        if !paths.contains(&route.path.as_str()) {
            paths.push(&route.path);
        }
    }
    for path in paths {
        let mut methods: MethodRouter<AppState> = MethodRouter::new();
        for route in route_table().iter().filter(|r| r.path == path) {
            methods = methods.on(filter(route.method), move |state, path, request| {
                serve_route(route, state, path, request)
            });
        }
        api = api.route(path, methods);
    }
    api = api.route(
        "/openapi",
        get(|| async { axum::Json(openapi::document()) }),
    );
    let api = api.method_not_allowed_fallback(method_not_allowed);

    let mut app = Router::new();
    for root in API_ROOTS {
        app = app.nest(root, api.clone());
    }
    app.fallback(|request: Request| async move {
        Failure::no_route(request.uri().path()).into_response()
    })
    .layer(middleware::from_fn_with_state(state.clone(), require_token))
    .with_state(state)
}

fn filter(method: Method) -> MethodFilter {
    match method {
        Method::Get => MethodFilter::GET,
        Method::Post => MethodFilter::POST,
        Method::Put => MethodFilter::PUT,
        Method::Delete => MethodFilter::DELETE,
    }
}

async fn method_not_allowed(method: HttpMethod, request: Request) -> Response {
    Failure::method_not_allowed(method.as_str(), request.uri().path()).into_response()
}

/// Refuses, with 401 and before anything else runs, a request without the configured token.
async fn require_token(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if let Some(token) = &state.token
        && !bearer_matches(request.headers(), token)
    {
        return Failure::unauthorized().into_response();
    }
    next.run(request).await
}

fn bearer_matches(headers: &HeaderMap, token: &str) -> bool {
    let Some(given) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return false;
    };
    // Compare in time independent of where the first difference is.
    given.len() == token.len()
        && given
            .bytes()
            .zip(token.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

async fn serve_route(
    route: &'static Route,
    State(state): State<AppState>,
    path: Result<RawPathParams, RawPathParamsRejection>,
    request: Request,
) -> Response {
    // A path segment that does not decode (e.g. `%FF`) is a bad uuid, not axum's plain-text
    // rejection: every error carries the documented body.
    let path: Vec<(String, String)> = match path {
        Ok(path) => path
            .iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        Err(rejection) => {
            return Failure::from(ModelError::InvalidUuid {
                field: "path".into(),
                value: String::new(),
                reason: rejection.body_text(),
            })
            .into_response();
        }
    };
    match answer(route, &state.vnmgr, &path, request).await {
        // Rows come with the extras of reference §3.3: vnmgr adds them.
        Ok(Answer::Value(body)) => axum::Json(body).into_response(),
        Ok(Answer::Json(body)) => (
            [(
                header::CONTENT_TYPE,
                header::HeaderValue::from_static("application/json"),
            )],
            body,
        )
            .into_response(),
        Err(failure) => failure.into_response(),
    }
}

/// A successful answer: a value to serialise, or JSON text already written.
enum Answer {
    Value(Value),
    Json(Vec<u8>),
}

/// A list page's body, `{"items":[…],"limit":…,"offset":…,"total_count":…}`: the same text
/// as the page serialised as a [`Value`] (whose keys are sorted), with the rows copied as
/// vnmgr wrote them.
fn page_json(page: &proto::RawPage) -> Vec<u8> {
    let rows: usize = page.items.iter().map(|r| r.get().len() + 1).sum();
    let mut out = Vec::with_capacity(rows + 80);
    out.extend_from_slice(b"{\"items\":[");
    for (i, row) in page.items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(row.get().as_bytes());
    }
    out.extend_from_slice(
        format!(
            "],\"limit\":{},\"offset\":{},\"total_count\":{}}}",
            page.limit, page.offset, page.total
        )
        .as_bytes(),
    );
    out
}

/// Reads every parameter of the request: the query string, then a form or JSON body.
async fn read_params(request: Request) -> Result<RawParams, Failure> {
    let mut raw = RawParams::new();
    if let Some(query) = request.uri().query() {
        params::add_urlencoded(&mut raw, query.as_bytes());
    }
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    let body: Body = request.into_body();
    let bytes = to_bytes(body, MAX_BODY_BYTES).await.map_err(|_| {
        Failure::argument(format!(
            "the request body is larger than {MAX_BODY_BYTES} bytes"
        ))
    })?;
    if bytes.is_empty() {
        return Ok(raw);
    }
    match content_type.as_str() {
        "application/json" | "text/json" => params::add_json(&mut raw, &bytes)?,
        "application/yaml" | "text/yaml" | "application/x-yaml" | "text/x-yaml" => {
            params::add_yaml(&mut raw, &bytes)?
        }
        "application/x-www-form-urlencoded" | "" => params::add_urlencoded(&mut raw, &bytes),
        other => {
            return Err(Failure::argument(format!(
                "unsupported content type {other:?}: send application/json, text/json, application/yaml, text/yaml or application/x-www-form-urlencoded"
            )));
        }
    }
    Ok(raw)
}

/// The uuid in path segment `name`: 101 when malformed or of another kind.
fn path_uuid(
    route: &Route,
    path: &[(String, String)],
    role: fn(&PathRole) -> bool,
) -> Result<Option<(Uuid, PathRole)>, Failure> {
    let Some(param) = route.path_params.iter().find(|p| role(&p.role)) else {
        return Ok(None);
    };
    let text = path
        .iter()
        .find(|(k, _)| k == param.name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_default();
    let uuid = Uuid::parse_for(param.kind, text).map_err(|e| e.for_field(param.name))?;
    Ok(Some((uuid, param.role)))
}

/// The id of the row `uuid` names (error 100 when there is none).
async fn row_id(vnmgr: &RpcClient, uuid: Uuid) -> Result<Value, Failure> {
    let row = vnmgr.show(uuid.kind().table(), Key::Uuid(uuid)).await?;
    Ok(row.get("id").cloned().unwrap_or(Value::Null))
}

async fn answer(
    route: &'static Route,
    vnmgr: &RpcClient,
    path: &[(String, String)],
    request: Request,
) -> Result<Answer, Failure> {
    let mut fields = params::check(route, read_params(request).await?)?;
    let echoed: Map<String, Value> = route
        .accepted()
        .filter(|p| p.echo)
        .filter_map(|p| Some((p.name.to_owned(), fields.remove(p.field_name())?)))
        .collect();
    let target = path_uuid(route, path, |r| *r == PathRole::Target)?;
    let parent = path_uuid(route, path, |r| matches!(r, PathRole::Parent { .. }))?;
    let other = path_uuid(route, path, |r| matches!(r, PathRole::Other { .. }))?;
    let parent = match parent {
        Some((uuid, PathRole::Parent { fk })) => Some((fk, row_id(vnmgr, uuid).await?, uuid)),
        _ => None,
    };
    let other = match other {
        Some((uuid, PathRole::Other { fk })) => Some((fk, row_id(vnmgr, uuid).await?, uuid)),
        _ => None,
    };
    let target_key = || {
        target
            .map(|(uuid, _)| Key::Uuid(uuid))
            .ok_or_else(|| Failure::argument("this route names no row"))
    };
    // The association's two sides, as the row's columns.
    let sides = || {
        let mut sides = Map::new();
        for (fk, id, _) in parent.iter().chain(other.iter()) {
            sides.insert((*fk).to_owned(), id.clone());
        }
        sides
    };
    let value: Result<Value, Failure> = match route.action {
        Action::Create => {
            if let Some((fk, id, _)) = parent {
                fields.insert(fk.to_owned(), id);
            }
            Ok(vnmgr.create(route.table, Value::Object(fields)).await?)
        }
        Action::Show => Ok(vnmgr.show(route.table, target_key()?).await?),
        Action::Update => Ok(vnmgr.update(route.table, target_key()?, fields).await?),
        Action::List => {
            let limit = take_u64(&mut fields, "limit");
            let offset = take_u64(&mut fields, "offset").unwrap_or(0);
            let filter = parent
                .map(|(fk, id, _)| vec![(fk.to_owned(), id)])
                .unwrap_or_default();
            let page = vnmgr.list_raw(route.table, filter, limit, offset).await?;
            return Ok(Answer::Json(page_json(&page)));
        }
        Action::ListVia { through, target_fk } => {
            let limit = take_u64(&mut fields, "limit");
            let offset = take_u64(&mut fields, "offset").unwrap_or(0);
            let filter = parent
                .map(|(fk, id, _)| vec![(fk.to_owned(), id)])
                .unwrap_or_default();
            let links = vnmgr.list(through, filter, limit, offset).await?;
            let mut items = Vec::with_capacity(links.items.len());
            for link in &links.items {
                if let Some(id) = link.get(target_fk).and_then(Value::as_i64) {
                    items.push(vnmgr.show(route.table, Key::Id(id)).await?);
                }
            }
            Ok(json!({
                "total_count": links.total,
                "offset": links.offset,
                "limit": links.limit,
                "items": items,
            }))
        }
        Action::Delete => {
            let key = target_key()?;
            if let Some((fk, id, _)) = parent {
                // The child must belong to the parent the path names.
                let row = vnmgr.show(route.table, key.clone()).await?;
                if row.get(fk) != Some(&id) {
                    return Err(Failure::from(proto::ApiError {
                        code: 100,
                        error: "UnknownUUIDResource".to_owned(),
                        message: format!(
                            "{key} does not belong to the {} in the path",
                            fk.trim_end_matches("_id")
                        ),
                    }));
                }
            }
            vnmgr.delete(route.table, key.clone()).await?;
            Ok(json!([key.to_string()]))
        }
        Action::Relate => {
            let mut row = sides();
            row.extend(fields);
            Ok(vnmgr.relate(route.table, row).await?)
        }
        Action::Unrelate => {
            let mut row = sides();
            row.extend(fields);
            let deleted = vnmgr.unrelate(route.table, row).await?;
            match other {
                // The original answered `[<other uuid>]`.
                Some((_, _, uuid)) => Ok(json!([uuid.to_string()])),
                None => Ok(json!(
                    deleted.iter().map(ToString::to_string).collect::<Vec<_>>()
                )),
            }
        }
        Action::SetRelation => {
            let sides = sides();
            let filter: Vec<(String, Value)> = sides.clone().into_iter().collect();
            let found = vnmgr.list(route.table, filter, Some(1), 0).await?;
            match found
                .items
                .first()
                .and_then(|row| row.get("id"))
                .and_then(Value::as_i64)
            {
                Some(id) => Ok(vnmgr.update(route.table, Key::Id(id), fields).await?),
                None => {
                    let mut row = sides;
                    row.extend(fields);
                    Ok(vnmgr.relate(route.table, row).await?)
                }
            }
        }
        Action::Call(service) => {
            let key = target_key()?;
            let uuid_key = |name: &str| -> Result<Option<Key>, Failure> {
                match fields.get(name).and_then(Value::as_str) {
                    Some(text) => Ok(Some(Key::Uuid(
                        text.parse::<Uuid>()
                            .map_err(|e| Failure::argument(format!("{name}: {e}")))?,
                    ))),
                    None => Ok(None),
                }
            };
            let call = match service {
                Service::AllocateLease => ServiceCall::AllocateLease {
                    lease_policy: key,
                    interface: uuid_key("interface_uuid")?
                        .ok_or_else(|| Failure::argument("interface_uuid is required"))?,
                },
                Service::AttachLease => ServiceCall::AttachLease {
                    ip_lease: key,
                    interface: uuid_key("interface_uuid")?,
                    mac_lease: uuid_key("mac_lease_uuid")?,
                },
                Service::ReleaseLease => ServiceCall::ReleaseLease { ip_lease: key },
            };
            called(vnmgr.call(Op::Call(call)).await?)
        }
        Action::CreateInterface => {
            let reply = vnmgr
                .call(Op::Call(ServiceCall::CreateInterface { row: fields }))
                .await?;
            called(reply)
        }
    };
    value.map(|mut value| {
        if let Value::Object(row) = &mut value {
            row.extend(echoed);
        }
        Answer::Value(value)
    })
}

/// The row a service call answers with.
fn called(reply: Reply) -> Result<Value, Failure> {
    match reply {
        Reply::Called { row, .. } => Ok(row),
        other => Err(Failure::from(RpcError::UnexpectedReply {
            op: "call",
            reply: other.name(),
        })),
    }
}

fn take_u64(fields: &mut Map<String, Value>, name: &str) -> Option<u64> {
    fields.remove(name).and_then(|v| v.as_u64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_router_accepts_every_route_of_the_table() {
        // axum panics on conflicting routes when they are added: building it is the test.
        let state = AppState {
            vnmgr: RpcClient::new("tcp://127.0.0.1:1", std::time::Duration::from_millis(10)),
            token: None,
        };
        let _ = router(state);
    }
}
