//! Uploaded files: one row per file (its info; the bytes are in the file store), attached
//! to at most one post.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum FileInfos {
    Table,
    Id,
    CreatorId,
    PostId,
    ChannelId,
    CreateAt,
    UpdateAt,
    DeleteAt,
    Path,
    ThumbnailPath,
    PreviewPath,
    Name,
    Extension,
    Size,
    MimeType,
    Width,
    Height,
    HasPreviewImage,
    MiniPreview,
}

#[expect(
    elided_lifetimes_in_paths,
    reason = "async_trait's expansion rejects SchemaManager<'_> (E0195)"
)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(FileInfos::Table)
                .col(string_len(FileInfos::Id, 26).primary_key())
                .col(string_len(FileInfos::CreatorId, 26))
                .col(string_len(FileInfos::PostId, 26))
                .col(string_len(FileInfos::ChannelId, 26))
                .col(big_integer(FileInfos::CreateAt))
                .col(big_integer(FileInfos::UpdateAt))
                .col(big_integer(FileInfos::DeleteAt))
                .col(string_len(FileInfos::Path, 512))
                .col(string_len(FileInfos::ThumbnailPath, 512))
                .col(string_len(FileInfos::PreviewPath, 512))
                .col(string_len(FileInfos::Name, 256))
                .col(string_len(FileInfos::Extension, 64))
                .col(big_integer(FileInfos::Size))
                .col(string_len(FileInfos::MimeType, 256))
                .col(integer(FileInfos::Width))
                .col(integer(FileInfos::Height))
                .col(boolean(FileInfos::HasPreviewImage))
                .col(blob_null(FileInfos::MiniPreview))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_file_infos_post_id")
                .table(FileInfos::Table)
                .col(FileInfos::PostId)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_file_infos_creator_id")
                .table(FileInfos::Table)
                .col(FileInfos::CreatorId)
                .col(FileInfos::CreateAt)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(FileInfos::Table).to_owned())
            .await
    }
}
