//! The `brand` tag: the login page's brand image.

use super::{Api, ok};
use crate::app::brand;
use crate::contract::{self, types};
use crate::error::ApiError;
use crate::rt::{Binary, Ctx, Multipart};

impl contract::BrandApi for Api {
    /// `GET /api/v4/brand/image`: to anyone; 404 without one.
    async fn get_brand_image(ctx: &Ctx) -> Result<Binary, ApiError> {
        Ok(Binary::bytes("image/png", brand::get(ctx).await?))
    }

    /// `POST /api/v4/brand/image`: 201, edit_brand.
    async fn upload_brand_image(ctx: &Ctx, body: Multipart) -> Result<types::StatusOk, ApiError> {
        ctx.session()?;
        brand::save(ctx, body).await?;
        Ok(ok())
    }

    /// `DELETE /api/v4/brand/image`: edit_brand.
    async fn delete_brand_image(ctx: &Ctx) -> Result<types::StatusOk, ApiError> {
        ctx.session()?;
        brand::delete(ctx).await?;
        Ok(ok())
    }
}
