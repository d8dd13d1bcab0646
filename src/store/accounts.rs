//! Accounts (a user row and, for a bot, its bot row) cached by id, as Mattermost caches
//! profiles, so that authenticated reads of a user cost no database work once warm.
//!
//! Exact by rule: whoever changes a user or bot row forgets its id after the change is
//! committed (on this node, and through the cluster channel on the others). A load that
//! raced with a change is not kept: every forget moves a generation counter, and a loaded
//! row is stored only if the counter did not move while it was read.
//!
//! In audit mode (the tests turn it on) every hit is compared with the database, and a
//! stale entry is an error: a write that forgot to forget shows up as a failing test.

use crate::store::entity::{bot, user};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// One account as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    pub user: user::Model,
    pub bot: Option<bot::Model>,
}

/// The number of accounts kept before the cache starts over.
const CAPACITY: usize = 50_000;

#[derive(Default)]
pub struct AccountCache {
    entries: RwLock<HashMap<String, Arc<Account>>>,
    generation: AtomicU64,
    audit: AtomicBool,
}

impl AccountCache {
    /// The account `id`, from the cache or the database (None: no such user).
    pub async fn get(
        &self,
        db: &impl ConnectionTrait,
        id: &str,
    ) -> Result<Option<Arc<Account>>, DbErr> {
        if let Some(hit) = self.cached(id) {
            if self.audit.load(Ordering::Relaxed) {
                self.check(db, &hit).await?;
            }
            return Ok(Some(hit));
        }
        let generation = self.generation.load(Ordering::SeqCst);
        let Some(found) = load(db, id).await? else {
            return Ok(None);
        };
        let found = Arc::new(found);
        if let Ok(mut entries) = self.entries.write()
            && self.generation.load(Ordering::SeqCst) == generation
        {
            if entries.len() >= CAPACITY {
                entries.clear();
            }
            entries.insert(id.to_owned(), found.clone());
        }
        Ok(Some(found))
    }

    fn cached(&self, id: &str) -> Option<Arc<Account>> {
        self.entries.read().ok()?.get(id).cloned()
    }

    /// Forgets account `id` (call after the change is committed).
    pub fn forget(&self, id: &str) {
        if let Ok(mut entries) = self.entries.write() {
            self.generation.fetch_add(1, Ordering::SeqCst);
            entries.remove(id);
        }
    }

    /// Forgets every account.
    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.write() {
            self.generation.fetch_add(1, Ordering::SeqCst);
            entries.clear();
        }
    }

    /// How many accounts are cached.
    pub fn len(&self) -> usize {
        self.entries.read().map(|e| e.len()).unwrap_or(0)
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Turns audit mode on or off.
    pub fn set_audit(&self, on: bool) {
        self.audit.store(on, Ordering::Relaxed);
    }

    /// Audit mode: the hit must equal the rows. A change committed a moment ago may not be
    /// forgotten yet, so a difference counts only if the entry is still there shortly after.
    async fn check(&self, db: &impl ConnectionTrait, hit: &Arc<Account>) -> Result<(), DbErr> {
        let id = hit.user.id.as_str();
        if load(db, id).await?.as_ref() == Some(hit.as_ref()) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        match self.cached(id) {
            Some(still) if Arc::ptr_eq(&still, hit) => {
                tracing::error!(user_id = id, "the account cache is stale");
                Err(DbErr::Custom(format!(
                    "stale account cache entry for {id}: a change did not forget it"
                )))
            }
            _ => Ok(()),
        }
    }
}

async fn load(db: &impl ConnectionTrait, id: &str) -> Result<Option<Account>, DbErr> {
    let Some(user) = user::Entity::find_by_id(id.to_owned()).one(db).await? else {
        return Ok(None);
    };
    let bot = bot::Entity::find_by_id(id.to_owned()).one(db).await?;
    Ok(Some(Account { user, bot }))
}
