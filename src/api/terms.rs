//! The `terms of service` tag: the custom terms users accept.

use super::Api;
use crate::auth::permissions::{ids::MANAGE_SYSTEM, require_system};
use crate::contract::{self, types};
use crate::error::ApiError;
use crate::ids::{new_id, now_millis};
use crate::rt::Ctx;
use crate::store::entity::terms_of_service as terms;
use axum::http::StatusCode;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, QueryOrder};

pub(super) mod ids {
    pub const EMPTY_TEXT: &str = "api.create_terms_of_service.empty_text.app_error";
    pub const NONE: &str = "app.terms_of_service.get.no_rows.app_error";
}

pub(super) fn to_api(t: terms::Model) -> types::TermsOfService {
    types::TermsOfService {
        id: Some(t.id),
        create_at: Some(t.create_at),
        user_id: Some(t.user_id),
        text: Some(t.text),
    }
}

/// The version in force: the newest.
pub(super) async fn latest(db: &impl ConnectionTrait) -> Result<Option<terms::Model>, ApiError> {
    Ok(terms::Entity::find()
        .order_by_desc(terms::Column::CreateAt)
        .one(db)
        .await?)
}

impl contract::TermsOfServiceApi for Api {
    /// `GET /api/v4/terms_of_service`: a session. The version in force.
    async fn get_terms_of_service(ctx: &Ctx) -> Result<types::TermsOfService, ApiError> {
        ctx.session()?;
        let found = latest(ctx.state.db()).await?;
        found.map(to_api).ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                ids::NONE,
                "No terms of service are set.",
            )
        })
    }

    /// `POST /api/v4/terms_of_service`: manage_system. A new version, in force at once.
    async fn create_terms_of_service(
        ctx: &Ctx,
        body: types::CreateTermsOfServiceBody,
    ) -> Result<types::TermsOfService, ApiError> {
        let creator = ctx.session()?.user_id.clone();
        require_system(ctx, MANAGE_SYSTEM).await?;
        if body.text.trim().is_empty() {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                ids::EMPTY_TEXT,
                "The terms of service need some text.",
            ));
        }
        // Strictly after the version in force, so "newest" is never a tie.
        let after = latest(ctx.state.db()).await?.map_or(0, |t| t.create_at + 1);
        let row = terms::ActiveModel {
            id: Set(new_id()),
            create_at: Set(now_millis().max(after)),
            user_id: Set(creator.clone()),
            text: Set(body.text),
        };
        let saved = terms::Entity::insert(row)
            .exec_with_returning(ctx.state.db())
            .await?;
        crate::app::audits::record(
            ctx,
            &creator,
            &format!("terms of service {} created", saved.id),
        )
        .await;
        Ok(to_api(saved))
    }
}
