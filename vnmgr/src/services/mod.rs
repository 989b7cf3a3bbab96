//! vnmgr's services: what creating or deleting a row does besides storing it, and the IP
//! retention timer. The RPC layer calls the hooks inside the request's transaction, so
//! whatever a service writes is part of the same [`Change`](store::Change) list and reaches
//! subscribers in the same event; an error from a hook refuses the request and the dropped
//! transaction takes everything back.
//!
//! * **MAC allocation** ([`mac_alloc`]): a `datapath_networks`, `datapath_segments` or
//!   `datapath_route_links` row created without a MAC (`mac_address_id` 0) and a route link
//!   created without one get a `mac_addresses` row, random within a MAC range group: the
//!   topology's group (`topology_mac_range_group_id`) when the row names one, else vnmgr's
//!   configured `datapath_mac_group`. No group, an unknown group or a full group is an error
//!   naming the field and the group (the original silently created nothing).
//! * **Topologies** ([`topology`], reference §5.14): adding a datapath, network, segment or
//!   route link to a `simple_underlay` / `simple_overlay` topology (or linking an overlay to an
//!   underlay, or giving an underlay a MAC range group) creates the `datapath_*` rows it
//!   implies, with MACs from the underlay's MAC range group; removing the member deletes them.
//! * **Lease policies** ([`lease_policy`]): [`allocate_lease`] gives an interface an address
//!   from the policy's base network and range group (incremental, decremental or random) and
//!   puts the lease into the policy's lease and retention containers.
//! * **IP retention** ([`retention`]): [`retention_tick`] releases leases whose `lease_time`
//!   has passed and destroys released leases whose `grace_time` has passed.
//!
//! Randomness (MACs, random IP allocation, generated uuids) comes from a [`fastrand::Rng`]
//! made per call, seeded from fastrand's randomly seeded thread-local generator; everything
//! that draws takes the RNG as an argument (the `*_with` variants), so tests fix the seed.
//!
//! Errors are [`StoreError`]s: a refusal is [`StoreError::Model`] with the original's error
//! code, and a database outage during a hook stays [`StoreError::Unavailable`] rather than
//! being disguised as a model error.

mod lease_policy;
mod mac_alloc;
mod retention;
mod topology;

use model::{AnyRecord, IpLease, Uuid};
use store::{StoreError, Tx};

/// Draws a free MAC from MAC range group `group` (named by request field `field` in errors)
/// and creates its `mac_addresses` row; returns the row's id.
pub(crate) async fn allocate_mac(
    tx: &mut Tx,
    field: &str,
    group: &Uuid,
) -> Result<model::Id, StoreError> {
    mac_alloc::allocate_from_group(tx, field, group, &mut fastrand::Rng::new()).await
}

/// What the services need to know besides the transaction.
#[derive(Debug, Clone)]
pub struct ServiceContext {
    /// The MAC range group datapath_* rows and route links take their MACs from.
    pub datapath_mac_group: Option<model::Uuid>,
    /// The transaction's time (unix seconds).
    pub now: i64,
}

/// Called before `row` is inserted; fills in what the caller left for vnmgr to choose (a
/// MAC, the host interface's IP lease, an ip_retention's `leased_at`) and checks rules that
/// need other rows (a topology member allowed by the topology's mode).
pub async fn before_create(
    tx: &mut Tx,
    row: &mut AnyRecord,
    ctx: &ServiceContext,
) -> Result<(), StoreError> {
    before_create_with(tx, row, ctx, &mut fastrand::Rng::new()).await
}

/// [`before_create`] drawing from `rng`.
pub(crate) async fn before_create_with(
    tx: &mut Tx,
    row: &mut AnyRecord,
    ctx: &ServiceContext,
    rng: &mut fastrand::Rng,
) -> Result<(), StoreError> {
    match row {
        AnyRecord::DatapathNetwork(_)
        | AnyRecord::DatapathSegment(_)
        | AnyRecord::DatapathRouteLink(_)
        | AnyRecord::RouteLink(_) => mac_alloc::fill_in(tx, row, ctx, rng).await,
        AnyRecord::TopologyDatapath(_)
        | AnyRecord::TopologyNetwork(_)
        | AnyRecord::TopologySegment(_)
        | AnyRecord::TopologyRouteLink(_)
        | AnyRecord::TopologyMacRangeGroup(_)
        | AnyRecord::TopologyLayer(_) => topology::before_create(tx, row).await,
        AnyRecord::IpRetention(retention) => {
            // The original's IpRetention#before_create: leased now.
            retention.leased_at.get_or_insert(ctx.now);
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Called after `row` is inserted, in the same transaction: creates the rows it implies.
pub async fn after_create(
    tx: &mut Tx,
    row: &AnyRecord,
    ctx: &ServiceContext,
) -> Result<(), StoreError> {
    after_create_with(tx, row, ctx, &mut fastrand::Rng::new()).await
}

/// [`after_create`] drawing from `rng`.
pub(crate) async fn after_create_with(
    tx: &mut Tx,
    row: &AnyRecord,
    _ctx: &ServiceContext,
    rng: &mut fastrand::Rng,
) -> Result<(), StoreError> {
    topology::after_create(tx, row, rng).await
}

/// Called before `row` is deleted, in the same transaction: deletes the rows it implied
/// that the store's cascades would not reach.
pub async fn before_delete(
    tx: &mut Tx,
    row: &AnyRecord,
    ctx: &ServiceContext,
) -> Result<(), StoreError> {
    before_delete_with(tx, row, ctx, &mut fastrand::Rng::new()).await
}

/// [`before_delete`] drawing from `rng` (moving rows to another MAC range group draws MACs).
pub(crate) async fn before_delete_with(
    tx: &mut Tx,
    row: &AnyRecord,
    _ctx: &ServiceContext,
    rng: &mut fastrand::Rng,
) -> Result<(), StoreError> {
    topology::before_delete(tx, row, rng).await
}

/// Releases retained leases whose `lease_time` has passed and destroys released leases whose
/// `grace_time` has passed, as of `ctx.now`. One step per lease per tick: a lease released
/// now is destroyed at a later tick at the earliest, so the two are separate events.
pub async fn retention_tick(tx: &mut Tx, ctx: &ServiceContext) -> Result<(), StoreError> {
    retention::tick(tx, ctx.now).await
}

/// Allocates an address for interface `interface_uuid` by lease policy `lease_policy_uuid`
/// (the original's `PUT /lease_policies/:uuid/ip_leases`): a new `ip_addresses` +
/// `ip_leases` row on the interface's first MAC lease, in the policy's lease and retention
/// containers. Returns the lease.
pub async fn allocate_lease(
    tx: &mut Tx,
    lease_policy_uuid: &Uuid,
    interface_uuid: &Uuid,
    ctx: &ServiceContext,
) -> Result<IpLease, StoreError> {
    lease_policy::allocate(
        tx,
        lease_policy_uuid,
        interface_uuid,
        ctx.now,
        &mut fastrand::Rng::new(),
    )
    .await
}

/// Releases lease `lease_id` now (the original's `PUT /ip_leases/:uuid/release`, and what
/// the retention timer does when `lease_time` has passed): detached from its interface and
/// MAC lease, its retentions released at `ctx.now`; the address stays reserved.
pub async fn release_lease(
    tx: &mut Tx,
    lease_id: model::Id,
    ctx: &ServiceContext,
) -> Result<(), StoreError> {
    retention::release(tx, lease_id, ctx.now).await
}

/// Inserts a row whose uuid is generated, drawing a new uuid if the drawn one is taken.
async fn insert_with_new_uuid<R, F>(
    tx: &mut Tx,
    rng: &mut fastrand::Rng,
    mut make: F,
) -> Result<R, StoreError>
where
    R: model::HasUuid + Send,
    F: FnMut(Uuid) -> R + Send,
{
    // 36^8 suffixes: a second collision in a row means something other than chance.
    const ATTEMPTS: usize = 3;
    let mut last_error = None;
    for _ in 0..ATTEMPTS {
        let uuid = Uuid::generate(R::KIND, || rng.u32(..));
        match tx.insert(make(uuid)).await {
            Err(StoreError::Model(e @ model::ModelError::DuplicateUuid { .. })) => {
                last_error = Some(e);
            }
            other => return other,
        }
    }
    Err(last_error
        .map(StoreError::Model)
        .unwrap_or_else(|| model::ModelError::missing("uuid").into()))
}

#[cfg(test)]
mod test_support;
