//! Custom terms of service: administrators publish versions, users accept or reject the one
//! in force.

use crate::common::{TestServer, assert_fails};
use ferromost_client::types;

#[tokio::test]
async fn publishing_and_accepting_terms() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    assert_fails(
        user.client.get_terms_of_service().await,
        404,
        "app.terms_of_service.get.no_rows.app_error",
    )
    .await;
    let text = types::CreateTermsOfServiceBody {
        text: "Be kind.".into(),
    };
    assert_fails(
        user.client.create_terms_of_service(&text).await,
        403,
        "api.context.permissions.app_error",
    )
    .await;
    let empty = types::CreateTermsOfServiceBody { text: "  ".into() };
    assert_fails(
        admin.client.create_terms_of_service(&empty).await,
        400,
        "api.create_terms_of_service.empty_text.app_error",
    )
    .await;
    admin.client.create_terms_of_service(&text).await.unwrap();
    let v2 = types::CreateTermsOfServiceBody {
        text: "Be kind, twice.".into(),
    };
    let v2 = admin
        .client
        .create_terms_of_service(&v2)
        .await
        .unwrap()
        .into_inner();
    let current = user
        .client
        .get_terms_of_service()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(current.id, v2.id, "the newest version is in force");
    assert_fails(
        user.client.get_user_terms_of_service("me").await,
        404,
        "app.user_terms_of_service.get_by_user.no_rows.app_error",
    )
    .await;
    let accept = types::RegisterTermsOfServiceActionBody {
        accepted: true,
        service_terms_id: v2.id.clone().unwrap(),
    };
    assert_fails(
        user.client
            .register_terms_of_service_action(admin.id(), &accept)
            .await,
        403,
        "api.context.permissions.app_error",
    )
    .await;
    user.client
        .register_terms_of_service_action("me", &accept)
        .await
        .unwrap();
    let mine = user
        .client
        .get_user_terms_of_service("me")
        .await
        .unwrap()
        .into_inner();
    assert_eq!(mine.terms_of_service_id, v2.id);
    let me = user.client.get_user("me").await.unwrap().into_inner();
    assert_eq!(me.terms_of_service_id, v2.id);
    let reject = types::RegisterTermsOfServiceActionBody {
        accepted: false,
        ..accept
    };
    user.client
        .register_terms_of_service_action("me", &reject)
        .await
        .unwrap();
    assert_fails(
        admin.client.get_user_terms_of_service(user.id()).await,
        404,
        "app.user_terms_of_service.get_by_user.no_rows.app_error",
    )
    .await;
}
