# Shared by scripts/test.sh and scripts/sandbox.sh (sourced, not run): output helpers, the
# Debian packages vnet needs (installed with apt-get when missing), and a Rust toolchain (the
# invoking user's when run under sudo). Expects $script (the caller's name) and $repo.

if [[ -t 1 ]]; then bold=$'\e[1m' red=$'\e[31m' green=$'\e[32m' plain=$'\e[0m'; else bold='' red='' green='' plain=''; fi
say() { printf '\n%s==> %s%s\n' "$bold" "$*" "$plain"; }
die() { printf '%s%s: %s%s\n' "$red" "$script" "$*" "$plain" >&2; exit 1; }

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

export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

# install_packages [mariadb]: Open vSwitch and the tools the datacenter harness runs (ip, ping,
# sysctl, ethtool), and MariaDB when asked.
install_packages() {
    local missing_packages=()
    if ! command -v ovs-vswitchd >/dev/null || ! command -v ovsdb-server >/dev/null ||
        ! command -v ovs-ofctl >/dev/null || ! command -v ovs-vsctl >/dev/null; then
        missing_packages+=(openvswitch-switch)
    fi
    command -v ip >/dev/null || missing_packages+=(iproute2)
    command -v ping >/dev/null || missing_packages+=(iputils-ping)
    command -v sysctl >/dev/null || missing_packages+=(procps)
    command -v ethtool >/dev/null || missing_packages+=(ethtool)
    if [[ ${1:-} == mariadb ]] && ! command -v mariadbd >/dev/null && ! command -v mysqld >/dev/null; then
        missing_packages+=(mariadb-server)
    fi
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
}

# find_toolchain: cargo on PATH, borrowing the sudo-invoking user's ~/.cargo when root has none;
# files root creates in target/ go back to that user at exit.
find_toolchain() {

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
    [[ -x ${HOME:-/root}/.cargo/bin/cargo ]] && export PATH="${HOME:-/root}/.cargo/bin:$PATH"
    if ! command -v cargo >/dev/null; then
        # Debian's cargo is too old for the workspace (rust-version in Cargo.toml): rustup.
        say "installing a Rust toolchain for $(id -un) (rustup, stable, minimal profile)"
        if ! command -v curl >/dev/null; then
            export DEBIAN_FRONTEND=noninteractive
            quietly apt-get update
            quietly apt-get install -y curl ca-certificates
        fi
        command -v cc >/dev/null || quietly apt-get install -y gcc libc6-dev
        local rustup_init
        rustup_init=$(mktemp)
        quietly curl --proto '=https' --tlsv1.2 -sSf -o "$rustup_init" https://sh.rustup.rs
        quietly sh "$rustup_init" -y --profile minimal --default-toolchain stable -c rustfmt -c clippy
        rm -f "$rustup_init"
        export PATH="${HOME:-/root}/.cargo/bin:$PATH"
    fi
    command -v cargo >/dev/null ||
        die "cargo not found after installing rustup; install Rust (https://rustup.rs) by hand"

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

}
