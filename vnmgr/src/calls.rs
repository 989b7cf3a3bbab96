//! Service calls ([`ServiceCall`]): the original's routes that do more than write the row
//! they name. Each runs inside the request's transaction, like a create; its changes become
//! one event, whose kind is the original's (`interface_leased_ipv4_address`,
//! `interface_released_ipv4_address`).

use model::{HasUuid, Interface, IpLease, LeasePolicy, MacLease, ModelError, Record};
use proto::{Change, ChangeOp, Key, ServiceCall};
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
    let lease = match call {
        ServiceCall::AllocateLease {
            lease_policy,
            interface,
        } => {
            let policy: LeasePolicy = resolve(tx, "lease_policy_uuid", lease_policy).await?;
            let interface: Interface = resolve(tx, "interface_uuid", interface).await?;
            services::allocate_lease(tx, &policy.uuid, &interface.uuid, ctx).await?
        }
        ServiceCall::AttachLease {
            ip_lease,
            interface,
            mac_lease,
        } => {
            let lease: IpLease = resolve(tx, "ip_lease_uuid", ip_lease).await?;
            attach(tx, lease, interface.as_ref(), mac_lease.as_ref()).await?
        }
        ServiceCall::ReleaseLease { ip_lease } => {
            let lease: IpLease = resolve(tx, "ip_lease_uuid", ip_lease).await?;
            services::release_lease(tx, lease.id, ctx).await?;
            tx.require(lease.id).await?
        }
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
    Ok((rows::row_json(&lease.into_any())?, changes))
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
