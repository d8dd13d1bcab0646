//! Files: uploads (multipart and raw), what an image gets (dimensions upright, thumbnail,
//! preview, mini preview), downloads with Mattermost's headers, ranges and 304, attaching
//! to posts, public links, and every refusal leaving nothing behind.

use crate::common::{Account, TestServer, assert_app_error, assert_fails, make_channel, make_team};
use ferromost_client::{Upload, types};

const FORBIDDEN: &str = "api.context.permissions.app_error";

fn png(width: u32, height: u32) -> Vec<u8> {
    crate::images::png(width, height)
}

/// A JPEG `width`×`height` as stored, whose EXIF says to turn it a quarter clockwise
/// (orientation 6): shown upright it is `height`×`width`.
fn rotated_jpeg(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_pixel(width, height, image::Rgb([10, 200, 10]));
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    let jpeg = out.into_inner();
    // An APP1 segment right after SOI: "Exif\0\0", a big-endian TIFF header, one IFD entry
    // (0x0112 Orientation, SHORT, 1, value 6).
    let mut exif = b"Exif\0\0MM\0\x2a\0\0\0\x08\0\x01".to_vec();
    exif.extend_from_slice(&[0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1, 0x00, 0x06, 0, 0]);
    exif.extend_from_slice(&[0, 0, 0, 0]);
    let mut with = jpeg[..2].to_vec();
    with.extend_from_slice(&[0xff, 0xe1]);
    with.extend_from_slice(&u16::try_from(exif.len() + 2).unwrap().to_be_bytes());
    with.extend_from_slice(&exif);
    with.extend_from_slice(&jpeg[2..]);
    with
}

/// A team with a channel whose members are `owner` and `members`.
async fn channel_with(owner: &Account, members: &[&Account]) -> (String, String) {
    let team = make_team(owner, "filing", "I").await;
    for m in members {
        let body = types::AddTeamMemberBody {
            team_id: Some(team.clone()),
            user_id: Some(m.id().to_owned()),
        };
        owner.client.add_team_member(&team, &body).await.unwrap();
    }
    let channel = make_channel(owner, &team, "papers", "O").await;
    for m in members {
        let body = types::AddChannelMemberBody {
            user_id: m.id().into(),
            post_root_id: None,
        };
        owner
            .client
            .add_channel_member(&channel, &body)
            .await
            .unwrap();
    }
    (team, channel)
}

async fn upload(by: &Account, channel: &str, name: &str, bytes: Vec<u8>) -> types::FileInfo {
    let reply = by
        .client
        .upload_file(channel, vec![Upload::new(name, bytes)], Vec::new())
        .await
        .unwrap();
    assert_eq!(reply.status(), 201);
    reply.into_inner().file_infos.remove(0)
}

async fn get(server: &TestServer, by: &Account, path: &str) -> reqwest::Response {
    get_with(server, by, path, &[]).await
}

/// A GET with extra request headers.
async fn get_with(
    server: &TestServer,
    by: &Account,
    path: &str,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = server.http().get(server.api(path)).bearer_auth(&by.token);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

fn post_with(channel: &str, file_ids: &[&str]) -> types::CreatePostBody {
    types::CreatePostBody {
        channel_id: channel.into(),
        message: "see attached".into(),
        root_id: None,
        file_ids: file_ids.iter().map(|s| (*s).to_owned()).collect(),
        metadata: None,
        props: serde_json::Map::new(),
        pending_post_id: None,
    }
}

/// Every file under the server's file directory (but its config).
/// The files the store holds (in the folder, or the bucket when the tests use S3).
async fn stored_files(server: &TestServer) -> Vec<std::path::PathBuf> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.file_name().is_some_and(|n| n != "config.json") {
                out.push(path);
            }
        }
    }
    let config = server.state.config();
    let f = &config.file_settings;
    if f.driver_name == "amazons3" {
        let client = crate::common::bucket_of(server, "");
        let keys = client.list("").await.unwrap();
        return keys.into_iter().map(|(k, _)| k.into()).collect();
    }
    let mut out = Vec::new();
    walk(std::path::Path::new(&f.directory), &mut out);
    out
}

#[tokio::test]
async fn uploads_attach_to_posts_and_read_back_as_the_channel_allows() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let member = server.user(&admin, "member").await;
    let other = server.user(&admin, "other").await;
    let outsider = server.user(&admin, "outsider").await;
    let (_, channel) = channel_with(&admin, &[&member, &other]).await;

    // Two files in one request, with their client ids back in order.
    let text = b"plain words\n".repeat(1000);
    let reply = member
        .client
        .upload_file(
            &channel,
            vec![
                Upload::new("notes.txt", text.clone()),
                Upload::new("Red Square.PNG", png(300, 200)),
            ],
            vec!["c1".into(), "c2".into()],
        )
        .await
        .unwrap();
    assert_eq!(reply.status(), 201);
    let uploaded = reply.into_inner();
    assert_eq!(uploaded.client_ids, ["c1", "c2"]);
    let (notes, picture) = (&uploaded.file_infos[0], &uploaded.file_infos[1]);
    assert_eq!(notes.name.as_deref(), Some("notes.txt"));
    assert_eq!(notes.extension.as_deref(), Some("txt"));
    assert_eq!(notes.size, Some(i64::try_from(text.len()).unwrap()));
    assert_eq!(
        notes.mime_type.as_deref(),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(notes.user_id.as_deref(), Some(member.id()));
    assert_eq!(notes.channel_id.as_deref(), Some(channel.as_str()));
    assert_eq!(notes.post_id, None, "not in a post yet");
    assert_eq!((notes.width, notes.has_preview_image), (None, None));
    assert_eq!(picture.extension.as_deref(), Some("png"));
    assert_eq!(picture.mime_type.as_deref(), Some("image/png"));
    assert_eq!((picture.width, picture.height), (Some(300), Some(200)));
    assert_eq!(picture.has_preview_image, Some(true));
    let mini = picture.mini_preview.as_deref().expect("a mini preview");
    let mini = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, mini).unwrap();
    let mini = image::load_from_memory(&mini).unwrap();
    assert_eq!((mini.width(), mini.height()), (16, 16));
    let notes_id = notes.id.clone().unwrap();
    let picture_id = picture.id.clone().unwrap();

    // Before a post takes them: the uploader reads them, the channel's other members too
    // (read_channel_content), an outsider not.
    let response = get(&server, &member, &format!("/files/{notes_id}")).await;
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "text/plain; charset=utf-8");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(
        headers["content-disposition"],
        "attachment;filename=\"notes.txt\"; filename*=UTF-8''notes.txt"
    );
    assert_eq!(response.bytes().await.unwrap(), text);
    assert_eq!(
        get(&server, &other, &format!("/files/{notes_id}"))
            .await
            .status(),
        200
    );
    for path in ["", "/info", "/thumbnail", "/preview", "/link"] {
        assert_app_error(
            get(&server, &outsider, &format!("/files/{picture_id}{path}")).await,
            403,
            if path == "/link" {
                "api.file.get_public_link.disabled.app_error"
            } else {
                FORBIDDEN
            },
        )
        .await;
    }
    // An image shows inline, its thumbnail and preview as JPEG; a text file has neither.
    let response = get(&server, &other, &format!("/files/{picture_id}")).await;
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("inline;filename=\"Red%20Square.PNG\"")
    );
    let response = get(&server, &other, &format!("/files/{picture_id}?download=1")).await;
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    let thumb = get(&server, &other, &format!("/files/{picture_id}/thumbnail")).await;
    assert_eq!(thumb.headers()["content-type"], "image/jpeg");
    let thumb = image::load_from_memory(&thumb.bytes().await.unwrap()).unwrap();
    assert_eq!(
        (thumb.width(), thumb.height()),
        (150, 100),
        "scaled to 100 high"
    );
    let preview = get(&server, &other, &format!("/files/{picture_id}/preview")).await;
    let preview = image::load_from_memory(&preview.bytes().await.unwrap()).unwrap();
    assert_eq!(
        (preview.width(), preview.height()),
        (300, 200),
        "not wider than 1920"
    );
    assert_app_error(
        get(&server, &member, &format!("/files/{notes_id}/thumbnail")).await,
        400,
        "api.file.get_file_thumbnail.no_thumbnail.app_error",
    )
    .await;
    assert_app_error(
        get(&server, &member, &format!("/files/{notes_id}/preview")).await,
        400,
        "api.file.get_file_preview.no_preview.app_error",
    )
    .await;
    let info = get(&server, &other, &format!("/files/{picture_id}/info")).await;
    assert_eq!(info.headers()["cache-control"], "max-age=2592000, private");

    // A post takes its author's own uploads in its channel; someone else's upload, an
    // unknown id and a second claim are dropped from its file ids.
    let others_file = upload(&other, &channel, "theirs.txt", b"x".to_vec()).await;
    let others_id = others_file.id.unwrap();
    let created = member
        .client
        .create_post(
            None,
            &post_with(
                &channel,
                &[&notes_id, &others_id, &picture_id, "a".repeat(26).as_str()],
            ),
        )
        .await
        .unwrap()
        .into_inner();
    assert_eq!(created.file_ids, [notes_id.clone(), picture_id.clone()]);
    let files = created.metadata.unwrap().files;
    assert_eq!(files.len(), 2);
    assert!(files.iter().all(|f| f.post_id == created.id));
    let again = member
        .client
        .create_post(None, &post_with(&channel, &[&notes_id]))
        .await
        .unwrap()
        .into_inner();
    assert!(again.file_ids.is_empty(), "a file is in one post only");
    // More than ten ids is refused before anything is stored.
    let many: Vec<String> = (0..11).map(|_| ferromost::ids::new_id()).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    assert_fails(
        member
            .client
            .create_post(None, &post_with(&channel, &many))
            .await,
        400,
        "model.post.is_valid.file_ids.app_error",
    )
    .await;

    // The post's file infos, with the post's reading rules and an ETag.
    let post_id = created.id.unwrap();
    let listed = other
        .client
        .get_file_infos_for_post(&post_id, None)
        .await
        .unwrap();
    let etag = listed.headers()["etag"].to_str().unwrap().to_owned();
    let listed = listed.into_inner();
    assert_eq!(
        listed
            .iter()
            .map(|f| f.id.clone().unwrap())
            .collect::<Vec<_>>(),
        [notes_id.clone(), picture_id.clone()]
    );
    let path = format!("/posts/{post_id}/files/info");
    let response = get_with(&server, &other, &path, &[("if-none-match", &etag)]).await;
    assert_eq!(response.status(), 304);
    assert_fails(
        outsider
            .client
            .get_file_infos_for_post(&post_id, None)
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    assert_fails(
        member
            .client
            .get_file_infos_for_post(&post_id, Some(true))
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    let fetched = member
        .client
        .get_post(&post_id, None)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(fetched.metadata.unwrap().files.len(), 2);

    // Deleting the post deletes its files' infos.
    member.client.delete_post(&post_id).await.unwrap();
    assert_app_error(
        get(&server, &member, &format!("/files/{notes_id}/info")).await,
        404,
        "app.file_info.get.app_error",
    )
    .await;
    let kept = admin
        .client
        .get_file_infos_for_post(&post_id, Some(true))
        .await
        .unwrap()
        .into_inner();
    assert!(kept.iter().all(|f| f.delete_at.unwrap_or(0) > 0));
}

#[tokio::test]
async fn refused_uploads_keep_nothing() {
    let server = TestServer::start_with(|c| c.file_settings.max_file_size = 100_000).await;
    let admin = server.admin().await;
    let member = server.user(&admin, "member").await;
    let outsider = server.user(&admin, "outsider").await;
    let (_, channel) = channel_with(&admin, &[&member]).await;
    let form = |parts: Vec<(&str, Option<&str>, Vec<u8>)>| {
        let mut form = reqwest::multipart::Form::new();
        for (name, file, bytes) in parts {
            let part = reqwest::multipart::Part::bytes(bytes);
            let part = match file {
                Some(f) => part.file_name(f.to_owned()),
                None => part,
            };
            form = form.part(name.to_owned(), part);
        }
        form
    };
    let send = |by: &Account, query: &str, form: reqwest::multipart::Form| {
        server
            .http()
            .post(server.api(&format!("/files{query}")))
            .bearer_auth(&by.token)
            .multipart(form)
            .send()
    };
    let id = |s: &str| s.as_bytes().to_vec();
    // Too large (the second file of a request: the first is not kept either).
    let response = send(
        &member,
        "",
        form(vec![
            ("channel_id", None, id(&channel)),
            ("files", Some("small.txt"), b"small".to_vec()),
            ("files", Some("big.bin"), vec![7; 100_001]),
        ]),
    )
    .await
    .unwrap();
    assert_app_error(
        response,
        413,
        "api.file.upload_file.too_large_detailed.app_error",
    )
    .await;
    // Not a member: no upload_file in the channel.
    let response = send(
        &outsider,
        "",
        form(vec![
            ("channel_id", None, id(&channel)),
            ("files", Some("a.txt"), b"a".to_vec()),
        ]),
    )
    .await
    .unwrap();
    assert_app_error(response, 403, FORBIDDEN).await;
    // Client ids, if any, one per file.
    let response = send(
        &member,
        "",
        form(vec![
            ("channel_id", None, id(&channel)),
            ("client_ids", None, b"one".to_vec()),
            ("files", Some("a.txt"), b"a".to_vec()),
            ("files", Some("b.txt"), b"b".to_vec()),
        ]),
    )
    .await
    .unwrap();
    assert_app_error(response, 400, "api.context.invalid_param.app_error").await;
    let response = send(
        &member,
        "",
        form(vec![
            ("channel_id", None, id(&channel)),
            ("client_ids", None, b"one".to_vec()),
            ("client_ids", None, b"two".to_vec()),
            ("files", Some("a.txt"), b"a".to_vec()),
        ]),
    )
    .await
    .unwrap();
    assert_app_error(
        response,
        400,
        "api.file.upload_file.incorrect_number_of_client_ids.app_error",
    )
    .await;
    // A form field Mattermost does not know; two channels; no channel at all.
    let response = send(
        &member,
        "",
        form(vec![
            ("channel_id", None, id(&channel)),
            ("colour", None, b"red".to_vec()),
        ]),
    )
    .await
    .unwrap();
    assert_app_error(response, 400, "api.context.invalid_param.app_error").await;
    let response = send(
        &member,
        &format!("?channel_id={}", ferromost::ids::new_id()),
        form(vec![
            ("channel_id", None, id(&channel)),
            ("files", Some("a.txt"), b"a".to_vec()),
        ]),
    )
    .await
    .unwrap();
    assert_app_error(
        response,
        400,
        "api.file.upload_file.multiple_channel_ids.app_error",
    )
    .await;
    let response = send(
        &member,
        "",
        form(vec![("files", Some("a.txt"), b"a".to_vec())]),
    )
    .await
    .unwrap();
    assert_app_error(response, 400, "api.context.invalid_param.app_error").await;
    // Files before the channel (Mattermost's buffered form): kept once the form names it,
    // with one client id each.
    let response = send(
        &member,
        "",
        form(vec![
            ("files", Some("first.txt"), b"one".to_vec()),
            ("files", Some("second.txt"), b"two".to_vec()),
            ("client_ids", None, b"c1".to_vec()),
            ("client_ids", None, b"c2".to_vec()),
            ("channel_id", None, id(&channel)),
        ]),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 201);
    let reply: serde_json::Value = response.json().await.unwrap();
    assert_eq!(reply["client_ids"], serde_json::json!(["c1", "c2"]));
    assert_eq!(reply["file_infos"][1]["name"], "second.txt");
    assert_eq!(reply["file_infos"][1]["channel_id"], channel.as_str());
    let early: Vec<String> = reply["file_infos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect();
    let back = get(&server, &member, &format!("/files/{}", early[0])).await;
    assert_eq!(back.bytes().await.unwrap(), "one");
    // An image with more pixels than MaxImageResolution.
    server.configure(|c| c.file_settings.max_image_resolution = 100);
    let response = send(
        &member,
        "",
        form(vec![
            ("channel_id", None, id(&channel)),
            ("files", Some("wide.png"), png(20, 20)),
        ]),
    )
    .await
    .unwrap();
    assert_app_error(
        response,
        400,
        "api.file.upload_file.large_image_detailed.app_error",
    )
    .await;
    // An empty raw body, a raw body without its filename.
    let raw = |query: String, body: Vec<u8>| {
        server
            .http()
            .post(server.api(&format!("/files{query}")))
            .bearer_auth(&member.token)
            .body(body)
            .send()
    };
    assert_app_error(
        raw(format!("?channel_id={channel}&filename=a.txt"), Vec::new())
            .await
            .unwrap(),
        400,
        "api.file.upload_file.read_request.app_error",
    )
    .await;
    assert_app_error(
        raw(format!("?channel_id={channel}"), b"abc".to_vec())
            .await
            .unwrap(),
        400,
        "api.context.invalid_param.app_error",
    )
    .await;
    // A name no file system keeps (over 255 bytes), or an extension over 64 characters.
    for name in ["n".repeat(300), format!("a.{}", "x".repeat(65))] {
        assert_app_error(
            raw(
                format!("?channel_id={channel}&filename={name}"),
                b"abc".to_vec(),
            )
            .await
            .unwrap(),
            400,
            "api.context.invalid_param.app_error",
        )
        .await;
    }
    // Attachments turned off: 403 with Mattermost's id.
    server.configure(|c| c.file_settings.enable_file_attachments = false);
    assert_fails(
        member
            .client
            .upload_file(
                &channel,
                vec![Upload::new("a.txt", b"a".to_vec())],
                Vec::new(),
            )
            .await,
        403,
        "api.file.attachments.disabled.app_error",
    )
    .await;
    // None of the refused ones left a byte or a row: only the two files accepted are kept.
    let mut kept: Vec<String> = stored_files(&server)
        .await
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    kept.sort();
    assert_eq!(kept, ["first.txt", "second.txt"]);
    let rows: Vec<String> = {
        use sea_orm::EntityTrait;
        ferromost::store::entity::file_info::Entity::find()
            .all(server.state.db())
            .await
            .unwrap()
            .into_iter()
            .map(|f| f.id)
            .collect()
    };
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|id| early.contains(id)));
}

#[tokio::test]
async fn raw_uploads_ranges_and_public_links() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let member = server.user(&admin, "member").await;
    let (_, channel) = channel_with(&admin, &[&member]).await;
    let body: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
    let response = server
        .http()
        .post(server.api(&format!(
            "/files?channel_id={channel}&filename=dir%2Fdata.bin&client_id=raw-1"
        )))
        .bearer_auth(&member.token)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let reply: serde_json::Value = response.json().await.unwrap();
    assert_eq!(reply["client_ids"], serde_json::json!(["raw-1"]));
    let info = &reply["file_infos"][0];
    assert_eq!(info["name"], "data.bin", "only the last path segment");
    assert_eq!(info["size"], 5000);
    let file_id = info["id"].as_str().unwrap().to_owned();

    // One range: 206 with its bytes; past the end: 416; If-Modified-Since: 304.
    let file_path = format!("/files/{file_id}");
    let response = get_with(&server, &member, &file_path, &[("range", "bytes=10-19")]).await;
    assert_eq!(response.status(), 206);
    assert_eq!(response.headers()["content-range"], "bytes 10-19/5000");
    assert_eq!(response.bytes().await.unwrap(), body[10..20]);
    let response = get_with(&server, &member, &file_path, &[("range", "bytes=-7")]).await;
    assert_eq!(response.bytes().await.unwrap(), body[4993..]);
    let response = get_with(&server, &member, &file_path, &[("range", "bytes=5000-")]).await;
    assert_eq!(response.status(), 416);
    let whole = get(&server, &member, &format!("/files/{file_id}")).await;
    let modified = whole.headers()["last-modified"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(whole.headers()["content-length"], "5000");
    let path = format!("/files/{file_id}");
    let response = get_with(&server, &member, &path, &[("if-modified-since", &modified)]).await;
    assert_eq!(response.status(), 304);

    // Public links: off by default; a file in no post has none.
    assert_fails(
        member.client.get_file_link(&file_id).await,
        403,
        "api.file.get_public_link.disabled.app_error",
    )
    .await;
    server.configure(|c| c.file_settings.enable_public_link = true);
    assert_fails(
        member.client.get_file_link(&file_id).await,
        400,
        "api.file.get_public_link.no_post.app_error",
    )
    .await;
    member
        .client
        .create_post(None, &post_with(&channel, &[&file_id]))
        .await
        .unwrap();
    let link = member
        .client
        .get_file_link(&file_id)
        .await
        .unwrap()
        .into_inner()
        .link
        .unwrap();
    let public_path = link.split_once(&server.url).unwrap().1.to_owned();
    assert!(public_path.starts_with(&format!("/files/{file_id}/public?h=")));
    let anonymous = |path: String| server.http().get(format!("{}{path}", server.url)).send();
    let response = anonymous(public_path.clone()).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.bytes().await.unwrap(), body);
    for wrong in [
        format!("/files/{file_id}/public?h=nope"),
        format!("/files/{file_id}/public"),
    ] {
        assert_app_error(
            anonymous(wrong).await.unwrap(),
            400,
            "api.file.get_file.public_invalid.app_error",
        )
        .await;
    }
    // A new salt retires every link; turning links off stops them too.
    server.configure(|c| c.file_settings.public_link_salt = "another salt".into());
    assert_app_error(
        anonymous(public_path.clone()).await.unwrap(),
        400,
        "api.file.get_file.public_invalid.app_error",
    )
    .await;
    server.configure(|c| c.file_settings.enable_public_link = false);
    assert_app_error(
        anonymous(public_path).await.unwrap(),
        403,
        "api.file.get_public_link.disabled.app_error",
    )
    .await;
}

#[tokio::test]
async fn images_are_described_upright() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let (_, channel) = channel_with(&admin, &[]).await;
    let info = upload(&admin, &channel, "turned.jpg", rotated_jpeg(400, 200)).await;
    assert_eq!(info.mime_type.as_deref(), Some("image/jpeg"));
    assert_eq!((info.width, info.height), (Some(200), Some(400)));
    let id = info.id.unwrap();
    let preview = get(&server, &admin, &format!("/files/{id}/preview")).await;
    let preview = image::load_from_memory(&preview.bytes().await.unwrap()).unwrap();
    assert_eq!((preview.width(), preview.height()), (200, 400));
    let thumb = get(&server, &admin, &format!("/files/{id}/thumbnail")).await;
    let thumb = image::load_from_memory(&thumb.bytes().await.unwrap()).unwrap();
    assert_eq!(
        (thumb.width(), thumb.height()),
        (120, 240),
        "scaled to 120 wide"
    );
    // A file that says it is an image but is not: kept, without previews.
    let info = upload(&admin, &channel, "broken.png", b"not a picture".to_vec()).await;
    assert_eq!(info.has_preview_image, None);
    assert_eq!(info.mini_preview, None);
}

#[tokio::test]
async fn file_search_finds_names_in_the_callers_channels() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let member = server.user(&admin, "member").await;
    let outsider = server.user(&admin, "outsider").await;
    let (team, channel) = channel_with(&admin, &[&member]).await;
    let secret = make_channel(&admin, &team, "secret", "P").await;
    let mut attach = Vec::new();
    for name in ["Quarterly Report.pdf", "holiday_photo.png", "notes.txt"] {
        let bytes = if name.ends_with(".png") {
            png(4, 4)
        } else {
            b"x".to_vec()
        };
        attach.push(upload(&member, &channel, name, bytes).await.id.unwrap());
    }
    let ids: Vec<&str> = attach.iter().map(String::as_str).collect();
    member
        .client
        .create_post(None, &post_with(&channel, &ids))
        .await
        .unwrap();
    // Not in a post, or in a channel the searcher is not in: not found.
    upload(&member, &channel, "report draft.txt", b"y".to_vec()).await;
    let hidden = upload(&admin, &secret, "report secret.txt", b"z".to_vec()).await;
    admin
        .client
        .create_post(None, &post_with(&secret, &[hidden.id.as_deref().unwrap()]))
        .await
        .unwrap();
    let search = |by: &Account, terms: &str| {
        server
            .http()
            .post(server.api(&format!("/teams/{team}/files/search")))
            .bearer_auth(&by.token)
            .json(&serde_json::json!({"terms": terms, "is_or_search": false}))
            .send()
    };
    let names = |reply: serde_json::Value| -> Vec<String> {
        reply["order"]
            .as_array()
            .unwrap()
            .iter()
            .map(|id| {
                reply["file_infos"][id.as_str().unwrap()]["name"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    let response = search(&member, "report").await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["cache-control"],
        "no-cache, no-store, must-revalidate"
    );
    assert_eq!(
        names(response.json().await.unwrap()),
        ["Quarterly Report.pdf"]
    );
    let found = search(&member, "ext:png")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(names(found), ["holiday_photo.png"]);
    // Names are searched by the index, word by word (split at anything but letters and
    // digits): whole words, prefixes with `*`, phrases; not the middle of a word.
    for (terms, expected) in [
        ("photo", vec!["holiday_photo.png"]),
        ("holi*", vec!["holiday_photo.png"]),
        ("holiday_ph*", vec!["holiday_photo.png"]),
        ("\"quarterly report\"", vec!["Quarterly Report.pdf"]),
        ("notes.txt", vec!["notes.txt"]),
        ("QUARTERLY", vec!["Quarterly Report.pdf"]),
        ("olida", vec![]),
        ("%", vec![]),
    ] {
        let found = search(&member, terms).await.unwrap().json().await.unwrap();
        assert_eq!(names(found), expected, "{terms}");
    }
    let found = search(&member, "from:member -photo")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(names(found).len(), 2);
    let found: serde_json::Value = search(&member, "from:admin")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(found["order"], serde_json::json!([]));
    assert_eq!(
        found["file_infos"],
        serde_json::json!({}),
        "an empty list is still sent"
    );
    let found = search(&admin, "secret")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        names(found),
        ["report secret.txt"],
        "the admin is in the private channel"
    );
    assert_app_error(search(&outsider, "report").await.unwrap(), 403, FORBIDDEN).await;
    assert_app_error(
        search(&member, "  ").await.unwrap(),
        400,
        "api.context.invalid_param.app_error",
    )
    .await;
}

#[tokio::test]
async fn deleting_a_user_or_team_for_good_removes_their_files() {
    let server = TestServer::start_with(|c| {
        c.service_settings.enable_api_user_deletion = true;
        c.service_settings.enable_api_team_deletion = true;
    })
    .await;
    let admin = server.admin().await;
    let member = server.user(&admin, "leaving").await;
    let (team, channel) = channel_with(&admin, &[&member]).await;
    let theirs = upload(&member, &channel, "theirs.txt", b"mine".to_vec()).await;
    let kept = upload(&admin, &channel, "kept.txt", b"admin's".to_vec()).await;
    let names = |files: Vec<std::path::PathBuf>| -> Vec<String> {
        let mut names: Vec<String> = files
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(
        names(stored_files(&server).await),
        ["kept.txt", "theirs.txt"]
    );
    // The user, for good: their uploads' rows and bytes go, others' stay.
    let response = server
        .http()
        .delete(server.api(&format!("/users/{}?permanent=true", member.id())))
        .bearer_auth(&admin.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_fails(
        admin
            .client
            .get_file_info(theirs.id.as_deref().unwrap())
            .await,
        404,
        "app.file_info.get.app_error",
    )
    .await;
    assert_eq!(names(stored_files(&server).await), ["kept.txt"]);
    // The team, for good: the files of its channels go too.
    admin
        .client
        .soft_delete_team(&team, Some(true))
        .await
        .unwrap();
    assert_fails(
        admin
            .client
            .get_file_info(kept.id.as_deref().unwrap())
            .await,
        404,
        "app.file_info.get.app_error",
    )
    .await;
    assert!(stored_files(&server).await.is_empty());
}

#[tokio::test]
async fn an_edit_changes_a_posts_files() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let member = server.user(&admin, "editor").await;
    let (_, channel) = channel_with(&admin, &[&member]).await;
    let first = upload(&member, &channel, "first.txt", b"1".to_vec())
        .await
        .id
        .unwrap();
    let second = upload(&member, &channel, "second.txt", b"2".to_vec())
        .await
        .id
        .unwrap();
    let theirs = upload(&admin, &channel, "admins.txt", b"3".to_vec())
        .await
        .id
        .unwrap();
    let post = member
        .client
        .create_post(None, &post_with(&channel, &[&first]))
        .await
        .unwrap()
        .into_inner();
    let post_id = post.id.unwrap();
    // The second file in place of the first; the admin's upload cannot be taken.
    let patch = types::PatchPostBody {
        file_ids: vec![second.clone(), theirs.clone()],
        has_reactions: None,
        is_pinned: None,
        message: None,
        props: serde_json::Map::new(),
    };
    let edited = member
        .client
        .patch_post(&post_id, &patch)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(edited.file_ids, std::slice::from_ref(&second));
    assert!(edited.edit_at.unwrap() > 0);
    let infos = member
        .client
        .get_file_infos_for_post(&post_id, None)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        infos
            .iter()
            .map(|f| f.id.clone().unwrap())
            .collect::<Vec<_>>(),
        [second]
    );
    assert_fails(
        member.client.get_file_info(&first).await,
        404,
        "app.file_info.get.app_error",
    )
    .await;
    // A patch without file ids leaves them.
    let text_only = types::PatchPostBody {
        file_ids: Vec::new(),
        has_reactions: None,
        is_pinned: None,
        message: Some("new words".into()),
        props: serde_json::Map::new(),
    };
    let edited = member
        .client
        .patch_post(&post_id, &text_only)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(edited.file_ids.len(), 1);
}
