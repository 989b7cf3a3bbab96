//! API requests as plain values: what vnctl will send, before any I/O.

use crate::spec::Method;

/// The path prefix of every vnapi route.
pub const API_PREFIX: &str = "/api/1.0";

/// One HTTP request to vnapi. Parameters travel as the query string on every verb, as the
/// original vnctl sent them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiRequest {
    pub method: Method,
    /// Path below [`API_PREFIX`], e.g. `/datapaths/dp-1/networks/nw-1`.
    pub path: String,
    pub params: Vec<(String, String)>,
}

impl ApiRequest {
    pub fn new(method: Method, segments: &[&str]) -> Self {
        let mut path = String::new();
        for segment in segments {
            path.push('/');
            path.push_str(&percent_encode(segment));
        }
        ApiRequest {
            method,
            path,
            params: Vec::new(),
        }
    }

    pub fn with_params(mut self, params: Vec<(String, String)>) -> Self {
        self.params = params;
        self
    }

    /// Path and query as sent: `/api/1.0/<path>?k=v&...`.
    pub fn path_and_query(&self) -> String {
        let mut out = format!("{API_PREFIX}{}", self.path);
        for (i, (key, value)) in self.params.iter().enumerate() {
            out.push(if i == 0 { '?' } else { '&' });
            out.push_str(&percent_encode(key));
            out.push('=');
            out.push_str(&percent_encode(value));
        }
        out
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_is_encoded_in_order() {
        let request = ApiRequest::new(Method::Post, &["interfaces"]).with_params(vec![
            ("uuid".into(), "if-1".into()),
            ("mac_address".into(), "10:54:ff:00:00:01".into()),
            ("display_name".into(), "a b&c".into()),
        ]);
        assert_eq!(
            request.path_and_query(),
            "/api/1.0/interfaces?uuid=if-1&mac_address=10%3A54%3Aff%3A00%3A00%3A01&display_name=a%20b%26c"
        );
    }

    #[test]
    fn path_segments_are_encoded() {
        let request = ApiRequest::new(Method::Get, &["networks", "nw/../x"]);
        assert_eq!(request.path_and_query(), "/api/1.0/networks/nw%2F..%2Fx");
    }
}
