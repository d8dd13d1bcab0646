//! The brand image the login page shows (`brand/image.png` in the file store).

use super::filestore::FileStore;
use super::images::{self, FormIds};
use crate::auth::Caller;
use crate::auth::permissions::{self, ids as perm};
use crate::error::ApiError;
use crate::rt::Multipart;
use axum::http::StatusCode;

const PATH: &str = "brand/image.png";

/// A brand image's upload.
const FORM: FormIds = FormIds {
    parse: "api.admin.upload_brand_image.parse.app_error",
    no_file: "api.admin.upload_brand_image.no_file.app_error",
    decode: "brand.save_brand_image.decode.app_error",
    too_large: "brand.save_brand_image.check_image_limits.app_error",
};

fn missing(id: &'static str) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, id, "There is no brand image.")
}

/// The brand image (404 when none was uploaded).
pub async fn get(caller: &Caller) -> Result<Vec<u8>, ApiError> {
    let store = FileStore::from_config(&caller.state.config())?;
    store
        .read_all(PATH)
        .await
        .map_err(|_| missing("api.admin.get_brand_image.storage.app_error"))
}

/// Stores the form's `image` (any of the image formats profile pictures take) as a PNG;
/// `edit_brand`, checked once the form is read, as Mattermost checks it.
pub async fn save(caller: &Caller, form: Multipart) -> Result<(), ApiError> {
    let image = images::read_image_field(form, FORM).await?;
    permissions::require_system(caller, perm::EDIT_BRAND).await?;
    let png = tokio::task::spawn_blocking(move || images::upload_as_png(&image, FORM))
        .await
        .map_err(ApiError::internal)??;
    FileStore::from_config(&caller.state.config())?
        .write_bytes(PATH, png)
        .await
}

/// Removes the brand image (404 `api.admin.delete_brand_image.storage.not_found` when there
/// is none); `edit_brand`.
pub async fn delete(caller: &Caller) -> Result<(), ApiError> {
    permissions::require_system(caller, perm::EDIT_BRAND).await?;
    let store = FileStore::from_config(&caller.state.config())?;
    if store.open(PATH).await.is_err() {
        return Err(missing("api.admin.delete_brand_image.storage.not_found"));
    }
    store.remove(PATH).await;
    Ok(())
}
