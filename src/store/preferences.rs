//! Writing preferences: one row per (user, category, name), its value replaced when it
//! exists (two requests setting it at once both succeed; the later value stays).

use crate::store::entity::preference;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
};

/// Stores `row`, replacing the value of the same preference.
pub async fn upsert(db: &impl ConnectionTrait, row: preference::Model) -> Result<(), DbErr> {
    preference::Entity::insert(row.into_active_model())
        .on_conflict(
            OnConflict::columns([
                preference::Column::UserId,
                preference::Column::Category,
                preference::Column::Name,
            ])
            .update_column(preference::Column::Value)
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// A user's preferences, one category or all, by category then name.
pub async fn list(
    db: &impl ConnectionTrait,
    user_id: &str,
    category: Option<&str>,
) -> Result<Vec<preference::Model>, DbErr> {
    let mut find = preference::Entity::find().filter(preference::Column::UserId.eq(user_id));
    if let Some(category) = category {
        find = find.filter(preference::Column::Category.eq(category));
    }
    find.order_by_asc(preference::Column::Category)
        .order_by_asc(preference::Column::Name)
        .all(db)
        .await
}

/// One preference, when set.
pub async fn get(
    db: &impl ConnectionTrait,
    user_id: &str,
    category: &str,
    name: &str,
) -> Result<Option<preference::Model>, DbErr> {
    preference::Entity::find_by_id((user_id.to_owned(), category.to_owned(), name.to_owned()))
        .one(db)
        .await
}

/// Deletes one preference (nothing when unset).
pub async fn delete(
    db: &impl ConnectionTrait,
    user_id: &str,
    category: &str,
    name: &str,
) -> Result<(), DbErr> {
    preference::Entity::delete_by_id((user_id.to_owned(), category.to_owned(), name.to_owned()))
        .exec(db)
        .await?;
    Ok(())
}
