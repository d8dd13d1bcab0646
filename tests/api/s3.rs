//! The `amazons3` file store against a real S3-compatible server (moto's, which
//! tests/s3/run.sh installs and starts; it also runs the file, upload, image, emoji and
//! bookmark tests against it): two nodes sharing a bucket serve each other's files and
//! carry on each other's resumable uploads; large files go up in parts; the path prefix
//! holds every object.

use crate::common::{Account, TestServer, bucket_of, make_channel, make_team, s3_endpoint};
use ferromost_client::{UploadDataOutcome, types};
use serde_json::Value;

const MB: usize = 1024 * 1024;
const NEEDS_S3: &str = "FERROMOST_TEST_S3 names no S3 server: run these through tests/s3/run.sh";

async fn raw_upload(
    server: &TestServer,
    who: &Account,
    channel: &str,
    name: &str,
    data: &[u8],
) -> String {
    let reply: Value = server
        .http()
        .post(server.api(&format!("/files?channel_id={channel}&filename={name}")))
        .bearer_auth(&who.token)
        .body(data.to_vec())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    reply["file_infos"][0]["id"]
        .as_str()
        .expect("an uploaded file")
        .to_owned()
}

async fn download(
    server: &TestServer,
    who: &Account,
    file_id: &str,
    range: Option<&str>,
) -> (u16, Vec<u8>) {
    let mut request = server
        .http()
        .get(server.api(&format!("/files/{file_id}")))
        .bearer_auth(&who.token);
    if let Some(range) = range {
        request = request.header("range", range);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.bytes().await.unwrap().to_vec())
}

fn pattern(len: usize, seed: usize) -> Vec<u8> {
    (0..len)
        .map(|i| u8::try_from((i * 7 + seed) % 251).unwrap())
        .collect()
}

#[tokio::test]
#[ignore = "needs an S3-compatible server: bash tests/s3/run.sh starts one"]
async fn two_nodes_share_a_bucket() {
    assert!(s3_endpoint().is_some(), "{NEEDS_S3}");
    let a = TestServer::start_postgres().await;
    assert_eq!(a.state.config().file_settings.driver_name, "amazons3");
    let b = a.second_node().await;
    let admin = a.admin().await;
    let team = make_team(&admin, "shared", "O").await;
    let channel = make_channel(&admin, &team, "bucket", "O").await;
    // 20 MB: three parts of a multipart upload; read back whole and by range on the other node.
    let big = pattern(20 * MB + 123, 1);
    let id = raw_upload(&a, &admin, &channel, "big.bin", &big).await;
    let (status, bytes) = download(&b, &admin, &id, None).await;
    assert_eq!(status, 200);
    assert!(bytes == big, "the same bytes from the other node");
    let (status, bytes) = download(&b, &admin, &id, Some("bytes=9000000-9000009")).await;
    assert_eq!(
        (status, bytes.as_slice()),
        (206, &big[9_000_000..9_000_010])
    );
    // A resumable upload begun on one node goes on and ends on the other; a short piece in
    // the middle (a dropped connection would leave one) is folded into the next.
    let data = pattern(9 * MB, 3);
    let created = admin
        .client
        .create_upload(&types::CreateUploadBody {
            channel_id: channel.clone(),
            filename: "resumed.bin".into(),
            file_size: i64::try_from(data.len()).unwrap(),
        })
        .await
        .unwrap()
        .into_inner();
    let upload = created.id.unwrap();
    let b_admin = Account {
        client: b.client_with_token(&admin.token),
        user: admin.user.clone(),
        token: admin.token.clone(),
    };
    admin
        .client
        .upload_data(&upload, data[..6 * MB].to_vec())
        .await
        .unwrap();
    b_admin
        .client
        .upload_data(&upload, data[6 * MB..7 * MB].to_vec())
        .await
        .unwrap();
    let offset = b_admin
        .client
        .get_upload(&upload)
        .await
        .unwrap()
        .into_inner()
        .file_offset;
    assert_eq!(offset, Some(i64::try_from(7 * MB).unwrap()));
    let done = admin
        .client
        .upload_data(&upload, data[7 * MB..].to_vec())
        .await
        .unwrap();
    let UploadDataOutcome::Complete(info) = done.into_inner() else {
        panic!("the last part finishes the upload");
    };
    let (status, bytes) = download(&b, &admin, info.id.as_deref().unwrap(), None).await;
    assert_eq!(status, 200);
    assert!(
        bytes == data,
        "the upload's bytes, whole, from the other node"
    );
    // Nothing of the upload's pieces is left beside the file.
    let keys = bucket_of(&a, "").list("").await.unwrap();
    assert!(keys.iter().all(|(k, _)| !k.contains(".parts/")), "{keys:?}");
    // Pictures too: set on one node, shown by the other.
    admin
        .client
        .set_profile_image(
            "me",
            ferromost_client::Upload::new("me.png", crate::images::png(50, 50)),
        )
        .await
        .unwrap();
    let shown = b_admin
        .client
        .get_profile_image(admin.id(), None)
        .await
        .unwrap();
    assert_eq!(shown.headers()["content-type"], "image/png");
}

#[tokio::test]
#[ignore = "needs an S3-compatible server: bash tests/s3/run.sh starts one"]
async fn the_path_prefix_holds_every_object() {
    assert!(s3_endpoint().is_some(), "{NEEDS_S3}");
    let server =
        TestServer::start_with(|c| c.file_settings.amazon_s3_path_prefix = "site-a/files".into())
            .await;
    let admin = server.admin().await;
    let team = make_team(&admin, "prefixed", "O").await;
    let channel = make_channel(&admin, &team, "under", "O").await;
    let data = pattern(1000, 5);
    let id = raw_upload(&server, &admin, &channel, "small.bin", &data).await;
    assert_eq!(download(&server, &admin, &id, None).await, (200, data));
    let keys = bucket_of(&server, "").list("").await.unwrap();
    assert!(!keys.is_empty());
    assert!(
        keys.iter().all(|(k, _)| k.starts_with("site-a/files/")),
        "{keys:?}"
    );
}

#[tokio::test]
#[ignore = "needs an S3-compatible server: bash tests/s3/run.sh starts one"]
async fn the_connection_test_finds_the_bucket_or_says_it_is_missing() {
    assert!(s3_endpoint().is_some(), "{NEEDS_S3}");
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let test = async |config: &Value| {
        server
            .http()
            .post(server.api("/file/s3_test"))
            .bearer_auth(&admin.token)
            .json(config)
            .send()
            .await
            .unwrap()
    };
    // The configuration in force, as GET /config shows it (the secret masked: the stored
    // one is used), with and without a path prefix.
    let shown =
        serde_json::to_value(admin.client.get_config().await.unwrap().into_inner()).unwrap();
    assert_eq!(shown["FileSettings"]["DriverName"], "amazons3");
    assert_eq!(
        shown["FileSettings"]["AmazonS3SecretAccessKey"],
        ferromost::config::FAKE_SETTING
    );
    let mut prefixed = shown.clone();
    prefixed["FileSettings"]["AmazonS3PathPrefix"] = "some/where".into();
    for config in [&shown, &prefixed] {
        let answer = test(config).await;
        assert_eq!(answer.status(), 200);
        assert_eq!(
            answer.json::<Value>().await.unwrap(),
            serde_json::json!({"status": "OK"})
        );
    }
    // A bucket that is not there, either way.
    let missing = format!("missing-{}", ferromost::ids::new_id());
    for mut config in [shown, prefixed] {
        config["FileSettings"]["AmazonS3Bucket"] = missing.clone().into();
        crate::common::assert_app_error(
            test(&config).await,
            400,
            "api.file.test_connection_s3_bucket_does_not_exist.app_error",
        )
        .await;
    }
}
