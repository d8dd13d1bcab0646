//! Slash command suggestions as Mattermost computes them (GetSuggestions): the input is
//! read against each command's autocomplete data (its trigger, sub-commands and arguments:
//! `--named` ones, free text, a static list), and what the user may type next is
//! suggested. A command without autocomplete data is its trigger, hint and description.
//! Dynamic lists (fetched from a plugin or integration) suggest nothing here.

use crate::contract::types;
use serde::Deserialize;

/// Mattermost's AutocompleteData, as its JSON names it (Go field names).
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct Data {
    pub trigger: String,
    pub hint: String,
    pub help_text: String,
    #[serde(rename = "RoleID")]
    pub role_id: String,
    #[serde(deserialize_with = "null_as_empty")]
    pub arguments: Vec<Arg>,
    #[serde(deserialize_with = "null_as_empty")]
    pub sub_commands: Vec<Data>,
}

/// Go encodes an empty slice as `null`.
fn null_as_empty<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct Arg {
    pub name: String,
    pub help_text: String,
    #[serde(rename = "Type")]
    pub kind: String,
    pub required: bool,
    pub data: serde_json::Value,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
struct ListItem {
    item: String,
    hint: String,
    help_text: String,
}

fn suggestion(complete: String, suggestion: &str, hint: &str, description: &str) -> Suggestion {
    Suggestion {
        complete,
        suggestion: suggestion.to_owned(),
        hint: hint.to_owned(),
        description: description.to_owned(),
    }
}

/// One suggestion before its command's icon is added.
#[derive(Debug, PartialEq)]
pub struct Suggestion {
    pub complete: String,
    pub suggestion: String,
    pub hint: String,
    pub description: String,
}

/// What parsing one argument (or several) left: whether suggestions were found, what is
/// parsed and what is still to parse.
struct Step {
    found: bool,
    parsed: String,
    rest: String,
    suggestions: Vec<Suggestion>,
}

fn step(found: bool, parsed: String, rest: String, suggestions: Vec<Suggestion>) -> Step {
    Step {
        found,
        parsed,
        rest,
        suggestions,
    }
}

/// The autocomplete data of a listed command: its own, or its trigger, hint and description.
pub fn data_of(c: &types::Command) -> Data {
    let own: Option<Data> = (!c.autocomplete_data.is_empty())
        .then(|| {
            serde_json::from_value(serde_json::Value::Object(c.autocomplete_data.clone())).ok()
        })
        .flatten();
    own.unwrap_or_else(|| Data {
        trigger: c.trigger.clone().unwrap_or_default(),
        hint: c.auto_complete_hint.clone().unwrap_or_default(),
        help_text: c.auto_complete_desc.clone().unwrap_or_default(),
        ..Data::default()
    })
}

/// The suggestions for `input` (what follows the slash) among `commands`, for a user whose
/// role is `role` (empty: any).
pub fn suggest(commands: &[Data], parsed: &str, input: &str, role: &str) -> Vec<Suggestion> {
    // Mattermost's check; data without a role (ours and most plugins') is for everyone.
    let allowed = |d: &Data| {
        role.is_empty() || role == "system_admin" || d.role_id.is_empty() || d.role_id == role
    };
    let Some(space) = input.find(' ') else {
        let typed = input.to_lowercase();
        return commands
            .iter()
            .filter(|d| d.trigger.starts_with(&typed) && allowed(d))
            .map(|d| {
                suggestion(
                    format!("{parsed}{}", d.trigger),
                    &d.trigger,
                    &d.hint,
                    &d.help_text,
                )
            })
            .collect();
    };
    let word = input[..space].to_lowercase();
    let rest = &input[space + 1..];
    let parsed = format!("{parsed}{}", &input[..=space]);
    let mut out = Vec::new();
    for d in commands.iter().filter(|d| d.trigger == word && allowed(d)) {
        if d.arguments.is_empty() {
            out.extend(suggest(&d.sub_commands, &parsed, rest, role));
            continue;
        }
        let s = arguments(&d.arguments, parsed.clone(), rest.to_owned());
        if s.found {
            out.extend(s.suggestions);
        }
    }
    out
}

fn arguments(args: &[Arg], parsed: String, rest: String) -> Step {
    let Some((first, others)) = args.split_first() else {
        return step(false, parsed, rest, Vec::new());
    };
    if first.required {
        let s = argument(first, parsed, rest);
        if s.found {
            return s;
        }
        return arguments(others, s.parsed, s.rest);
    }
    // An optional argument may be typed or not: both readings, their suggestions together.
    let mut suggestions = Vec::new();
    let mut with = argument(first, parsed.clone(), rest.clone());
    if with.found {
        suggestions.append(&mut with.suggestions);
    } else {
        let mut after = arguments(others, with.parsed.clone(), with.rest.clone());
        if after.found {
            suggestions.append(&mut after.suggestions);
        }
        with = step(after.found, after.parsed, after.rest, Vec::new());
    }
    let mut without = arguments(others, parsed.clone(), rest.clone());
    if without.found {
        suggestions.append(&mut without.suggestions);
    }
    if with.found || without.found {
        return step(true, format!("{parsed}{rest}"), String::new(), suggestions);
    }
    if with.parsed != parsed && with.rest != rest {
        return step(false, with.parsed, with.rest, suggestions);
    }
    step(false, without.parsed, without.rest, suggestions)
}

fn argument(arg: &Arg, mut parsed: String, mut rest: String) -> Step {
    if !arg.name.is_empty() {
        let s = named(arg, &parsed, &rest);
        if s.found || s.rest.is_empty() {
            return step(true, s.parsed, s.rest, s.suggestions);
        }
        parsed = s.parsed;
        rest = if s.rest == " " { String::new() } else { s.rest };
    }
    let s = match arg.kind.as_str() {
        "TextInput" => text(arg, &parsed, &rest),
        "StaticList" => {
            let items: Vec<ListItem> = arg
                .data
                .get("PossibleArguments")
                .and_then(|v| serde_json::from_value(v.clone()).ok())
                .unwrap_or_default();
            list(&items, &parsed, &rest)
        }
        _ => return step(false, parsed, rest, Vec::new()),
    };
    if s.found {
        return s;
    }
    step(false, s.parsed, s.rest, Vec::new())
}

fn named(arg: &Arg, parsed: &str, rest: &str) -> Step {
    let typed = rest.strip_prefix(' ').unwrap_or(rest);
    let name = format!("--{}", arg.name);
    let all = format!("{parsed}{rest}");
    if typed.is_empty() || name.to_lowercase().starts_with(&typed.to_lowercase()) {
        // Byte offsets as Mattermost's, taken only where they fall between characters
        // (lower-casing may change a name's length).
        let complete = format!("{all}{} ", name.get(typed.len()..).unwrap_or_default());
        let s = suggestion(complete, &name, "", &arg.help_text);
        return step(true, all, String::new(), vec![s]);
    }
    let lower = typed.to_lowercase();
    let prefix = format!("{} ", name.to_lowercase());
    if !lower.starts_with(&prefix) {
        return step(false, all, String::new(), Vec::new());
    }
    let after = if lower == prefix {
        " ".to_owned()
    } else {
        typed.get(name.len() + 1..).unwrap_or_default().to_owned()
    };
    step(false, format!("{parsed}{name} "), after, Vec::new())
}

fn text(arg: &Arg, parsed: &str, rest: &str) -> Step {
    let typed = rest.strip_prefix(' ').unwrap_or(rest);
    let hint = arg
        .data
        .get("Hint")
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    let still_typing = || {
        let s = suggestion(format!("{parsed}{rest}"), "", hint, &arg.help_text);
        step(true, format!("{parsed}{rest}"), String::new(), vec![s])
    };
    if typed.is_empty() {
        return still_typing();
    }
    if let Some(quoted) = typed.strip_prefix('"') {
        let Some(close) = quoted.find('"') else {
            return still_typing();
        };
        let mut end = close + 2;
        if typed.as_bytes().get(close + 2) == Some(&b' ') {
            end += 1;
        }
        return step(
            false,
            format!("{parsed}{}", &typed[..end]),
            typed[end..].to_owned(),
            Vec::new(),
        );
    }
    match typed.find(' ') {
        None => still_typing(),
        Some(i) => step(
            false,
            format!("{parsed}{}", &typed[..=i]),
            typed[i + 1..].to_owned(),
            Vec::new(),
        ),
    }
}

fn list(items: &[ListItem], parsed: &str, rest: &str) -> Step {
    let typed = rest.strip_prefix(' ').unwrap_or(rest);
    let lower = typed.to_lowercase();
    let done = items
        .iter()
        .map(|i| format!("{} ", i.item))
        .filter(|p| lower.starts_with(&p.to_lowercase()))
        .max_by_key(String::len);
    if let Some(done) = done {
        let (head, tail) = typed.split_at_checked(done.len()).unwrap_or((typed, ""));
        return step(
            false,
            format!("{parsed}{head}"),
            tail.to_owned(),
            Vec::new(),
        );
    }
    let suggestions = items
        .iter()
        .filter(|i| i.item.to_lowercase().starts_with(&lower))
        .map(|i| {
            suggestion(
                format!("{parsed}{}", i.item),
                &i.item,
                &i.hint,
                &i.help_text,
            )
        })
        .collect();
    step(true, format!("{parsed}{rest}"), String::new(), suggestions)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deploy() -> Data {
        serde_json::from_value(json!({
            "Trigger": "deploy", "Hint": "[env]", "HelpText": "Deploys",
            "Arguments": [
                {"Type": "StaticList", "Required": true, "HelpText": "where",
                 "Data": {"PossibleArguments": [
                     {"Item": "staging", "Hint": "", "HelpText": "the test bed"},
                     {"Item": "production", "Hint": "", "HelpText": "live"}]}},
                {"Name": "note", "Type": "TextInput", "Required": false, "HelpText": "why",
                 "Data": {"Hint": "[text]"}}
            ],
            "SubCommands": []
        }))
        .unwrap()
    }

    fn rename() -> Data {
        serde_json::from_value(json!({
            "Trigger": "rename", "Hint": "[text]", "HelpText": "Rename the channel",
            "Arguments": [{"Type": "TextInput", "Required": true, "HelpText": "[text]",
                           "Data": {"Hint": "[text]", "Pattern": ""}}],
            "SubCommands": null
        }))
        .unwrap()
    }

    fn completes(out: &[Suggestion]) -> Vec<&str> {
        out.iter().map(|s| s.complete.as_str()).collect()
    }

    #[test]
    fn triggers_then_arguments() {
        let all = [deploy(), rename()];
        assert_eq!(completes(&suggest(&all, "", "re", "")), ["rename"]);
        let text = suggest(&all, "", "rename ", "");
        assert_eq!(text, [suggestion("rename ".into(), "", "[text]", "[text]")]);
        assert_eq!(
            completes(&suggest(&all, "", "rename new na", "")),
            Vec::<&str>::new()
        );
        assert_eq!(
            completes(&suggest(&all, "", "deploy ", "")),
            ["deploy staging", "deploy production"]
        );
        assert_eq!(
            completes(&suggest(&all, "", "deploy PRO", "")),
            ["deploy production"]
        );
        assert_eq!(
            completes(&suggest(&all, "", "deploy staging ", "")),
            ["deploy staging --note "]
        );
        let hint = suggest(&all, "", "deploy staging --note ", "");
        assert_eq!(hint[0].hint, "[text]");
        assert!(suggest(&all, "", "unknown x", "").is_empty());
    }

    #[test]
    fn letters_whose_lower_case_is_longer_do_not_break_parsing() {
        // "İ" is two bytes; its lower case three.
        let data: Data = serde_json::from_value(json!({
            "Trigger": "go",
            "Arguments": [
                {"Type": "StaticList", "Required": true,
                 "Data": {"PossibleArguments": [{"Item": "İİ"}]}},
                {"Name": "İİ", "Type": "TextInput", "Required": true, "Data": {"Hint": "h"}}
            ]
        }))
        .unwrap();
        let all = [data];
        for input in ["go i̇i̇ a", "go İİ --i̇", "go İİ --i̇i̇ a", "go İİ --İİ a"] {
            suggest(&all, "", input, "");
        }
    }
}
