//! The operations progenitor cannot express, written by hand in the generated methods' style:
//! multipart/form-data uploads, and UploadData with its two success shapes.

use crate::types;
use crate::{Client, Error, ResponseValue};
use reqwest::multipart::{Form, Part};
use serde::de::DeserializeOwned;

/// A file to upload: its name and its bytes.
#[derive(Debug, Clone)]
pub struct Upload {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

impl Upload {
    pub fn new(file_name: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        Self {
            file_name: file_name.into(),
            bytes: bytes.into(),
        }
    }

    fn part(&self) -> Part {
        Part::bytes(self.bytes.clone()).file_name(self.file_name.clone())
    }
}

/// What UploadData answers: the finished file, or 204 while the upload is incomplete.
#[derive(Debug, Clone)]
pub enum UploadDataOutcome {
    Complete(types::FileInfo),
    Incomplete,
}

type Reply<T> = Result<ResponseValue<T>, Error<types::AppError>>;

async fn decode<T: DeserializeOwned>(response: reqwest::Response) -> Reply<T> {
    match response.status().as_u16() {
        200..=299 => ResponseValue::from_response(response).await,
        400..=599 => Err(Error::ErrorResponse(
            ResponseValue::from_response(response).await?,
        )),
        _ => Err(Error::UnexpectedResponse(response)),
    }
}

fn encode(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Client {
    async fn post_form<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
        form: Form,
    ) -> Reply<T> {
        let response = self
            .client
            .post(format!("{}{path}", self.baseurl))
            .header(reqwest::header::ACCEPT, "application/json")
            .query(query)
            .multipart(form)
            .send()
            .await
            .map_err(Error::CommunicationError)?;
        decode(response).await
    }

    /// `POST /api/v4/users/{user_id}/image` (SetProfileImage)
    pub async fn set_profile_image(&self, user_id: &str, image: Upload) -> Reply<types::StatusOk> {
        let path = format!("/api/v4/users/{}/image", encode(user_id));
        self.post_form(&path, &[], Form::new().part("image", image.part()))
            .await
    }

    /// `POST /api/v4/teams/{team_id}/image` (SetTeamIcon)
    pub async fn set_team_icon(&self, team_id: &str, image: Upload) -> Reply<types::StatusOk> {
        let path = format!("/api/v4/teams/{}/image", encode(team_id));
        self.post_form(&path, &[], Form::new().part("image", image.part()))
            .await
    }

    /// `POST /api/v4/teams/{team_id}/import` (ImportTeam)
    pub async fn import_team(
        &self,
        team_id: &str,
        file: Upload,
        import_from: &str,
    ) -> Reply<types::ImportTeamResponse> {
        let path = format!("/api/v4/teams/{}/import", encode(team_id));
        let form = Form::new()
            .text("filesize", file.bytes.len().to_string())
            .text("importFrom", import_from.to_owned())
            .part("file", file.part());
        self.post_form(&path, &[], form).await
    }

    /// `POST /api/v4/files` (UploadFile)
    pub async fn upload_file(
        &self,
        channel_id: &str,
        files: Vec<Upload>,
        client_ids: Vec<String>,
    ) -> Reply<types::UploadFileResponse> {
        let mut form = Form::new().text("channel_id", channel_id.to_owned());
        for id in client_ids {
            form = form.text("client_ids", id);
        }
        for file in &files {
            form = form.part("files", file.part());
        }
        self.post_form("/api/v4/files", &[], form).await
    }

    /// `POST /api/v4/uploads/{upload_id}` (UploadData): 200 with the file once complete,
    /// 204 while more data is expected.
    pub async fn upload_data(
        &self,
        upload_id: &str,
        data: Vec<u8>,
    ) -> Result<ResponseValue<UploadDataOutcome>, Error<types::AppError>> {
        let response = self
            .client
            .post(format!(
                "{}/api/v4/uploads/{}",
                self.baseurl,
                encode(upload_id)
            ))
            .header(reqwest::header::ACCEPT, "application/json")
            .body(data)
            .send()
            .await
            .map_err(Error::CommunicationError)?;
        let (status, headers) = (response.status(), response.headers().clone());
        if status.as_u16() == 204 {
            return Ok(ResponseValue::new(
                UploadDataOutcome::Incomplete,
                status,
                headers,
            ));
        }
        let done: ResponseValue<types::FileInfo> = decode(response).await?;
        Ok(ResponseValue::new(
            UploadDataOutcome::Complete(done.into_inner()),
            status,
            headers,
        ))
    }

    /// `POST /api/v4/license` (UploadLicenseFile)
    pub async fn upload_license_file(&self, license: Upload) -> Reply<types::StatusOk> {
        self.post_form(
            "/api/v4/license",
            &[],
            Form::new().part("license", license.part()),
        )
        .await
    }

    /// `POST /api/v4/emoji` (CreateEmoji): `emoji` is the Emoji JSON.
    pub async fn create_emoji(&self, image: Upload, emoji: &types::Emoji) -> Reply<types::Emoji> {
        let json =
            serde_json::to_string(emoji).map_err(|e| Error::InvalidRequest(e.to_string()))?;
        let form = Form::new().part("image", image.part()).text("emoji", json);
        self.post_form("/api/v4/emoji", &[], form).await
    }

    async fn upload_certificate(&self, path: &str, certificate: Upload) -> Reply<types::StatusOk> {
        self.post_form(
            path,
            &[],
            Form::new().part("certificate", certificate.part()),
        )
        .await
    }

    /// `POST /api/v4/saml/certificate/idp` (UploadSamlIdpCertificate)
    pub async fn upload_saml_idp_certificate(&self, c: Upload) -> Reply<types::StatusOk> {
        self.upload_certificate("/api/v4/saml/certificate/idp", c)
            .await
    }

    /// `POST /api/v4/saml/certificate/public` (UploadSamlPublicCertificate)
    pub async fn upload_saml_public_certificate(&self, c: Upload) -> Reply<types::StatusOk> {
        self.upload_certificate("/api/v4/saml/certificate/public", c)
            .await
    }

    /// `POST /api/v4/saml/certificate/private` (UploadSamlPrivateCertificate)
    pub async fn upload_saml_private_certificate(&self, c: Upload) -> Reply<types::StatusOk> {
        self.upload_certificate("/api/v4/saml/certificate/private", c)
            .await
    }

    /// `POST /api/v4/ldap/certificate/public` (UploadLdapPublicCertificate)
    pub async fn upload_ldap_public_certificate(&self, c: Upload) -> Reply<types::StatusOk> {
        self.upload_certificate("/api/v4/ldap/certificate/public", c)
            .await
    }

    /// `POST /api/v4/ldap/certificate/private` (UploadLdapPrivateCertificate)
    pub async fn upload_ldap_private_certificate(&self, c: Upload) -> Reply<types::StatusOk> {
        self.upload_certificate("/api/v4/ldap/certificate/private", c)
            .await
    }

    /// `POST /api/v4/brand/image` (UploadBrandImage)
    pub async fn upload_brand_image(&self, image: Upload) -> Reply<types::StatusOk> {
        self.post_form(
            "/api/v4/brand/image",
            &[],
            Form::new().part("image", image.part()),
        )
        .await
    }

    /// `POST /api/v4/plugins` (UploadPlugin)
    pub async fn upload_plugin(&self, plugin: Upload, force: bool) -> Reply<types::StatusOk> {
        let form = Form::new()
            .part("plugin", plugin.part())
            .text("force", force.to_string());
        self.post_form("/api/v4/plugins", &[], form).await
    }

    /// `POST /api/v4/bots/{bot_user_id}/icon` (SetBotIconImage)
    pub async fn set_bot_icon_image(
        &self,
        bot_user_id: &str,
        image: Upload,
    ) -> Reply<types::StatusOk> {
        let path = format!("/api/v4/bots/{}/icon", encode(bot_user_id));
        self.post_form(&path, &[], Form::new().part("image", image.part()))
            .await
    }

    /// `POST /api/v4/cloud/payment/confirm` (ConfirmCustomerPayment)
    pub async fn confirm_customer_payment(
        &self,
        stripe_setup_intent_id: &str,
    ) -> Result<ResponseValue<()>, Error<types::AppError>> {
        let form = Form::new().text("stripe_setup_intent_id", stripe_setup_intent_id.to_owned());
        let response = self
            .client
            .post(format!("{}/api/v4/cloud/payment/confirm", self.baseurl))
            .multipart(form)
            .send()
            .await
            .map_err(Error::CommunicationError)?;
        match response.status().as_u16() {
            200..=299 => Ok(ResponseValue::new(
                (),
                response.status(),
                response.headers().clone(),
            )),
            400..=599 => Err(Error::ErrorResponse(
                ResponseValue::from_response(response).await?,
            )),
            _ => Err(Error::UnexpectedResponse(response)),
        }
    }
}
