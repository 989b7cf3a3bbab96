#!/usr/bin/env bash
# A whole vnet on one machine, to try it:
#
#   sudo scripts/sandbox.sh up       build (release), start, load the demo, show pings
#   sudo scripts/sandbox.sh status   what is running
#   sudo scripts/sandbox.sh down     stop everything and delete it
#   scripts/sandbox.sh vnctl ARGS    vnctl against the sandbox's vnapi
#
# `up` installs what it needs on Debian when missing (Open vSwitch, iproute2, ping, ethtool, and
# a Rust toolchain), builds the four programs, then runs target/release/vnet-sandbox: three
# simulated hypervisors (network namespaces, each with its own ovsdb-server and ovs-vswitchd on
# the userspace datapath, so no kernel module), six VMs, two underlay networks joined by a
# router, vnmgr on SQLite and vnapi on a management network, one vna per hypervisor, and two
# demo virtual networks sharing one subnet. It needs root (namespaces, Open vSwitch). The system's
# own Open vSwitch service, if any, is left alone.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
script=scripts/sandbox.sh
# shellcheck source=scripts/setup.sh
source "$repo/scripts/setup.sh"
cd "$repo"

dir=/tmp/vnet-sandbox
bin="$repo/target/release"
api=http://203.0.113.254:9090

usage() {
    sed -n '2,7p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

need_root() {
    [[ $(id -u) -eq 0 ]] || die "needs root: it creates network namespaces and runs Open vSwitch. Run: sudo $script $1"
}

case ${1:-} in
    up)
        need_root up
        install_packages
        find_toolchain
        say "building vnmgr, vnapi, vnctl, vna and the sandbox (cargo build --release; the first build takes a few minutes)"
        cargo build --release --quiet --bins -p vnmgr -p vnapi -p vnctl -p vna -p integration
        "$bin/vnet-sandbox" up --dir "$dir" --bin-dir "$bin"
        ;;
    status)
        need_root status
        [[ -x $bin/vnet-sandbox ]] || die "not built yet: sudo $script up"
        "$bin/vnet-sandbox" status --dir "$dir"
        ;;
    down)
        need_root down
        if [[ -x $bin/vnet-sandbox ]]; then
            "$bin/vnet-sandbox" down --dir "$dir"
        else
            echo "no sandbox (nothing built)"
        fi
        ;;
    vnctl)
        shift
        [[ -x $bin/vnctl ]] || die "not built yet: sudo $script up"
        exec "$bin/vnctl" --api "$api" "$@"
        ;;
    -h | --help | help) usage ;;
    *)
        usage >&2
        exit 2
        ;;
esac
