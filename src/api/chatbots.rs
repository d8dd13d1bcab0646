//! ChatCaptain's chatbot users (`openapi/chatcaptain.yaml`, tag `chatbot_users`): a
//! workspace is a team, a chatbot a bot account in it (see `app::chatbots`).

use super::Api;
use crate::app::chatbots::{self, Action};
use crate::contract::{
    self, AddChatbotUserPath, GrantChatbotUserRolePath, ListChatbotUsersPath,
    RemoveChatbotUserPath, RevokeChatbotUserRolePath, types,
};
use crate::error::ApiError;
use crate::rt::Ctx;

impl contract::ChatbotUsersApi for Api {
    /// `GET /v1/workspaces/{workspaceId}/chatbots/{chatbotId}/users`: chatbots.users.list.
    async fn list_chatbot_users(
        ctx: &Ctx,
        path: ListChatbotUsersPath,
    ) -> Result<types::ChatbotUserList, ApiError> {
        let chatbot =
            chatbots::open(ctx, &path.workspace_id, &path.chatbot_id, Action::List).await?;
        let users = chatbots::list(ctx, &chatbot).await?;
        Ok(types::ChatbotUserList { users, error: None })
    }

    /// `POST /v1/workspaces/{workspaceId}/chatbots/{chatbotId}/users`: chatbots.users.add.
    async fn add_chatbot_user(
        ctx: &Ctx,
        path: AddChatbotUserPath,
        body: types::AddChatbotUserBody,
    ) -> Result<types::ChatbotUserAdded, ApiError> {
        let chatbot =
            chatbots::open(ctx, &path.workspace_id, &path.chatbot_id, Action::Add).await?;
        let user = chatbots::add(ctx, &chatbot, &body.user_id).await?;
        Ok(types::ChatbotUserAdded { user, error: None })
    }

    /// `DELETE .../users/{userId}`: chatbots.users.remove (and .roles.revoke for a user
    /// who holds roles).
    async fn remove_chatbot_user(
        ctx: &Ctx,
        path: RemoveChatbotUserPath,
    ) -> Result<types::ChatbotUserRemoved, ApiError> {
        let chatbot =
            chatbots::open(ctx, &path.workspace_id, &path.chatbot_id, Action::Remove).await?;
        let removed = chatbots::remove(ctx, &chatbot, &path.user_id).await?;
        Ok(types::ChatbotUserRemoved {
            removed: Some(removed),
            error: None,
        })
    }

    /// `POST .../users/{userId}/roles`: chatbots.users.roles.grant.
    async fn grant_chatbot_user_role(
        ctx: &Ctx,
        path: GrantChatbotUserRolePath,
        body: types::GrantChatbotUserRoleBody,
    ) -> Result<types::ChatbotRoleChanged, ApiError> {
        let chatbot =
            chatbots::open(ctx, &path.workspace_id, &path.chatbot_id, Action::Grant).await?;
        let success = chatbots::grant(ctx, &chatbot, &path.user_id, body.role).await?;
        Ok(types::ChatbotRoleChanged {
            success,
            error: None,
        })
    }

    /// `DELETE .../users/{userId}/roles/{role}`: chatbots.users.roles.revoke.
    async fn revoke_chatbot_user_role(
        ctx: &Ctx,
        path: RevokeChatbotUserRolePath,
    ) -> Result<types::ChatbotRoleChanged, ApiError> {
        let role = chatbots::parse_role(&path.role)?;
        let chatbot =
            chatbots::open(ctx, &path.workspace_id, &path.chatbot_id, Action::Revoke).await?;
        let success = chatbots::revoke(ctx, &chatbot, &path.user_id, role).await?;
        Ok(types::ChatbotRoleChanged {
            success,
            error: None,
        })
    }
}
