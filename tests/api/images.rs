//! Profile images: the default picture, uploads (cropped to 128×128 PNG), ETags and 304,
//! and going back to the default.

use crate::common::{TestServer, assert_fails};
use ferromost_client::Upload;

async fn bytes_of(reply: ferromost_client::ResponseValue<ferromost_client::ByteStream>) -> Vec<u8> {
    let chunks = futures::StreamExt::collect::<Vec<_>>(reply.into_inner().into_inner()).await;
    chunks
        .into_iter()
        .flat_map(|c| c.unwrap().to_vec())
        .collect()
}

pub fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbaImage::from_pixel(width, height, image::Rgba([200, 10, 10, 255]));
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[tokio::test]
async fn default_and_uploaded_pictures() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    let reply = admin
        .client
        .get_profile_image(user.id(), None)
        .await
        .unwrap();
    assert_eq!(reply.headers()["content-type"], "image/png");
    let etag = reply.headers()["etag"].to_str().unwrap().to_owned();
    let default = image::load_from_memory(&bytes_of(reply).await).unwrap();
    assert_eq!((default.width(), default.height()), (128, 128));
    // The same ETag answers 304 with no body.
    let response = server
        .http()
        .get(server.api(&format!("/users/{}/image", user.id())))
        .bearer_auth(&admin.token)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 304);
    assert!(response.bytes().await.unwrap().is_empty());
    // Uploads are cropped and scaled; only the user or edit_other_users may set them.
    assert_fails(
        user.client
            .set_profile_image(admin.id(), Upload::new("a.png", png(300, 200)))
            .await,
        403,
        "api.context.permissions.app_error",
    )
    .await;
    assert_fails(
        user.client
            .set_profile_image("me", Upload::new("a.png", b"not an image".to_vec()))
            .await,
        400,
        "api.user.upload_profile_user.decode.app_error",
    )
    .await;
    user.client
        .set_profile_image("me", Upload::new("a.png", png(300, 200)))
        .await
        .unwrap();
    let reply = admin
        .client
        .get_profile_image(user.id(), None)
        .await
        .unwrap();
    assert_ne!(
        reply.headers()["etag"].to_str().unwrap(),
        etag,
        "a new picture, a new ETag"
    );
    let uploaded = image::load_from_memory(&bytes_of(reply).await)
        .unwrap()
        .to_rgba8();
    assert_eq!(uploaded.dimensions(), (128, 128));
    assert_eq!(uploaded.get_pixel(64, 64), &image::Rgba([200, 10, 10, 255]));
    let me = user.client.get_user("me").await.unwrap().into_inner();
    assert!(me.last_picture_update.unwrap() > 0);
    // Back to the default.
    user.client.set_default_profile_image("me").await.unwrap();
    let reply = admin
        .client
        .get_profile_image(user.id(), None)
        .await
        .unwrap();
    let back = image::load_from_memory(&bytes_of(reply).await)
        .unwrap()
        .to_rgba8();
    assert_ne!(back.get_pixel(0, 0), &image::Rgba([200, 10, 10, 255]));
    let default = admin
        .client
        .get_default_profile_image(user.id())
        .await
        .unwrap();
    assert_eq!(default.headers()["content-type"], "image/png");
    assert_fails(
        server.anonymous().get_profile_image(user.id(), None).await,
        401,
        "api.context.session_expired.app_error",
    )
    .await;
    assert_fails(
        admin
            .client
            .get_profile_image(&ferromost::ids::new_id(), None)
            .await,
        404,
        "app.user.missing_account.const",
    )
    .await;
}

#[tokio::test]
async fn the_brand_image_is_set_by_edit_brand_and_shown_to_anyone() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    let anonymous = || server.http().get(server.api("/brand/image")).send();
    crate::common::assert_app_error(
        anonymous().await.unwrap(),
        404,
        "api.admin.get_brand_image.storage.app_error",
    )
    .await;
    let form = |bytes: Vec<u8>| {
        reqwest::multipart::Form::new().part(
            "image",
            reqwest::multipart::Part::bytes(bytes).file_name("brand.png"),
        )
    };
    let upload = |token: &str, bytes: Vec<u8>| {
        server
            .http()
            .post(server.api("/brand/image"))
            .bearer_auth(token)
            .multipart(form(bytes))
            .send()
    };
    let response = upload(&user.token, png(300, 100)).await.unwrap();
    crate::common::assert_app_error(response, 403, "api.context.permissions.app_error").await;
    let response = upload(&admin.token, b"not an image".to_vec())
        .await
        .unwrap();
    crate::common::assert_app_error(response, 400, "brand.save_brand_image.decode.app_error").await;
    let response = server
        .http()
        .post(server.api("/brand/image"))
        .bearer_auth(&admin.token)
        .multipart(reqwest::multipart::Form::new().text("other", "x"))
        .send()
        .await
        .unwrap();
    crate::common::assert_app_error(
        response,
        400,
        "api.admin.upload_brand_image.no_file.app_error",
    )
    .await;
    let response = upload(&admin.token, png(300, 100)).await.unwrap();
    assert_eq!(response.status(), 201);
    // Anyone sees it, whole, even with a token that is no longer good.
    let response = server
        .http()
        .get(server.api("/brand/image"))
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/png");
    let shown = image::load_from_memory(&response.bytes().await.unwrap()).unwrap();
    assert_eq!((shown.width(), shown.height()), (300, 100));
    // Removing it takes edit_brand too; then it is gone.
    let delete = |token: &str| {
        server
            .http()
            .delete(server.api("/brand/image"))
            .bearer_auth(token)
            .send()
    };
    crate::common::assert_app_error(
        delete(&user.token).await.unwrap(),
        403,
        "api.context.permissions.app_error",
    )
    .await;
    assert_eq!(delete(&admin.token).await.unwrap().status(), 200);
    crate::common::assert_app_error(
        delete(&admin.token).await.unwrap(),
        404,
        "api.admin.delete_brand_image.storage.not_found",
    )
    .await;
    assert_eq!(anonymous().await.unwrap().status(), 404);
}
