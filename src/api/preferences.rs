//! The `preferences` tag: a user's settings as (category, name) → value rows, which the
//! clients keep their display settings, flagged posts, direct channel lists and tutorial
//! state in.

use super::{Api, ok};
use crate::app::{channels, posts, users};
use crate::auth::permissions::require_user;
use crate::contract::{
    self, DeletePreferencesPath, GetPreferencesByCategoryByNamePath, GetPreferencesByCategoryPath,
    GetPreferencesPath, UpdatePreferencesPath, types,
};
use crate::error::ApiError;
use crate::ids::is_valid_id;
use crate::rt::Ctx;
use crate::store::entity::preference;
use axum::http::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

/// At most this many preferences are saved or deleted at once.
const MAX_BATCH: usize = 100;

/// A session, a well-formed `user_id`, and the user themself or edit_other_users.
async fn owner(ctx: &Ctx, user_id: &str) -> Result<(), ApiError> {
    users::require_session_and_id(ctx, user_id)?;
    require_user(ctx, user_id).await
}

fn to_api(p: preference::Model) -> types::Preference {
    types::Preference {
        user_id: Some(p.user_id),
        category: Some(p.category),
        name: Some(p.name),
        value: Some(p.value),
    }
}

fn invalid(id: &'static str, what: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        id,
        format!("The preference's {what} is not valid."),
    )
}

/// Mattermost's `Preference.IsValid`, and every preference must be `user_id`'s (`refused`
/// names the 403 otherwise); flagging a post takes being able to read it.
async fn checked(
    ctx: &Ctx,
    user_id: &str,
    body: Vec<types::Preference>,
    refused: &'static str,
) -> Result<Vec<preference::Model>, ApiError> {
    if body.is_empty() || body.len() > MAX_BATCH {
        return Err(ApiError::invalid_body_param("preferences"));
    }
    let mut rows = Vec::with_capacity(body.len());
    for p in body {
        let row = preference::Model {
            user_id: p.user_id.unwrap_or_default(),
            category: p.category.unwrap_or_default(),
            name: p.name.unwrap_or_default(),
            value: p.value.unwrap_or_default(),
        };
        if row.user_id != user_id {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                refused,
                "A preference belongs to another user.",
            ));
        }
        if !is_valid_id(&row.user_id) {
            return Err(invalid("model.preference.is_valid.id.app_error", "user id"));
        }
        if row.category.is_empty() || row.category.len() > 32 {
            return Err(invalid(
                "model.preference.is_valid.category.app_error",
                "category",
            ));
        }
        if row.name.len() > 32 {
            return Err(invalid("model.preference.is_valid.name.app_error", "name"));
        }
        if row.value.chars().count() > 2000 {
            return Err(invalid(
                "model.preference.is_valid.value.app_error",
                "value",
            ));
        }
        if row.category == "theme"
            && serde_json::from_str::<std::collections::HashMap<String, String>>(&row.value)
                .is_err()
        {
            return Err(invalid(
                "model.preference.is_valid.theme.app_error",
                "theme",
            ));
        }
        if row.category == "flagged_post" {
            let found = posts::get(ctx.state.db(), &row.name)
                .await
                .map_err(|_| ApiError::invalid_param("preference.name"))?;
            let c = channels::get(ctx.state.db(), &found.channel_id).await?;
            channels::require_read(ctx, &c).await?;
        }
        rows.push(row);
    }
    Ok(rows)
}

impl contract::PreferencesApi for Api {
    /// `GET /api/v4/users/{user_id}/preferences`: the user or edit_other_users.
    async fn get_preferences(
        ctx: &Ctx,
        path: GetPreferencesPath,
    ) -> Result<Vec<types::Preference>, ApiError> {
        owner(ctx, &path.user_id).await?;
        let rows = preference::Entity::find()
            .filter(preference::Column::UserId.eq(path.user_id))
            .order_by_asc(preference::Column::Category)
            .order_by_asc(preference::Column::Name)
            .all(ctx.state.db())
            .await?;
        Ok(rows.into_iter().map(to_api).collect())
    }

    /// `PUT /api/v4/users/{user_id}/preferences`: the user or edit_other_users; each
    /// preference must be that user's. Saved (or replaced) all at once.
    async fn update_preferences(
        ctx: &Ctx,
        path: UpdatePreferencesPath,
        body: Vec<types::Preference>,
    ) -> Result<types::StatusOk, ApiError> {
        owner(ctx, &path.user_id).await?;
        let rows = checked(
            ctx,
            &path.user_id,
            body,
            "api.preference.update_preferences.set.app_error",
        )
        .await?;
        let txn = ctx.state.begin_write().await?;
        for row in rows {
            crate::store::preferences::upsert(&txn, row).await?;
        }
        txn.commit().await?;
        Ok(ok())
    }

    /// `POST /api/v4/users/{user_id}/preferences/delete`: as UpdatePreferences; the
    /// (category, name) pairs given go, whatever their value.
    async fn delete_preferences(
        ctx: &Ctx,
        path: DeletePreferencesPath,
        body: Vec<types::Preference>,
    ) -> Result<types::StatusOk, ApiError> {
        owner(ctx, &path.user_id).await?;
        if body.is_empty() || body.len() > MAX_BATCH {
            return Err(ApiError::invalid_body_param("preferences"));
        }
        let txn = ctx.state.begin_write().await?;
        for p in body {
            if p.user_id.as_deref() != Some(path.user_id.as_str()) {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "api.preference.delete_preferences.delete.app_error",
                    "A preference belongs to another user.",
                ));
            }
            preference::Entity::delete_many()
                .filter(preference::Column::UserId.eq(path.user_id.clone()))
                .filter(preference::Column::Category.eq(p.category.unwrap_or_default()))
                .filter(preference::Column::Name.eq(p.name.unwrap_or_default()))
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(ok())
    }

    /// `GET /api/v4/users/{user_id}/preferences/{category}`: as GetPreferences, one
    /// category (empty when it holds none).
    async fn get_preferences_by_category(
        ctx: &Ctx,
        path: GetPreferencesByCategoryPath,
    ) -> Result<Vec<types::Preference>, ApiError> {
        owner(ctx, &path.user_id).await?;
        let rows = preference::Entity::find()
            .filter(preference::Column::UserId.eq(path.user_id))
            .filter(preference::Column::Category.eq(path.category))
            .order_by_asc(preference::Column::Name)
            .all(ctx.state.db())
            .await?;
        Ok(rows.into_iter().map(to_api).collect())
    }

    /// `GET /api/v4/users/{user_id}/preferences/{category}/name/{preference_name}`: as
    /// GetPreferences; one preference (400 `app.preference.get.app_error` when unset, as
    /// Mattermost answers).
    async fn get_preferences_by_category_by_name(
        ctx: &Ctx,
        path: GetPreferencesByCategoryByNamePath,
    ) -> Result<types::Preference, ApiError> {
        owner(ctx, &path.user_id).await?;
        preference::Entity::find_by_id((
            path.user_id.clone(),
            path.category.clone(),
            path.preference_name.clone(),
        ))
        .one(ctx.state.db())
        .await?
        .map(to_api)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "app.preference.get.app_error",
                "That preference is not set.",
            )
        })
    }
}
