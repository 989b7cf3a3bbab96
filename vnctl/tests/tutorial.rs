//! The original single-network tutorial, as a batch file, parses into the expected requests.
// Helpers outside #[test] functions may panic: a failed expectation is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use vnctl::batch;
use vnctl::cli::{self, Action};

const TUTORIAL: &str = include_str!("fixtures/tutorial.vnctl");

fn requests() -> Vec<String> {
    let mut out = Vec::new();
    for line in batch::parse(TUTORIAL).expect("tutorial parses") {
        let args = std::iter::once("vnctl".to_owned()).chain(line.words);
        let invocation = cli::parse(args).unwrap_or_else(|e| panic!("line {}: {e}", line.number));
        let Action::Api { requests, .. } = invocation.action else {
            panic!("line {}", line.number)
        };
        for request in requests {
            out.push(format!(
                "{} {}",
                request.method.as_str(),
                request.path_and_query()
            ));
        }
    }
    out
}

#[test]
fn tutorial_batch_becomes_the_expected_requests() {
    let expected = [
        "POST /api/1.0/datapaths?uuid=dp-test1&display_name=test1&dpid=0x0000aaaaaaaaaaaa&node_id=vna",
        "POST /api/1.0/mac_range_groups?uuid=mrg-dpg",
        "POST /api/1.0/mac_range_groups/mrg-dpg/mac_ranges?begin_mac_address=52%3A56%3A01%3A00%3A00%3A00&end_mac_address=52%3A56%3A01%3Aff%3Aff%3Aff",
        "POST /api/1.0/networks?uuid=nw-test1&ipv4_network=10.100.0.0&ipv4_prefix=24&network_mode=virtual",
        "POST /api/1.0/interfaces?uuid=if-inst1&mode=vif&owner_datapath_uuid=dp-test1&network_uuid=nw-test1&mac_address=10%3A54%3Aff%3A00%3A00%3A01&ipv4_address=10.100.0.10&port_name=inst1",
        "POST /api/1.0/interfaces?uuid=if-inst2&mode=vif&owner_datapath_uuid=dp-test1&network_uuid=nw-test1&mac_address=10%3A54%3Aff%3A00%3A00%3A02&ipv4_address=10.100.0.11&port_name=inst2",
        "POST /api/1.0/interfaces?uuid=if-dhcp&mode=simulated&owner_datapath_uuid=dp-test1&network_uuid=nw-test1&mac_address=02%3A00%3A00%3A00%3A01%3A01&ipv4_address=10.100.0.2",
        "POST /api/1.0/network_services?uuid=ns-dhcp&mode=dhcp&interface_uuid=if-dhcp",
        "POST /api/1.0/networks?uuid=nw-test2&ipv4_network=10.200.0.0&ipv4_prefix=24&network_mode=virtual",
        "POST /api/1.0/interfaces?uuid=if-rt1&mode=simulated&owner_datapath_uuid=dp-test1&network_uuid=nw-test1&mac_address=02%3A00%3A10%3A00%3A00%3A01&ipv4_address=10.100.0.1&enable_routing=true",
        "POST /api/1.0/interfaces?uuid=if-rt2&mode=simulated&owner_datapath_uuid=dp-test1&network_uuid=nw-test2&mac_address=02%3A00%3A10%3A00%3A00%3A02&ipv4_address=10.200.0.1&enable_routing=true",
        "POST /api/1.0/route_links?uuid=rl-test1&mac_address=02%3A00%3A10%3Aff%3A00%3A01",
        "POST /api/1.0/datapaths/dp-test1/route_links/rl-test1?interface_uuid=if-rt1&mac_address=02%3A00%3A10%3Aff%3A01%3A01",
        "POST /api/1.0/routes?uuid=r-test1&interface_uuid=if-rt1&network_uuid=nw-test1&route_link_uuid=rl-test1&ipv4_network=10.100.0.0&ipv4_prefix=24",
        "POST /api/1.0/routes?uuid=r-test2&interface_uuid=if-rt2&network_uuid=nw-test2&route_link_uuid=rl-test1&ipv4_network=10.200.0.0&ipv4_prefix=24",
    ];
    assert_eq!(requests(), expected);
}
