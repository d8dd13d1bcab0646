//! Profile pictures: the uploaded image or the generated default (initials on a colour
//! derived from the account), and changing or resetting it.

use crate::app::filestore::FileStore;
use crate::app::images;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::ids::now_millis;
use crate::rt::{Binary, Multipart};
use crate::store::entity::{bot, user};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, IntoActiveModel};

fn profile_image_path(id: &str) -> String {
    format!("users/{id}/profile.png")
}

fn store(caller: &Caller) -> Result<FileStore, ApiError> {
    FileStore::from_config(&caller.state.config())
}

/// The account's image: its upload, a bot's icon, or the default one.
pub async fn profile_image(caller: &Caller, account: &user::Model) -> Result<Binary, ApiError> {
    if account.last_picture_update > 0
        && let Ok(bytes) = store(caller)?
            .read_all(&profile_image_path(&account.id))
            .await
    {
        return Ok(Binary::bytes("image/png", bytes));
    }
    if let Some(bot) = bot::Entity::find_by_id(account.id.clone())
        .one(caller.state.db())
        .await?
        && bot.last_icon_update > 0
    {
        let found = crate::app::bots::get(caller, &account.id, true).await?;
        return crate::app::bots::icon(caller, &found).await;
    }
    default_profile_image(account)
}

/// The default image: the initial on the account's colour.
pub fn default_profile_image(account: &user::Model) -> Result<Binary, ApiError> {
    let png = images::default_profile_png(&account.id, &account.username)?;
    Ok(Binary::bytes("image/png", png))
}

/// Stores the `image` part of the form as the account's picture (cropped and scaled).
pub async fn set_profile_image(
    caller: &Caller,
    account: user::Model,
    form: Multipart,
) -> Result<(), ApiError> {
    let png = images::read_upload(form, images::PROFILE_FORM).await?;
    store(caller)?
        .write_bytes(&profile_image_path(&account.id), png)
        .await?;
    set_picture_time(caller, account, now_millis()).await
}

/// Back to the default image. The negative time still changes, so cached copies refresh.
pub async fn reset_profile_image(caller: &Caller, account: user::Model) -> Result<(), ApiError> {
    store(caller)?
        .remove(&profile_image_path(&account.id))
        .await;
    set_picture_time(caller, account, -now_millis()).await
}

async fn set_picture_time(caller: &Caller, account: user::Model, at: i64) -> Result<(), ApiError> {
    let mut row = account.into_active_model();
    row.last_picture_update = Set(at);
    row.update_at = Set(now_millis());
    let updated = row.update(caller.state.db()).await?;
    caller.state.forget_account(&updated.id).await
}
