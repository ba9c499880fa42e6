//! Terraform (and OpenTofu) plan documents, the output of `terraform show -json PLANFILE`, read as
//! plans: one `terraform` action per resource change, positioned at its entry in the file. It owns
//! recognising the format and its versions; one change is read in `action::terraform`.

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_saphyr::Spanned;

use crate::action::terraform::{RawChange, TfChange};
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
    format_version: Spanned<String>,
    #[serde(default)]
    resource_changes: Option<Spanned<Vec<Spanned<RawResourceChange>>>>,
    #[serde(default)]
    planned_values: Option<IgnoredAny>,
    #[serde(default)]
    values: Option<IgnoredAny>,
    #[serde(default)]
    errored: Option<bool>,
}

#[derive(Deserialize)]
struct RawResourceChange {
    address: Option<String>,
    #[serde(default)]
    provider_name: Option<String>,
    #[serde(default)]
    deposed: Option<String>,
    #[serde(default)]
    action_reason: Option<String>,
    change: Option<RawChange>,
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
    let raw: RawPlan = crate::yaml::from_str(text, origin).map_err(Error::Input)?;
    let at = |line: u64, column: u64, message: String| {
        Error::Input(Diagnostic::new(origin, message).at(line, column))
    };
    let version = &raw.format_version;
    let major = version.value.split('.').next().unwrap_or("");
    if !matches!(major, "0" | "1") || version.value.split('.').count() != 2 {
        return Err(at(
            version.referenced.line(),
            version.referenced.column(),
            format!(
                "unsupported Terraform plan format_version `{}`; agentgate reads format versions 0.x and 1.x (`terraform show -json` of Terraform 0.12 to 1.x, OpenTofu 1.x)",
                version.value
            ),
        ));
    }
    if raw.errored == Some(true) {
        return Err(Error::Input(Diagnostic::new(
            origin,
            "Terraform reported errors while planning (`errored: true`): the plan is incomplete and cannot be checked",
        )));
    }
    let changes = match raw.resource_changes {
        Some(changes) => changes,
        None if raw.values.is_some() && raw.planned_values.is_none() => {
            return Err(Error::Input(Diagnostic::new(
                origin,
                "this is Terraform state, not a plan: check the output of `terraform show -json PLANFILE` (after `terraform plan -out PLANFILE`)",
            )));
        }
        None if raw.planned_values.is_none() => {
            return Err(Error::Input(Diagnostic::new(
                origin,
                "a document with `format_version` but neither `resource_changes` nor `planned_values` is not a Terraform plan",
            )));
        }
        // Terraform leaves `resource_changes` out of a plan that changes nothing.
        None => Spanned {
            value: Vec::new(),
            referenced: version.referenced,
            defined: version.defined,
        },
    };
    if changes.value.len() > MAX_ACTIONS {
        return Err(at(
            changes.referenced.line(),
            changes.referenced.column(),
            format!(
                "plan has {} resource changes; the limit is {MAX_ACTIONS}",
                changes.value.len()
            ),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    let mut actions = Vec::with_capacity(changes.value.len());
    for (i, spanned) in changes.value.into_iter().enumerate() {
        let (line, column) = (spanned.referenced.line(), spanned.referenced.column());
        let rc = spanned.value;
        let subject = rc
            .address
            .clone()
            .unwrap_or_else(|| format!("resource_changes[{i}]"));
        let err = |message: String| {
            Error::Input(
                Diagnostic::new(origin, message)
                    .at(line, column)
                    .subject(subject.clone()),
            )
        };
        let address = rc
            .address
            .ok_or_else(|| err("missing field `address`".into()))?;
        let raw_change = rc
            .change
            .ok_or_else(|| err("missing field `change`".into()))?;
        let mut change = TfChange::new(
            address.clone(),
            rc.provider_name,
            raw_change,
            workspace.clone(),
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
                .contains("unsupported Terraform plan format_version `2.0`")
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
