//! Every request any vnctl command can make is a route vnapi serves, with every option an
//! accepted parameter of that route: vnctl's command table and vnapi's route table are
//! checked against each other, so neither can gain or lose a route or an option alone.
// Helpers outside #[test] functions may panic: a failed expectation is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use vnctl::cli::{self, Action};
use vnctl::request::ApiRequest;
use vnctl::spec::{self, Field, RelationKind};

/// The requests `words` (after `vnctl`) make.
fn requests(words: &[String]) -> Vec<ApiRequest> {
    let args = std::iter::once("vnctl".to_owned()).chain(words.iter().cloned());
    let invocation = cli::parse(args).unwrap_or_else(|e| panic!("vnctl {}: {e}", words.join(" ")));
    match invocation.action {
        Action::Api { requests, .. } => requests,
        _ => panic!("vnctl {} makes no request", words.join(" ")),
    }
}

/// `--name value` for each field (booleans as `--name true`).
fn options<'a>(fields: impl IntoIterator<Item = &'a Field>) -> Vec<String> {
    let mut out = Vec::new();
    for f in fields {
        out.push(format!("--{}", f.name));
        out.push(if f.boolean { "true" } else { "x" }.to_owned());
    }
    out
}

fn words(parts: &[&str], options: Vec<String>) -> Vec<String> {
    parts
        .iter()
        .map(|s| (*s).to_owned())
        .chain(options)
        .collect()
}

/// Every command line vnctl accepts, one per verb, with every option it takes.
fn every_command() -> Vec<Vec<String>> {
    let mut all = Vec::new();
    for r in spec::RESOURCES {
        let name = r.name;
        let mut add = vec![spec::opt("uuid")];
        add.extend_from_slice(r.fields);
        all.push(words(&[name, "add"], options(&add)));
        all.push(words(&[name, "show"], vec![]));
        all.push(words(
            &[name, "show"],
            vec!["--limit".into(), "5".into(), "--offset".into(), "1".into()],
        ));
        all.push(words(&[name, "show", "a-1"], vec![]));
        all.push(words(&[name, "del", "a-1"], vec![]));
        if r.verbs.modify {
            all.push(words(
                &[name, "modify", "a-1"],
                options(r.fields.iter().filter(|f| f.updatable)),
            ));
        }
        for rel in r.relations {
            let n = rel.name;
            let fields = options(rel.fields);
            match rel.kind {
                RelationKind::Link => {
                    all.push(words(&[name, n, "add", "a-1", "b-1"], fields));
                    all.push(words(&[name, n, "del", "a-1", "b-1"], vec![]));
                }
                RelationKind::Child => {
                    all.push(words(&[name, n, "add", "a-1"], fields));
                    all.push(words(&[name, n, "del", "a-1", "b-1"], vec![]));
                }
                RelationKind::Fields => {
                    all.push(words(&[name, n, "add", "a-1"], fields.clone()));
                    all.push(words(&[name, n, "del", "a-1"], fields));
                }
                RelationKind::Flag => {
                    all.push(words(&[name, n, "modify", "a-1", "b-1"], fields));
                }
            }
            all.push(words(&[name, n, "show", "a-1"], vec![]));
        }
        for action in r.actions {
            all.push(words(&[name, action.name, "a-1"], options(action.fields)));
        }
    }
    all
}

/// Whether `path` (concrete, below the API root) fits `pattern` (`/networks/{uuid}`).
fn fits(pattern: &str, path: &str) -> bool {
    let p: Vec<&str> = pattern.split('/').collect();
    let q: Vec<&str> = path.split('/').collect();
    p.len() == q.len()
        && p.iter()
            .zip(&q)
            .all(|(p, q)| (p.starts_with('{') && p.ends_with('}')) || p == q)
}

#[test]
fn every_vnctl_request_is_a_vnapi_route_with_those_parameters() {
    let mut problems = Vec::new();
    let mut checked = 0;
    for command in every_command() {
        for request in requests(&command) {
            checked += 1;
            let method = request.method.as_str().to_ascii_lowercase();
            let route = vnapi::routes::route_table()
                .iter()
                .find(|r| r.method.openapi_name() == method && fits(&r.path, &request.path));
            let Some(route) = route else {
                problems.push(format!(
                    "vnctl {}: no route {} {}",
                    command.join(" "),
                    request.method.as_str(),
                    request.path
                ));
                continue;
            };
            for (name, _) in &request.params {
                if !route.accepted().any(|p| p.name == name) {
                    problems.push(format!(
                        "vnctl {}: {} {} does not accept {name}",
                        command.join(" "),
                        request.method.as_str(),
                        route.path
                    ));
                }
            }
        }
    }
    assert!(checked > 100, "only {checked} requests");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
