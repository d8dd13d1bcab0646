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

    /// `POST /auth/internal/signup`: gated as Mattermost's open sign-up.
    async fn corteza_auth_internal_signup(
        ctx: &Ctx,
        body: types::CortezaAuthInternalSignupBody,
    ) -> Result<types::CortezaAuthReply, ApiError> {
        let form = auth::Signup {
            email: body.email,
            password: body.password,
            username: body.username,
            handle: body.handle,
            name: body.name,
        };
        auth::signup(ctx, form).await.map(signed_in)
    }

    /// `POST /auth/internal/request-password-reset`: mails the reset link.
    async fn corteza_auth_internal_request_password_reset(
        ctx: &Ctx,
        body: types::CortezaAuthInternalRequestPasswordResetBody,
    ) -> Result<types::CortezaBooleanReply, ApiError> {
        Ok(types::CortezaBooleanReply {
            response: Some(auth::request_password_reset(ctx, &body.email).await?),
            error: None,
        })
    }

    /// `POST /auth/internal/exchange-password-reset-token`: a fresh token for the mailed one.
    async fn corteza_auth_internal_exchange_password_reset_token(
        ctx: &Ctx,
        body: types::CortezaAuthInternalExchangePasswordResetTokenBody,
    ) -> Result<types::CortezaPasswordResetTokenReply, ApiError> {
        Ok(types::CortezaPasswordResetTokenReply {
            response: Some(auth::exchange_password_reset_token(ctx, &body.token).await?),
            error: None,
        })
    }

    /// `POST /auth/internal/reset-password`: the token, once; signs in.
    async fn corteza_auth_internal_reset_password(
        ctx: &Ctx,
        body: types::CortezaAuthInternalResetPasswordBody,
    ) -> Result<types::CortezaAuthReply, ApiError> {
        auth::reset_password(ctx, &body.token, body.password)
            .await
            .map(signed_in)
    }

    /// `POST /auth/internal/confirm-email`: the token, once; signs in.
    async fn corteza_auth_internal_confirm_email(
        ctx: &Ctx,
        body: types::CortezaAuthInternalConfirmEmailBody,
    ) -> Result<types::CortezaAuthReply, ApiError> {
        auth::confirm_email(ctx, &body.token).await.map(signed_in)
    }

    /// `POST /auth/exchange`: no external sign-in, so no token is good.
    async fn corteza_auth_exchange(
        _ctx: &Ctx,
        body: types::CortezaAuthExchangeBody,
    ) -> Result<types::CortezaAuthReply, ApiError> {
        auth::exchange(&body.token).map(signed_in)
    }

    /// `POST /auth/impersonate`: administrators only.
    async fn corteza_auth_impersonate(
        ctx: &Ctx,
        body: types::CortezaAuthImpersonateBody,
    ) -> Result<types::CortezaAuthReply, ApiError> {
        auth::impersonate(ctx, &body.user_id).await.map(signed_in)
    }
}
