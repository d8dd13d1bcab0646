//! Request bodies as Corteza reads them: a JSON object (its keys matched to the declared
//! properties case aside, as Go's decoder matches field names), then the form values (an
//! `application/x-www-form-urlencoded` body, and the query string) of the declared
//! properties laid over it, a body value before a query value. Form values are text:
//! numbers and booleans are read as Corteza reads them (a malformed number is 0; `t`,
//! `true`, `y`, `yes`, `1` are true), lists from repeated `name` or `name[]`, raw JSON
//! from its text. Properties whose items are objects (settings values, rules) are read
//! from JSON only, as in Corteza.

use crate::error::ApiError;
use crate::rt::Ctx;
use axum::extract::Request;
use serde_json::{Map, Value};

/// How a declared body property is read from a form value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKind {
    Text,
    Int,
    Bool,
    List,
    Json,
}

fn is_form(content_type: &str) -> bool {
    content_type.split(';').next().is_some_and(|t| {
        t.trim()
            .eq_ignore_ascii_case("application/x-www-form-urlencoded")
    })
}

fn bad(detail: impl std::fmt::Display) -> ApiError {
    ApiError::invalid_body_param("body").detail(detail.to_string())
}

/// One property's form value(s) as JSON.
fn convert(kind: FormKind, values: &[&str]) -> Value {
    let first = values.first().copied().unwrap_or_default();
    match kind {
        FormKind::Text => Value::String(first.to_owned()),
        FormKind::Int => Value::from(first.trim().parse::<u32>().map_or(0, i64::from)),
        FormKind::Bool => Value::Bool(matches!(
            first.trim().to_ascii_lowercase().as_str(),
            "t" | "true" | "y" | "yes" | "1"
        )),
        FormKind::List => Value::Array(
            values
                .iter()
                .map(|v| Value::String((*v).to_owned()))
                .collect(),
        ),
        FormKind::Json => {
            serde_json::from_str(first).unwrap_or_else(|_| Value::String(first.to_owned()))
        }
    }
}

/// The body of a Corteza operation whose JSON properties are `fields`; None when nothing
/// at all was sent.
pub async fn optional_body<T: serde::de::DeserializeOwned>(
    ctx: &Ctx,
    req: Request,
    fields: &[(&str, FormKind)],
) -> Result<Option<T>, ApiError> {
    let content_type = ctx.header("content-type").unwrap_or_default().to_owned();
    let bytes = crate::rt::raw_body(ctx, req).await?;
    let form = is_form(&content_type);
    let blank = bytes.iter().all(u8::is_ascii_whitespace);
    let mut object = Map::new();
    let mut sent = false;
    if !form && !blank {
        let value: Value = serde_json::from_slice(&bytes).map_err(bad)?;
        let Value::Object(given) = value else {
            // Not an object: the typed reading below gives the decoder's own complaint.
            return serde_json::from_value(value).map(Some).map_err(bad);
        };
        for (key, value) in given {
            let declared = fields
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(&key))
                .map_or(key, |(name, _)| (*name).to_owned());
            object.insert(declared, value);
        }
        sent = true;
    }
    let mut pairs: Vec<(String, String)> = Vec::new();
    if form {
        pairs.extend(form_urlencoded::parse(&bytes).into_owned());
        sent = true;
    }
    pairs.extend(form_urlencoded::parse(ctx.raw_query().as_bytes()).into_owned());
    for (name, kind) in fields {
        let bracketed = format!("{name}[]");
        let values: Vec<&str> = pairs
            .iter()
            .filter(|(k, _)| k == name || *k == bracketed)
            .map(|(_, v)| v.as_str())
            .collect();
        if !values.is_empty() {
            object.insert((*name).to_owned(), convert(*kind, &values));
            sent = true;
        }
    }
    if !sent {
        return Ok(None);
    }
    let value = Value::Object(object);
    if crate::rt::has_nul(&value) {
        return Err(bad("a NUL character"));
    }
    serde_json::from_value(value).map(Some).map_err(bad)
}

/// [`optional_body`] of an operation that needs a body.
pub async fn body<T: serde::de::DeserializeOwned>(
    ctx: &Ctx,
    req: Request,
    fields: &[(&str, FormKind)],
) -> Result<T, ApiError> {
    optional_body(ctx, req, fields)
        .await?
        .ok_or_else(|| ApiError::invalid_body_param("body").detail("EOF"))
}

#[cfg(test)]
mod tests {
    use super::{FormKind, convert};
    use serde_json::json;

    #[test]
    fn form_values_are_read_as_corteza_reads_them() {
        assert_eq!(convert(FormKind::Int, &["12"]), json!(12));
        assert_eq!(convert(FormKind::Int, &["x"]), json!(0));
        assert_eq!(convert(FormKind::Bool, &[" Yes "]), json!(true));
        assert_eq!(convert(FormKind::Bool, &["on"]), json!(false));
        assert_eq!(convert(FormKind::List, &["1", "2"]), json!(["1", "2"]));
        assert_eq!(convert(FormKind::Json, &[r#"{"a":1}"#]), json!({"a": 1}));
        assert_eq!(convert(FormKind::Json, &["plain"]), json!("plain"));
        assert_eq!(convert(FormKind::Text, &["a", "b"]), json!("a"));
    }
}
