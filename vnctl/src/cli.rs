//! The clap command tree, generated from [`crate::spec::RESOURCES`], and the translation of
//! parsed arguments into [`ApiRequest`]s.

use std::path::PathBuf;

use clap::builder::PossibleValuesParser;
use clap::{Arg, ArgAction, ArgMatches, Args, Command, FromArgMatches, ValueEnum};
use clap_complete::Shell;

use crate::request::ApiRequest;
use crate::spec::{self, Field, Method, RelationKind, Resource};

/// How a response body is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Aligned columns for lists, `key  value` lines for one object.
    Table,
    Json,
    Yaml,
}

/// Options accepted anywhere on the command line.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// vnapi base URL, e.g. http://127.0.0.1:9090 [default: $VNET_WEBAPI, ~/.vnctl.toml, 127.0.0.1:9090]
    #[arg(long, global = true, value_name = "URL")]
    pub api: Option<String>,
    /// Bearer token for vnapi, the one vnapi has as VNAPI_TOKEN [default: $VNET_API_TOKEN, ~/.vnctl.toml]
    #[arg(long, global = true, value_name = "TOKEN")]
    pub token: Option<String>,
    /// Configuration file [default: ~/.vnctl.toml]
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Output format [default: table]
    #[arg(short = 'o', long, global = true, value_enum)]
    pub output: Option<Format>,
}

/// What one command line asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Requests to send in order; `resource` picks the table columns.
    Api {
        resource: &'static Resource,
        requests: Vec<ApiRequest>,
    },
    Batch {
        file: Option<PathBuf>,
    },
    Completions {
        shell: Shell,
    },
}

/// A parsed command line.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub globals: GlobalArgs,
    pub action: Action,
}

const TARGET: &str = "target";
const TARGETS: &str = "targets";
const BASE: &str = "base";
const OTHER: &str = "other";
const OTHERS: &str = "others";
const LIMIT: &str = "limit";
const OFFSET: &str = "offset";

/// The whole `vnctl` command.
pub fn command() -> Command {
    command_with(|_| true)
}

/// The command with only the resources `args` name (all of them when it names none): building
/// every resource's subcommand tree costs milliseconds, which every vnctl run and every batch
/// line would pay. A resource named anywhere in `args` is kept, so a value that happens to be
/// a resource's name only adds that tree.
pub fn command_for(args: &[std::ffi::OsString]) -> Command {
    let named: Vec<&str> = args.iter().filter_map(|a| a.to_str()).collect();
    let is_named = |r: &spec::Resource| {
        named
            .iter()
            .any(|a| *a == r.name || a.replace('-', "_") == r.name)
    };
    if spec::RESOURCES.iter().any(is_named) {
        command_with(is_named)
    } else {
        command()
    }
}

fn command_with(keep: impl Fn(&spec::Resource) -> bool) -> Command {
    let mut root = Command::new("vnctl")
        .about("Command-line client for the vnet REST API (vnapi)")
        .subcommand_required(true)
        .arg_required_else_help(true);
    root = GlobalArgs::augment_args(root);
    for resource in spec::RESOURCES.iter().filter(|r| keep(r)) {
        root = root.subcommand(resource_command(resource));
    }
    root.subcommand(
        Command::new("batch")
            .about("Run commands from FILE (or stdin), one per line; '#' starts a comment")
            .arg(
                Arg::new("file")
                    .value_name("FILE")
                    .value_parser(clap::value_parser!(PathBuf)),
            ),
    )
    .subcommand(
        Command::new("completions")
            .about("Print a shell completion script")
            .arg(
                Arg::new("shell")
                    .required(true)
                    .value_parser(clap::value_parser!(Shell)),
            ),
    )
}

fn named(name: &'static str) -> Command {
    let command = Command::new(name);
    let kebab = name.replace('_', "-");
    if kebab == name {
        command
    } else {
        command.visible_alias(kebab)
    }
}

fn field_arg(field: &Field, required: bool) -> Arg {
    let kebab = field.name.replace('_', "-");
    let mut arg = Arg::new(field.name)
        .long(kebab.clone())
        .value_name("VALUE")
        .required(required);
    if !field.help.is_empty() {
        arg = arg.help(field.help);
    }
    if kebab != field.name {
        arg = arg.alias(field.name);
    }
    if field.boolean {
        arg = arg
            .num_args(0..=1)
            .default_missing_value("true")
            .value_parser(PossibleValuesParser::new(["true", "false"]));
    }
    arg
}

fn field_args<'a>(fields: impl IntoIterator<Item = &'a Field>, honour_required: bool) -> Vec<Arg> {
    fields
        .into_iter()
        .map(|f| field_arg(f, honour_required && f.required))
        .collect()
}

fn positional(id: &'static str, name: &'static str, many: bool) -> Arg {
    let help = if id == BASE {
        "UUID of the object the subcommand works on"
    } else {
        "Object UUID"
    };
    let arg = Arg::new(id).value_name(name).help(help).required(true);
    if many {
        arg.num_args(1..).action(ArgAction::Append)
    } else {
        arg
    }
}

fn paging() -> [Arg; 2] {
    [
        Arg::new(LIMIT)
            .long(LIMIT)
            .value_name("N")
            .value_parser(clap::value_parser!(u64)),
        Arg::new(OFFSET)
            .long(OFFSET)
            .value_name("N")
            .value_parser(clap::value_parser!(u64)),
    ]
}

fn resource_command(resource: &'static Resource) -> Command {
    let uuid = spec::opt("uuid").help("UUID to create the object with (generated if omitted)");
    let mut command = named(resource.name)
        .about(resource.about)
        .subcommand_required(true);
    command = command
        .subcommand(
            Command::new("add")
                .about("Create one object (POST)")
                .args(field_args(
                    std::iter::once(&uuid).chain(resource.fields),
                    true,
                )),
        )
        .subcommand(
            Command::new("show")
                .about("Show objects by UUID, or list them all (GET)")
                .arg(
                    Arg::new(TARGETS)
                        .value_name("UUID")
                        .num_args(0..)
                        .action(ArgAction::Append),
                )
                .args(paging()),
        );
    if resource.verbs.modify {
        command = command.subcommand(
            Command::new("modify")
                .about("Update one object (PUT)")
                .arg(positional(TARGET, "UUID", false))
                .args(field_args(
                    resource.fields.iter().filter(|f| f.updatable),
                    false,
                )),
        );
    }
    command = command.subcommand(
        Command::new("del")
            .about("Delete objects, one request each (DELETE)")
            .arg(positional(TARGETS, "UUID", true)),
    );
    for relation in resource.relations {
        command = command.subcommand(relation_command(relation));
    }
    for action in resource.actions {
        command = command.subcommand(
            named(action.name)
                .about(format!(
                    "{} /{}/UUID/{}",
                    action.method.as_str(),
                    resource.name,
                    action.name
                ))
                .arg(positional(TARGET, "UUID", false))
                .args(field_args(action.fields, false)),
        );
    }
    command
}

fn relation_command(relation: &'static spec::Relation) -> Command {
    let fields = relation.fields;
    let show = Command::new("show")
        .arg(positional(BASE, "BASE_UUID", false))
        .args(paging());
    let command = named(relation.name).subcommand_required(true);
    match relation.kind {
        RelationKind::Link => command
            .about(format!("Associations with {}", relation.name))
            .subcommand(
                Command::new("add")
                    .arg(positional(BASE, "BASE_UUID", false))
                    .arg(positional(OTHER, "UUID", false))
                    .args(field_args(fields, true)),
            )
            .subcommand(
                Command::new("del")
                    .arg(positional(BASE, "BASE_UUID", false))
                    .arg(positional(OTHERS, "UUID", true)),
            )
            .subcommand(show),
        RelationKind::Child => command
            .about(format!("The object's {} (child objects)", relation.name))
            .subcommand(
                Command::new("add")
                    .arg(positional(BASE, "BASE_UUID", false))
                    .args(field_args(fields, true)),
            )
            .subcommand(
                Command::new("del")
                    .arg(positional(BASE, "BASE_UUID", false))
                    .arg(positional(OTHERS, "UUID", true)),
            )
            .subcommand(show),
        RelationKind::Fields => command
            .about(format!(
                "{} rows of the object, identified by their fields",
                relation.name
            ))
            .subcommand(
                Command::new("add")
                    .arg(positional(BASE, "BASE_UUID", false))
                    .args(field_args(fields, true)),
            )
            .subcommand(
                Command::new("del")
                    .arg(positional(BASE, "BASE_UUID", false))
                    .args(field_args(fields, false)),
            )
            .subcommand(show),
        RelationKind::Flag => command
            .about(format!("Flags on the association with {}", relation.name))
            .subcommand(
                Command::new("modify")
                    .arg(positional(BASE, "BASE_UUID", false))
                    .arg(positional(OTHER, "UUID", false))
                    .args(field_args(fields, true)),
            )
            .subcommand(show),
    }
}

/// Parses a full command line (`argv[0]` first).
pub fn parse<I, T>(args: I) -> Result<Invocation, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let args: Vec<std::ffi::OsString> = args.into_iter().map(Into::into).collect();
    let matches = command_for(&args).try_get_matches_from(args)?;
    let globals = GlobalArgs::from_arg_matches(&matches)?;
    Ok(Invocation {
        globals,
        action: action(&matches)?,
    })
}

fn string(matches: &ArgMatches, id: &str) -> String {
    matches.get_one::<String>(id).cloned().unwrap_or_default()
}

fn strings(matches: &ArgMatches, id: &str) -> Vec<String> {
    matches
        .get_many::<String>(id)
        .map(|v| v.cloned().collect())
        .unwrap_or_default()
}

fn params<'a>(
    matches: &ArgMatches,
    fields: impl IntoIterator<Item = &'a Field>,
) -> Vec<(String, String)> {
    fields
        .into_iter()
        .filter_map(|f| {
            matches
                .get_one::<String>(f.name)
                .map(|v| (f.name.to_owned(), v.clone()))
        })
        .collect()
}

fn paging_params(matches: &ArgMatches) -> Vec<(String, String)> {
    [LIMIT, OFFSET]
        .into_iter()
        .filter_map(|id| {
            matches
                .get_one::<u64>(id)
                .map(|v| (id.to_owned(), v.to_string()))
        })
        .collect()
}

// The tree is built from the same table, so a subcommand clap accepted always exists there;
// the error arms only keep this function total.
fn action(matches: &ArgMatches) -> Result<Action, clap::Error> {
    let missing = || {
        clap::Error::raw(
            clap::error::ErrorKind::MissingSubcommand,
            "no command given\n",
        )
    };
    let (name, sub) = matches.subcommand().ok_or_else(missing)?;
    Ok(match name {
        "batch" => Action::Batch {
            file: sub.get_one::<PathBuf>("file").cloned(),
        },
        "completions" => Action::Completions {
            shell: sub.get_one::<Shell>("shell").copied().ok_or_else(missing)?,
        },
        _ => {
            let resource = spec::resource(name).ok_or_else(missing)?;
            Action::Api {
                resource,
                requests: resource_requests(resource, sub),
            }
        }
    })
}

fn resource_requests(resource: &'static Resource, matches: &ArgMatches) -> Vec<ApiRequest> {
    let res = resource.name;
    let Some((verb, sub)) = matches.subcommand() else {
        return Vec::new();
    };
    match verb {
        "add" => {
            let uuid = spec::opt("uuid");
            vec![
                ApiRequest::new(Method::Post, &[res])
                    .with_params(params(sub, std::iter::once(&uuid).chain(resource.fields))),
            ]
        }
        "show" => {
            let targets = strings(sub, TARGETS);
            if targets.is_empty() {
                vec![ApiRequest::new(Method::Get, &[res]).with_params(paging_params(sub))]
            } else {
                targets
                    .iter()
                    .map(|t| ApiRequest::new(Method::Get, &[res, t]))
                    .collect()
            }
        }
        "modify" => vec![
            ApiRequest::new(Method::Put, &[res, &string(sub, TARGET)])
                .with_params(params(sub, resource.fields.iter().filter(|f| f.updatable))),
        ],
        "del" => strings(sub, TARGETS)
            .iter()
            .map(|t| ApiRequest::new(Method::Delete, &[res, t]))
            .collect(),
        other => {
            if let Some(relation) = resource
                .relations
                .iter()
                .find(|r| r.name == other.replace('-', "_"))
            {
                relation_requests(res, relation, sub)
            } else if let Some(act) = resource
                .actions
                .iter()
                .find(|a| a.name == other.replace('-', "_"))
            {
                vec![
                    ApiRequest::new(act.method, &[res, &string(sub, TARGET), act.name])
                        .with_params(params(sub, act.fields)),
                ]
            } else {
                Vec::new()
            }
        }
    }
}

fn relation_requests(
    res: &str,
    relation: &spec::Relation,
    matches: &ArgMatches,
) -> Vec<ApiRequest> {
    let Some((verb, sub)) = matches.subcommand() else {
        return Vec::new();
    };
    let base = string(sub, BASE);
    let rel = relation.name;
    let each_other = |method| -> Vec<ApiRequest> {
        strings(sub, OTHERS)
            .iter()
            .map(|o| ApiRequest::new(method, &[res, &base, rel, o]))
            .collect()
    };
    match (relation.kind, verb) {
        (_, "show") => {
            vec![ApiRequest::new(Method::Get, &[res, &base, rel]).with_params(paging_params(sub))]
        }
        (RelationKind::Link, "add") => vec![
            ApiRequest::new(Method::Post, &[res, &base, rel, &string(sub, OTHER)])
                .with_params(params(sub, relation.fields)),
        ],
        (RelationKind::Child | RelationKind::Fields, "add") => {
            vec![
                ApiRequest::new(Method::Post, &[res, &base, rel])
                    .with_params(params(sub, relation.fields)),
            ]
        }
        (RelationKind::Link | RelationKind::Child, "del") => each_other(Method::Delete),
        (RelationKind::Fields, "del") => {
            vec![
                ApiRequest::new(Method::Delete, &[res, &base, rel])
                    .with_params(params(sub, relation.fields)),
            ]
        }
        (RelationKind::Flag, "modify") => vec![
            ApiRequest::new(Method::Put, &[res, &base, rel, &string(sub, OTHER)])
                .with_params(params(sub, relation.fields)),
        ],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn requests(line: &str) -> Vec<ApiRequest> {
        let args = std::iter::once("vnctl").chain(line.split_whitespace());
        match parse(args).unwrap_or_else(|e| panic!("{line}: {e}")).action {
            Action::Api { requests, .. } => requests,
            other => panic!("{line}: not an API call: {other:?}"),
        }
    }

    fn one(line: &str) -> (Method, String) {
        let reqs = requests(line);
        assert_eq!(reqs.len(), 1, "{line}");
        (reqs[0].method, reqs[0].path_and_query())
    }

    #[test]
    fn tree_is_valid() {
        command().debug_assert();
    }

    #[test]
    fn both_option_spellings_give_the_same_request() {
        let kebab = requests("datapaths add --uuid dp-1 --display-name d --dpid 0x1 --node-id vna");
        let snake = requests("datapaths add --uuid dp-1 --display_name d --dpid 0x1 --node_id vna");
        assert_eq!(kebab, snake);
        assert_eq!(
            kebab[0].path_and_query(),
            "/api/1.0/datapaths?uuid=dp-1&display_name=d&dpid=0x1&node_id=vna"
        );
    }

    #[test]
    fn resource_names_accept_hyphens() {
        assert_eq!(
            one("network-services add --interface-uuid if-dhcp --mode dhcp"),
            (
                Method::Post,
                "/api/1.0/network_services?mode=dhcp&interface_uuid=if-dhcp".into()
            )
        );
    }

    #[test]
    fn required_options_are_enforced_on_add_only() {
        let err = parse(["vnctl", "datapaths", "add", "--display-name", "x"]).unwrap_err();
        assert!(err.to_string().contains("--dpid"), "{err}");
        assert_eq!(
            one("datapaths modify dp-1 --display-name y"),
            (Method::Put, "/api/1.0/datapaths/dp-1?display_name=y".into())
        );
        // Not updatable, so modify does not offer it.
        assert!(parse(["vnctl", "datapaths", "modify", "dp-1", "--dpid", "0x2"]).is_err());
        // No PUT route, no modify verb.
        assert!(parse(["vnctl", "segments", "modify", "seg-1"]).is_err());
    }

    #[test]
    fn show_and_del_make_one_request_per_uuid() {
        let show = requests("networks show nw-1 nw-2");
        assert_eq!(show.len(), 2);
        assert_eq!(show[1].path_and_query(), "/api/1.0/networks/nw-2");
        assert_eq!(
            one("networks show --limit 5 --offset 10"),
            (Method::Get, "/api/1.0/networks?limit=5&offset=10".into())
        );
        let del = requests("networks del nw-1 nw-2");
        assert_eq!(
            del.iter().map(|r| r.method).collect::<Vec<_>>(),
            [Method::Delete; 2]
        );
    }

    #[test]
    fn link_relations() {
        assert_eq!(
            one("datapaths networks add dp-1 nw-1 --interface-uuid if-1 --mac_address 02:00:00:00:00:01"),
            (
                Method::Post,
                "/api/1.0/datapaths/dp-1/networks/nw-1?interface_uuid=if-1&mac_address=02%3A00%3A00%3A00%3A00%3A01"
                    .into()
            )
        );
        assert!(parse(["vnctl", "datapaths", "networks", "add", "dp-1", "nw-1"]).is_err());
        let del = requests("datapaths route_links del dp-1 rl-1 rl-2");
        assert_eq!(
            del[1].path_and_query(),
            "/api/1.0/datapaths/dp-1/route_links/rl-2"
        );
        assert_eq!(
            one("topologies datapaths show topo-1"),
            (Method::Get, "/api/1.0/topologies/topo-1/datapaths".into())
        );
        assert_eq!(
            one("security_groups interfaces add sg-1 if-1"),
            (
                Method::Post,
                "/api/1.0/security_groups/sg-1/interfaces/if-1".into()
            )
        );
    }

    #[test]
    fn child_field_and_flag_relations() {
        assert_eq!(
            one("ip_range_groups ip_ranges add iprg-1 --begin_ipv4_address 10.0.0.1 --end-ipv4-address 10.0.0.9"),
            (
                Method::Post,
                "/api/1.0/ip_range_groups/iprg-1/ip_ranges?begin_ipv4_address=10.0.0.1&end_ipv4_address=10.0.0.9".into()
            )
        );
        assert_eq!(
            one("ip_range_groups ip_ranges del iprg-1 ipr-1"),
            (
                Method::Delete,
                "/api/1.0/ip_range_groups/iprg-1/ip_ranges/ipr-1".into()
            )
        );
        assert_eq!(
            one("filters static del fil-1 --protocol tcp --dst-port 22"),
            (
                Method::Delete,
                "/api/1.0/filters/fil-1/static?protocol=tcp&dst_port=22".into()
            )
        );
        assert_eq!(
            one("interfaces ports show if-1"),
            (Method::Get, "/api/1.0/interfaces/if-1/ports".into())
        );
        assert_eq!(
            one("interfaces networks modify if-1 nw-1 --static false"),
            (
                Method::Put,
                "/api/1.0/interfaces/if-1/networks/nw-1?static=false".into()
            )
        );
    }

    #[test]
    fn actions_and_boolean_switches() {
        assert_eq!(
            one("ip_leases attach il-1 --interface-uuid if-1"),
            (
                Method::Put,
                "/api/1.0/ip_leases/il-1/attach?interface_uuid=if-1".into()
            )
        );
        assert_eq!(
            one("ip_leases release il-1"),
            (Method::Put, "/api/1.0/ip_leases/il-1/release".into())
        );
        assert_eq!(
            one("interfaces modify if-1 --enable-routing"),
            (
                Method::Put,
                "/api/1.0/interfaces/if-1?enable_routing=true".into()
            )
        );
        assert_eq!(
            one("interfaces modify if-1 --enable_routing false"),
            (
                Method::Put,
                "/api/1.0/interfaces/if-1?enable_routing=false".into()
            )
        );
    }

    #[test]
    fn global_options_anywhere() {
        let inv = parse([
            "vnctl",
            "networks",
            "show",
            "-o",
            "yaml",
            "--api",
            "http://h:1",
        ])
        .unwrap();
        assert_eq!(inv.globals.output, Some(Format::Yaml));
        assert_eq!(inv.globals.api.as_deref(), Some("http://h:1"));
    }
}
