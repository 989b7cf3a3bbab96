//! Datasets for benchmarks, as `vnctl batch` lines.

use std::fmt::Write as _;

/// The large topology of the benchmarks as `vnctl batch` lines: `networks` virtual networks
/// and `interfaces` VM interfaces over `datapaths` datapaths (dp-1..3 of the namespace
/// datacenter, whose base dataset makes them and their host interfaces, and made-up ones with
/// their own host interfaces), each network on ten datapaths, dp-1 among them for every tenth.
/// In three phases; the commands of one phase do not depend on each other (datapaths and
/// networks; interfaces; datapath networks), so each may be loaded concurrently.
pub fn large(networks: usize, interfaces: usize, datapaths: usize) -> [String; 3] {
    let mut phases = [String::new(), String::new(), String::new()];
    let dp = |i: usize| {
        if i < 3 {
            format!("dp-{}", i + 1)
        } else {
            format!("dp-b{i}")
        }
    };
    let host_if = |i: usize| {
        if i < 3 {
            format!("if-dp{}eth0", i + 1)
        } else {
            format!("if-b{i}eth0")
        }
    };
    for i in 3..datapaths {
        let (nw, ip) = if i % 2 == 0 {
            ("nw-public1", format!("192.0.2.{}", 10 + i / 2))
        } else {
            ("nw-public2", format!("198.51.100.{}", 10 + i / 2))
        };
        writeln!(
            phases[0],
            "datapaths add --uuid {} --display-name {} --dpid 0x{:016x} --node-id vnab{i}",
            dp(i),
            dp(i),
            0x1_0000 + i
        )
        .unwrap();
        writeln!(
            phases[1],
            "interfaces add --uuid {} --mode host --owner-datapath-uuid {} --mac-address 02:fd:00:00:{:02x}:{:02x} --network-uuid {nw} --ipv4-address {ip} --port-name eth0",
            host_if(i), dp(i), i / 256, i % 256
        )
        .unwrap();
    }
    for n in 0..networks {
        writeln!(
            phases[0],
            "networks add --uuid nw-b{n} --ipv4-network 10.{}.{}.0 --ipv4-prefix 24 --network-mode virtual",
            200 + n / 250,
            n % 250
        )
        .unwrap();
    }
    let per_network = interfaces / networks;
    for k in 0..interfaces {
        let n = k % networks;
        let j = k / networks;
        let d = (n + j * 11) % datapaths;
        writeln!(
            phases[1],
            "interfaces add --uuid if-b{k} --mode vif --owner-datapath-uuid {} --mac-address 06:00:00:{:02x}:{:02x}:{:02x} --network-uuid nw-b{n} --ipv4-address 10.{}.{}.{} --port-name p{k}",
            dp(d), k >> 16, (k >> 8) & 0xff, k & 0xff, 200 + n / 250, n % 250, 10 + j
        )
        .unwrap();
    }
    for n in 0..networks {
        for j in 0..per_network.max(1) {
            let d = (n + j * 11) % datapaths;
            let m = n * per_network + j;
            writeln!(
                phases[2],
                "datapaths networks add {} nw-b{n} --interface-uuid {} --mac-address 0a:00:00:{:02x}:{:02x}:{:02x}",
                dp(d), host_if(d), m >> 16, (m >> 8) & 0xff, m & 0xff
            )
            .unwrap();
        }
    }
    phases
}
