#!/usr/bin/env bash
# The project's test command:
#
#   sudo scripts/test.sh [--quick] [CARGO_TEST_ARGS...]
#
# Installs what the tests need on Debian (Open vSwitch, MariaDB, iproute2, ping, ethtool, and a
# Rust toolchain with rustup) if it is missing, then runs
#   cargo fmt --all -- --check
#   cargo clippy --workspace --all-targets -- -D warnings
#   cargo test --workspace [CARGO_TEST_ARGS...]
# and exits non-zero if any of them fails. --quick runs only the tests.
#
# Tests that need Open vSwitch start their own ovsdb-server/ovs-vswitchd in temporary directories
# (userspace datapath, no kernel module), so this script starts no system service. It sets
# VNET_REQUIRE_OVS=1: a test that cannot find Open vSwitch fails instead of skipping.
set -euo pipefail

usage() {
    cat <<'EOF'
usage: sudo scripts/test.sh [--quick] [CARGO_TEST_ARGS...]

  --quick            skip cargo fmt and cargo clippy; run only cargo test
  CARGO_TEST_ARGS    passed to cargo test, e.g. `-p openflow --test ovs_harness -- --nocapture`
EOF
}

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
script=scripts/test.sh
# shellcheck source=scripts/setup.sh
source "$repo/scripts/setup.sh"

quick=0
test_args=()
while (($#)); do
    case $1 in
        --quick) quick=1 ;;
        -h | --help) usage; exit 0 ;;
        --) test_args+=("$@"); break ;;
        *) test_args+=("$1") ;;
    esac
    shift
done

if [[ $(id -u) -ne 0 ]]; then
    die "needs root: it installs packages, and the integration tests create network namespaces and run Open vSwitch. Run: sudo scripts/test.sh"
fi

cd "$repo"

# --- packages and toolchain ------------------------------------------------------------------

install_packages mariadb
find_toolchain

if ((!quick)); then
    for component in fmt:rustfmt clippy:clippy; do
        if ! cargo "${component%%:*}" --version >/dev/null 2>&1; then
            command -v rustup >/dev/null ||
                die "cargo ${component%%:*} is missing; install the ${component##*:} component of your Rust toolchain"
            say "installing the ${component##*:} component (rustup)"
            quietly rustup component add "${component##*:}"
        fi
    done
fi

printf '%s\n' "$(cargo --version), $(ovs-vswitchd --version | head -n 1)"

# --- checks -----------------------------------------------------------------------------------

export VNET_REQUIRE_OVS=1 # also implied by CI=true; a test must never skip silently here

workspace_flag=(--workspace)
for arg in "${test_args[@]}"; do
    [[ $arg == -- ]] && break
    [[ $arg == -p || $arg == --package || $arg == --package=* || $arg == -p?* ]] && workspace_flag=()
done

failed=()
step() {
    local started=$SECONDS
    say "$*"
    if "$@"; then
        printf '%s(%s: ok in %ss)%s\n' "$green" "$1 ${2:-}" "$((SECONDS - started))" "$plain"
    else
        failed+=("$1 ${2:-}")
    fi
}

if ((!quick)); then
    step cargo fmt --all -- --check
    step cargo clippy --workspace --all-targets -- -D warnings
fi
# --no-fail-fast: one failing test binary must not hide the results of the others.
step cargo test --no-fail-fast "${workspace_flag[@]}" "${test_args[@]}"

if ((${#failed[@]})); then
    summary=$(printf '%s; ' "${failed[@]}")
    printf '\n%sscripts/test.sh: FAILED: %s%s\n' "$red" "${summary%; }" "$plain"
    exit 1
fi
printf '\n%sscripts/test.sh: all checks passed%s\n' "$green" "$plain"
