//! Schema migrations: numbered SQL scripts in `migrations/sqlite` and `migrations/mysql` at the
//! repository root, one file per version in each, built into the binary.
//!
//! A small runner of our own rather than `sqlx::migrate`: it needs nothing but the two
//! drivers, and it keys migrations by version number alone, so the two dialects' files of a
//! version may differ in text (they must not differ in effect: [`crate::Store::check_schema`]
//! checks the result against the model on both). Applied versions are recorded in
//! `schema_migrations (version, name, applied_at)`; [`run`] applies the missing ones in order
//! and is idempotent. On SQLite each migration runs in a transaction; MySQL commits DDL as it
//! goes, so a migration that fails there half-way needs a hand to clean up.
//!
//! Adding a migration: add `NNNN_name.sql` to both folders and an entry to [`MIGRATIONS`]; a
//! test checks that every file is listed. Scripts are split into statements at a `;` that
//! ends a line; `--` comment lines are skipped.

use std::time::{SystemTime, UNIX_EPOCH};

use model::SqlValue;

use crate::db::{self, Conn};
use crate::{Pool, Store, StoreError};

/// One schema version, in both dialects.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sqlite: &'static str,
    pub mysql: &'static str,
}

/// Every migration, in version order.
pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "initial",
    sqlite: include_str!("../../../migrations/sqlite/0001_initial.sql"),
    mysql: include_str!("../../../migrations/mysql/0001_initial.sql"),
}];

const CREATE_VERSIONS: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (\
     version BIGINT NOT NULL PRIMARY KEY, \
     name VARCHAR(255) NOT NULL, \
     applied_at BIGINT NOT NULL)";

/// The statements of a script: split at `;` ending a line, without comment lines.
pub fn statements(script: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in script.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with("--") {
            continue;
        }
        current.push_str(line);
        current.push('\n');
        if trimmed.ends_with(';') {
            out.push(current.trim().trim_end_matches(';').to_owned());
            current.clear();
        }
    }
    if !current.trim().is_empty() {
        out.push(current.trim().to_owned());
    }
    out
}

/// The versions already applied, ascending.
pub async fn applied_versions(store: &Store) -> Result<Vec<i64>, StoreError> {
    let rows = store
        .fetch_pooled(
            "SELECT version FROM schema_migrations ORDER BY version".to_owned(),
            &[],
            &[true],
        )
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| match r.first() {
            Some(SqlValue::Int(v)) => Some(*v),
            _ => None,
        })
        .collect())
}

/// Applies the migrations not applied yet, in order.
pub(crate) async fn run(store: &Store) -> Result<(), StoreError> {
    macro_rules! apply_all {
        ($pool:expr, $variant:ident, $dialect:ident, $transactional:expr) => {{
            let mut conn = $pool.acquire().await?;
            db::execute(Conn::$variant(&mut conn), CREATE_VERSIONS.to_owned(), &[]).await?;
            let applied: Vec<i64> = db::fetch(
                Conn::$variant(&mut conn),
                "SELECT version FROM schema_migrations".to_owned(),
                &[],
                &[true],
            )
            .await?
            .into_iter()
            .filter_map(|r| match r.first() {
                Some(SqlValue::Int(v)) => Some(*v),
                _ => None,
            })
            .collect();
            for m in MIGRATIONS.iter().filter(|m| !applied.contains(&m.version)) {
                tracing::info!(version = m.version, name = m.name, "applying migration");
                let fail = |source| StoreError::Migration {
                    version: m.version,
                    name: m.name,
                    source,
                };
                if $transactional {
                    db::execute(Conn::$variant(&mut conn), "BEGIN".to_owned(), &[])
                        .await
                        .map_err(fail)?;
                }
                let mut result = Ok(());
                for statement in statements(m.$dialect) {
                    result = db::execute(Conn::$variant(&mut conn), statement, &[])
                        .await
                        .map(drop);
                    if result.is_err() {
                        break;
                    }
                }
                if result.is_ok() {
                    result = db::execute(
                        Conn::$variant(&mut conn),
                        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)"
                            .to_owned(),
                        &[
                            SqlValue::Int(m.version),
                            SqlValue::Text(m.name.to_owned()),
                            SqlValue::Int(unix_now()),
                        ],
                    )
                    .await
                    .map(drop);
                }
                let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
                if $transactional {
                    let ended = db::execute(Conn::$variant(&mut conn), end.to_owned(), &[]).await;
                    result = result.and(ended.map(drop));
                }
                result.map_err(fail)?;
            }
            Ok(())
        }};
    }
    match &store.pool {
        Pool::Sqlite(p) => apply_all!(p, Sqlite, sqlite, true),
        Pool::MySql(p) => apply_all!(p, MySql, mysql, false),
    }
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_migration_file_is_listed_in_both_dialects() {
        for dialect in ["sqlite", "mysql"] {
            let dir = format!("{}/../../migrations/{dialect}", env!("CARGO_MANIFEST_DIR"));
            let mut files: Vec<String> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".sql"))
                .collect();
            files.sort();
            let listed: Vec<String> = MIGRATIONS
                .iter()
                .map(|m| format!("{:04}_{}.sql", m.version, m.name))
                .collect();
            assert_eq!(files, listed, "{dir}");
        }
        let versions: Vec<i64> = MIGRATIONS.iter().map(|m| m.version).collect();
        let mut sorted = versions.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(versions, sorted);
    }

    #[test]
    fn scripts_split_into_statements() {
        let s =
            statements("-- comment\nCREATE TABLE a (\n  x INT\n);\n\nCREATE INDEX i ON a (x);\n");
        assert_eq!(
            s,
            vec!["CREATE TABLE a (\n  x INT\n)", "CREATE INDEX i ON a (x)"]
        );
        assert_eq!(
            statements(MIGRATIONS[0].sqlite).len(),
            statements(MIGRATIONS[0].mysql).len()
        );
    }
}
