//! Creating posts, with group commit: concurrent CreatePost requests are queued to one
//! writer, which takes whatever has gathered while its previous batch was being written,
//! checks each request (the channel and the author's membership read once per channel and
//! author, the permissions, the root of a reply), and stores those that pass in a single
//! transaction: the posts in one insert, each channel's counters in one update, each
//! author's read state once, the mentions of a channel's posts in one query. A batch that
//! fails is written again post by post, so one post's failure is only its own.
//!
//! What a post changes is unchanged by batching: the channel's counters and last post time,
//! the author's read state, the mention counts of those it names (who must be channel
//! members), and for a reply its thread and the thread memberships (see
//! [`super::posts::record_reply`]).

use super::channels::member_ids;
use super::events::{Broadcast, Event};
use super::posts::{hashtags, ids, mentions, record_reply, validate_message};
use crate::auth::Caller;
use crate::auth::permissions::{self, ids as perm};
use crate::error::ApiError;
use crate::ids::{is_valid_id, new_id, now_millis};
use crate::store::entity::{channel, channel_member, post, user};
use crate::store::member_roles::ChannelAccess;
use crate::store::{WriteGate, begin_write};
use axum::http::StatusCode;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
    QuerySelect,
};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::{mpsc, oneshot};

/// The most posts one transaction stores.
const MAX_BATCH: usize = 32;
/// The longest a post's file id list may be as JSON (Mattermost's PostFileidsMaxRunes:
/// ten ids).
const MAX_FILE_IDS_RUNES: usize = 300;

/// What a new post carries.
pub struct NewPost {
    pub user_id: String,
    pub root_id: String,
    pub message: String,
    pub props: serde_json::Map<String, serde_json::Value>,
    pub file_ids: Vec<String>,
    pub pending_post_id: String,
    /// Empty for an ordinary post; `slack_attachment` and the like from integrations.
    pub post_type: String,
}

/// A post checked and ready to store: nothing about it can fail but the database.
struct Prepared {
    channel: channel::Model,
    row: post::Model,
    root: Option<post::Model>,
    /// Whether @channel, @all and @here count (use_channel_mentions).
    everyone_allowed: bool,
}

impl Prepared {
    fn created(self, mentioned: Vec<String>) -> Created {
        Created {
            post: self.row,
            channel: self.channel,
            mentioned,
        }
    }
}

fn root_invalid() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        ids::ROOT_INVALID,
        "The thread's root post does not exist.",
    )
}

/// Checks a new post in `c` (its message, the channel not archived, the root of a reply
/// live and in the same channel) and builds its row.
async fn prepare(
    db: &impl ConnectionTrait,
    c: channel::Model,
    new: NewPost,
    everyone_allowed: bool,
) -> Result<Prepared, ApiError> {
    validate_message(&new.message)?;
    let file_ids = serde_json::to_string(&new.file_ids).map_err(ApiError::internal)?;
    if file_ids.chars().count() > MAX_FILE_IDS_RUNES {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "model.post.is_valid.file_ids.app_error",
            "Invalid file ids: a post holds at most 10 files.",
        ));
    }
    if c.delete_at != 0 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ids::DELETED_CHANNEL,
            "The channel is archived; nothing more is posted in it.",
        ));
    }
    let root = if new.root_id.is_empty() {
        None
    } else {
        if !is_valid_id(&new.root_id) {
            return Err(root_invalid());
        }
        let root = post::Entity::find_by_id(new.root_id.clone())
            .one(db)
            .await?
            .filter(|r| r.delete_at == 0 && r.root_id.is_empty())
            .ok_or_else(root_invalid)?;
        if root.channel_id != c.id {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                ids::ROOT_CHANNEL,
                "The thread's root post is in another channel.",
            ));
        }
        Some(root)
    };
    let row = post::Model {
        id: new_id(),
        create_at: 0,
        update_at: 0,
        edit_at: 0,
        delete_at: 0,
        is_pinned: false,
        user_id: new.user_id,
        channel_id: c.id.clone(),
        root_id: new.root_id,
        original_id: String::new(),
        hashtags: hashtags(&new.message),
        message: new.message,
        post_type: new.post_type.clone(),
        props: serde_json::Value::Object(super::post_actions::with_ids(new.props)).to_string(),
        file_ids,
        pending_post_id: new.pending_post_id,
    };
    Ok(Prepared {
        channel: c,
        row,
        root,
        everyone_allowed,
    })
}

/// Stores `batch` (in `db`, the caller's transaction) with everything that depends on it;
/// every post gets the time of the write. Answers the members each post mentions.
async fn write(
    db: &impl ConnectionTrait,
    batch: &mut [Prepared],
) -> Result<Vec<Vec<String>>, ApiError> {
    let now = now_millis();
    for p in batch.iter_mut() {
        p.row.create_at = now;
        p.row.update_at = now;
        // The files the post names that it may take (the author's own uploads in the
        // channel, not in another post); the post lists only those.
        let wanted: Vec<String> = serde_json::from_str(&p.row.file_ids).unwrap_or_default();
        if !wanted.is_empty() {
            let taken =
                super::files::attach(db, &p.row.id, &p.channel.id, &p.row.user_id, &wanted).await?;
            if taken != wanted {
                p.row.file_ids = serde_json::to_string(&taken).map_err(ApiError::internal)?;
            }
        }
    }
    post::Entity::insert_many(batch.iter().map(|p| p.row.clone().into_active_model()))
        .exec_without_returning(db)
        .await?;
    // Each channel's counters (sorted, so that nodes sharing a database lock alike).
    let mut per_channel: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for p in batch.iter() {
        let counts = per_channel.entry(&p.channel.id).or_default();
        counts.0 += 1;
        counts.1 += i64::from(p.root.is_none());
    }
    for (channel_id, (total, roots)) in &per_channel {
        let mut counters = channel::Entity::update_many()
            .col_expr(channel::Column::LastPostAt, Expr::value(now))
            .col_expr(
                channel::Column::TotalMsgCount,
                Expr::col(channel::Column::TotalMsgCount).add(*total),
            );
        if *roots > 0 {
            counters = counters
                .col_expr(channel::Column::LastRootPostAt, Expr::value(now))
                .col_expr(
                    channel::Column::TotalMsgCountRoot,
                    Expr::col(channel::Column::TotalMsgCountRoot).add(*roots),
                );
        }
        counters
            .filter(channel::Column::Id.eq(*channel_id))
            .exec(db)
            .await?;
    }
    // The authors have read their own posts: their counts catch up with the channel's as
    // stored now (a subquery, so concurrent posts never leave them behind).
    let authors: std::collections::BTreeSet<(&str, &str)> = batch
        .iter()
        .map(|p| (p.channel.id.as_str(), p.row.user_id.as_str()))
        .collect();
    for (channel_id, user_id) in authors {
        channel_member::Entity::update_many()
            .col_expr(channel_member::Column::LastViewedAt, Expr::value(now))
            .col_expr(
                channel_member::Column::MsgCount,
                channel_total(channel_id, channel::Column::TotalMsgCount),
            )
            .col_expr(
                channel_member::Column::MsgCountRoot,
                channel_total(channel_id, channel::Column::TotalMsgCountRoot),
            )
            .filter(channel_member::Column::ChannelId.eq(channel_id))
            .filter(channel_member::Column::UserId.eq(user_id))
            .exec(db)
            .await?;
    }
    let mentioned = mentioned_members(db, batch).await?;
    bump_mentions(db, batch, &mentioned).await?;
    // Replies, root by root (arrival order within one thread).
    let mut replies: Vec<usize> = (0..batch.len())
        .filter(|&i| batch[i].root.is_some())
        .collect();
    replies.sort_by(|&a, &b| batch[a].row.root_id.cmp(&batch[b].row.root_id));
    for i in replies {
        if let Some(root) = &batch[i].root {
            record_reply(db, root, &batch[i].row, &mentioned[i]).await?;
        }
    }
    Ok(mentioned)
}

/// `(SELECT <column> FROM channels WHERE id = <channel_id>)`.
fn channel_total(channel_id: &str, column: channel::Column) -> Expr {
    let select = Query::select()
        .column(column)
        .from(channel::Entity)
        .and_where(channel::Column::Id.eq(channel_id))
        .to_owned();
    Expr::SubQuery(None, Box::new(select.into()))
}

/// For each post, the channel members (other than its author) it mentions: one query per
/// channel for the names, one more for the whole membership when a post says @channel.
async fn mentioned_members(
    db: &impl ConnectionTrait,
    batch: &[Prepared],
) -> Result<Vec<Vec<String>>, ApiError> {
    let parsed: Vec<(HashSet<String>, bool)> = batch
        .iter()
        .map(|p| {
            let (names, everyone) = mentions(&p.row.message);
            (names, everyone && p.everyone_allowed)
        })
        .collect();
    let mut named: HashMap<&str, HashSet<String>> = HashMap::new();
    let mut whole: HashSet<&str> = HashSet::new();
    for (p, (names, everyone)) in batch.iter().zip(&parsed) {
        if *everyone {
            whole.insert(&p.channel.id);
        } else if !names.is_empty() {
            named
                .entry(&p.channel.id)
                .or_default()
                .extend(names.iter().cloned());
        }
    }
    let mut members: HashMap<&str, Vec<String>> = HashMap::new();
    for channel_id in whole {
        let ids = channel_member::Entity::find()
            .select_only()
            .column(channel_member::Column::UserId)
            .filter(channel_member::Column::ChannelId.eq(channel_id))
            .into_tuple::<String>()
            .all(db)
            .await?;
        members.insert(channel_id, ids);
    }
    let mut by_name: HashMap<&str, HashMap<String, String>> = HashMap::new();
    for (channel_id, names) in named {
        let found: Vec<(String, String)> = user::Entity::find()
            .select_only()
            .column(user::Column::Username)
            .column(user::Column::Id)
            .filter(user::Column::Username.is_in(names))
            .filter(user::Column::Id.in_subquery(member_ids(channel_id)))
            .into_tuple()
            .all(db)
            .await?;
        by_name.insert(channel_id, found.into_iter().collect());
    }
    Ok(batch
        .iter()
        .zip(&parsed)
        .map(|(p, (names, everyone))| {
            let author = &p.row.user_id;
            let ids: Vec<String> = if *everyone {
                members
                    .get(p.channel.id.as_str())
                    .cloned()
                    .unwrap_or_default()
            } else {
                let known = by_name.get(p.channel.id.as_str());
                names
                    .iter()
                    .filter_map(|n| known.and_then(|k| k.get(n)).cloned())
                    .collect()
            };
            ids.into_iter().filter(|id| id != author).collect()
        })
        .collect())
}

/// One more mention (and one more root mention for a root post) per post that names a
/// member, summed per member and written as one update per channel and amount.
async fn bump_mentions(
    db: &impl ConnectionTrait,
    batch: &[Prepared],
    mentioned: &[Vec<String>],
) -> Result<(), ApiError> {
    let mut counts: BTreeMap<(&str, &str), (i64, i64)> = BTreeMap::new();
    for (p, ids) in batch.iter().zip(mentioned) {
        for id in ids {
            let c = counts.entry((&p.channel.id, id)).or_default();
            c.0 += 1;
            c.1 += i64::from(p.root.is_none());
        }
    }
    let mut groups: BTreeMap<(&str, i64, i64), Vec<String>> = BTreeMap::new();
    for ((channel_id, user_id), (all, roots)) in counts {
        groups
            .entry((channel_id, all, roots))
            .or_default()
            .push(user_id.to_owned());
    }
    for ((channel_id, all, roots), user_ids) in groups {
        let mut bump = channel_member::Entity::update_many().col_expr(
            channel_member::Column::MentionCount,
            Expr::col(channel_member::Column::MentionCount).add(all),
        );
        if roots > 0 {
            bump = bump.col_expr(
                channel_member::Column::MentionCountRoot,
                Expr::col(channel_member::Column::MentionCountRoot).add(roots),
            );
        }
        bump.filter(channel_member::Column::ChannelId.eq(channel_id))
            .filter(channel_member::Column::UserId.is_in(user_ids))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// A CreatePost request as the writer takes it.
pub struct Request {
    pub caller: Caller,
    pub channel_id: String,
    pub post: NewPost,
    /// Posted by an integration whose rights were checked already (an incoming webhook
    /// posts in any public channel of its team, member or not): create_post is not asked.
    pub trusted: bool,
}

/// A stored post, with what its `posted` event needs.
pub struct Created {
    pub post: post::Model,
    pub channel: channel::Model,
    /// The channel members it mentions (not its author).
    pub mentioned: Vec<String>,
}

type Outcome = oneshot::Sender<Result<Created, ApiError>>;

/// A post waiting for the writer, and where its outcome goes.
struct Job {
    request: Request,
    done: Outcome,
}

/// The queue to the one task that writes posts.
pub struct PostWriter {
    queue: mpsc::UnboundedSender<Job>,
    /// Posts handled, and the batches they came in.
    counts: Arc<(AtomicU64, AtomicU64)>,
}

impl PostWriter {
    /// Starts the writer on the current runtime; it stops when the writer is dropped.
    pub fn start(db: DatabaseConnection, gate: WriteGate) -> Self {
        let (queue, mut jobs) = mpsc::unbounded_channel::<Job>();
        let counts: Arc<(AtomicU64, AtomicU64)> = Arc::default();
        let counting = counts.clone();
        tokio::spawn(async move {
            while let Some(first) = jobs.recv().await {
                let mut batch = vec![first];
                while batch.len() < MAX_BATCH {
                    match jobs.try_recv() {
                        Ok(job) => batch.push(job),
                        Err(_) => break,
                    }
                }
                // Counted before the answers go out, so that whoever got one sees it counted.
                counting.0.fetch_add(batch.len() as u64, Ordering::Relaxed);
                counting.1.fetch_add(1, Ordering::Relaxed);
                run(&db, &gate, batch).await;
            }
        });
        Self { queue, counts }
    }

    /// How many posts the writer has handled, and in how many batches.
    pub fn counts(&self) -> (u64, u64) {
        (
            self.counts.0.load(Ordering::Relaxed),
            self.counts.1.load(Ordering::Relaxed),
        )
    }

    /// Checks and stores a post (with whatever else is waiting); answers the stored row,
    /// or why the post was refused.
    pub async fn submit(&self, request: Request) -> Result<Created, ApiError> {
        let (done, outcome) = oneshot::channel();
        self.queue
            .send(Job { request, done })
            .map_err(|_| ApiError::internal("the post writer has stopped"))?;
        outcome
            .await
            .map_err(|_| ApiError::internal("the post writer dropped a post"))?
    }
}

/// Checks the batch's requests, then writes those that passed; if that fails, each post
/// again on its own, so that only a post that cannot be stored fails.
async fn run(db: &DatabaseConnection, gate: &WriteGate, jobs: Vec<Job>) {
    let mut read: HashMap<(String, String), Option<ChannelAccess>> = HashMap::new();
    let mut waiting: Vec<Outcome> = Vec::new();
    let mut batch: Vec<Prepared> = Vec::new();
    for Job { request, done } in jobs {
        match check(db, request, &mut read).await {
            Ok(prepared) => {
                waiting.push(done);
                batch.push(prepared);
            }
            Err(e) => {
                let _ = done.send(Err(e));
            }
        }
    }
    if batch.is_empty() {
        return;
    }
    match write_in_transaction(db, gate, &mut batch).await {
        Ok(mentioned) => {
            for ((done, p), mentioned) in waiting.into_iter().zip(batch).zip(mentioned) {
                let _ = done.send(Ok(p.created(mentioned)));
            }
        }
        Err(e) if waiting.len() == 1 => {
            for done in waiting {
                let _ = done.send(Err(e.clone()));
            }
        }
        Err(_) => {
            for (done, prepared) in waiting.into_iter().zip(batch) {
                let mut one = [prepared];
                let outcome = write_in_transaction(db, gate, &mut one).await;
                let [p] = one;
                let created = outcome.map(|mut m| p.created(m.pop().unwrap_or_default()));
                let _ = done.send(created);
            }
        }
    }
}

/// One request's checks, as CreatePost makes them: create_post in the channel (403 when it
/// does not exist either), use_channel_mentions for @channel, then [`prepare`]. The channel
/// with the author's membership is read once per batch for each channel and author.
async fn check(
    db: &DatabaseConnection,
    request: Request,
    read: &mut HashMap<(String, String), Option<ChannelAccess>>,
) -> Result<Prepared, ApiError> {
    let Request {
        caller,
        channel_id,
        post,
        trusted,
    } = request;
    let key = (channel_id, post.user_id.clone());
    let access = match read.get(&key) {
        Some(access) => access.clone(),
        None => {
            let access = ChannelAccess::load(db, &key.0, &key.1).await?;
            read.insert(key, access.clone());
            access
        }
    };
    let access = match access {
        Some(access) if trusted => access,
        access => permissions::granted(&caller, access, perm::CREATE_POST).await?,
    };
    let everyone = permissions::access_grants(&caller, &access, perm::USE_CHANNEL_MENTIONS).await?;
    prepare(db, access.channel, post, everyone).await
}

/// [`write`] in a transaction of its own; the mentions of each post.
async fn write_in_transaction(
    db: &DatabaseConnection,
    gate: &WriteGate,
    batch: &mut [Prepared],
) -> Result<Vec<Vec<String>>, ApiError> {
    let txn = begin_write(db, gate).await?;
    let mentioned = write(&txn, batch).await?;
    txn.commit().await?;
    Ok(mentioned)
}

/// The `posted` event of a stored post, as Mattermost sends it to the channel's members:
/// `post` (the post as the API shows it, a JSON string), the channel's type, name and the
/// display name its members see (a direct channel: `@<sender>`; a group: its members'
/// usernames, sorted, comma-joined), `sender_name` (`@<username>`), `team_id`,
/// `set_online`; those mentioned get `mentions` (per recipient, from the event's list).
pub async fn posted_event(
    caller: &Caller,
    created: &Created,
    shown: &crate::contract::types::Post,
    set_online: bool,
) -> Result<Event, ApiError> {
    let c = &created.channel;
    let db = caller.state.db();
    let sender = caller
        .state
        .accounts()
        .get(db, &created.post.user_id)
        .await?
        .map(|a| a.user.username.clone())
        .unwrap_or_default();
    let display_name = match c.channel_type.as_str() {
        "D" => format!("@{sender}"),
        "G" => {
            let mut names: Vec<String> = user::Entity::find()
                .select_only()
                .column(user::Column::Username)
                .filter(user::Column::Id.in_subquery(member_ids(&c.id)))
                .into_tuple()
                .all(db)
                .await?;
            names.sort();
            names.join(", ")
        }
        _ => c.display_name.clone(),
    };
    let mut event = Event::new("posted", Broadcast::channel(&c.id))
        .with_json("post", shown)
        .with("channel_type", c.channel_type.clone())
        .with("channel_display_name", display_name)
        .with("channel_name", c.name.clone())
        .with("sender_name", format!("@{sender}"))
        .with("team_id", c.team_id.clone())
        .with("set_online", set_online);
    event.mentions.clone_from(&created.mentioned);
    Ok(event)
}

/// Creates `post` in `channel_id` through the post writer, and publishes `posted` when
/// anyone listens. The post as the author sees it.
pub async fn create(
    caller: &Caller,
    channel_id: String,
    post: NewPost,
    set_online: bool,
) -> Result<crate::contract::types::Post, ApiError> {
    let request = Request {
        caller: caller.clone(),
        channel_id,
        post,
        trusted: false,
    };
    publish_created(caller, request, set_online).await
}

/// [`create`] for an integration whose rights to the channel were checked (no
/// create_post asked).
pub async fn create_trusted(
    caller: &Caller,
    channel_id: String,
    post: NewPost,
) -> Result<crate::contract::types::Post, ApiError> {
    let request = Request {
        caller: caller.clone(),
        channel_id,
        post,
        trusted: true,
    };
    publish_created(caller, request, false).await
}

async fn publish_created(
    caller: &Caller,
    request: Request,
    set_online: bool,
) -> Result<crate::contract::types::Post, ApiError> {
    let created = caller.state.post_writer().submit(request).await?;
    let shown = if created.post.root_id.is_empty() {
        // A new root post has no thread yet.
        let mut shown = super::posts::to_api(&created.post, None);
        super::posts::with_files(caller.state.db(), std::iter::once(&mut shown)).await?;
        shown
    } else {
        super::posts::to_api_one(caller.state.db(), &created.post).await?
    };
    if caller.state.events().has_subscribers() {
        let mut event = posted_event(caller, &created, &shown, set_online).await?;
        if created.post.root_id.is_empty() {
            caller.state.events().publish(event);
        } else {
            let (post, team_id) = (&created.post, &created.channel.team_id);
            let notice = super::threads::reply_notice(caller, post, team_id, &created.mentioned);
            let notice = notice.await?;
            event.followers = notice.followers;
            caller.state.events().publish(event);
            caller.state.events().publish_all(notice.events);
        }
    }
    Ok(shown)
}
