//! Corteza's organisations (`openapi/corteza-system.yaml`, tag `corteza_organisations`);
//! see `app::corteza::organisations`.

use super::Api;
use crate::app::corteza::{self, organisations};
use crate::contract::{
    self, CortezaOrganisationArchivePath, CortezaOrganisationDeletePath,
    CortezaOrganisationListQuery, CortezaOrganisationReadPath, CortezaOrganisationUpdatePath,
    types,
};
use crate::error::ApiError;
use crate::rt::Ctx;

fn organisation(out: types::CortezaOrganisation) -> types::CortezaOrganisationReply {
    types::CortezaOrganisationReply {
        response: Some(out),
        error: None,
    }
}

impl contract::CortezaOrganisationsApi for Api {
    /// `GET /organisations/`: a plain array.
    async fn corteza_organisation_list(
        ctx: &Ctx,
        query: CortezaOrganisationListQuery,
    ) -> Result<types::CortezaOrganisationArrayReply, ApiError> {
        Ok(types::CortezaOrganisationArrayReply {
            response: Some(organisations::list(ctx, query.query.as_deref()).await?),
            error: None,
        })
    }

    /// `POST /organisations/`: `organisation.create` on `system`.
    async fn corteza_organisation_create(
        ctx: &Ctx,
        body: types::CortezaOrganisationCreateBody,
    ) -> Result<types::CortezaOrganisationReply, ApiError> {
        let made = organisations::create(ctx, body.name).await?;
        let what = format!("organisation {} created", made.organisation_id);
        corteza::audit(ctx, None, &what).await;
        Ok(organisation(made))
    }

    /// `GET /organisations/{id}`.
    async fn corteza_organisation_read(
        ctx: &Ctx,
        path: CortezaOrganisationReadPath,
    ) -> Result<types::CortezaOrganisationReply, ApiError> {
        organisations::read(ctx, &path.id).await.map(organisation)
    }

    /// `PUT /organisations/{id}`: `organisation.create` on `system`.
    async fn corteza_organisation_update(
        ctx: &Ctx,
        path: CortezaOrganisationUpdatePath,
        body: types::CortezaOrganisationUpdateBody,
    ) -> Result<types::CortezaOrganisationReply, ApiError> {
        let saved = organisations::update(ctx, &path.id, body.name).await?;
        let what = format!("organisation {} updated", saved.organisation_id);
        corteza::audit(ctx, None, &what).await;
        Ok(organisation(saved))
    }

    /// `DELETE /organisations/{id}`: `organisation.create` on `system`.
    async fn corteza_organisation_delete(
        ctx: &Ctx,
        path: CortezaOrganisationDeletePath,
    ) -> Result<types::CortezaSuccessReply, ApiError> {
        organisations::change(ctx, &path.id, organisations::Change::Delete).await?;
        corteza::audit(ctx, None, &format!("organisation {} deleted", path.id)).await;
        Ok(corteza::success())
    }

    /// `POST /organisations/{id}/archive`: `organisation.create` on `system`.
    async fn corteza_organisation_archive(
        ctx: &Ctx,
        path: CortezaOrganisationArchivePath,
    ) -> Result<types::CortezaSuccessReply, ApiError> {
        organisations::change(ctx, &path.id, organisations::Change::Archive).await?;
        corteza::audit(ctx, None, &format!("organisation {} archived", path.id)).await;
        Ok(corteza::success())
    }
}
