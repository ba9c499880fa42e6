//! Terraform (and OpenTofu) plan documents, the output of `terraform show -json PLANFILE`, read as
//! plans: one `terraform` action per resource change, positioned at its entry in the file. It owns
//! recognising the format and its versions; one change is read in `action::terraform`.

use std::collections::{HashMap, HashSet};

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::Value;

use crate::action::terraform::{AddressParts, RawChange, TfChange, without_keys};
use crate::error::{Diagnostic, Error};
use crate::plan::{Action, ActionKind, MAX_ACTIONS, Plan};

/// The agent a Terraform plan is recorded under: the document does not name who proposed it.
pub const AGENT: &str = "terraform";

/// Whether a JSON document is a Terraform plan or state: it has a top-level `format_version`.
pub fn recognise(text: &str) -> bool {
    #[derive(Deserialize)]
    struct Sniff {
        #[serde(default)]
        format_version: Option<IgnoredAny>,
    }
    let t = text.trim_start_matches('\u{feff}').trim_start();
    t.starts_with('{')
        && serde_json::from_str::<Sniff>(text).is_ok_and(|s| s.format_version.is_some())
}

#[derive(Deserialize)]
struct RawPlan {
    format_version: Value,
    #[serde(default)]
    resource_changes: Option<Vec<RawResourceChange>>,
    #[serde(default)]
    planned_values: Option<IgnoredAny>,
    #[serde(default)]
    values: Option<IgnoredAny>,
    #[serde(default)]
    errored: Option<bool>,
    #[serde(default)]
    complete: Option<bool>,
    #[serde(default)]
    deferred_changes: Option<Vec<IgnoredAny>>,
    #[serde(default)]
    configuration: Option<Value>,
}

#[derive(Deserialize)]
struct RawResourceChange {
    #[serde(default)]
    address: Option<String>,
    #[serde(default)]
    module_address: Option<String>,
    #[serde(default)]
    mode: Option<String>,
    #[serde(default, rename = "type")]
    rtype: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    provider_name: Option<String>,
    #[serde(default)]
    deposed: Option<String>,
    #[serde(default)]
    action_reason: Option<String>,
    #[serde(default)]
    change: Option<RawChange>,
}

/// Where things are in the document, found by one pass over its text (serde_json keeps no
/// positions): each top-level key, and each element of `resource_changes`.
#[derive(Default)]
struct Positions {
    keys: HashMap<String, (u64, u64)>,
    changes: Vec<(u64, u64)>,
}

fn positions(text: &str) -> Positions {
    let mut out = Positions::default();
    let (mut line, mut column) = (1u64, 0u64);
    let (mut depth, mut in_string, mut escape) = (0usize, false, false);
    let mut expect_key = false;
    let mut key: Option<(String, (u64, u64))> = None;
    let mut last_key = String::new();
    let (mut rc_depth, mut expect_element) = (0usize, false);
    for c in text.chars() {
        if c == '\n' {
            line += 1;
            column = 0;
        } else {
            column += 1;
        }
        if in_string {
            if escape {
                escape = false;
            } else if c == '\\' {
                escape = true;
            } else if c == '"' {
                in_string = false;
                if let Some((k, at)) = key.take() {
                    out.keys.entry(k.clone()).or_insert(at);
                    last_key = k;
                }
            } else if let Some((k, _)) = key.as_mut()
                && k.len() < 64
            {
                k.push(c);
            }
            continue;
        }
        if c.is_whitespace() {
            continue;
        }
        if rc_depth > 0 && depth == rc_depth && expect_element && !matches!(c, ',' | ']') {
            out.changes.push((line, column));
            expect_element = false;
        }
        match c {
            '"' => {
                in_string = true;
                if depth == 1 && expect_key {
                    key = Some((String::new(), (line, column)));
                    expect_key = false;
                }
            }
            '{' | '[' => {
                depth += 1;
                if depth == 1 {
                    expect_key = true;
                }
                if c == '[' && depth == 2 && last_key == "resource_changes" && rc_depth == 0 {
                    rc_depth = 2;
                    expect_element = true;
                }
            }
            '}' | ']' => {
                if depth == rc_depth {
                    rc_depth = 0;
                    last_key.clear();
                }
                depth = depth.saturating_sub(1);
            }
            ',' if depth == 1 => {
                expect_key = true;
                last_key.clear();
            }
            ',' if depth == rc_depth => expect_element = true,
            _ => {}
        }
    }
    out
}

/// Top-level attributes each resource sets in the configuration, by address without instance
/// keys (`module.a.aws_s3_bucket.b`). An attribute the configuration does not set and that is
/// unknown is the provider's own default (a computed id, an ACL the provider picks), not a value
/// of the change that nobody can see yet.
fn configured(config: &Value) -> HashMap<String, HashSet<String>> {
    fn walk(
        module: &Value,
        prefix: &str,
        out: &mut HashMap<String, HashSet<String>>,
        depth: usize,
    ) {
        if depth > 32 {
            return;
        }
        for r in module
            .get("resources")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(address) = r.get("address").and_then(Value::as_str) {
                let names = r
                    .get("expressions")
                    .and_then(Value::as_object)
                    .map(|e| e.keys().cloned().collect())
                    .unwrap_or_default();
                out.insert(format!("{prefix}{address}"), names);
            }
        }
        for (name, call) in module
            .get("module_calls")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if let Some(inner) = call.get("module") {
                walk(inner, &format!("{prefix}module.{name}."), out, depth + 1);
            }
        }
    }
    let mut out = HashMap::new();
    if let Some(root) = config.get("root_module") {
        walk(root, "", &mut out, 0);
    }
    out
}

/// The Terraform workspace, as Terraform itself finds it: `TF_WORKSPACE`, else the one
/// `terraform workspace select` recorded in `.terraform/environment` of the current folder.
pub fn current_workspace() -> Option<String> {
    let clean = |s: String| {
        let s = s.trim().to_string();
        (!s.is_empty() && s.len() <= 256).then_some(s)
    };
    std::env::var("TF_WORKSPACE")
        .ok()
        .and_then(clean)
        .or_else(|| {
            std::fs::read_to_string(".terraform/environment")
                .ok()
                .and_then(clean)
        })
}

/// Read a Terraform plan document (already checked to be strict JSON) into a plan.
pub fn parse(text: &str, origin: &str, workspace: Option<String>) -> Result<Plan, Error> {
    let raw: RawPlan = serde_json::from_str(text).map_err(|e| {
        Error::Input(
            Diagnostic::new(
                origin,
                format!("not a Terraform plan: {}", json_message(&e)),
            )
            .at(e.line() as u64, e.column() as u64),
        )
    })?;
    let at = positions(text);
    let place = |key: &str, message: String| {
        let d = Diagnostic::new(origin, message);
        Error::Input(match at.keys.get(key) {
            Some(&(line, column)) => d.at(line, column),
            None => d,
        })
    };
    let version = match &raw.format_version {
        Value::String(v) => v.as_str(),
        _ => "",
    };
    let major = version.split('.').next().unwrap_or("");
    let shape_ok = version.split('.').count() == 2
        && version
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    if !matches!(major, "0" | "1") || !shape_ok {
        return Err(place(
            "format_version",
            format!(
                "unsupported Terraform plan format_version {}; agentgate reads format versions 0.x and 1.x (`terraform show -json` of Terraform 0.12 to 1.x, OpenTofu 1.x)",
                raw.format_version
            ),
        ));
    }
    if raw.errored == Some(true) {
        return Err(place(
            "errored",
            "Terraform reported errors while planning (`errored: true`): the plan is incomplete and cannot be checked".into(),
        ));
    }
    // Deferred changes are changes nobody can review yet: the gate does not pass what it cannot see.
    if raw.complete == Some(false) || raw.deferred_changes.as_ref().is_some_and(|d| !d.is_empty()) {
        return Err(place(
            if raw.complete == Some(false) { "complete" } else { "deferred_changes" },
            "the plan is incomplete (`complete: false` or deferred changes): Terraform will plan more after this apply; check a complete plan".into(),
        ));
    }
    let changes = match raw.resource_changes {
        Some(changes) => changes,
        None if raw.values.is_some() && raw.planned_values.is_none() => {
            return Err(place(
                "values",
                "this is Terraform state, not a plan: check the output of `terraform show -json PLANFILE` (after `terraform plan -out PLANFILE`)".into(),
            ));
        }
        None if raw.planned_values.is_none() => {
            return Err(place(
                "format_version",
                "a document with `format_version` but neither `resource_changes` nor `planned_values` is not a Terraform plan".into(),
            ));
        }
        // Terraform leaves `resource_changes` out of a plan that changes nothing.
        None => Vec::new(),
    };
    if changes.len() > MAX_ACTIONS {
        return Err(place(
            "resource_changes",
            format!(
                "plan has {} resource changes; the limit is {MAX_ACTIONS}",
                changes.len()
            ),
        ));
    }
    // Without a configuration nothing tells a provider default from an unset value: every
    // unknown value counts (fail closed).
    let config = raw.configuration.as_ref().map(configured);
    let mut seen = HashSet::new();
    let mut actions = Vec::with_capacity(changes.len());
    for (i, rc) in changes.into_iter().enumerate() {
        let (line, column) = at.changes.get(i).copied().unwrap_or((0, 0));
        let subject = rc
            .address
            .clone()
            .unwrap_or_else(|| format!("resource_changes[{i}]"));
        let err = |message: String| {
            let d = Diagnostic::new(origin, message).subject(subject.clone());
            Error::Input(if line > 0 { d.at(line, column) } else { d })
        };
        let address = rc
            .address
            .ok_or_else(|| err("missing field `address`".into()))?;
        let raw_change = rc
            .change
            .ok_or_else(|| err("missing field `change`".into()))?;
        let parts = AddressParts {
            module: rc.module_address,
            mode: rc.mode,
            rtype: rc.rtype,
            name: rc.name,
        };
        let key = match (&parts.rtype, &parts.name) {
            (Some(t), Some(n)) => {
                let module = parts
                    .module
                    .as_deref()
                    .map(|m| format!("{}.", without_keys(m)))
                    .unwrap_or_default();
                let data = if parts.mode.as_deref() == Some("data") {
                    "data."
                } else {
                    ""
                };
                format!("{module}{data}{t}.{n}")
            }
            _ => without_keys(&address),
        };
        let set = config.as_ref().and_then(|c| c.get(&key));
        let mut change = TfChange::with_parts(
            address.clone(),
            parts,
            rc.provider_name,
            raw_change,
            workspace.clone(),
            set,
        )
        .map_err(err)?;
        change.action_reason = rc.action_reason;
        let mut id = match &rc.deposed {
            Some(key) => format!("{address} (deposed {key})"),
            None => address,
        };
        if !seen.insert(id.clone()) {
            let mut n = 2;
            while !seen.insert(format!("{id} #{n}")) {
                n += 1;
            }
            id = format!("{id} #{n}");
        }
        actions.push(Action {
            id,
            reason: None,
            kind: ActionKind::Terraform(Box::new(change)),
            line,
            column,
        });
    }
    Ok(Plan::from_parts(origin, AGENT.into(), actions))
}

/// serde_json's message without its own " at line L column C" suffix.
fn json_message(e: &serde_json::Error) -> String {
    let m = e.to_string();
    match m.rfind(" at line ") {
        Some(i) => m[..i].to_string(),
        None => m,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<Plan, Error> {
        parse(text, "tfplan.json", None)
    }

    #[test]
    fn each_resource_change_is_an_action_at_its_line() {
        let text = r#"{
  "format_version": "1.2",
  "terraform_version": "1.9.5",
  "planned_values": {},
  "resource_changes": [
    {
      "address": "aws_s3_bucket.logs",
      "type": "aws_s3_bucket",
      "change": {"actions": ["create"], "before": null, "after": {"bucket": "logs"}, "after_unknown": {"id": true}}
    },
    {"address": "aws_instance.old", "change": {"actions": ["delete"], "before": {"ami": "x"}, "after": null}}
  ]
}"#;
        let plan = parse_str(text).unwrap();
        assert!(recognise(text));
        assert_eq!(plan.agent, AGENT);
        let lines: Vec<u64> = plan.actions.iter().map(|a| a.line).collect();
        assert_eq!(lines, vec![6, 11]);
        assert_eq!(plan.actions[1].kind.target(), "aws_instance.old");
    }

    #[test]
    fn refuses_unknown_versions_state_and_errored_plans() {
        let msg = |t: &str| parse_str(t).unwrap_err().to_string();
        assert!(
            msg(r#"{"format_version": "2.0", "resource_changes": []}"#)
                .contains("unsupported Terraform plan format_version \"2.0\"")
        );
        assert!(
            msg(r#"{"format_version": "1.0", "values": {}}"#)
                .contains("Terraform state, not a plan")
        );
        assert!(
            msg(r#"{"format_version": "1.2", "errored": true, "planned_values": {}}"#)
                .contains("errored")
        );
        assert!(msg(r#"{"format_version": "1.2", "resource_changes": [{"address": "x", "change": {"actions": ["create"]}}]}"#).contains("not a Terraform resource address"));
        assert!(
            msg(r#"{"format_version": "1.2", "resource_changes": [{"address": "a.b"}]}"#)
                .contains("missing field `change`")
        );
        assert!(
            msg(r#"{"format_version": "1.2", "complete": false, "planned_values": {}}"#)
                .contains("incomplete")
        );
        assert!(
            parse_str(r#"{"format_version": "1.2", "planned_values": {}}"#)
                .unwrap()
                .actions
                .is_empty()
        );
    }

    #[test]
    fn deposed_and_repeated_addresses_get_unique_ids() {
        let text = r#"{"format_version": "1.2", "resource_changes": [
          {"address": "a.b", "change": {"actions": ["delete"]}},
          {"address": "a.b", "deposed": "00abc", "change": {"actions": ["delete"]}},
          {"address": "a.b", "change": {"actions": ["delete"]}}
        ]}"#;
        let ids: Vec<String> = parse_str(text)
            .unwrap()
            .actions
            .into_iter()
            .map(|a| a.id)
            .collect();
        assert_eq!(ids, vec!["a.b", "a.b (deposed 00abc)", "a.b #2"]);
    }
}
