//! Cache invalidation (and the busy state) across nodes. Several ferromost nodes may serve one PostgreSQL
//! database; each caches sessions, roles and accounts. Whoever ends sessions or changes roles applies
//! the change locally and NOTIFYs one channel; every node LISTENs and applies it too, so a
//! revocation holds everywhere at once. If the listening connection drops, a node clears
//! its caches (it may have missed messages) and listens again. SQLite is single-node.

use crate::error::ApiError;
use crate::state::AppState;
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
use std::time::Duration;

/// The PostgreSQL notification channel.
const CHANNEL: &str = "ferromost_invalidate";

/// What every node must forget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invalidation {
    /// One session token.
    Token(String),
    /// Every session of a user, but the one with id `keep`.
    User { id: String, keep: Option<String> },
    /// Every session.
    AllSessions,
    /// The loaded roles.
    Roles,
    /// One cached account (user and bot rows).
    Account(String),
    /// Every cached account.
    AllAccounts,
    /// The configuration: another node saved a new one in the database.
    Config,
    /// The server is busy until then (seconds since the epoch; 0: no longer).
    Busy(i64),
}

impl Invalidation {
    fn encode(&self) -> String {
        match self {
            Self::Token(token) => format!("token:{token}"),
            Self::User { id, keep } => format!("user:{id}:{}", keep.as_deref().unwrap_or_default()),
            Self::AllSessions => "all".to_owned(),
            Self::Roles => "roles".to_owned(),
            Self::Account(id) => format!("account:{id}"),
            Self::AllAccounts => "accounts".to_owned(),
            Self::Config => "config".to_owned(),
            Self::Busy(until) => format!("busy:{until}"),
        }
    }

    fn decode(text: &str) -> Option<Self> {
        match text.split_once(':') {
            Some(("token", token)) => Some(Self::Token(token.to_owned())),
            Some(("account", id)) => Some(Self::Account(id.to_owned())),
            Some(("busy", until)) => until.parse().ok().map(Self::Busy),
            Some(("user", rest)) => {
                let (id, keep) = rest.split_once(':')?;
                let keep = (!keep.is_empty()).then(|| keep.to_owned());
                Some(Self::User {
                    id: id.to_owned(),
                    keep,
                })
            }
            None if text == "all" => Some(Self::AllSessions),
            None if text == "roles" => Some(Self::Roles),
            None if text == "accounts" => Some(Self::AllAccounts),
            None if text == "config" => Some(Self::Config),
            _ => None,
        }
    }
}

impl AppState {
    /// Forgets `what` here, and on every other node when the database is PostgreSQL.
    pub async fn invalidate(&self, what: Invalidation) -> Result<(), ApiError> {
        // The node that saved a configuration has it in force already.
        if what != Invalidation::Config {
            self.apply(&what);
        }
        if self.db().get_database_backend() == DatabaseBackend::Postgres {
            let notify = Statement::from_sql_and_values(
                DatabaseBackend::Postgres,
                "SELECT pg_notify($1, $2)",
                [CHANNEL.into(), what.encode().into()],
            );
            self.db().execute_raw(notify).await?;
        }
        Ok(())
    }

    fn apply(&self, what: &Invalidation) {
        match what {
            Invalidation::Token(token) => self.sessions().remove(token),
            Invalidation::User { id, keep } => self.sessions().remove_user(id, keep.as_deref()),
            Invalidation::AllSessions => self.sessions().clear(),
            Invalidation::Roles => self.roles().invalidate(),
            Invalidation::Account(id) => self.accounts().forget(id),
            Invalidation::AllAccounts => self.accounts().clear(),
            Invalidation::Busy(until) => self.set_busy_until(*until),
            Invalidation::Config => {
                let state = self.clone();
                tokio::spawn(async move {
                    if let Err(e) = crate::app::settings::apply_saved(&state).await {
                        tracing::warn!(error = %e.message, cause = ?e.cause, "applying a configuration saved by another node");
                    }
                });
            }
        }
    }

    fn forget_everything(&self) {
        self.sessions().clear();
        self.roles().invalidate();
        self.accounts().clear();
    }
}

/// On PostgreSQL, starts this node's listener; it runs as long as the runtime does.
pub fn listen(state: &AppState) {
    if state.db().get_database_backend() != DatabaseBackend::Postgres {
        return;
    }
    let state = state.clone();
    tokio::spawn(async move {
        loop {
            if let Err(e) = listen_once(&state).await {
                tracing::warn!(error = %e, "cache invalidation listener; retrying");
            }
            state.forget_everything();
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
}

async fn listen_once(state: &AppState) -> Result<(), sea_orm::sqlx::Error> {
    let pool = state.db().get_postgres_connection_pool();
    let mut listener = sea_orm::sqlx::postgres::PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    // Anything revoked while this node was not listening is unknown: start afresh.
    state.forget_everything();
    while let Some(note) = listener.try_recv().await? {
        if let Some(what) = Invalidation::decode(note.payload()) {
            state.apply(&what);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Invalidation;

    #[test]
    fn messages_round_trip() {
        for what in [
            Invalidation::Token("abc".into()),
            Invalidation::User {
                id: "u1".into(),
                keep: Some("s1".into()),
            },
            Invalidation::User {
                id: "u1".into(),
                keep: None,
            },
            Invalidation::AllSessions,
            Invalidation::Roles,
            Invalidation::Account("u1".into()),
            Invalidation::AllAccounts,
            Invalidation::Config,
            Invalidation::Busy(1_700_000_000),
        ] {
            assert_eq!(Invalidation::decode(&what.encode()), Some(what));
        }
        assert_eq!(Invalidation::decode("nonsense"), None);
    }
}
