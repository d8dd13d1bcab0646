//! Post reminders, as Mattermost keeps them: a user asks to be reminded of a post at a time
//! (Unix seconds); the request is confirmed with an ephemeral post, and when the time has
//! passed the system bot sends the user a `reminder` post in their direct channel. Reminders
//! live in the database, so they survive restarts; a due reminder is taken (deleted) by
//! exactly one node before it is sent.

use super::{bots, channels, posting, posts, users};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::store::entity::{channel, post_reminder as reminder, team, user};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

/// The system bot's username (Mattermost's BotSystemBotUsername).
pub const SYSTEM_BOT: &str = "system-bot";
/// How often each node looks for due reminders.
const CHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// What a reminder shows of its post: the channel, the team's name (empty for direct and
/// group channels) and the post author's username.
struct About {
    channel_id: String,
    team_name: String,
    username: String,
}

async fn about(caller: &Caller, post_id: &str) -> Result<About, ApiError> {
    let db = caller.state.db();
    let found = posts::get(db, post_id).await?;
    let in_channel = channels::get(db, &found.channel_id).await?;
    let team_name = match in_channel.team_id.as_str() {
        "" => String::new(),
        id => team::Entity::find_by_id(id.to_owned())
            .one(db)
            .await?
            .map(|t| t.name)
            .unwrap_or_default(),
    };
    let username = users::get(db, &found.user_id).await?.username;
    Ok(About {
        channel_id: found.channel_id,
        team_name,
        username,
    })
}

fn permalink(site_url: &str, team_name: &str, post_id: &str) -> String {
    if team_name.is_empty() {
        format!("{site_url}/pl/{post_id}")
    } else {
        format!("{site_url}/{team_name}/pl/{post_id}")
    }
}

/// Go's RFC 822 layout (`02 Jan 06 15:04 UTC`) of Unix seconds, as Mattermost's fallback
/// text shows the time (clients show `target_time` in the user's zone).
fn rfc822(secs: i64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = crate::logs::civil_from_days(days);
    let month = MONTHS[usize::try_from(m.saturating_sub(1)).unwrap_or(0) % 12];
    format!(
        "{d:02} {month} {:02} {:02}:{:02} UTC",
        y.rem_euclid(100),
        rest / 3600,
        rest % 3600 / 60
    )
}

/// Sets (or moves) `user_id`'s reminder of `post_id` to `target_time` and confirms it to
/// the user with an ephemeral post under the post.
pub async fn set(
    caller: &Caller,
    post_id: &str,
    user_id: &str,
    target_time: i64,
) -> Result<(), ApiError> {
    let about = about(caller, post_id).await?;
    let row = reminder::ActiveModel {
        post_id: Set(post_id.to_owned()),
        user_id: Set(user_id.to_owned()),
        target_time: Set(target_time),
    };
    reminder::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([reminder::Column::PostId, reminder::Column::UserId])
                .update_column(reminder::Column::TargetTime)
                .to_owned(),
        )
        .exec_without_returning(caller.state.db())
        .await?;
    let site_url = caller.state.config().service_settings.site_url.clone();
    let link = permalink(&site_url, &about.team_name, post_id);
    let mut props = serde_json::Map::new();
    props.insert("target_time".to_owned(), target_time.into());
    props.insert("team_name".to_owned(), about.team_name.clone().into());
    props.insert("post_id".to_owned(), post_id.into());
    props.insert("username".to_owned(), about.username.clone().into());
    props.insert("type".to_owned(), "reminder".into());
    let note = super::ephemeral::Ephemeral {
        author: user_id.to_owned(),
        channel_id: about.channel_id,
        root_id: post_id.to_owned(),
        message: format!(
            "You will be reminded about {link} by @{} at {}",
            about.username,
            rfc822(target_time)
        ),
        props,
    };
    super::ephemeral::ephemeral(caller, user_id, note);
    Ok(())
}

/// The system bot, made on first need (owned by the first active system admin by
/// username, as Mattermost's GetSystemBot); `None` while there is no admin to own it.
pub async fn system_bot(caller: &Caller) -> Result<Option<user::Model>, ApiError> {
    let db = caller.state.db();
    if let Some(found) = users::find_by_username(db, SYSTEM_BOT).await? {
        return Ok(Some(found));
    }
    let admin = user::Entity::find()
        .filter(user::Column::DeleteAt.eq(0))
        .filter(user::Column::Roles.contains("system_admin"))
        .order_by_asc(user::Column::Username)
        .one(db)
        .await?;
    let Some(admin) = admin else {
        return Ok(None);
    };
    let body = crate::contract::types::CreateBotBody {
        username: SYSTEM_BOT.to_owned(),
        display_name: Some("System".to_owned()),
        description: None,
    };
    match bots::create(caller, &admin.id, body).await {
        Ok(made) => Ok(Some(made.user)),
        // Another node made it first.
        Err(e) => match users::find_by_username(db, SYSTEM_BOT).await? {
            Some(found) => Ok(Some(found)),
            None => Err(e),
        },
    }
}

/// Takes the reminders due by `now_secs` and sends each as a `reminder` post from the
/// system bot in its user's direct channel with the bot. A reminder is deleted before it
/// is sent, so of several nodes exactly one sends it (as Mattermost, one that then fails
/// is lost, not repeated).
pub async fn send_due(caller: &Caller, now_secs: i64) -> Result<usize, ApiError> {
    let db = caller.state.db();
    let due = reminder::Entity::find()
        .filter(reminder::Column::TargetTime.lt(now_secs))
        .order_by_asc(reminder::Column::TargetTime)
        .all(db)
        .await?;
    if due.is_empty() {
        return Ok(0);
    }
    let Some(bot) = system_bot(caller).await? else {
        tracing::warn!("post reminders wait: there is no system admin to own the system bot");
        return Ok(0);
    };
    let mut sent = 0;
    for r in due {
        let taken = reminder::Entity::delete_many()
            .filter(reminder::Column::PostId.eq(&r.post_id))
            .filter(reminder::Column::UserId.eq(&r.user_id))
            .filter(reminder::Column::TargetTime.eq(r.target_time))
            .exec(db)
            .await?;
        if taken.rows_affected != 1 {
            continue;
        }
        match send(caller, &bot, &r).await {
            Ok(()) => sent += 1,
            Err(e) => {
                tracing::warn!(post_id = %r.post_id, error = %e.message, "sending a post reminder")
            }
        }
    }
    Ok(sent)
}

async fn send(caller: &Caller, bot: &user::Model, r: &reminder::Model) -> Result<(), ApiError> {
    let db = caller.state.db();
    let about = about(caller, &r.post_id).await?;
    let Ok(to) = users::get(db, &r.user_id).await else {
        return Ok(());
    };
    let dm: channel::Model = channels::direct(db, &to, bot).await?;
    let site_url = caller.state.config().service_settings.site_url.clone();
    let mut props = serde_json::Map::new();
    props.insert("team_name".to_owned(), about.team_name.clone().into());
    props.insert("post_id".to_owned(), r.post_id.clone().into());
    props.insert("username".to_owned(), about.username.clone().into());
    let new = posting::NewPost {
        user_id: bot.id.clone(),
        root_id: String::new(),
        message: format!(
            "Hi there, here's your reminder about this message from @{}: {site_url}/{}/pl/{}",
            about.username, about.team_name, r.post_id
        ),
        props,
        file_ids: Vec::new(),
        pending_post_id: String::new(),
        post_type: "reminder".to_owned(),
    };
    posting::create_trusted(caller, dm.id, new).await?;
    Ok(())
}

/// Looks for due reminders every second, on every node.
pub fn start(state: &crate::state::AppState) {
    let caller = Caller::background(state);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(CHECK_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let now_secs = crate::ids::now_millis() / 1000;
            if let Err(e) = send_due(&caller, now_secs).await {
                tracing::warn!(error = %e.message, "checking post reminders");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_go_writes_rfc822() {
        assert_eq!(rfc822(0), "01 Jan 70 00:00 UTC");
        assert_eq!(rfc822(1_796_483_100), "05 Dec 26 15:05 UTC");
    }

    #[test]
    fn permalinks_leave_out_an_empty_team() {
        assert_eq!(permalink("http://x", "", "p"), "http://x/pl/p");
        assert_eq!(permalink("http://x", "t", "p"), "http://x/t/pl/p");
    }
}
