//! The `terms of service` tag: the custom terms users accept (app::terms).

use super::Api;
use crate::app::terms;
use crate::auth::permissions::{ids::MANAGE_SYSTEM, require_system};
use crate::contract::{self, types};
use crate::error::ApiError;
use crate::rt::Ctx;

impl contract::TermsOfServiceApi for Api {
    /// `GET /api/v4/terms_of_service`: a session. The version in force.
    async fn get_terms_of_service(ctx: &Ctx) -> Result<types::TermsOfService, ApiError> {
        ctx.session()?;
        terms::in_force(ctx).await
    }

    /// `POST /api/v4/terms_of_service`: manage_system. A new version, in force at once.
    async fn create_terms_of_service(
        ctx: &Ctx,
        body: types::CreateTermsOfServiceBody,
    ) -> Result<types::TermsOfService, ApiError> {
        ctx.session()?;
        require_system(ctx, MANAGE_SYSTEM).await?;
        terms::create(ctx, body.text).await
    }
}
