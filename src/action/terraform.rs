//! One Terraform resource change (an entry of `resource_changes` in `terraform show -json`): its
//! change kind, its values with the sensitive ones masked, what is known only after apply, and the
//! facts rules match on (IAM statements, ingress open to the world). Reading the whole plan
//! document is `crate::terraform`; tiers and rules are not decided here.

use std::borrow::Cow;
use std::collections::HashSet;

use serde_json::{Map, Value};

use crate::policy::field::Val;

/// What a sensitive value reads as everywhere: diffs, rules, JSON, the trail.
pub const SENSITIVE: &str = "(sensitive value)";
/// What an attribute known only after apply reads as in diffs.
pub const KNOWN_AFTER_APPLY: &str = "(known after apply)";

/// The kind of a change, from its `actions` list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    NoOp,
    Read,
    Create,
    Update,
    Delete,
    /// `["delete","create"]` (destroy first) or `["create","delete"]` (create first).
    Replace {
        create_first: bool,
    },
    /// Removed from state without being destroyed (a `removed` block).
    Forget,
    /// An action list this agentgate does not know: escalated.
    Unknown,
}

impl ChangeKind {
    pub fn from_actions(actions: &[String]) -> ChangeKind {
        let a: Vec<&str> = actions.iter().map(String::as_str).collect();
        match a.as_slice() {
            ["no-op"] => ChangeKind::NoOp,
            ["read"] => ChangeKind::Read,
            ["create"] => ChangeKind::Create,
            ["update"] => ChangeKind::Update,
            ["delete"] => ChangeKind::Delete,
            ["delete", "create"] => ChangeKind::Replace {
                create_first: false,
            },
            ["create", "delete"] => ChangeKind::Replace { create_first: true },
            ["forget"] => ChangeKind::Forget,
            _ => ChangeKind::Unknown,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::NoOp => "no-op",
            ChangeKind::Read => "read",
            ChangeKind::Create => "create",
            ChangeKind::Update => "update",
            ChangeKind::Delete => "delete",
            ChangeKind::Replace { .. } => "replace",
            ChangeKind::Forget => "forget",
            ChangeKind::Unknown => "unknown",
        }
    }

    /// Terraform's own symbol for the change.
    pub fn symbol(self) -> &'static str {
        match self {
            ChangeKind::NoOp => " ",
            ChangeKind::Read => "<=",
            ChangeKind::Create => "+",
            ChangeKind::Update => "~",
            ChangeKind::Delete => "-",
            ChangeKind::Replace {
                create_first: false,
            } => "-/+",
            ChangeKind::Replace { create_first: true } => "+/-",
            ChangeKind::Forget => ".",
            ChangeKind::Unknown => "?",
        }
    }

    /// What happens, in Terraform's words.
    pub fn phrase(self) -> &'static str {
        match self {
            ChangeKind::NoOp => "has no changes",
            ChangeKind::Read => "will be read during apply",
            ChangeKind::Create => "will be created",
            ChangeKind::Update => "will be updated in-place",
            ChangeKind::Delete => "will be destroyed",
            ChangeKind::Replace {
                create_first: false,
            } => "must be replaced (destroyed, then created)",
            ChangeKind::Replace { create_first: true } => {
                "must be replaced (created, then destroyed)"
            }
            ChangeKind::Forget => "will be removed from the state, not destroyed",
            ChangeKind::Unknown => "has a change agentgate does not know",
        }
    }
}

/// One resource change, validated. `before` and `after` have their sensitive values masked.
#[derive(Debug, Clone)]
pub struct TfChange {
    pub address: String,
    /// `managed` or `data`.
    pub mode: String,
    pub rtype: String,
    pub name: String,
    pub provider: Option<String>,
    pub module: Option<String>,
    pub actions: Vec<String>,
    pub kind: ChangeKind,
    pub before: Value,
    pub after: Value,
    /// Every value known only after apply, as Terraform marks them (shown in the diff).
    pub after_unknown: Value,
    /// The unknown values rules must treat as undecided: those of attributes the configuration
    /// sets (an unset attribute that is unknown is the provider's default), or all of them when
    /// the configuration is not known.
    pub open_unknown: Value,
    pub before_sensitive: Value,
    pub after_sensitive: Value,
    pub action_reason: Option<String>,
    /// The Terraform workspace the plan was made in, when known.
    pub workspace: Option<String>,
    pub facts: TfFacts,
}

/// What rules match on beyond the raw values, derived once when the change is read.
#[derive(Debug, Clone, Default)]
pub struct TfFacts {
    /// Actions of every Allow statement in a policy document among the values (NotAction counts
    /// as `*`: allowing everything but a list is a wildcard grant).
    pub iam_actions: Vec<String>,
    /// Resources of those statements (NotResource counts as `*`).
    pub iam_resources: Vec<String>,
    /// Principals of those statements (`*` for anyone; NotPrincipal counts as `*`).
    pub iam_principals: Vec<String>,
    /// An Allow statement for any principal without a condition.
    pub iam_public: bool,
    /// A policy document is known only after apply.
    pub iam_unknown: bool,
    /// Ingress open to the world (0.0.0.0/0, ::/0, `*`, Internet, Any) exists.
    pub ingress_public: bool,
    /// Watched ports such ingress covers, and `all` for every port.
    pub ingress_exposed: Vec<String>,
    /// An attribute ingress is read from is known only after apply.
    pub ingress_unknown: bool,
    /// `key=value` of the resource's tags and labels (after, or before for a destroy).
    pub tags: Vec<String>,
    pub tags_unknown: bool,
    /// Dotted paths known only after apply.
    pub unknown: Vec<String>,
    /// Dotted paths of sensitive values (before or after).
    pub sensitive: Vec<String>,
}

/// A resource change as written: in a plan document, or in a policy example
/// (`{tool: terraform, address: ..., change: {actions: [...], after: {...}}}`).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct RawChange {
    pub actions: Vec<String>,
    #[serde(default)]
    pub before: Value,
    #[serde(default)]
    pub after: Value,
    #[serde(default)]
    pub after_unknown: Value,
    #[serde(default)]
    pub before_sensitive: Value,
    #[serde(default)]
    pub after_sensitive: Value,
}

/// The parts of an address: module path, mode, type and name (`module.a.aws_s3_bucket.b["x"]`).
pub fn split_address(address: &str) -> Option<(Option<String>, String, String, String)> {
    let plain = without_keys(address);
    let parts: Vec<&str> = plain.split('.').collect();
    let mut i = 0;
    let mut module = Vec::new();
    while i + 1 < parts.len() && parts[i] == "module" {
        module.push(format!("module.{}", parts[i + 1]));
        i += 2;
    }
    let rest = &parts[i..];
    let (mode, rtype, name) = match rest {
        ["data", t, n] => ("data", *t, *n),
        [t, n] => ("managed", *t, *n),
        _ => return None,
    };
    if rtype.is_empty() || name.is_empty() {
        return None;
    }
    let module = (!module.is_empty()).then(|| module.join("."));
    Some((module, mode.into(), rtype.into(), name.into()))
}

/// An address without its instance keys: `module.a["x"].aws_s3_bucket.b[0]` ->
/// `module.a.aws_s3_bucket.b`. Keys are HCL strings: `\"` inside one does not end it.
pub fn without_keys(address: &str) -> String {
    let mut out = String::with_capacity(address.len());
    let (mut depth, mut quoted, mut escaped) = (0usize, false, false);
    for c in address.chars() {
        if quoted {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => quoted = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' if depth > 0 => quoted = true,
            '[' => depth += 1,
            ']' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// What a plan document says the address is made of (`module_address`, `mode`, `type`, `name`):
/// used instead of reading the address, which instance keys can make ambiguous.
#[derive(Debug, Clone, Default)]
pub struct AddressParts {
    pub module: Option<String>,
    pub mode: Option<String>,
    pub rtype: Option<String>,
    pub name: Option<String>,
}

impl TfChange {
    /// Validate a change; `Err` is a message about it.
    pub fn new(
        address: String,
        provider: Option<String>,
        raw: RawChange,
        workspace: Option<String>,
        configured: Option<&HashSet<String>>,
    ) -> Result<TfChange, String> {
        Self::with_parts(
            address,
            AddressParts::default(),
            provider,
            raw,
            workspace,
            configured,
        )
    }

    /// [`TfChange::new`], with the parts of the address as the document states them.
    pub fn with_parts(
        address: String,
        parts: AddressParts,
        provider: Option<String>,
        raw: RawChange,
        workspace: Option<String>,
        configured: Option<&HashSet<String>>,
    ) -> Result<TfChange, String> {
        let split = split_address(&address)
            .ok_or_else(|| format!("`{address}` is not a Terraform resource address"))?;
        let (module, mode, rtype, name) = match parts {
            AddressParts {
                rtype: Some(t),
                name: Some(n),
                mode,
                module,
            } if !t.is_empty() && !n.is_empty() => (
                module.map(|m| without_keys(&m)).filter(|m| !m.is_empty()),
                mode.unwrap_or(split.1),
                t,
                n,
            ),
            _ => split,
        };
        if raw.actions.is_empty() {
            return Err(format!("the change of `{address}` has no actions"));
        }
        let kind = ChangeKind::from_actions(&raw.actions);
        let before = mask(&raw.before, &raw.before_sensitive);
        let after = mask(&raw.after, &raw.after_sensitive);
        let open_unknown = match (configured, &raw.after_unknown) {
            (Some(set), Value::Object(marks)) => Value::Object(
                // Blocks (lists and objects of marks) always count: the configuration leaves
                // out `dynamic` blocks, so their absence from it says nothing.
                marks
                    .iter()
                    .filter(|(k, v)| set.contains(k.as_str()) || !v.is_boolean())
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            ),
            _ => raw.after_unknown.clone(),
        };
        let mut change = TfChange {
            address,
            mode,
            rtype,
            name,
            provider,
            module,
            actions: raw.actions,
            kind,
            before,
            after,
            after_unknown: raw.after_unknown,
            open_unknown,
            before_sensitive: raw.before_sensitive,
            after_sensitive: raw.after_sensitive,
            action_reason: None,
            workspace,
            facts: TfFacts::default(),
        };
        change.facts = derive(&change);
        Ok(change)
    }

    /// The change as a plan entry (the shape a policy example writes); values are masked.
    pub fn to_json(&self) -> Value {
        let mut change = Map::new();
        change.insert("actions".into(), Value::from(self.actions.clone()));
        // Values under credential-like names (password, token, ...) are hidden as in every
        // other action's parameters, marked sensitive or not.
        for (key, value) in [
            (
                "before",
                &crate::secrets::hide_sensitive_fields(&self.before),
            ),
            ("after", &crate::secrets::hide_sensitive_fields(&self.after)),
            ("after_unknown", &self.after_unknown),
            ("before_sensitive", &self.before_sensitive),
            ("after_sensitive", &self.after_sensitive),
        ] {
            if !value.is_null() {
                change.insert(key.into(), value.clone());
            }
        }
        let mut out = Map::new();
        out.insert("address".into(), Value::from(self.address.clone()));
        if let Some(p) = &self.provider {
            out.insert("provider".into(), Value::from(p.clone()));
        }
        out.insert("change".into(), Value::Object(change));
        Value::Object(out)
    }

    /// The values a destroy is judged on: after, or before when nothing remains after.
    pub fn current(&self) -> &Value {
        if self.after.is_null() {
            &self.before
        } else {
            &self.after
        }
    }

    /// Every string value of the change, for the secrets scan (sensitive ones are masked), one
    /// per line as `key = value` with its attribute's name, so that name-based detection
    /// (`DB_PASSWORD = ...`) sees what it needs. ARNs are left out: they name resources
    /// (`...:secret:rds!db-...`), they hold no secret.
    pub fn texts(&self) -> String {
        let mut out = String::new();
        for v in [&self.before, &self.after] {
            keyed_strings(v, "", &mut |key, s| {
                if s.starts_with("arn:") {
                    return;
                }
                if !key.is_empty() {
                    out.push_str(key);
                    out.push_str(" = ");
                }
                out.push_str(s);
                out.push('\n');
            });
        }
        out
    }
}

/// Replace every value marked sensitive by [`SENSITIVE`].
fn mask(value: &Value, sensitive: &Value) -> Value {
    match (value, sensitive) {
        (Value::Null, _) => Value::Null,
        (_, Value::Bool(true)) => Value::String(SENSITIVE.into()),
        (Value::Object(map), Value::Object(s)) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), mask(v, s.get(k).unwrap_or(&Value::Null))))
                .collect(),
        ),
        (Value::Array(items), Value::Array(s))
            if items.len() == s.len() || !any_true(sensitive) =>
        {
            Value::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| mask(v, s.get(i).unwrap_or(&Value::Null)))
                    .collect(),
            )
        }
        // Marks that do not have the value's shape: which part is sensitive is not known, so all
        // of it is (Terraform does not write such marks; a hand-made document might).
        _ if any_true(sensitive) => Value::String(SENSITIVE.into()),
        _ => value.clone(),
    }
}

/// Every string under `value` with the name of the attribute or key it is under.
fn keyed_strings(value: &Value, key: &str, f: &mut dyn FnMut(&str, &str)) {
    match value {
        Value::String(s) => f(key, s),
        Value::Array(items) => items.iter().for_each(|v| keyed_strings(v, key, f)),
        Value::Object(map) => map.iter().for_each(|(k, v)| keyed_strings(v, k, f)),
        _ => {}
    }
}

/// Whether any `true` is under `marks` (an `after_unknown` or `*_sensitive` tree).
pub fn any_true(marks: &Value) -> bool {
    match marks {
        Value::Bool(b) => *b,
        Value::Array(items) => items.iter().any(any_true),
        Value::Object(map) => map.values().any(any_true),
        _ => false,
    }
}

/// At most this many paths are listed in `tf.unknown` and `tf.sensitive`, each at most this long.
const MAX_PATHS: usize = 1_000;
const MAX_PATH_LEN: usize = 512;

/// Dotted paths of every `true` under `marks`, bounded: a hostile document with deep, wide marks
/// must not make agentgate build gigabytes of path strings.
fn true_paths(marks: &Value, prefix: &str, out: &mut Vec<String>) {
    if out.len() >= MAX_PATHS || prefix.len() > MAX_PATH_LEN {
        if prefix.len() > MAX_PATH_LEN && out.len() < MAX_PATHS && any_true(marks) {
            let mut cut = MAX_PATH_LEN;
            while !prefix.is_char_boundary(cut) {
                cut -= 1;
            }
            out.push(format!("{}...", &prefix[..cut]));
        }
        return;
    }
    let join = |k: &str| {
        if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match marks {
        Value::Bool(true) => out.push(if prefix.is_empty() {
            "*".into()
        } else {
            prefix.into()
        }),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .for_each(|(i, v)| true_paths(v, &join(&i.to_string()), out)),
        Value::Object(map) => map.iter().for_each(|(k, v)| true_paths(v, &join(k), out)),
        _ => {}
    }
}

/// A JSON document inside a string attribute (an IAM policy), if the string holds one.
fn embedded_json(s: &str) -> Option<Value> {
    let t = s.trim_start();
    if !(t.starts_with('{') || t.starts_with('[')) || s.len() > 1 << 20 {
        return None;
    }
    serde_json::from_str(s).ok()
}

/// The values at a dotted `path` under `value`, and whether any part of it is known only after
/// apply. Lists are looked through (a segment applies to every element, or indexes one when it is
/// a number); a string holding JSON is decoded and looked into.
pub fn lookup<'a>(
    value: &'a Value,
    unknown: &Value,
    path: &[String],
    out: &mut Vec<Val<'a>>,
) -> bool {
    let mut is_unknown = false;
    walk(value, unknown, path, out, &mut is_unknown, 0);
    is_unknown
}

fn walk<'a>(
    value: &'a Value,
    unknown: &Value,
    path: &[String],
    out: &mut Vec<Val<'a>>,
    is_unknown: &mut bool,
    depth: usize,
) {
    if unknown == &Value::Bool(true) {
        *is_unknown = true;
        return;
    }
    if depth > 64 {
        return;
    }
    let Some((seg, rest)) = path.split_first() else {
        if any_true(unknown) {
            *is_unknown = true;
        }
        leaves(value, out, depth);
        return;
    };
    match value {
        Value::Object(map) => {
            let child_unknown = unknown.get(seg.as_str()).unwrap_or(&Value::Null);
            match map.get(seg.as_str()) {
                Some(v) => walk(v, child_unknown, rest, out, is_unknown, depth + 1),
                None if child_unknown == &Value::Bool(true) => *is_unknown = true,
                None => {}
            }
        }
        Value::Array(items) => {
            let marks = |i: usize| unknown.get(i).unwrap_or(&Value::Null);
            match seg.parse::<usize>() {
                Ok(i) => {
                    if let Some(v) = items.get(i) {
                        walk(v, marks(i), rest, out, is_unknown, depth + 1)
                    }
                }
                Err(_) => items
                    .iter()
                    .enumerate()
                    .for_each(|(i, v)| walk(v, marks(i), path, out, is_unknown, depth + 1)),
            }
        }
        Value::String(s) => {
            if let Some(doc) = embedded_json(s) {
                let mut inner = Vec::new();
                walk(&doc, &Value::Null, path, &mut inner, is_unknown, depth + 1);
                out.extend(inner.into_iter().map(|v| match v {
                    Val::Str(s) => Val::Str(Cow::Owned(s.into_owned())),
                    Val::Num(n) => Val::Num(n),
                    Val::Bool(b) => Val::Bool(b),
                }));
            }
        }
        _ => {}
    }
}

fn leaves<'a>(value: &'a Value, out: &mut Vec<Val<'a>>, depth: usize) {
    match value {
        Value::Null => {}
        Value::String(s) => out.push(Val::Str(Cow::Borrowed(s))),
        Value::Number(n) => out.extend(n.as_f64().map(Val::Num)),
        Value::Bool(b) => out.push(Val::Bool(*b)),
        Value::Array(items) if depth < 64 => items.iter().for_each(|v| leaves(v, out, depth + 1)),
        other => out.push(Val::Str(Cow::Owned(other.to_string()))),
    }
}

// ---- derived facts ---------------------------------------------------------------------------

fn derive(change: &TfChange) -> TfFacts {
    let mut facts = TfFacts::default();
    let values = change.current();
    let unknown = if change.after.is_null() {
        &Value::Null
    } else {
        &change.open_unknown
    };
    iam(values, &mut facts);
    facts.iam_unknown = policy_unknown(unknown, 0);
    ingress(&change.rtype, values, unknown, &mut facts);
    // Tags before and after: a change that moves a resource out of production is a change to
    // production. Default tags (`tags_all`) and provider-added labels count too.
    for side in [&change.before, &change.after] {
        for key in [
            "tags",
            "tags_all",
            "labels",
            "effective_labels",
            "terraform_labels",
            "user_labels",
        ] {
            let nested = side
                .get("settings")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|s| s.get(key));
            for map in side.get(key).into_iter().chain(nested) {
                if let Value::Object(tags) = map {
                    for (k, v) in tags {
                        if let Value::String(v) = v {
                            facts.tags.push(format!("{}={}", k.trim(), v.trim()));
                        }
                    }
                }
            }
        }
    }
    facts.tags.sort();
    facts.tags.dedup();
    for key in ["tags", "labels"] {
        if unknown.get(key).is_some_and(any_true) {
            facts.tags_unknown = true;
        }
    }
    true_paths(unknown, "", &mut facts.unknown);
    true_paths(&change.before_sensitive, "", &mut facts.sensitive);
    true_paths(&change.after_sensitive, "", &mut facts.sensitive);
    facts.sensitive.sort();
    facts.sensitive.dedup();
    facts
}

/// Whether a policy document (a string under a name like `policy`, `assume_role_policy`,
/// `access_policies`, at any depth: `inline_policy[0].policy`) is known only after apply.
fn policy_unknown(marks: &Value, depth: usize) -> bool {
    if depth > 64 {
        return true;
    }
    match marks {
        Value::Object(map) => map.iter().any(|(k, v)| {
            (k.contains("polic") && v == &Value::Bool(true)) || policy_unknown(v, depth + 1)
        }),
        Value::Array(items) => items.iter().any(|v| policy_unknown(v, depth + 1)),
        _ => false,
    }
}

/// Every IAM policy document among the string values (any depth), read statement by statement.
fn iam(values: &Value, facts: &mut TfFacts) {
    let mut docs = Vec::new();
    keyed_strings(values, "", &mut |_, s| {
        if let Some(doc) = embedded_json(s)
            && doc.get("Statement").is_some()
        {
            docs.push(doc);
        }
    });
    for doc in &docs {
        let statements: Vec<&Value> = match doc.get("Statement") {
            Some(Value::Array(items)) => items.iter().collect(),
            Some(one @ Value::Object(_)) => vec![one],
            _ => continue,
        };
        for st in statements {
            let allow = st
                .get("Effect")
                .and_then(Value::as_str)
                .is_some_and(|e| e.eq_ignore_ascii_case("allow"));
            if !allow {
                continue;
            }
            let list = |key: &str| -> Vec<String> {
                match st.get(key) {
                    Some(Value::String(s)) => vec![s.clone()],
                    Some(Value::Array(items)) => items
                        .iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect(),
                    _ => Vec::new(),
                }
            };
            facts.iam_actions.extend(list("Action"));
            if st.get("NotAction").is_some() {
                facts.iam_actions.push("*".into());
            }
            facts.iam_resources.extend(list("Resource"));
            if st.get("NotResource").is_some() {
                facts.iam_resources.push("*".into());
            }
            let mut principals = Vec::new();
            match st.get("Principal") {
                Some(Value::String(s)) => principals.push(s.clone()),
                Some(Value::Object(map)) => {
                    for v in map.values() {
                        match v {
                            Value::String(s) => principals.push(s.clone()),
                            Value::Array(items) => principals.extend(
                                items.iter().filter_map(|v| v.as_str().map(str::to_string)),
                            ),
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
            if st.get("NotPrincipal").is_some() {
                principals.push("*".into());
            }
            if principals.iter().any(|p| p == "*") && !restricts(st.get("Condition")) {
                facts.iam_public = true;
            }
            facts.iam_principals.extend(principals);
        }
    }
}

/// Whether a statement's Condition narrows who can use it: to an organisation, an account, a
/// network, a source resource, or addresses that are not the whole internet. Any other condition
/// (secure transport, an ACL header, a time) still lets anyone in.
fn restricts(condition: Option<&Value>) -> bool {
    const NARROWING: [&str; 12] = [
        "aws:sourcevpce",
        "aws:sourcevpc",
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:principalaccount",
        "aws:principalarn",
        "aws:sourceaccount",
        "aws:sourcearn",
        "aws:sourceowner",
        "aws:userid",
        "aws:resourceorgid",
        "kms:callervia",
    ];
    let Some(Value::Object(operators)) = condition else {
        return false;
    };
    operators.values().any(|keys| {
        keys.as_object().is_some_and(|keys| {
            keys.iter().any(|(key, values)| {
                let key = key.to_ascii_lowercase();
                if key == "aws:sourceip" {
                    let ips = strs(Some(values));
                    return !ips.is_empty() && !ips.iter().any(|ip| world(ip));
                }
                NARROWING.iter().any(|n| key.starts_with(n))
            })
        })
    })
}

/// Ports watched for ingress from anywhere: remote administration, databases, caches, web.
const WATCHED_PORTS: [u32; 38] = [
    20, 21, 22, 23, 25, 53, 80, 110, 135, 137, 138, 139, 143, 389, 443, 445, 1433, 1521, 2375,
    2376, 3000, 3306, 3389, 5432, 5601, 5900, 5984, 6379, 6443, 7001, 8080, 8443, 9000, 9042, 9200,
    9300, 11211, 27017,
];

/// A source that admits the internet: `*`, Internet, Any, or an address range so wide it must
/// hold public addresses (IPv4 /0 to /7, IPv6 /0 to /6: `0.0.0.0/1`, `::/1`; 10.0.0.0/8 and
/// fc00::/7 are private and not counted).
fn world(source: &str) -> bool {
    let s = source.trim().to_ascii_lowercase();
    if matches!(s.as_str(), "*" | "internet" | "any" | "0.0.0.0" | "::") {
        return true;
    }
    let Some((addr, len)) = s.split_once('/') else {
        return false;
    };
    let Ok(len) = len.trim().parse::<u8>() else {
        return false;
    };
    match addr.trim().parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(_)) => len <= 7,
        Ok(std::net::IpAddr::V6(_)) => len <= 6,
        Err(_) => false,
    }
}

/// A port range from numbers or text (`22`, `"1000-2000"`, `"*"`).
fn range_of(from: Option<&Value>, to: Option<&Value>) -> Option<(u32, u32)> {
    let num = |v: Option<&Value>| -> Option<i64> {
        match v? {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    };
    let (a, b) = (num(from), num(to));
    match (a, b) {
        (Some(a), Some(b)) if a <= 0 && (b <= 0 || b >= 65535) => Some((0, 65535)),
        (Some(a), Some(b)) => Some((a.max(0) as u32, b.clamp(0, 65535) as u32)),
        (Some(a), None) | (None, Some(a)) => Some((a.max(0) as u32, a.max(0) as u32)),
        (None, None) => None,
    }
}

fn text_range(s: &str) -> Option<(u32, u32)> {
    let s = s.trim();
    if s == "*" || s.is_empty() {
        return Some((0, 65535));
    }
    match s.split_once('-') {
        Some((a, b)) => Some((a.trim().parse().ok()?, b.trim().parse().ok()?)),
        None => s.parse().ok().map(|p| (p, p)),
    }
}

fn all_protocols(protocol: Option<&Value>) -> bool {
    match protocol {
        Some(Value::String(p)) => {
            matches!(p.trim().to_ascii_lowercase().as_str(), "-1" | "all" | "*")
        }
        Some(Value::Number(n)) => n.as_i64() == Some(-1),
        _ => false,
    }
}

/// The non-empty strings of a string or a list (Azure writes `""` for a range it takes from a list).
fn strs(v: Option<&Value>) -> Vec<&str> {
    let keep = |s: &&str| !s.trim().is_empty();
    match v {
        Some(Value::String(s)) => Some(s.as_str()).into_iter().filter(keep).collect(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .filter(keep)
            .collect(),
        _ => Vec::new(),
    }
}

fn ingress(rtype: &str, values: &Value, unknown: &Value, facts: &mut TfFacts) {
    const READ_FROM: [&str; 17] = [
        "ingress",
        "cidr_blocks",
        "ipv6_cidr_blocks",
        "from_port",
        "to_port",
        "protocol",
        "type",
        "cidr_ipv4",
        "cidr_ipv6",
        "ip_protocol",
        "source_ranges",
        "allow",
        "direction",
        "source_address_prefix",
        "source_address_prefixes",
        "destination_port_range",
        "security_rule",
    ];
    let mut open: Vec<(u32, u32)> = Vec::new();
    let aws_rule = |rule: &Value, open: &mut Vec<(u32, u32)>| {
        let sources = strs(rule.get("cidr_blocks"))
            .into_iter()
            .chain(strs(rule.get("ipv6_cidr_blocks")))
            .chain(strs(rule.get("cidr_ipv4")))
            .chain(strs(rule.get("cidr_ipv6")));
        if !sources.into_iter().any(world) {
            return;
        }
        let protocol = rule.get("protocol").or_else(|| rule.get("ip_protocol"));
        if all_protocols(protocol) {
            open.push((0, 65535));
        } else if let Some(r) = range_of(rule.get("from_port"), rule.get("to_port")) {
            open.push(r);
        } else {
            open.push((0, 65535));
        }
    };
    let azure_rule = |rule: &Value, open: &mut Vec<(u32, u32)>| {
        let is = |key: &str, want: &str| {
            rule.get(key)
                .and_then(Value::as_str)
                .is_some_and(|v| v.eq_ignore_ascii_case(want))
        };
        if !is("direction", "Inbound") || !is("access", "Allow") {
            return;
        }
        let sources = strs(rule.get("source_address_prefix"))
            .into_iter()
            .chain(strs(rule.get("source_address_prefixes")));
        if !sources.into_iter().any(world) {
            return;
        }
        let ranges: Vec<&str> = strs(rule.get("destination_port_range"))
            .into_iter()
            .chain(strs(rule.get("destination_port_ranges")))
            .collect();
        if ranges.is_empty() {
            open.push((0, 65535));
        }
        for r in ranges {
            open.push(text_range(r).unwrap_or((0, 65535)));
        }
    };
    // The blocks under `key` (`ingress`, `allow`, `security_rule`), each a rule of its own.
    let blocks = |key: &str| {
        values
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
    };
    let relevant = match rtype {
        "aws_security_group" | "aws_default_security_group" => {
            for rule in blocks("ingress") {
                aws_rule(rule, &mut open);
            }
            true
        }
        "aws_security_group_rule" => {
            if values.get("type").and_then(Value::as_str) == Some("ingress") {
                aws_rule(values, &mut open);
            }
            true
        }
        "aws_vpc_security_group_ingress_rule" => {
            aws_rule(values, &mut open);
            true
        }
        "google_compute_firewall" => {
            let ingress = values
                .get("direction")
                .and_then(Value::as_str)
                .is_none_or(|d| d.eq_ignore_ascii_case("INGRESS"));
            // With no source at all, an ingress rule admits 0.0.0.0/0.
            let sourceless = strs(values.get("source_ranges")).is_empty()
                && strs(values.get("source_tags")).is_empty()
                && strs(values.get("source_service_accounts")).is_empty();
            if ingress && (sourceless || strs(values.get("source_ranges")).into_iter().any(world)) {
                for allow in blocks("allow") {
                    let ports = strs(allow.get("ports"));
                    if ports.is_empty() || all_protocols(allow.get("protocol")) {
                        open.push((0, 65535));
                    }
                    for p in ports {
                        open.push(text_range(p).unwrap_or((0, 65535)));
                    }
                }
            }
            true
        }
        "azurerm_network_security_rule" => {
            azure_rule(values, &mut open);
            true
        }
        "azurerm_network_security_group" => {
            for rule in blocks("security_rule") {
                azure_rule(rule, &mut open);
            }
            true
        }
        _ => false,
    };
    if !relevant {
        return;
    }
    facts.ingress_unknown = READ_FROM
        .iter()
        .any(|k| unknown.get(*k).is_some_and(any_true));
    facts.ingress_public = !open.is_empty();
    let mut exposed: Vec<String> = Vec::new();
    if open.iter().any(|&(a, b)| a == 0 && b >= 65535) {
        exposed.push("all".into());
    }
    for port in WATCHED_PORTS {
        if open.iter().any(|&(a, b)| a <= port && port <= b) {
            exposed.push(port.to_string());
        }
    }
    facts.ingress_exposed = exposed;
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn change(rtype: &str, actions: &[&str], after: Value, unknown: Value) -> TfChange {
        TfChange::new(
            format!("{rtype}.x"),
            None,
            RawChange {
                actions: actions.iter().map(|s| s.to_string()).collect(),
                before: Value::Null,
                after,
                after_unknown: unknown,
                before_sensitive: Value::Null,
                after_sensitive: Value::Null,
            },
            None,
            None,
        )
        .unwrap()
    }

    #[test]
    fn marks_of_a_hostile_document_are_listed_within_bounds() {
        // Deep, long keys over a wide list of marks: the listing is bounded, not gigabytes.
        let mut marks = Value::Array(vec![Value::Bool(true); 5_000]);
        for _ in 0..100 {
            let mut m = Map::new();
            m.insert("k".repeat(60), marks);
            marks = Value::Object(m);
        }
        let c = change("aws_instance", &["create"], json!({}), marks);
        assert!(c.facts.unknown.len() <= MAX_PATHS);
        assert!(c.facts.unknown.iter().all(|p| p.len() <= MAX_PATH_LEN + 3));
        assert!(!c.facts.unknown.is_empty());
    }

    #[test]
    fn escaped_quotes_in_keys_do_not_end_them() {
        assert_eq!(
            without_keys(r#"module.m["\"].null_resource.x[\"\""].aws_s3_bucket_policy.p"#),
            "module.m.aws_s3_bucket_policy.p"
        );
    }

    #[test]
    fn addresses_split_with_modules_and_keys() {
        assert_eq!(
            split_address(r#"module.a.module.b.aws_s3_bucket.logs["x.y"]"#),
            Some((
                Some("module.a.module.b".into()),
                "managed".into(),
                "aws_s3_bucket".into(),
                "logs".into()
            ))
        );
        assert_eq!(
            split_address("data.aws_iam_policy_document.p"),
            Some((
                None,
                "data".into(),
                "aws_iam_policy_document".into(),
                "p".into()
            ))
        );
        assert_eq!(split_address("aws_s3_bucket"), None);
        assert_eq!(split_address("a.b.c.d"), None);
    }

    #[test]
    fn change_kinds_follow_the_action_list() {
        let k = |a: &[&str]| {
            ChangeKind::from_actions(&a.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        };
        assert_eq!(
            k(&["delete", "create"]),
            ChangeKind::Replace {
                create_first: false
            }
        );
        assert_eq!(
            k(&["create", "delete"]),
            ChangeKind::Replace { create_first: true }
        );
        assert_eq!(k(&["forget"]), ChangeKind::Forget);
        assert_eq!(k(&["create", "update"]), ChangeKind::Unknown);
    }

    #[test]
    fn sensitive_values_are_masked_before_anything_reads_them() {
        let c = TfChange::new(
            "aws_db_instance.db".into(),
            None,
            RawChange {
                actions: vec!["create".into()],
                before: Value::Null,
                after: json!({"password": "hunter2-very-secret", "users": [{"pw": "x1"}, {"pw": "x2"}]}),
                after_unknown: json!({}),
                before_sensitive: Value::Null,
                after_sensitive: json!({"password": true, "users": [{}, {"pw": true}]}),
            },
            None,
            None,
        )
        .unwrap();
        let text = c.to_json().to_string();
        assert!(!text.contains("hunter2"), "{text}");
        assert!(!text.contains("x2"), "{text}");
        assert!(text.contains("x1"), "{text}");
        assert_eq!(c.facts.sensitive, vec!["password", "users.1.pw"]);
    }

    #[test]
    fn lookups_see_through_lists_and_json_strings_and_report_unknowns() {
        let after = json!({
            "ingress": [{"cidr_blocks": ["10.0.0.0/8"]}, {"cidr_blocks": ["0.0.0.0/0"]}],
            "policy": "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"s3:*\"]}]}"
        });
        let unknown = json!({"ingress": [{}, {"cidr_blocks": true}], "arn": true});
        let path = |p: &str| p.split('.').map(str::to_string).collect::<Vec<_>>();
        let mut out = Vec::new();
        assert!(lookup(
            &after,
            &unknown,
            &path("ingress.cidr_blocks"),
            &mut out
        ));
        assert_eq!(out, vec![Val::Str("10.0.0.0/8".into())]);
        out.clear();
        assert!(!lookup(
            &after,
            &unknown,
            &path("policy.Statement.Action"),
            &mut out
        ));
        assert_eq!(out, vec![Val::Str("s3:*".into())]);
        out.clear();
        assert!(lookup(&after, &unknown, &path("arn"), &mut out));
        assert!(out.is_empty());
        out.clear();
        assert!(!lookup(
            &after,
            &unknown,
            &path("ingress.0.cidr_blocks"),
            &mut out
        ));
        assert_eq!(out, vec![Val::Str("10.0.0.0/8".into())]);
    }

    #[test]
    fn iam_statements_read_allow_only_and_not_action_as_wildcard() {
        let policy = json!({"Statement": [
            {"Effect": "Deny", "Action": "*", "Resource": "*"},
            {"Effect": "Allow", "NotAction": "iam:*", "Resource": "arn:aws:s3:::b/*"},
            {"Effect": "Allow", "Principal": {"AWS": ["*"]}, "Action": "s3:GetObject", "Resource": "*"}
        ]})
        .to_string();
        let c = change(
            "aws_iam_policy",
            &["create"],
            json!({"policy": policy}),
            json!({}),
        );
        assert_eq!(c.facts.iam_actions, vec!["*", "s3:GetObject"]);
        assert_eq!(c.facts.iam_resources, vec!["arn:aws:s3:::b/*", "*"]);
        assert!(c.facts.iam_public);
    }

    #[test]
    fn ingress_from_anywhere_names_the_watched_ports() {
        let c = change(
            "aws_security_group",
            &["create"],
            json!({"ingress": [
                {"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]},
                {"from_port": 5432, "to_port": 5432, "protocol": "tcp", "cidr_blocks": ["10.0.0.0/8"]}
            ]}),
            json!({}),
        );
        assert!(c.facts.ingress_public);
        assert_eq!(c.facts.ingress_exposed, vec!["22"]);
        let all = change(
            "aws_vpc_security_group_ingress_rule",
            &["create"],
            json!({"cidr_ipv6": "::/0", "ip_protocol": "-1"}),
            json!({}),
        );
        assert!(all.facts.ingress_exposed.contains(&"all".to_string()));
        let azure = change(
            "azurerm_network_security_rule",
            &["create"],
            json!({"direction": "Inbound", "access": "Allow", "source_address_prefix": "Internet", "destination_port_range": "3380-3390"}),
            json!({}),
        );
        assert_eq!(azure.facts.ingress_exposed, vec!["3389"]);
        let gcp = change(
            "google_compute_firewall",
            &["create"],
            json!({"source_ranges": ["0.0.0.0/0"], "allow": [{"protocol": "tcp", "ports": ["443"]}]}),
            json!({"source_ranges": false}),
        );
        assert_eq!(gcp.facts.ingress_exposed, vec!["443"]);
        assert!(!gcp.facts.ingress_unknown);
        let unknown = change(
            "aws_security_group",
            &["create"],
            json!({"ingress": null}),
            json!({"ingress": true}),
        );
        assert!(unknown.facts.ingress_unknown && !unknown.facts.ingress_public);
    }
}
