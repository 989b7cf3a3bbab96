//! Error responses: the original's body `{"error", "message", "code"}` with the HTTP status
//! of reference §3.1.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use model::ModelError;
use proto::{ApiError, RpcError};

/// A request that failed, as the client will see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub status: StatusCode,
    /// The original's error class name, e.g. `UnknownUUIDResource`.
    pub error: String,
    pub message: String,
    /// The original's numeric code (sent as a string, as the original did).
    pub code: u16,
}

impl Failure {
    /// 110: a parameter the route does not know, or a value it cannot take.
    pub fn argument(message: impl Into<String>) -> Self {
        Self::from(ApiError {
            code: 110,
            error: "ArgumentError".to_owned(),
            message: message.into(),
        })
    }

    /// 401: the bearer token is missing or wrong.
    pub fn unauthorized() -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            error: "Unauthorized".to_owned(),
            message: "this API requires a bearer token: send \"Authorization: Bearer <token>\""
                .to_owned(),
            code: 401,
        }
    }

    /// 404 for a path no route serves.
    pub fn no_route(path: &str) -> Self {
        Self::from(ApiError {
            code: 114,
            error: "UnknownResource".to_owned(),
            message: format!("no such resource: {path}"),
        })
    }

    /// 405 for a path served, but not with this method.
    pub fn method_not_allowed(method: &str, path: &str) -> Self {
        Self {
            status: StatusCode::METHOD_NOT_ALLOWED,
            error: "MethodNotAllowed".to_owned(),
            message: format!("{method} is not allowed on {path}"),
            code: 405,
        }
    }
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Self {
            status: StatusCode::from_u16(e.http_status())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            error: e.error,
            message: e.message,
            code: e.code,
        }
    }
}

impl From<ModelError> for Failure {
    fn from(e: ModelError) -> Self {
        Self::from(ApiError::from(e))
    }
}

impl From<RpcError> for Failure {
    fn from(e: RpcError) -> Self {
        match e {
            RpcError::Api(api) => Self::from(api),
            RpcError::Unreachable { .. } => Self {
                status: StatusCode::SERVICE_UNAVAILABLE,
                error: "VnmgrUnavailable".to_owned(),
                message: format!("{e}; retry later (nothing is known to have changed)"),
                code: 503,
            },
            other => Self::from(ApiError::internal(other.to_string())),
        }
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "error": self.error,
            "message": self.message,
            "code": self.code.to_string(),
        });
        let mut response = (self.status, axum::Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}
