//! The `data retention` tag. No retention policy can be created yet, so none applies to
//! anyone; the per-user lists answer that, with Mattermost's permission rule (and no
//! licence).

use super::Api;
use crate::app::users;
use crate::auth::permissions::{ids::MANAGE_SYSTEM, require_system};
use crate::contract::{
    self, GetChannelPoliciesForUserPath, GetChannelPoliciesForUserQuery,
    GetTeamPoliciesForUserPath, GetTeamPoliciesForUserQuery, types,
};
use crate::error::ApiError;
use crate::rt::Ctx;

/// The user themself, or manage_system.
async fn require_self_or_admin(ctx: &Ctx, user_id: &str) -> Result<(), ApiError> {
    let session = users::require_session_and_id(ctx, user_id)?;
    if session.user_id != user_id {
        require_system(ctx, MANAGE_SYSTEM).await?;
    }
    Ok(())
}

impl contract::DataRetentionApi for Api {
    /// `GET /api/v4/users/{user_id}/data_retention/team_policies`: the user, or
    /// manage_system. The team policies that apply to the user.
    async fn get_team_policies_for_user(
        ctx: &Ctx,
        path: GetTeamPoliciesForUserPath,
        _query: GetTeamPoliciesForUserQuery,
    ) -> Result<types::RetentionPolicyForTeamList, ApiError> {
        require_self_or_admin(ctx, &path.user_id).await?;
        Ok(types::RetentionPolicyForTeamList {
            policies: Vec::new(),
            total_count: Some(0),
        })
    }

    /// `GET /api/v4/users/{user_id}/data_retention/channel_policies`: the user, or
    /// manage_system. The channel policies that apply to the user.
    async fn get_channel_policies_for_user(
        ctx: &Ctx,
        path: GetChannelPoliciesForUserPath,
        _query: GetChannelPoliciesForUserQuery,
    ) -> Result<types::RetentionPolicyForChannelList, ApiError> {
        require_self_or_admin(ctx, &path.user_id).await?;
        Ok(types::RetentionPolicyForChannelList {
            policies: Vec::new(),
            total_count: Some(0),
        })
    }
}
