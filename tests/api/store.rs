//! The migrations build exactly what the entities read and write: on a freshly migrated
//! database (SQLite or PostgreSQL), every entity's columns can be selected, and a full row
//! written through the entity reads back equal.

use crate::common::TestServer;
use ferromost::store::entity::*;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel};

#[tokio::test]
async fn every_entity_matches_its_migrated_table() {
    let server = TestServer::start().await;
    let db = server.state.db();
    // Selecting names every column; a missing or misnamed one fails here.
    audit::Entity::find().all(db).await.unwrap();
    bot::Entity::find().all(db).await.unwrap();
    channel::Entity::find().all(db).await.unwrap();
    channel_member::Entity::find().all(db).await.unwrap();
    post::Entity::find().all(db).await.unwrap();
    preference::Entity::find().all(db).await.unwrap();
    reaction::Entity::find().all(db).await.unwrap();
    status::Entity::find().all(db).await.unwrap();
    sidebar_category::Entity::find().all(db).await.unwrap();
    sidebar_channel::Entity::find().all(db).await.unwrap();
    thread::Entity::find().all(db).await.unwrap();
    thread_membership::Entity::find().all(db).await.unwrap();
    scheme::Entity::find().all(db).await.unwrap();
    session::Entity::find().all(db).await.unwrap();
    system::Entity::find().all(db).await.unwrap();
    team::Entity::find().all(db).await.unwrap();
    team_member::Entity::find().all(db).await.unwrap();
    terms_of_service::Entity::find().all(db).await.unwrap();
    token::Entity::find().all(db).await.unwrap();
    user_access_token::Entity::find().all(db).await.unwrap();
    assert_eq!(
        role::Entity::find().all(db).await.unwrap().len(),
        23,
        "built-in roles seeded"
    );
    // A full row of the widest table round-trips.
    let admin = server.admin().await;
    let row = user::Entity::find_by_id(admin.id().to_owned())
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let mut changed = row.clone();
    changed.auth_data = Some("x".repeat(128));
    changed.remote_id = Some(ferromost::ids::new_id());
    changed.mfa_used_step = i64::MAX;
    changed.locale = "pt-BR".into();
    let saved = changed
        .clone()
        .into_active_model()
        .reset_all()
        .update(db)
        .await
        .unwrap();
    assert_eq!(saved, changed);
    let pref = preference::Model {
        user_id: admin.id().to_owned(),
        category: "display_settings".into(),
        name: "use_military_time".into(),
        value: "true".into(),
    };
    preference::Entity::insert(pref.clone().into_active_model())
        .exec(db)
        .await
        .unwrap();
    assert_eq!(
        preference::Entity::find().all(db).await.unwrap(),
        vec![pref]
    );
}
