//! The audit trail: who did what, from which address, in which session.

use crate::auth::Caller;
use crate::contract::types;
use crate::error::ApiError;
use crate::ids::{new_id, now_millis};
use crate::store::entity::audit;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// Records the request (its path is the action, as in Mattermost) by `user_id` with
/// `extra_info` (e.g. `success`, `failure - login_id=...`). A failure to record is logged,
/// never shown to the client: the action itself already happened.
pub async fn record(caller: &Caller, user_id: &str, extra_info: &str) {
    let action = caller.path.as_str();
    let row = audit::ActiveModel {
        id: Set(new_id()),
        create_at: Set(now_millis()),
        user_id: Set(user_id.to_owned()),
        action: Set(action.chars().take(512).collect()),
        extra_info: Set(extra_info.to_owned()),
        ip_address: Set(caller.ip.clone()),
        session_id: Set(caller
            .session
            .as_ref()
            .map(|s| s.id.clone())
            .unwrap_or_default()),
    };
    if let Err(e) = audit::Entity::insert(row).exec(caller.state.db()).await {
        tracing::error!(request_id = caller.request_id, error = %e, "writing an audit record");
    }
}

/// Newest first; `user_id` None means every user's.
pub async fn list(
    caller: &Caller,
    user_id: Option<&str>,
    page: i64,
    per_page: i64,
) -> Result<Vec<types::Audit>, ApiError> {
    let mut query = audit::Entity::find().order_by_desc(audit::Column::CreateAt);
    if let Some(user_id) = user_id {
        query = query.filter(audit::Column::UserId.eq(user_id));
    }
    let rows = query
        .offset(u64::try_from(page.saturating_mul(per_page)).unwrap_or(0))
        .limit(u64::try_from(per_page).unwrap_or(0))
        .all(caller.state.db())
        .await?;
    Ok(rows
        .into_iter()
        .map(|a| types::Audit {
            id: Some(a.id),
            create_at: Some(a.create_at),
            user_id: Some(a.user_id),
            action: Some(a.action),
            extra_info: Some(a.extra_info),
            ip_address: Some(a.ip_address),
            session_id: Some(a.session_id),
        })
        .collect())
}
