//! Resumable uploads: created for a channel, sent in parts (a dropped connection keeps what
//! arrived, the next part goes on from there), finished into a file; one request at a
//! time per upload; everyone else's refused.

use crate::common::{
    TestServer, assert_app_error, assert_fails, eventually, make_channel, make_team,
};
use ferromost_client::{UploadDataOutcome, types};

const MB: usize = 1024 * 1024;

fn body(channel: &str, name: &str, size: usize) -> types::CreateUploadBody {
    types::CreateUploadBody {
        channel_id: channel.into(),
        filename: name.into(),
        file_size: i64::try_from(size).unwrap(),
    }
}

#[tokio::test]
async fn an_upload_resumes_after_a_dropped_connection_and_becomes_a_file() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let member = server.user(&admin, "member").await;
    let other = server.user(&admin, "other").await;
    let team = make_team(&admin, "uploading", "O").await;
    for who in [&member, &other] {
        let add = types::AddTeamMemberBody {
            team_id: Some(team.clone()),
            user_id: Some(who.id().to_owned()),
        };
        admin.client.add_team_member(&team, &add).await.unwrap();
    }
    let channel = make_channel(&member, &team, "parts", "O").await;
    let data: Vec<u8> = (0..7 * MB)
        .map(|i| u8::try_from(i % 251).unwrap())
        .collect();
    let created = member
        .client
        .create_upload(&body(&channel, "big.bin", data.len()))
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let created = created.into_inner();
    let id = created.id.clone().unwrap();
    assert_eq!(created.file_offset, Some(0));
    assert_eq!(created.filename.as_deref(), Some("big.bin"));

    // The first part (at least 5 MB unless it is everything): 204.
    let first = member
        .client
        .upload_data(&id, data[..5 * MB].to_vec())
        .await
        .unwrap();
    assert_eq!(first.status(), 204);
    assert!(matches!(first.into_inner(), UploadDataOutcome::Incomplete));
    let listed = member
        .client
        .get_uploads_for_user(member.id())
        .await
        .unwrap();
    assert_eq!(
        listed.into_inner()[0].file_offset,
        Some(i64::try_from(5 * MB).unwrap())
    );

    // Someone else reads, lists or writes nothing of it.
    assert_fails(
        other.client.get_upload(&id).await,
        403,
        "api.upload.get_upload.forbidden.app_error",
    )
    .await;
    assert_fails(
        other.client.get_uploads_for_user(member.id()).await,
        403,
        "api.user.get_uploads_for_user.forbidden.app_error",
    )
    .await;
    assert_fails(
        other.client.upload_data(&id, vec![1; 10]).await,
        403,
        "api.context.permissions.app_error",
    )
    .await;
    assert!(
        admin.client.get_upload(&id).await.is_ok(),
        "manage_system reads any"
    );

    // A connection that drops part-way: what arrived is kept.
    let (release, hold) = tokio::sync::oneshot::channel::<()>();
    let piece = bytes::Bytes::copy_from_slice(&data[5 * MB..5 * MB + 1000]);
    let stream = futures::stream::unfold((Some(piece), Some(hold)), |(piece, hold)| async move {
        if let Some(piece) = piece {
            return Some((Ok::<_, std::io::Error>(piece), (None, hold)));
        }
        let _ = hold?.await;
        Some((Err(std::io::Error::other("dropped")), (None, None)))
    });
    let url = server.api(&format!("/uploads/{id}"));
    let dropped = tokio::spawn(
        server
            .http()
            .post(url)
            .bearer_auth(&member.token)
            .body(reqwest::Body::wrap_stream(stream))
            .send(),
    );
    // While it is open, a second request for the same upload is refused.
    // (the server holds the upload once the first bytes arrive)
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_fails(
        member.client.upload_data(&id, vec![1; 10]).await,
        400,
        "app.upload.upload_data.concurrent.app_error",
    )
    .await;
    release.send(()).unwrap();
    assert!(
        dropped.await.unwrap().is_err(),
        "the client saw its request fail"
    );
    let expected = i64::try_from(5 * MB + 1000).unwrap();
    eventually(|| async {
        member
            .client
            .get_upload(&id)
            .await
            .unwrap()
            .into_inner()
            .file_offset
            == Some(expected)
    })
    .await;

    // More than what remains is refused; the rest from the stored offset finishes it.
    let rest = data[5 * MB + 1000..].to_vec();
    let mut too_long = rest.clone();
    too_long.push(0);
    assert_fails(
        member.client.upload_data(&id, too_long).await,
        400,
        "api.upload.upload_data.invalid_content_length",
    )
    .await;
    let done = member.client.upload_data(&id, rest).await.unwrap();
    assert_eq!(done.status(), 200);
    let UploadDataOutcome::Complete(info) = done.into_inner() else {
        panic!("the last part finishes the upload");
    };
    assert_eq!(info.name.as_deref(), Some("big.bin"));
    assert_eq!(info.size, Some(i64::try_from(data.len()).unwrap()));
    assert_eq!(info.channel_id.as_deref(), Some(channel.as_str()));
    let file_id = info.id.unwrap();
    let fetched = server
        .http()
        .get(server.api(&format!("/files/{file_id}")))
        .bearer_auth(&member.token)
        .send()
        .await
        .unwrap();
    assert!(
        fetched.bytes().await.unwrap() == data,
        "the same bytes back"
    );
    assert_fails(
        member.client.get_upload(&id).await,
        404,
        "app.upload.get.app_error",
    )
    .await;
    assert!(
        member
            .client
            .get_uploads_for_user(member.id())
            .await
            .unwrap()
            .into_inner()
            .is_empty()
    );
}

#[tokio::test]
async fn uploads_refused() {
    let server = TestServer::start_with(|c| c.file_settings.max_file_size = 8 * MB).await;
    let admin = server.admin().await;
    let outsider = server.user(&admin, "outsider").await;
    let team = make_team(&admin, "refusing", "I").await;
    let channel = make_channel(&admin, &team, "closed", "P").await;
    assert_fails(
        outsider
            .client
            .create_upload(&body(&channel, "a.txt", 10))
            .await,
        403,
        "api.context.permissions.app_error",
    )
    .await;
    assert_fails(
        admin
            .client
            .create_upload(&body(&channel, "a.txt", 8 * MB + 1))
            .await,
        413,
        "api.upload.create.upload_too_large.app_error",
    )
    .await;
    assert_fails(
        admin.client.create_upload(&body(&channel, "", 10)).await,
        400,
        "model.upload_session.is_valid.filename.app_error",
    )
    .await;
    assert_fails(
        admin
            .client
            .create_upload(&body(&channel, &"n".repeat(300), 10))
            .await,
        400,
        "model.upload_session.is_valid.filename.app_error",
    )
    .await;
    assert_fails(
        admin
            .client
            .create_upload(&body(&channel, "a.txt", 0))
            .await,
        400,
        "model.upload_session.is_valid.file_size.app_error",
    )
    .await;
    // A first part under 5 MB that is not the whole file keeps nothing.
    let id = admin
        .client
        .create_upload(&body(&channel, "a.bin", 6 * MB))
        .await
        .unwrap()
        .into_inner()
        .id
        .unwrap();
    assert_fails(
        admin.client.upload_data(&id, vec![0; MB]).await,
        400,
        "app.upload.upload_data.first_part_too_small.app_error",
    )
    .await;
    assert_eq!(
        admin
            .client
            .get_upload(&id)
            .await
            .unwrap()
            .into_inner()
            .file_offset,
        Some(0)
    );
    // A small file in one part is fine.
    let small = admin
        .client
        .create_upload(&body(&channel, "small.txt", 5))
        .await
        .unwrap()
        .into_inner()
        .id
        .unwrap();
    let done = admin
        .client
        .upload_data(&small, b"hello".to_vec())
        .await
        .unwrap();
    assert!(matches!(done.into_inner(), UploadDataOutcome::Complete(_)));
    let response = server
        .http()
        .post(server.api(&format!("/uploads/{}", ferromost::ids::new_id())))
        .bearer_auth(&admin.token)
        .body("x")
        .send()
        .await
        .unwrap();
    assert_app_error(response, 404, "app.upload.get.app_error").await;
    // With attachments off, uploads answer 501 (as Mattermost's upload API does).
    server.configure(|c| c.file_settings.enable_file_attachments = false);
    assert_fails(
        admin
            .client
            .create_upload(&body(&channel, "a.txt", 10))
            .await,
        501,
        "api.file.attachments.disabled.app_error",
    )
    .await;
    assert_fails(
        admin.client.upload_data(&id, vec![0; 10]).await,
        501,
        "api.file.attachments.disabled.app_error",
    )
    .await;
}
