//! The `preferences` tag: a user's settings as (category, name) → value rows, which the
//! clients keep their display settings, flagged posts, direct channel lists and tutorial
//! state in. The rules are in app::preferences.

use super::{Api, ok};
use crate::app::{preferences, users};
use crate::auth::permissions::require_user;
use crate::contract::{
    self, DeletePreferencesPath, GetPreferencesByCategoryByNamePath, GetPreferencesByCategoryPath,
    GetPreferencesPath, UpdatePreferencesPath, types,
};
use crate::error::ApiError;
use crate::rt::Ctx;

/// A session, a well-formed `user_id`, and the user themself or edit_other_users.
async fn owner(ctx: &Ctx, user_id: &str) -> Result<(), ApiError> {
    users::require_session_and_id(ctx, user_id)?;
    require_user(ctx, user_id).await
}

impl contract::PreferencesApi for Api {
    /// `GET /api/v4/users/{user_id}/preferences`: the user or edit_other_users.
    async fn get_preferences(
        ctx: &Ctx,
        path: GetPreferencesPath,
    ) -> Result<Vec<types::Preference>, ApiError> {
        owner(ctx, &path.user_id).await?;
        preferences::list(ctx, &path.user_id, None).await
    }

    /// `PUT /api/v4/users/{user_id}/preferences`: the user or edit_other_users; each
    /// preference must be that user's. Saved (or replaced) all at once.
    async fn update_preferences(
        ctx: &Ctx,
        path: UpdatePreferencesPath,
        body: Vec<types::Preference>,
    ) -> Result<types::StatusOk, ApiError> {
        owner(ctx, &path.user_id).await?;
        preferences::save(ctx, &path.user_id, body).await?;
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
        preferences::delete(ctx, &path.user_id, body).await?;
        Ok(ok())
    }

    /// `GET /api/v4/users/{user_id}/preferences/{category}`: as GetPreferences, one
    /// category (empty when it holds none).
    async fn get_preferences_by_category(
        ctx: &Ctx,
        path: GetPreferencesByCategoryPath,
    ) -> Result<Vec<types::Preference>, ApiError> {
        owner(ctx, &path.user_id).await?;
        preferences::list(ctx, &path.user_id, Some(&path.category)).await
    }

    /// `GET /api/v4/users/{user_id}/preferences/{category}/name/{preference_name}`: as
    /// GetPreferences; one preference (400 when unset, as Mattermost answers).
    async fn get_preferences_by_category_by_name(
        ctx: &Ctx,
        path: GetPreferencesByCategoryByNamePath,
    ) -> Result<types::Preference, ApiError> {
        owner(ctx, &path.user_id).await?;
        preferences::get(ctx, &path.user_id, &path.category, &path.preference_name).await
    }
}
