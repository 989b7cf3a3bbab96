//! How a failed operation reaches the client.

use model::ModelError;
use proto::ApiError;
use store::StoreError;

/// A failed operation: the request's fault (a model error with the original's code), the
/// database's (unavailable, 503), or vnmgr's own (500).
#[derive(Debug, thiserror::Error)]
pub enum OpError {
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Internal(String),
    /// A snapshot page asked of a snapshot that is not open (any more).
    #[error("snapshot token {token} is unknown or expired")]
    SnapshotExpired { token: u64 },
    /// The database went away during the commit: the change may or may not have been made.
    #[error("commit in doubt: {0}")]
    CommitInDoubt(StoreError),
}

/// The message of a 503 whose change may have been made after all.
pub const IN_DOUBT: &str = "database unavailable during the commit: the change may or may not \
                            have been made; read it back before trying again";

impl OpError {
    /// Whether the database could not be reached.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Store(e) | Self::CommitInDoubt(e) if e.is_unavailable())
    }
}

/// The message of `err` followed by its sources, for logs and 500 replies.
fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

impl From<OpError> for ApiError {
    fn from(err: OpError) -> Self {
        match err {
            OpError::Model(e) | OpError::Store(StoreError::Model(e)) => e.into(),
            OpError::Store(e) if e.is_unavailable() => {
                tracing::warn!("{}", chain(&e));
                ApiError::unavailable("database unavailable")
            }
            OpError::Store(e) => {
                let text = chain(&e);
                tracing::error!("{text}");
                ApiError::internal(text)
            }
            OpError::CommitInDoubt(e) => {
                tracing::warn!("commit in doubt: {}", chain(&e));
                if e.is_unavailable() {
                    ApiError::unavailable(IN_DOUBT)
                } else {
                    ApiError::internal(format!("commit in doubt: {}", chain(&e)))
                }
            }
            OpError::SnapshotExpired { token } => {
                ApiError::snapshot_expired(token, crate::snapshots::EXPIRED_WHY)
            }
            OpError::Internal(text) => {
                tracing::error!("{text}");
                ApiError::internal(text)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        let e: ApiError = OpError::from(ModelError::missing("mode")).into();
        assert_eq!(e.code, 111);
        let e: ApiError = OpError::from(StoreError::Unavailable(sqlx::Error::PoolClosed)).into();
        assert_eq!(e.code, 503);
        assert_eq!(e.message, "database unavailable");
        // Lost during the commit itself: still 503, but saying the change may have been made.
        let e: ApiError =
            OpError::CommitInDoubt(StoreError::Unavailable(sqlx::Error::PoolClosed)).into();
        assert_eq!((e.code, e.message.as_str()), (503, IN_DOUBT));
    }
}
