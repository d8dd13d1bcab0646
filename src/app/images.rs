//! Profile images: the default one (the account's initial on a colour chosen by its id),
//! and uploads turned into the 128×128 PNG every client asks for.

use crate::error::ApiError;
use axum::http::StatusCode;
use font8x8::UnicodeFonts;
use image::{ImageFormat, ImageReader, Rgba, RgbaImage, imageops::FilterType};
use std::io::Cursor;

/// The side of a profile image, in pixels.
pub const SIDE: u32 = 128;

/// The most pixels an upload may declare before it is decoded (a guard against
/// decompression bombs; Mattermost's default MaxImageResolution).
pub const MAX_PIXELS: u64 = 33_177_600;

pub mod ids {
    pub const DECODE: &str = "api.user.upload_profile_user.decode.app_error";
    pub const TOO_LARGE: &str = "api.user.upload_profile_user.check_image_limits.app_error";
    pub const ENCODE: &str = "api.user.create_profile_image.encode.app_error";
}

/// Background colours for default images; each account gets one by its id.
const PALETTE: [[u8; 3]; 12] = [
    [0x3b, 0x6e, 0xa8],
    [0x8e, 0x44, 0xad],
    [0x16, 0xa0, 0x85],
    [0xc0, 0x39, 0x2b],
    [0xd3, 0x54, 0x00],
    [0x27, 0xae, 0x60],
    [0x2c, 0x3e, 0x50],
    [0xb0, 0x3a, 0x7c],
    [0x7f, 0x8c, 0x2d],
    [0x5d, 0x4d, 0xa8],
    [0x1f, 0x7a, 0x8c],
    [0x9c, 0x64, 0x1e],
];

/// FNV-1a, 32 bits: a stable colour for an id across restarts and nodes.
fn palette_index(id: &str) -> usize {
    let hash = id.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    usize::try_from(hash).unwrap_or(0) % PALETTE.len()
}

fn encode_png(image: &RgbaImage) -> Result<Vec<u8>, ApiError> {
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, ImageFormat::Png).map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ids::ENCODE,
            "Could not encode the image.",
        )
        .detail(e.to_string())
    })?;
    Ok(out.into_inner())
}

/// The default image of the account `id` named `username`: its first letter, white, on a
/// colour derived from the id.
pub fn default_profile_png(id: &str, username: &str) -> Result<Vec<u8>, ApiError> {
    let [r, g, b] = PALETTE[palette_index(id)];
    let mut image = RgbaImage::from_pixel(SIDE, SIDE, Rgba([r, g, b, 255]));
    let initial = username
        .chars()
        .next()
        .map_or('?', |c| c.to_ascii_uppercase());
    let glyph = font8x8::BASIC_FONTS.get(initial).unwrap_or([0; 8]);
    let scale = 8;
    let offset = (SIDE - 8 * scale) / 2;
    for (row, bits) in (0u32..).zip(glyph) {
        for col in 0..8u32 {
            if bits & (1 << col) == 0 {
                continue;
            }
            for dy in 0..scale {
                for dx in 0..scale {
                    let (x, y) = (offset + col * scale + dx, offset + row * scale + dy);
                    image.put_pixel(x, y, Rgba([255, 255, 255, 255]));
                }
            }
        }
    }
    encode_png(&image)
}

/// The AppError ids an upload's failures answer with.
#[derive(Clone, Copy)]
pub struct FormIds {
    /// The multipart body could not be read.
    pub parse: &'static str,
    /// It has no `image` field.
    pub no_file: &'static str,
    /// The image could not be decoded.
    pub decode: &'static str,
    /// The image has too many pixels.
    pub too_large: &'static str,
}

/// A profile picture's upload.
pub const PROFILE_FORM: FormIds = FormIds {
    parse: "api.user.upload_profile_user.parse.app_error",
    no_file: "api.user.upload_profile_user.no_file.app_error",
    decode: ids::DECODE,
    too_large: ids::TOO_LARGE,
};

/// A team icon's upload.
pub const TEAM_ICON_FORM: FormIds = FormIds {
    parse: "api.team.set_team_icon.parse.app_error",
    no_file: "api.team.set_team_icon.no_file.app_error",
    decode: "api.team.set_team_icon.decode.app_error",
    too_large: "api.team.set_team_icon.check_image_limits.app_error",
};

/// The `image` field of an upload form, as the 128×128 PNG [`normalize_upload`] makes of it.
pub async fn read_upload(form: crate::rt::Multipart, ids: FormIds) -> Result<Vec<u8>, ApiError> {
    let image = read_image_field(form, ids).await?;
    tokio::task::spawn_blocking(move || normalize_upload(&image, ids))
        .await
        .map_err(ApiError::internal)?
}

/// The bytes of the `image` field of an upload form.
pub async fn read_image_field(
    mut form: crate::rt::Multipart,
    ids: FormIds,
) -> Result<bytes::Bytes, ApiError> {
    let parse = |e: axum::extract::multipart::MultipartError| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            ids.parse,
            "The multipart form could not be read.",
        )
        .detail(e.body_text())
    };
    let mut image = None;
    while let Some(field) = form.next_field().await.map_err(parse)? {
        if field.name() == Some("image") {
            image = Some(field.bytes().await.map_err(parse)?);
        }
    }
    image.ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            ids.no_file,
            "The form has no file under 'image'.",
        )
    })
}

/// An uploaded image (PNG, JPEG, GIF or BMP) cropped to a centred square and scaled to
/// 128×128, as a PNG.
pub fn normalize_upload(bytes: &[u8], form: FormIds) -> Result<Vec<u8>, ApiError> {
    let decoded = decode_upload(bytes, form)?;
    let (width, height) = (decoded.width(), decoded.height());
    let side = width.min(height);
    let square = decoded.crop_imm((width - side) / 2, (height - side) / 2, side, side);
    let scaled = square
        .resize_exact(SIDE, SIDE, FilterType::Triangle)
        .to_rgba8();
    encode_png(&scaled)
}

/// An uploaded image as it is, as a PNG.
pub fn upload_as_png(bytes: &[u8], form: FormIds) -> Result<Vec<u8>, ApiError> {
    encode_png(&decode_upload(bytes, form)?.to_rgba8())
}

/// Decodes an uploaded image (PNG, JPEG, GIF or BMP) once its size is known to be
/// within [`MAX_PIXELS`].
fn decode_upload(bytes: &[u8], form: FormIds) -> Result<image::DynamicImage, ApiError> {
    let decode_error = |detail: String| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            form.decode,
            "The image could not be decoded.",
        )
        .detail(detail)
    };
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| decode_error(e.to_string()))?;
    let (width, height) = reader
        .into_dimensions()
        .map_err(|e| decode_error(e.to_string()))?;
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            form.too_large,
            "The image has more pixels than this server accepts.",
        ));
    }
    ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| decode_error(e.to_string()))?
        .decode()
        .map_err(|e| decode_error(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_images_are_128_pixel_pngs_with_an_id_colour() {
        let png = default_profile_png("abcdefghijklmnopqrstuvwxyz", "walter").unwrap();
        let image = image::load_from_memory(&png).unwrap().to_rgba8();
        assert_eq!(image.dimensions(), (SIDE, SIDE));
        let [r, g, b] = PALETTE[palette_index("abcdefghijklmnopqrstuvwxyz")];
        assert_eq!(image.get_pixel(0, 0), &Rgba([r, g, b, 255]));
        assert!(
            image.pixels().any(|p| p == &Rgba([255, 255, 255, 255])),
            "the initial is drawn"
        );
        assert_eq!(palette_index("same id"), palette_index("same id"));
    }

    #[test]
    fn uploads_are_cropped_and_scaled() {
        let wide = RgbaImage::from_pixel(300, 100, Rgba([10, 20, 30, 255]));
        let png = normalize_upload(&encode_png(&wide).unwrap(), PROFILE_FORM).unwrap();
        let image = image::load_from_memory(&png).unwrap();
        assert_eq!((image.width(), image.height()), (SIDE, SIDE));
        assert!(normalize_upload(b"not an image", PROFILE_FORM).is_err());
    }
}
