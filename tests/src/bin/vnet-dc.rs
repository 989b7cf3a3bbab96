//! `vnet-dc`: bring the integration harness's datacenter up and leave it running, show it, or
//! tear it down. The plumbing under the sandbox; it starts no vnet daemon itself.
//!
//! ```text
//! vnet-dc up [--dir DIR] [--prefix PREFIX] [--root-mgmt-ip IP/LEN]
//!                                            build and keep it; prints its directory
//! vnet-dc show DIR                           what it consists of (state.json)
//! vnet-dc down DIR                           stop its processes and switches, delete it
//! vnet-dc sweep                              delete datacenters whose test process died
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use integration::{Datacenter, KeptState, Options, Tools, layout};

const USAGE: &str = "usage: vnet-dc up [--dir DIR] [--prefix PREFIX] [--root-mgmt-ip IP/LEN] | show DIR | down DIR | sweep";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("vnet-dc: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<(), String> {
    let tools = || Tools::locate().map_err(|error| error.to_string());
    match args.split_first() {
        Some((command, rest)) if command == "up" => {
            let mut options = Options {
                keepable: true,
                ..Options::default()
            };
            let mut rest = rest.iter();
            while let Some(flag) = rest.next() {
                let value = rest.next().ok_or(USAGE)?;
                match flag.as_str() {
                    "--dir" => options.dir = Some(PathBuf::from(value)),
                    "--prefix" => options.prefix = Some(value.clone()),
                    "--root-mgmt-ip" => {
                        let (ip, len) = value.split_once('/').ok_or(USAGE)?;
                        let ip = ip.parse().map_err(|_| format!("bad IP in {value}"))?;
                        let len = len.parse().map_err(|_| format!("bad prefix in {value}"))?;
                        options.root_mgmt_ip = Some((ip, len));
                    }
                    _ => return Err(USAGE.to_owned()),
                }
            }
            let dc = Datacenter::build(&tools()?, options).map_err(|error| error.to_string())?;
            let dir = dc.keep().map_err(|error| error.to_string())?;
            let state = KeptState::load(&dir).map_err(|error| error.to_string())?;
            print!("{}", describe(&state));
            println!("tear down with: vnet-dc down {}", dir.display());
            Ok(())
        }
        Some((command, [dir])) if command == "show" => {
            let state = KeptState::load(&PathBuf::from(dir)).map_err(|error| error.to_string())?;
            print!("{}", describe(&state));
            Ok(())
        }
        Some((command, [dir])) if command == "down" => {
            integration::teardown_kept(&tools()?, &PathBuf::from(dir))
                .map_err(|error| error.to_string())
        }
        Some((command, [])) if command == "sweep" => {
            for dir in integration::sweep(&tools()?).map_err(|error| error.to_string())? {
                println!("removed {}", dir.display());
            }
            Ok(())
        }
        _ => Err(USAGE.to_owned()),
    }
}

/// A human summary of a kept datacenter.
fn describe(state: &KeptState) -> String {
    let mut out = format!("datacenter {} in {}\n", state.prefix, state.dir.display());
    for host in &state.layout.hosts {
        out.push_str(&format!(
            "  {} ({}, {}, dpid {}): netns {}-h{}, underlay {} mac {} on {}, mgmt {}\n",
            host.name,
            host.node_id,
            host.datapath,
            layout::dpid_hex(host.dpid),
            state.prefix,
            host.index,
            host.underlay_ip,
            host.host_mac,
            layout::UNDERLAY_BRIDGE,
            host.mgmt_ip,
        ));
    }
    for vm in &state.layout.vms {
        let ip = vm
            .ip
            .map(|(ip, len)| format!("{ip}/{len}"))
            .unwrap_or_else(|| "no ip".to_owned());
        out.push_str(&format!(
            "  {}: netns {}-{}, mac {}, {ip}, port {} (ofport {}) on {}\n",
            vm.name, state.prefix, vm.name, vm.mac, vm.port, vm.ofport, vm.host
        ));
    }
    for process in &state.processes {
        out.push_str(&format!("  process {} pid {}\n", process.name, process.pid));
    }
    out
}
