//! Service calls ([`ServiceCall`]): the original's routes that do more than write the row
//! they name. Each runs inside the request's transaction, like a create; its changes become
//! one event, whose kind is the original's (`interface_leased_ipv4_address`,
//! `interface_released_ipv4_address`).

use model::{
    AnyRecord, HasUuid, Interface, IpLease, LeasePolicy, MacLease, ModelError, Record,
    ResourceKind, Table,
};
use proto::{Change, ChangeOp, Key, ServiceCall};
use serde_json::{Map, Value};
use store::Tx;

use crate::error::OpError;
use crate::rows;
use crate::services::{self, ServiceContext};

/// The event kind of a committed `call`.
pub(crate) fn event_kind(call: &ServiceCall) -> String {
    match call {
        ServiceCall::AllocateLease { .. } | ServiceCall::AttachLease { .. } => {
            "interface_leased_ipv4_address".to_owned()
        }
        ServiceCall::ReleaseLease { .. } => "interface_released_ipv4_address".to_owned(),
        ServiceCall::CreateInterface { .. } => "interface_created_item".to_owned(),
    }
}

/// What a call answers: the lease it is about (as `show` would) and every change it made
/// so far in `tx` (as its event will carry them).
pub(crate) type Called = (serde_json::Value, Vec<Change<serde_json::Value>>);

/// Runs `call` in `tx`.
pub(crate) async fn call_in(
    tx: &mut Tx,
    ctx: &ServiceContext,
    call: &ServiceCall,
) -> Result<Called, OpError> {
    let row: AnyRecord = match call {
        ServiceCall::AllocateLease {
            lease_policy,
            interface,
        } => {
            let policy: LeasePolicy = resolve(tx, "lease_policy_uuid", lease_policy).await?;
            let interface: Interface = resolve(tx, "interface_uuid", interface).await?;
            services::allocate_lease(tx, &policy.uuid, &interface.uuid, ctx)
                .await?
                .into_any()
        }
        ServiceCall::AttachLease {
            ip_lease,
            interface,
            mac_lease,
        } => {
            let lease: IpLease = resolve(tx, "ip_lease_uuid", ip_lease).await?;
            attach(tx, lease, interface.as_ref(), mac_lease.as_ref())
                .await?
                .into_any()
        }
        ServiceCall::ReleaseLease { ip_lease } => {
            let lease: IpLease = resolve(tx, "ip_lease_uuid", ip_lease).await?;
            services::release_lease(tx, lease.id, ctx).await?;
            tx.require::<IpLease>(lease.id).await?.into_any()
        }
        ServiceCall::CreateInterface { row } => create_interface(tx, ctx, row.clone()).await?,
    };
    let changes = tx
        .changes()
        .iter()
        .map(|change| {
            let op = match change.op {
                store::ChangeOp::Created => ChangeOp::Created,
                store::ChangeOp::Updated => ChangeOp::Updated,
                store::ChangeOp::Deleted => ChangeOp::Deleted,
            };
            let row = serde_json::to_value(&change.row)
                .map_err(|e| OpError::Internal(format!("cannot encode a changed row: {e}")))?;
            Ok(Change { op, row })
        })
        .collect::<Result<Vec<_>, OpError>>()?;
    Ok((rows::row_json(&row)?, changes))
}

/// The original's interface create (reference §2.3): the interface, its port, its MAC lease
/// (given or drawn from `mac_range_group_uuid`), its IP lease on `network_uuid` and the
/// network and segment associations, all in `tx`.
async fn create_interface(
    tx: &mut Tx,
    ctx: &ServiceContext,
    mut row: Map<String, Value>,
) -> Result<AnyRecord, OpError> {
    let mac = row.remove("mac_address");
    let mac_group = row.remove("mac_range_group_uuid");
    let network = row.remove("network_uuid");
    let ipv4 = row.remove("ipv4_address");
    let segment = row.remove("segment_uuid");
    let port_name = row.remove("port_name");
    let owner = row.remove("owner_datapath_uuid");
    if ipv4.is_some() && network.is_none() {
        return Err(ModelError::missing("network_uuid").into());
    }
    let interface = create(tx, ctx, Table::Interfaces, row).await?;
    let interface_id = Value::from(interface.id());
    let singular = port_name.is_some() || owner.is_some();
    let mut port = Map::new();
    port.insert("interface_id".into(), interface_id.clone());
    port.insert("singular".into(), Value::Bool(singular));
    if let Some(owner) = owner {
        port.insert("datapath_uuid".into(), owner);
    }
    if let Some(name) = port_name {
        port.insert("port_name".into(), name);
    }
    create(tx, ctx, Table::InterfacePorts, port).await?;
    let mac_address_id = match (mac, mac_group) {
        (Some(mac), _) => {
            let mut address = Map::new();
            address.insert("mac_address".into(), mac);
            if let Some(segment) = &segment {
                address.insert("segment_uuid".into(), segment.clone());
            }
            Some(create(tx, ctx, Table::MacAddresses, address).await?.id())
        }
        (None, Some(group)) => {
            let uuid =
                rows::parse_uuid("mac_range_group_uuid", ResourceKind::MacRangeGroup, &group)?;
            Some(services::allocate_mac(tx, "mac_range_group_uuid", &uuid).await?)
        }
        (None, None) => None,
    };
    let mac_lease_id = match mac_address_id {
        Some(id) => {
            let mut lease = Map::new();
            lease.insert("interface_id".into(), interface_id.clone());
            lease.insert("mac_address_id".into(), Value::from(id));
            Some(create(tx, ctx, Table::MacLeases, lease).await?.id())
        }
        None => None,
    };
    if let (Some(network), Some(ipv4)) = (&network, ipv4) {
        let mut address = Map::new();
        address.insert("network_uuid".into(), network.clone());
        address.insert("ipv4_address".into(), ipv4);
        let address = create(tx, ctx, Table::IpAddresses, address).await?;
        let mut lease = Map::new();
        lease.insert("interface_id".into(), interface_id.clone());
        lease.insert("ip_address_id".into(), Value::from(address.id()));
        if let Some(id) = mac_lease_id {
            lease.insert("mac_lease_id".into(), Value::from(id));
        }
        create(tx, ctx, Table::IpLeases, lease).await?;
    }
    for (table, field, value) in [
        (Table::InterfaceNetworks, "network_uuid", network),
        (Table::InterfaceSegments, "segment_uuid", segment),
    ] {
        if let Some(value) = value {
            let mut link = Map::new();
            link.insert("interface_id".into(), interface_id.clone());
            link.insert(field.into(), value);
            create(tx, ctx, table, link).await?;
        }
    }
    Ok(tx.require::<Interface>(interface.id()).await?.into_any())
}

/// A create (or relate) with what the original's API wrote alongside the row (reference
/// §3.2), all in `tx`:
///
/// * `mac_address` on a table with a `mac_address_id` column (route links, datapath
///   networks, segments and route links, MAC leases): its `mac_addresses` row first (with a
///   MAC lease's `segment_uuid`), named by the row;
/// * `network_uuid` and `ipv4_address` on an IP lease: its `ip_addresses` row first;
/// * `topology_uuid` on a network, segment or route link: the `topology_*` row after, which
///   runs the topology service as relating it would;
/// * relating an interface to a lease policy (`lease_policy_base_interfaces`) allocates the
///   interface a lease from the policy at once, as the original's route did.
///
/// Without any of these it is exactly [`crate::server::create_in`]. Answers the row created.
pub(crate) async fn create_composite(
    tx: &mut Tx,
    ctx: &ServiceContext,
    table: Table,
    input: Value,
    relate: bool,
) -> Result<Value, OpError> {
    let Value::Object(mut fields) = input else {
        return crate::server::create_in(tx, ctx, table, input, relate).await;
    };
    // A uuid in use is 102 before any implied row is written.
    if let (Some(kind), Some(uuid)) = (table.resource_kind(), fields.get("uuid")) {
        let uuid = rows::parse_uuid("uuid", kind, uuid)?;
        crate::server::check_uuid_free(tx, table, uuid).await?;
    }
    if relate {
        check_sides_unrelated(tx, table, &fields).await?;
    }
    let has_column = |name: &str| table.columns().iter().any(|c| c.name == name);
    if table != Table::MacAddresses
        && has_column("mac_address_id")
        && let Some(mac) = fields.remove("mac_address")
    {
        if let Some(given) = fields.get("mac_address_id") {
            return Err(ModelError::invalid(
                "mac_address_id",
                given,
                "give either mac_address or mac_address_id",
            )
            .into());
        }
        if relate {
            // An existing relation is 112 before the MAC is looked at (it would be taken).
            let mut probe = fields.clone();
            probe.insert("mac_address_id".into(), Value::from(0));
            let probe = rows::row_for_create(tx, table, Value::Object(probe)).await?;
            crate::server::check_relation_absent(tx, &probe).await?;
        }
        let mut address = Map::new();
        address.insert("mac_address".into(), mac);
        if table == Table::MacLeases
            && let Some(segment) = fields.remove("segment_uuid")
        {
            address.insert("segment_uuid".into(), segment);
        }
        let id = create(tx, ctx, Table::MacAddresses, address).await?.id();
        fields.insert("mac_address_id".into(), Value::from(id));
    }
    if table == Table::IpLeases
        && (fields.contains_key("network_uuid") || fields.contains_key("ipv4_address"))
    {
        let network = fields
            .remove("network_uuid")
            .ok_or_else(|| ModelError::missing("network_uuid"))?;
        let ipv4 = fields
            .remove("ipv4_address")
            .ok_or_else(|| ModelError::missing("ipv4_address"))?;
        let mut address = Map::new();
        address.insert("network_uuid".into(), network);
        address.insert("ipv4_address".into(), ipv4);
        let id = create(tx, ctx, Table::IpAddresses, address).await?.id();
        fields.insert("ip_address_id".into(), Value::from(id));
    }
    if table == Table::IpLeases
        && let Some(given) = fields.get("mac_lease_uuid")
    {
        // A lease on a MAC lease is on that MAC lease's interface, as attaching makes it.
        let uuid = rows::parse_uuid("mac_lease_uuid", ResourceKind::MacLease, given)?;
        let mac_lease: MacLease = resolve(tx, "mac_lease_uuid", &Key::Uuid(uuid)).await?;
        match (fields.get("interface_uuid"), mac_lease.interface_id) {
            (None, Some(interface_id)) => {
                fields.insert("interface_id".into(), Value::from(interface_id));
            }
            (Some(interface), owner) => {
                let uuid = rows::parse_uuid("interface_uuid", ResourceKind::Interface, interface)?;
                let interface: Interface = resolve(tx, "interface_uuid", &Key::Uuid(uuid)).await?;
                if owner != Some(interface.id) {
                    return Err(ModelError::invalid(
                        "mac_lease_uuid",
                        mac_lease.uuid,
                        format!("is not a MAC lease of {}", interface.uuid),
                    )
                    .into());
                }
            }
            (None, None) => {}
        }
    }
    let membership = match table {
        Table::Networks => Some((Table::TopologyNetworks, "network_id")),
        Table::Segments => Some((Table::TopologySegments, "segment_id")),
        Table::RouteLinks => Some((Table::TopologyRouteLinks, "route_link_id")),
        _ => None,
    };
    let topology = match membership {
        Some(_) => fields.remove("topology_uuid"),
        None => None,
    };
    let created = crate::server::create_in(tx, ctx, table, Value::Object(fields), relate).await?;
    let id = created.get("id").cloned().unwrap_or(Value::Null);
    if let (Some((member_table, fk)), Some(topology)) = (membership, topology) {
        let mut member = Map::new();
        member.insert("topology_uuid".into(), topology);
        member.insert(fk.into(), id);
        create(tx, ctx, member_table, member).await?;
    } else if table == Table::LeasePolicyBaseInterfaces && relate {
        let id_of = |name: &str| created.get(name).and_then(Value::as_i64).unwrap_or(0);
        let policy: LeasePolicy = tx.require(id_of("lease_policy_id")).await?;
        let interface: Interface = tx.require(id_of("interface_id")).await?;
        services::allocate_lease(tx, &policy.uuid, &interface.uuid, ctx).await?;
    }
    Ok(created)
}

/// Error 112 when a live row of association table `table` already joins the two rows
/// `fields` names. The sides are the table's first two columns after `id` (every association
/// table is declared so); not all of these tables have a unique key saying it, and relating
/// the same two rows twice is never meant (for a lease policy's interface it would allocate
/// a second lease).
async fn check_sides_unrelated(
    tx: &mut Tx,
    table: Table,
    fields: &Map<String, Value>,
) -> Result<(), OpError> {
    let sides: Vec<&str> = table
        .columns()
        .iter()
        .skip(1)
        .take(2)
        .map(|c| c.name)
        .collect();
    let mut filter = store::Filter::new();
    let mut described = Vec::new();
    for side in &sides {
        let Some(id) = fields.get(*side).and_then(Value::as_i64) else {
            // Named another way (by uuid): the unique keys still apply.
            return Ok(());
        };
        filter = filter.eq(*side, id);
        described.push(format!("{side} {id}"));
    }
    if tx.find_any(table, &filter).await?.is_empty() {
        return Ok(());
    }
    let right = described.split_off(1);
    Err(ModelError::RelationExists {
        relation: table.as_str().into(),
        left: described.join(", "),
        right: right.join(", "),
    }
    .into())
}

/// One row created in `tx` as `Op::Create` would (validation, references, services).
async fn create(
    tx: &mut Tx,
    ctx: &ServiceContext,
    table: Table,
    row: Map<String, Value>,
) -> Result<AnyRecord, OpError> {
    let row = crate::server::create_in(tx, ctx, table, Value::Object(row), false).await?;
    let id = row
        .get("id")
        .and_then(Value::as_i64)
        .ok_or_else(|| OpError::Internal(format!("a created {table} row has no id")))?;
    tx.get_any(table, id)
        .await?
        .ok_or_else(|| OpError::Internal(format!("the created {table} row {id} is gone")))
}

/// The original's `IpLease.attach_id`: onto `mac_lease` (and its interface) when given, else
/// onto the interface's first MAC lease.
async fn attach(
    tx: &mut Tx,
    lease: IpLease,
    interface: Option<&Key>,
    mac_lease: Option<&Key>,
) -> Result<IpLease, OpError> {
    let interface: Option<Interface> = match interface {
        Some(key) => Some(resolve(tx, "interface_uuid", key).await?),
        None => None,
    };
    let mac_lease: MacLease = match (mac_lease, &interface) {
        (Some(key), _) => resolve(tx, "mac_lease_uuid", key).await?,
        (None, Some(interface)) => {
            let found: Vec<MacLease> = tx
                .find(&store::Filter::new().eq("interface_id", interface.id))
                .await?;
            found.into_iter().next().ok_or_else(|| {
                ModelError::invalid(
                    "interface_uuid",
                    interface.uuid,
                    "has no MAC lease to attach the IP lease to",
                )
            })?
        }
        (None, None) => return Err(ModelError::missing("interface_uuid").into()),
    };
    let Some(interface_id) = mac_lease.interface_id else {
        return Err(ModelError::invalid(
            "mac_lease_uuid",
            mac_lease.uuid,
            "belongs to no interface; an IP lease is attached to an interface's MAC lease",
        )
        .into());
    };
    if let Some(interface) = &interface
        && interface.id != interface_id
    {
        return Err(ModelError::invalid(
            "mac_lease_uuid",
            mac_lease.uuid,
            format!("belongs to another interface than {}", interface.uuid),
        )
        .into());
    }
    Ok(tx
        .update(IpLease {
            interface_id: Some(interface_id),
            mac_lease_id: Some(mac_lease.id),
            ..lease
        })
        .await?)
}

/// The live row `key` names: 100 naming `field` when there is none, 101 for a uuid of
/// another kind.
async fn resolve<R: HasUuid>(tx: &mut Tx, field: &str, key: &Key) -> Result<R, OpError> {
    match key {
        Key::Id(id) => Ok(tx
            .get::<R>(*id)
            .await?
            .ok_or_else(|| ModelError::UnknownId {
                table: R::TABLE.as_str().into(),
                id: *id,
            })?),
        Key::Uuid(uuid) => {
            if uuid.kind() != R::KIND {
                return Err(ModelError::InvalidUuid {
                    field: field.to_owned().into(),
                    value: uuid.to_string(),
                    reason: format!(
                        "wrong kind: {} uuid, expected {} uuid ({}-…)",
                        uuid.kind().name(),
                        R::KIND.name(),
                        R::KIND.prefix()
                    ),
                }
                .into());
            }
            Ok(tx
                .get_by_uuid::<R>(uuid)
                .await?
                .ok_or_else(|| ModelError::UnknownUuid {
                    field: field.to_owned().into(),
                    uuid: *uuid,
                })?)
        }
    }
}
