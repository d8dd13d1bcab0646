//! Corteza's auth endpoints (`openapi/corteza-system.yaml`, tag `corteza_auth`), on
//! Mattermost's accounts and sessions (see `app::corteza::auth`).

use super::Api;
use crate::app::corteza::auth;
use crate::contract::{self, types};
use crate::error::ApiError;
use crate::rt::Ctx;

fn signed_in(out: types::CortezaAuth) -> types::CortezaAuthReply {
    types::CortezaAuthReply {
        response: Some(out),
        error: None,
    }
}

impl contract::CortezaAuthApi for Api {
    /// `GET /auth/`: public.
    async fn corteza_auth_settings(ctx: &Ctx) -> Result<types::CortezaAuthSettingsReply, ApiError> {
        Ok(types::CortezaAuthSettingsReply {
            response: Some(auth::settings(ctx)),
            error: None,
        })
    }

    /// `GET /auth/check`: the caller's token and account.
    async fn corteza_auth_check(ctx: &Ctx) -> Result<types::CortezaAuthReply, ApiError> {
        auth::check(ctx).await.map(signed_in)
    }

    /// `GET /auth/logout`: ends the caller's session.
    async fn corteza_auth_logout(ctx: &Ctx) -> Result<types::CortezaBooleanReply, ApiError> {
        Ok(types::CortezaBooleanReply {
            response: Some(auth::logout(ctx).await?),
            error: None,
        })
    }

    /// `POST /auth/internal/change-password`: the caller's own.
    async fn corteza_auth_internal_change_password(
        ctx: &Ctx,
        body: types::CortezaAuthInternalChangePasswordBody,
    ) -> Result<types::CortezaBooleanReply, ApiError> {
        let changed = auth::change_password(ctx, body.old_password, body.new_password).await?;
        Ok(types::CortezaBooleanReply {
            response: Some(changed),
            error: None,
        })
    }

    /// `POST /auth/internal/login`: email and password.
    async fn corteza_auth_internal_login(
        ctx: &Ctx,
        body: types::CortezaAuthInternalLoginBody,
    ) -> Result<types::CortezaAuthReply, ApiError> {
        auth::internal_login(ctx, body.email, body.password)
            .await
            .map(signed_in)
    }
}
