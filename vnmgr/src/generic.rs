//! Operations over rows of any table, dispatched to the store's typed API.

use model::{AnyRecord, Record, Table};
use store::{StoreError, Tx};

/// Generic insert, update and decode, one arm per table.
macro_rules! by_table {
    ($($name:ident = $table:ident,)+) => {
        pub(crate) async fn insert_any(tx: &mut Tx, row: AnyRecord) -> Result<AnyRecord, StoreError> {
            match row {
                $( AnyRecord::$name(r) => tx.insert(r).await.map(Record::into_any), )+
            }
        }

        pub(crate) async fn update_any(tx: &mut Tx, row: AnyRecord) -> Result<AnyRecord, StoreError> {
            match row {
                $( AnyRecord::$name(r) => tx.update(r).await.map(Record::into_any), )+
            }
        }

        /// Deserialises the fields of a row of `table`; the error knows the field's path.
        pub(crate) fn decode_any(
            table: Table,
            fields: serde_json::Value,
        ) -> Result<AnyRecord, serde_path_to_error::Error<serde_json::Error>> {
            match table {
                $( Table::$table => serde_path_to_error::deserialize::<_, model::$name>(fields)
                    .map(Record::into_any), )+
            }
        }
    };
}

by_table! {
    Datapath = Datapaths,
    DatapathNetwork = DatapathNetworks,
    DatapathSegment = DatapathSegments,
    DatapathRouteLink = DatapathRouteLinks,
    Network = Networks,
    Segment = Segments,
    Interface = Interfaces,
    InterfacePort = InterfacePorts,
    InterfaceNetwork = InterfaceNetworks,
    InterfaceSegment = InterfaceSegments,
    InterfaceRouteLink = InterfaceRouteLinks,
    MacAddress = MacAddresses,
    MacLease = MacLeases,
    IpAddress = IpAddresses,
    IpLease = IpLeases,
    IpLeaseContainer = IpLeaseContainers,
    IpLeaseContainerIpLease = IpLeaseContainerIpLeases,
    IpRangeGroup = IpRangeGroups,
    IpRange = IpRanges,
    IpRetentionContainer = IpRetentionContainers,
    IpRetention = IpRetentions,
    LeasePolicy = LeasePolicies,
    LeasePolicyBaseNetwork = LeasePolicyBaseNetworks,
    LeasePolicyBaseInterface = LeasePolicyBaseInterfaces,
    LeasePolicyIpLeaseContainer = LeasePolicyIpLeaseContainers,
    LeasePolicyIpRetentionContainer = LeasePolicyIpRetentionContainers,
    MacRangeGroup = MacRangeGroups,
    MacRange = MacRanges,
    RouteLink = RouteLinks,
    Route = Routes,
    NetworkService = NetworkServices,
    DnsService = DnsServices,
    DnsRecord = DnsRecords,
    Filter = Filters,
    FilterStatic = FilterStatics,
    Translation = Translations,
    TranslationStaticAddress = TranslationStaticAddresses,
    Topology = Topologies,
    TopologyDatapath = TopologyDatapaths,
    TopologyNetwork = TopologyNetworks,
    TopologySegment = TopologySegments,
    TopologyRouteLink = TopologyRouteLinks,
    TopologyMacRangeGroup = TopologyMacRangeGroups,
    TopologyLayer = TopologyLayers,
    Tunnel = Tunnels,
    ActiveInterface = ActiveInterfaces,
    ActiveNetwork = ActiveNetworks,
    ActiveSegment = ActiveSegments,
    ActiveRouteLink = ActiveRouteLinks,
    ActivePort = ActivePorts,
    SecurityGroup = SecurityGroups,
    SecurityGroupInterface = SecurityGroupInterfaces,
}
