//! Policy sets: loading (a folder of YAML files, or the pack embedded in the binary), the policy
//! hash, and applying rules to one item. Deciding a whole plan belongs to `evaluate`.

mod config;
pub mod embedded;
pub mod field;
pub mod limits;
pub mod matcher;
pub mod rule;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::action::{self, Facts};
use crate::decision::Tier;
use crate::error::{Diagnostic, Error};
use crate::plan::ActionKind;
use crate::secrets::Scanner;
use field::{PlanFacts, Subject};
use limits::Limit;
use matcher::{Cond, Evaluator, Slots};
use rule::{Effect, Example, Exception, Rule, SecretRule, Source, Surface};

/// Largest policy file accepted, in bytes.
pub const MAX_POLICY_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// One policy file: a display name (`policies/surfaces.yaml`) and its text.
#[derive(Debug, Clone)]
pub struct PolicyFile {
    pub name: String,
    pub text: String,
}

/// A loaded, validated policy set.
pub struct PolicySet {
    /// Display names of the files, in load order.
    pub files: Vec<String>,
    /// `sha256:` over every file's name and bytes.
    pub hash: String,
    /// Where it came from: `embedded` or the folders.
    pub origin: String,
    pub rules: Vec<Rule>,
    pub surfaces: Vec<Surface>,
    surface_conds: Vec<Cond>,
    pub exceptions: Vec<Exception>,
    pub secret_rules: Vec<SecretRule>,
    /// Every file's `limits:`, in load order.
    pub limits: Vec<Limit>,
    /// The highest tier `apply --auto-approve` may approve (`auto_approve.max_tier`, default 3:
    /// destructive actions always need a person unless the policy says otherwise).
    pub auto_approve_max_tier: Tier,
    scanner: Option<Scanner>,
    slots: Slots,
    by_tool: HashMap<String, Vec<usize>>,
    any_tool: Vec<usize>,
}

/// A rule that matched an item, and the exception that suppressed it, if one did.
#[derive(Debug, Clone, Copy)]
pub struct Hit {
    pub rule: usize,
    pub excepted_by: Option<usize>,
}

/// What the rules made of one item.
#[derive(Debug, Clone)]
pub struct ItemOutcome {
    pub tier: Tier,
    /// Classify rules that set the tier.
    pub classified_by: Vec<usize>,
    /// Tier and deny rules that matched (including advisory ones and excepted ones).
    pub hits: Vec<Hit>,
    /// Enforced tier and deny rules that did not match only because a value they read is known
    /// only after apply (Terraform): they escalate the item to tier 3 at most.
    pub undecided: Vec<usize>,
}

/// Result of one rule example.
#[derive(Debug, Clone)]
pub struct ExampleResult {
    pub rule: String,
    pub expect_match: bool,
    pub matched: bool,
    pub source: Source,
}

impl ExampleResult {
    pub fn passed(&self) -> bool {
        self.expect_match == self.matched
    }
}

impl PolicySet {
    /// The pack shipped inside the binary (the repository's `policies/`). Its examples are not
    /// re-run on every start: the pack cannot change after the build, and its examples run in the
    /// test suite and in CI (`policy test policies`), so a binary with a failing example never ships.
    pub fn embedded() -> Result<PolicySet, Error> {
        Self::load(embedded::files(), "embedded".into(), true)
    }

    /// Every `*.yaml` / `*.yml` file directly inside each folder, in name order.
    pub fn from_dirs(dirs: &[PathBuf]) -> Result<PolicySet, Error> {
        let mut files = Vec::new();
        for dir in dirs {
            files.extend(read_dir(dir)?);
        }
        let origin = dirs
            .iter()
            .map(|d| d.display().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        Self::from_files(files, origin)
    }

    /// Validate and check every example: a policy whose examples fail does not load.
    pub fn from_files(files: Vec<PolicyFile>, origin: String) -> Result<PolicySet, Error> {
        let set = Self::without_example_check(files, origin)?;
        let failures: Vec<Diagnostic> = set
            .example_results()
            .into_iter()
            .filter(|r| !r.passed())
            .map(|r| {
                Diagnostic::new(
                    r.source.file.clone(),
                    if r.expect_match {
                        "this `match` example does not match the rule"
                    } else {
                        "this `not_match` example matches the rule"
                    },
                )
                .at(r.source.line, 1)
                .subject(format!("rule `{}`", r.rule))
            })
            .collect();
        if failures.is_empty() {
            Ok(set)
        } else {
            Err(Error::Policy(failures))
        }
    }

    /// Validate without running the examples (`policy test` runs and reports them itself).
    pub fn without_example_check(
        files: Vec<PolicyFile>,
        origin: String,
    ) -> Result<PolicySet, Error> {
        Self::load(files, origin, false)
    }

    fn load(files: Vec<PolicyFile>, origin: String, lazy: bool) -> Result<PolicySet, Error> {
        if files.is_empty() {
            return Err(Error::Policy(vec![Diagnostic::new(
                origin,
                "no policy files (*.yaml) found",
            )]));
        }
        let hash = hash_files(&files);
        config::build(files, hash, origin, lazy).map_err(Error::Policy)
    }

    #[allow(clippy::too_many_arguments)]
    fn assemble(
        files: Vec<PolicyFile>,
        hash: String,
        origin: String,
        rules: Vec<Rule>,
        surfaces: Vec<Surface>,
        surface_conds: Vec<Cond>,
        exceptions: Vec<Exception>,
        secret_rules: Vec<SecretRule>,
        scanner: Option<Scanner>,
        slots: Slots,
        limits: Vec<Limit>,
    ) -> PolicySet {
        let mut by_tool: HashMap<String, Vec<usize>> = HashMap::new();
        let mut any_tool = Vec::new();
        for (i, rule) in rules.iter().enumerate() {
            match &rule.tools {
                Some(tools) => tools
                    .iter()
                    .for_each(|t| by_tool.entry(t.clone()).or_default().push(i)),
                None => any_tool.push(i),
            }
        }
        // Each tool's list holds the rules for any tool too, in policy order.
        for list in by_tool.values_mut() {
            list.extend(&any_tool);
            list.sort_unstable();
            list.dedup();
        }
        PolicySet {
            files: files.into_iter().map(|f| f.name).collect(),
            hash,
            origin,
            rules,
            surfaces,
            surface_conds,
            exceptions,
            secret_rules,
            limits,
            auto_approve_max_tier: Tier::HIGH,
            scanner,
            slots,
            by_tool,
            any_tool,
        }
    }

    /// The secrets scanner: built-in patterns plus this policy's custom ones.
    pub fn scanner(&self) -> &Scanner {
        self.scanner.as_ref().unwrap_or_else(|| Scanner::builtin())
    }

    pub fn secret_rule(&self, kind: &str) -> Option<&SecretRule> {
        self.secret_rules.iter().find(|s| s.kind == kind)
    }

    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// The limits that cover the agent named `agent`, in policy order.
    pub fn limits_for<'a>(&'a self, agent: &'a str) -> impl Iterator<Item = &'a Limit> {
        self.limits.iter().filter(move |l| l.applies_to(agent))
    }

    /// Indexes of the rules that can apply to `tool`, in policy order.
    fn candidates(&self, tool: &str) -> &[usize] {
        self.by_tool.get(tool).map_or(&self.any_tool, Vec::as_slice)
    }

    fn evaluator<'p, 'a>(&'p self, subject: Subject<'a>) -> Evaluator<'p, 'a> {
        Evaluator::new(&self.slots, &self.surface_conds, subject)
    }

    /// Apply every rule to one item: classification, then raises; exceptions suppress.
    pub fn apply(&self, subject: Subject<'_>, today: jiff::civil::Date) -> ItemOutcome {
        let mut eval = self.evaluator(subject);
        let mut classified: Option<Tier> = None;
        let mut classified_by = Vec::new();
        let mut hits = Vec::new();
        let mut undecided = Vec::new();
        let exception = |eval: &mut Evaluator<'_, '_>, rule: &Rule| {
            self.exceptions.iter().position(|e| {
                e.rule == rule.id
                    && e.active(today)
                    && e.scope.as_ref().is_none_or(|s| eval.eval(s))
            })
        };
        for &i in self.candidates(subject.kind.tool()) {
            let rule = &self.rules[i];
            eval.take_unknown();
            if !eval.eval(&rule.cond) {
                if eval.take_unknown()
                    && !matches!(rule.effect, Effect::Classify(_))
                    && rule.level.enforced()
                    && exception(&mut eval, rule).is_none()
                {
                    undecided.push(i);
                }
                continue;
            }
            let excepted_by = exception(&mut eval, rule);
            match rule.effect {
                Effect::Classify(t) if excepted_by.is_none() => {
                    classified = Some(classified.map_or(t, |c| c.max(t)));
                    classified_by.push(i);
                }
                Effect::Classify(_) => {}
                Effect::Tier(_) | Effect::Deny => hits.push(Hit {
                    rule: i,
                    excepted_by,
                }),
            }
        }
        let item = subject.item;
        let mut tier = classified.unwrap_or(item.base).max(item.floor);
        for hit in &hits {
            let rule = &self.rules[hit.rule];
            if let (Effect::Tier(t), None, true) =
                (rule.effect, hit.excepted_by, rule.level.enforced())
            {
                tier = tier.max(t);
            }
        }
        for &i in &undecided {
            tier = tier.max(self.rules[i].undecided_tier());
        }
        ItemOutcome {
            tier,
            classified_by,
            hits,
            undecided,
        }
    }

    /// The active exception for `rule` whose scope covers `subject`, if any.
    pub fn exception_for(
        &self,
        rule: &str,
        subject: Subject<'_>,
        today: jiff::civil::Date,
    ) -> Option<&Exception> {
        let mut eval = self.evaluator(subject);
        self.exceptions.iter().find(|e| {
            e.rule == rule && e.active(today) && e.scope.as_ref().is_none_or(|s| eval.eval(s))
        })
    }

    /// Whether a rule matches an example's action (any of its items), for examples and lint.
    pub fn rule_matches(&self, rule: &Rule, example: &Example) -> bool {
        let kind = &example.kind;
        let exists = matches!(
            kind,
            ActionKind::FileEdit { .. } | ActionKind::FileDelete { .. }
        );
        let items = action::items(
            kind,
            Facts {
                exists,
                unchanged: false,
            },
        );
        let plan = PlanFacts {
            agent: &example.agent,
            task: None,
            intent: None,
            context: &example.context,
        };
        items.iter().any(|item| {
            let subject = Subject {
                plan,
                id: "example",
                reason: None,
                kind,
                item,
                exists,
            };
            self.evaluator(subject).eval(&rule.cond)
        })
    }

    /// Run every rule example and every secret example.
    pub fn example_results(&self) -> Vec<ExampleResult> {
        let mut out = Vec::new();
        for rule in &self.rules {
            for ex in &rule.examples {
                out.push(ExampleResult {
                    rule: rule.id.clone(),
                    expect_match: ex.expect_match,
                    matched: self.rule_matches(rule, ex),
                    source: ex.source.clone(),
                });
            }
        }
        for secret in &self.secret_rules {
            for (expect, text, source) in &secret.examples {
                let matched = self
                    .scanner()
                    .scan(text)
                    .iter()
                    .any(|m| m.kind == secret.kind);
                out.push(ExampleResult {
                    rule: secret.id.clone(),
                    expect_match: *expect,
                    matched,
                    source: source.clone(),
                });
            }
        }
        out
    }
}

fn hash_files(files: &[PolicyFile]) -> String {
    let mut sorted: Vec<&PolicyFile> = files.iter().collect();
    sorted.sort_by(|a, b| {
        base_name(&a.name)
            .cmp(base_name(&b.name))
            .then(a.text.cmp(&b.text))
    });
    let mut hasher = Sha256::new();
    for f in sorted {
        hasher.update(base_name(&f.name).as_bytes());
        hasher.update([0]);
        hasher.update(f.text.as_bytes());
        hasher.update([0]);
    }
    format!("sha256:{}", hex::encode(hasher.finalize()))
}

fn base_name(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

/// The policy files of one folder.
pub fn read_dir(dir: &Path) -> Result<Vec<PolicyFile>, Error> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Error::io(format!("policy folder {}", dir.display()), e))?;
    let mut paths = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir.display(), e))?;
        let path = entry.path();
        let is_yaml = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
        if is_yaml && path.is_file() {
            paths.push(path);
        }
    }
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let name = path.display().to_string();
            let meta = std::fs::metadata(&path).map_err(|e| Error::io(&name, e))?;
            if meta.len() > MAX_POLICY_FILE_BYTES {
                return Err(Error::Policy(vec![Diagnostic::new(
                    name,
                    format!(
                        "policy file is {} bytes; the limit is {MAX_POLICY_FILE_BYTES}",
                        meta.len()
                    ),
                )]));
            }
            let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&name, e))?;
            Ok(PolicyFile { name, text })
        })
        .collect()
}
