//! Websocket connections across nodes (PostgreSQL only; a SQLite server is one node and
//! counts its connections in memory): a row per node and user while that node holds a
//! connection of the user. Each node refreshes its rows; rows not refreshed for
//! [`STALE_MS`] belong to a node that stopped, and are swept.

use crate::error::ApiError;
use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement, TransactionTrait, Value,
};

/// How often a node refreshes its rows.
pub const REFRESH_MS: i64 = 30_000;
/// A row this old belongs to a node that stopped.
pub const STALE_MS: i64 = 3 * REFRESH_MS;

fn statement(sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(DatabaseBackend::Postgres, sql, values)
}

/// Node `node` now holds a connection of `user_id`.
pub async fn opened(
    db: &impl ConnectionTrait,
    node: &str,
    user_id: &str,
    now: i64,
) -> Result<(), ApiError> {
    db.execute_raw(statement(
        "INSERT INTO websocket_presence (node_id, user_id, seen_at) VALUES ($1, $2, $3) \
         ON CONFLICT (node_id, user_id) DO UPDATE SET seen_at = EXCLUDED.seen_at",
        vec![node.into(), user_id.into(), now.into()],
    ))
    .await?;
    Ok(())
}

/// Node `node` closed its last connection of `user_id`: whether a live node still holds
/// one. Nodes closing a user's last connections at once take turns (a per-user lock for
/// the transaction), so one of them always sees that none is left.
pub async fn closed(
    db: &DatabaseConnection,
    node: &str,
    user_id: &str,
    now: i64,
) -> Result<bool, ApiError> {
    let txn = db.begin().await?;
    txn.execute_raw(statement(
        "SELECT pg_advisory_xact_lock(hashtext($1))",
        vec![format!("websocket_presence:{user_id}").into()],
    ))
    .await?;
    txn.execute_raw(statement(
        "DELETE FROM websocket_presence WHERE node_id = $1 AND user_id = $2",
        vec![node.into(), user_id.into()],
    ))
    .await?;
    let row = txn
        .query_one_raw(statement(
            "SELECT EXISTS (SELECT 1 FROM websocket_presence WHERE user_id = $1 \
             AND seen_at > $2) AS held",
            vec![user_id.into(), (now - STALE_MS).into()],
        ))
        .await?;
    txn.commit().await?;
    Ok(row
        .map(|r| r.try_get::<bool>("", "held"))
        .transpose()?
        .unwrap_or(false))
}

/// Refreshes node `node`'s rows: exactly `users` (those it holds connections of now).
pub async fn refresh(
    db: &impl ConnectionTrait,
    node: &str,
    users: Vec<String>,
    now: i64,
) -> Result<(), ApiError> {
    db.execute_raw(statement(
        "INSERT INTO websocket_presence (node_id, user_id, seen_at) \
         SELECT $1, u, $3 FROM unnest($2::text[]) AS u \
         ON CONFLICT (node_id, user_id) DO UPDATE SET seen_at = EXCLUDED.seen_at",
        vec![node.into(), users.clone().into(), now.into()],
    ))
    .await?;
    db.execute_raw(statement(
        "DELETE FROM websocket_presence WHERE node_id = $1 AND NOT (user_id = ANY($2::text[]))",
        vec![node.into(), users.into()],
    ))
    .await?;
    Ok(())
}

/// Removes the rows of nodes that stopped; the users they named who have no live
/// connection left anywhere.
pub async fn sweep(db: &impl ConnectionTrait, now: i64) -> Result<Vec<String>, ApiError> {
    let rows = db
        .query_all_raw(statement(
            "DELETE FROM websocket_presence WHERE seen_at <= $1 RETURNING user_id",
            vec![(now - STALE_MS).into()],
        ))
        .await?;
    let mut gone = Vec::new();
    for row in rows {
        let user_id: String = row.try_get("", "user_id")?;
        let held = db
            .query_one_raw(statement(
                "SELECT EXISTS (SELECT 1 FROM websocket_presence WHERE user_id = $1) AS held",
                vec![user_id.clone().into()],
            ))
            .await?
            .map(|r| r.try_get::<bool>("", "held"))
            .transpose()?
            .unwrap_or(false);
        if !held && !gone.contains(&user_id) {
            gone.push(user_id);
        }
    }
    Ok(gone)
}
