//! Custom terms of service: the version in force (the newest), new versions, and a user
//! accepting or rejecting one.

use crate::auth::Caller;
use crate::contract::types;
use crate::error::ApiError;
use crate::ids::{new_id, now_millis};
use crate::store::entity::terms_of_service as terms;
use axum::http::StatusCode;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, QueryOrder};

pub mod ids {
    pub const EMPTY_TEXT: &str = "api.create_terms_of_service.empty_text.app_error";
    pub const NONE: &str = "app.terms_of_service.get.no_rows.app_error";
    pub const NOT_ACCEPTED: &str = "app.user_terms_of_service.get_by_user.no_rows.app_error";
}

pub fn to_api(t: terms::Model) -> types::TermsOfService {
    types::TermsOfService {
        id: Some(t.id),
        create_at: Some(t.create_at),
        user_id: Some(t.user_id),
        text: Some(t.text),
    }
}

fn none(message: &str) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, ids::NONE, message)
}

/// The version in force: the newest.
pub async fn latest(db: &impl ConnectionTrait) -> Result<Option<terms::Model>, ApiError> {
    Ok(terms::Entity::find()
        .order_by_desc(terms::Column::CreateAt)
        .one(db)
        .await?)
}

/// The version in force (404 when none is set).
pub async fn in_force(caller: &Caller) -> Result<types::TermsOfService, ApiError> {
    let found = latest(caller.state.db()).await?;
    found
        .map(to_api)
        .ok_or_else(|| none("No terms of service are set."))
}

/// A new version with `text`, in force at once.
pub async fn create(caller: &Caller, text: String) -> Result<types::TermsOfService, ApiError> {
    let creator = caller.session()?.user_id.clone();
    if text.trim().is_empty() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ids::EMPTY_TEXT,
            "The terms of service need some text.",
        ));
    }
    let db = caller.state.db();
    // Strictly after the version in force, so "newest" is never a tie.
    let after = latest(db).await?.map_or(0, |t| t.create_at + 1);
    let row = terms::ActiveModel {
        id: Set(new_id()),
        create_at: Set(now_millis().max(after)),
        user_id: Set(creator.clone()),
        text: Set(text),
    };
    let saved = terms::Entity::insert(row).exec_with_returning(db).await?;
    let what = format!("terms of service {} created", saved.id);
    super::audits::record(caller, &creator, &what).await;
    Ok(to_api(saved))
}

/// `user_id` accepts (or rejects) version `terms_id`, which must exist.
pub async fn record_action(
    caller: &Caller,
    user_id: &str,
    terms_id: &str,
    accepted: bool,
) -> Result<(), ApiError> {
    let db = caller.state.db();
    if terms::Entity::find_by_id(terms_id).one(db).await?.is_none() {
        return Err(none("There are no such terms of service."));
    }
    let account = super::users::get(db, user_id).await?;
    let accepted_id = accepted.then_some(terms_id);
    super::users::set_terms_accepted(&caller.state, account, accepted_id).await?;
    let what = format!("terms of service accepted={accepted}");
    super::audits::record(caller, user_id, &what).await;
    Ok(())
}

/// Which version `user_id` accepted, and when (404 when none).
pub async fn accepted_by(
    caller: &Caller,
    user_id: &str,
) -> Result<types::UserTermsOfService, ApiError> {
    let account = super::users::get(caller.state.db(), user_id).await?;
    if account.terms_of_service_id.is_empty() {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            ids::NOT_ACCEPTED,
            "The user has not accepted any terms of service.",
        ));
    }
    Ok(types::UserTermsOfService {
        user_id: Some(account.id),
        terms_of_service_id: Some(account.terms_of_service_id),
        create_at: Some(account.terms_of_service_create_at),
    })
}
