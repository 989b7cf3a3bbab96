//! Where the Open vSwitch programs are, and what to do when they are not.

use std::io::Write as _;
use std::path::PathBuf;

use crate::Error;

/// Where Debian and a source build put the programs; searched after `PATH`, because a test run
/// by a non-root user usually has no `sbin` directory on its `PATH`.
const PROGRAM_DIRS: &[&str] = &[
    "/usr/sbin",
    "/usr/bin",
    "/sbin",
    "/bin",
    "/usr/local/sbin",
    "/usr/local/bin",
];
/// Where the schema of the `Open_vSwitch` database is installed.
const SCHEMA_DIRS: &[&str] = &["/usr/share/openvswitch", "/usr/local/share/openvswitch"];

/// Absolute paths of the Open vSwitch programs and the database schema.
#[derive(Debug, Clone)]
pub struct Tools {
    /// `ovsdb-tool`, to create a database.
    pub ovsdb_tool: PathBuf,
    /// `ovsdb-server`.
    pub ovsdb_server: PathBuf,
    /// `ovs-vswitchd`.
    pub ovs_vswitchd: PathBuf,
    /// `ovs-vsctl`.
    pub ovs_vsctl: PathBuf,
    /// `ovs-ofctl`.
    pub ovs_ofctl: PathBuf,
    /// `ovs-appctl`.
    pub ovs_appctl: PathBuf,
    /// `vswitch.ovsschema`.
    pub schema: PathBuf,
    /// `setpriv` (util-linux), to give daemons a parent-death signal; optional.
    pub setpriv: Option<PathBuf>,
    /// `ip` (iproute2), to run a daemon inside a network namespace; optional until needed.
    pub ip: Option<PathBuf>,
}

impl Tools {
    /// Finds every program and the schema, or names the missing ones.
    pub fn locate() -> Result<Tools, Error> {
        let mut missing = Vec::new();
        let mut program = |name: &str| {
            find_program(name).unwrap_or_else(|| {
                missing.push(name.to_owned());
                PathBuf::new()
            })
        };
        let ovsdb_tool = program("ovsdb-tool");
        let ovsdb_server = program("ovsdb-server");
        let ovs_vswitchd = program("ovs-vswitchd");
        let ovs_vsctl = program("ovs-vsctl");
        let ovs_ofctl = program("ovs-ofctl");
        let ovs_appctl = program("ovs-appctl");
        let schema = find_schema().unwrap_or_else(|| {
            missing.push("vswitch.ovsschema".to_owned());
            PathBuf::new()
        });
        if !missing.is_empty() {
            return Err(Error::NotInstalled { missing });
        }
        Ok(Tools {
            ovsdb_tool,
            ovsdb_server,
            ovs_vswitchd,
            ovs_vsctl,
            ovs_ofctl,
            ovs_appctl,
            schema,
            setpriv: find_program("setpriv"),
            ip: find_program("ip"),
        })
    }

    /// The project's rule for tests: the tools if installed; `Ok(None)` after a note on stderr
    /// if not; `Err` if not installed but [`ovs_required`] says they must be.
    pub fn for_tests() -> Result<Option<Tools>, Error> {
        match Tools::locate() {
            Ok(tools) => Ok(Some(tools)),
            Err(error) if ovs_required() => Err(error),
            Err(error) => {
                // Straight to stderr, not through eprintln!, so the note is not swallowed by the
                // test harness's capture of a passing test's output.
                let _ = writeln!(
                    std::io::stderr(),
                    "skipping an Open vSwitch test: {error}; set VNET_REQUIRE_OVS=1 to fail instead"
                );
                Ok(None)
            }
        }
    }
}

/// Finds `name` on `PATH` or in the usual program directories.
pub fn find_program(name: &str) -> Option<PathBuf> {
    let path_dirs = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default();
    path_dirs
        .into_iter()
        .chain(PROGRAM_DIRS.iter().map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

fn find_schema() -> Option<PathBuf> {
    let from_env = std::env::var_os("OVS_PKGDATADIR").map(PathBuf::from);
    from_env
        .into_iter()
        .chain(SCHEMA_DIRS.iter().map(PathBuf::from))
        .map(|dir| dir.join("vswitch.ovsschema"))
        .find(|candidate| candidate.is_file())
}

/// Whether a missing Open vSwitch (or root, for tests that need it) fails a test rather than
/// skipping it: `VNET_REQUIRE_OVS` or `CI` set to anything but empty, `0`, `false` or `no`.
pub fn ovs_required() -> bool {
    let set = |name: &str| {
        std::env::var(name)
            .map(|value| {
                !value.is_empty()
                    && !["0", "false", "no"].contains(&value.to_ascii_lowercase().as_str())
            })
            .unwrap_or(false)
    };
    set("VNET_REQUIRE_OVS") || set("CI")
}
