#!/usr/bin/env bash
# The project's test command:
#
#   sudo scripts/test.sh [--quick] [CARGO_TEST_ARGS...]
#
# Installs what the tests need on Debian (Open vSwitch, MariaDB) if it is missing, then runs
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

if [[ -t 1 ]]; then bold=$'\e[1m' red=$'\e[31m' green=$'\e[32m' plain=$'\e[0m'; else bold='' red='' green='' plain=''; fi
say() { printf '\n%s==> %s%s\n' "$bold" "$*" "$plain"; }
die() { printf '%sscripts/test.sh: %s%s\n' "$red" "$*" "$plain" >&2; exit 1; }

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

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

# --- packages ---------------------------------------------------------------------------------

missing_packages=()
if ! command -v ovs-vswitchd >/dev/null || ! command -v ovsdb-server >/dev/null ||
    ! command -v ovs-ofctl >/dev/null || ! command -v ovs-vsctl >/dev/null; then
    missing_packages+=(openvswitch-switch)
fi
if ! command -v mariadbd >/dev/null && ! command -v mysqld >/dev/null; then
    missing_packages+=(mariadb-server)
fi

# Runs a noisy command quietly; shows its output only if it fails.
quietly() {
    local log
    log=$(mktemp)
    if "$@" >"$log" 2>&1; then
        rm -f "$log"
    else
        cat "$log" >&2
        rm -f "$log"
        die "failed: $*"
    fi
}

if ((${#missing_packages[@]})); then
    command -v apt-get >/dev/null ||
        die "missing ${missing_packages[*]}, and there is no apt-get to install it; install it by hand"
    say "installing ${missing_packages[*]} (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    quietly apt-get update
    quietly apt-get install -y "${missing_packages[@]}"
fi
[[ -f /usr/share/openvswitch/vswitch.ovsschema ]] ||
    die "Open vSwitch is installed but /usr/share/openvswitch/vswitch.ovsschema is missing"

# --- Rust toolchain ---------------------------------------------------------------------------

# Under sudo, PATH no longer holds the invoking user's ~/.cargo/bin; borrow that toolchain.
borrowed_toolchain=0
if ! command -v cargo >/dev/null && [[ -n ${SUDO_USER:-} && $SUDO_USER != root ]]; then
    user_home=$(getent passwd "$SUDO_USER" | cut -d: -f6)
    if [[ -x $user_home/.cargo/bin/cargo ]]; then
        export PATH="$user_home/.cargo/bin:$PATH"
        export CARGO_HOME="${CARGO_HOME:-$user_home/.cargo}"
        [[ -d $user_home/.rustup ]] && export RUSTUP_HOME="${RUSTUP_HOME:-$user_home/.rustup}"
        borrowed_toolchain=1
    fi
fi
command -v cargo >/dev/null ||
    die "cargo not found. Install Rust (https://rustup.rs) for root, or for the user who runs sudo (~/.cargo/bin/cargo)."

# Files root creates in the invoking user's checkout (target/) and, when borrowed, toolchain
# directories go back to that user, so their own cargo keeps working afterwards.
give_back_files() {
    [[ -n ${SUDO_UID:-} && ${SUDO_UID} != 0 ]] || return 0
    local dirs=("${CARGO_TARGET_DIR:-$repo/target}")
    if ((borrowed_toolchain)); then
        dirs+=("$CARGO_HOME")
        [[ -n ${RUSTUP_HOME:-} ]] && dirs+=("$RUSTUP_HOME")
    fi
    local dir
    for dir in "${dirs[@]}"; do
        if [[ -d $dir ]]; then
            find "$dir" -xdev -uid 0 -exec chown -h "$SUDO_UID:${SUDO_GID:-$SUDO_UID}" {} + || true
        fi
    done
}
trap give_back_files EXIT

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
step cargo test "${workspace_flag[@]}" "${test_args[@]}"

if ((${#failed[@]})); then
    summary=$(printf '%s; ' "${failed[@]}")
    printf '\n%sscripts/test.sh: FAILED: %s%s\n' "$red" "${summary%; }" "$plain"
    exit 1
fi
printf '\n%sscripts/test.sh: all checks passed%s\n' "$green" "$plain"
