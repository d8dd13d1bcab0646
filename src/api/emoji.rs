//! The `emoji` tag: custom emoji.

use super::{Api, ok};
use crate::app::emoji::{self, to_api};
use crate::contract::{self, types};
use crate::contract::{
    AutocompleteEmojiQuery, DeleteEmojiPath, GetEmojiByNamePath, GetEmojiImagePath,
    GetEmojiListQuery, GetEmojiPath,
};
use crate::error::ApiError;
use crate::ids::is_valid_id;
use crate::rt::{Binary, Ctx, Multipart};
use axum::http::{HeaderValue, StatusCode, header};

fn emoji_id(id: &str) -> Result<(), ApiError> {
    if is_valid_id(id) {
        Ok(())
    } else {
        Err(ApiError::invalid_url_param("emoji_id"))
    }
}

impl contract::EmojiApi for Api {
    /// `POST /api/v4/emoji`: a multipart form of `emoji` (JSON: name, creator_id) and
    /// `image`; create_emojis system-wide or in any of the caller's teams. Everyone
    /// connected hears `emoji_added`.
    async fn create_emoji(ctx: &Ctx, body: Multipart) -> Result<types::Emoji, ApiError> {
        let length = ctx
            .header(header::CONTENT_LENGTH.as_str())
            .and_then(|v| v.parse().ok());
        let created = to_api(emoji::create(ctx, length, body).await?);
        let added = crate::app::events::Event::new("emoji_added", Default::default())
            .with_json("emoji", &created);
        ctx.state.events().publish(added);
        Ok(created)
    }

    /// `GET /api/v4/emoji`: any session; `sort` is empty or `name`.
    async fn get_emoji_list(
        ctx: &Ctx,
        query: GetEmojiListQuery,
    ) -> Result<Vec<types::Emoji>, ApiError> {
        emoji::enabled(ctx, StatusCode::NOT_IMPLEMENTED)?;
        let by_name = match query.sort.as_deref().unwrap_or_default() {
            "" => false,
            "name" => true,
            _ => return Err(ApiError::invalid_url_param("sort")),
        };
        let q = ctx.query();
        let (page, per_page) = (q.page().unsigned_abs(), q.per_page().unsigned_abs());
        let rows = emoji::list(ctx.state.db(), page, per_page, by_name).await?;
        Ok(rows.into_iter().map(to_api).collect())
    }

    /// `GET /api/v4/emoji/{emoji_id}`.
    async fn get_emoji(ctx: &Ctx, path: GetEmojiPath) -> Result<types::Emoji, ApiError> {
        emoji_id(&path.emoji_id)?;
        emoji::enabled(ctx, StatusCode::NOT_IMPLEMENTED)?;
        Ok(to_api(emoji::get(ctx.state.db(), &path.emoji_id).await?))
    }

    /// `DELETE /api/v4/emoji/{emoji_id}`: delete_emojis, and delete_others_emojis for
    /// someone else's (system-wide or in any of the caller's teams). Reactions with it go.
    async fn delete_emoji(ctx: &Ctx, path: DeleteEmojiPath) -> Result<types::StatusOk, ApiError> {
        emoji_id(&path.emoji_id)?;
        emoji::enabled(ctx, StatusCode::FORBIDDEN)?;
        emoji::delete(ctx, &path.emoji_id).await?;
        Ok(ok())
    }

    /// `GET /api/v4/emoji/name/{emoji_name}`.
    async fn get_emoji_by_name(
        ctx: &Ctx,
        path: GetEmojiByNamePath,
    ) -> Result<types::Emoji, ApiError> {
        if !crate::app::reactions::is_valid_emoji_name(&path.emoji_name) {
            return Err(ApiError::invalid_url_param("emoji_name"));
        }
        emoji::enabled(ctx, StatusCode::NOT_IMPLEMENTED)?;
        Ok(to_api(
            emoji::by_name(ctx.state.db(), &path.emoji_name).await?,
        ))
    }

    /// `GET /api/v4/emoji/{emoji_id}/image`: the image as stored, cached for 30 days.
    async fn get_emoji_image(ctx: &Ctx, path: GetEmojiImagePath) -> Result<Binary, ApiError> {
        emoji_id(&path.emoji_id)?;
        emoji::enabled(ctx, StatusCode::NOT_IMPLEMENTED)?;
        let (bytes, kind) = emoji::image(ctx, &path.emoji_id).await?;
        ctx.set_header(
            header::CACHE_CONTROL,
            HeaderValue::from_static("max-age=2592000, private"),
        );
        Ok(Binary::bytes(kind, bytes))
    }

    /// `POST /api/v4/emoji/search`: `term` (required), `prefix_only`; by name, 200 at most.
    async fn search_emoji(
        ctx: &Ctx,
        body: types::SearchEmojiBody,
    ) -> Result<Vec<types::Emoji>, ApiError> {
        if body.term.is_empty() {
            return Err(ApiError::invalid_param("term"));
        }
        emoji::enabled(ctx, StatusCode::FORBIDDEN)?;
        let prefix_only = body.prefix_only.unwrap_or(false);
        let rows =
            emoji::search(ctx.state.db(), &body.term, prefix_only, emoji::MAX_SEARCH).await?;
        Ok(rows.into_iter().map(to_api).collect())
    }

    /// `GET /api/v4/emoji/autocomplete?name=`: names starting with it, 100 at most.
    async fn autocomplete_emoji(
        ctx: &Ctx,
        query: AutocompleteEmojiQuery,
    ) -> Result<Vec<types::Emoji>, ApiError> {
        if query.name.is_empty() {
            return Err(ApiError::invalid_url_param("name"));
        }
        emoji::enabled(ctx, StatusCode::FORBIDDEN)?;
        let rows =
            emoji::search(ctx.state.db(), &query.name, true, emoji::MAX_AUTOCOMPLETE).await?;
        Ok(rows.into_iter().map(to_api).collect())
    }

    /// `POST /api/v4/emoji/names`: the live custom emoji among up to 200 names (system
    /// emoji names are left out).
    async fn get_emojis_by_names(
        ctx: &Ctx,
        body: Vec<String>,
    ) -> Result<Vec<types::Emoji>, ApiError> {
        let mut names: Vec<String> = body.into_iter().filter(|n| !n.is_empty()).collect();
        names.sort();
        names.dedup();
        if names.is_empty() {
            return Err(ApiError::invalid_param("names"));
        }
        emoji::enabled(ctx, StatusCode::NOT_IMPLEMENTED)?;
        if names.len() > emoji::MAX_NAMES {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                emoji::ids::TOO_MANY_NAMES,
                format!(
                    "At most {} emoji names may be asked for at once.",
                    emoji::MAX_NAMES
                ),
            ));
        }
        let rows = emoji::by_names(ctx.state.db(), names).await?;
        Ok(rows.into_iter().map(to_api).collect())
    }
}
