//! Sealed plans (SPEC section 7): what `plan -o FILE` writes so that `apply FILE` executes exactly
//! what was reviewed, and the checks `apply` runs before it trusts one.
//!
//! A sealed plan holds the plan's text as the agent wrote it, its hash, the policy set's hash, the
//! evaluation a person reviewed (a digest of every action's tier, decision, rules and diff), a
//! fingerprint of every target it will touch, and an HMAC-SHA256 over all of it with a local key.
//!
//! - **Tampered**: the MAC does not verify with the local key (or the file does not parse).
//! - **Policy changed**: the policy set's hash differs.
//! - **Stale**: a target's fingerprint differs (a file's bytes or mode, a database's schema), or
//!   re-evaluating the plan now gives a different evaluation (rows a `WHERE` hits, a diff).
//! - **Replayed**: the audit trail already holds an `apply` of this seal (checked by `apply`
//!   inside the transaction that claims it, see `crate::cli::apply`).
//!
//! The key is 32 random bytes in `seal.key` beside the audit database, created on first use with
//! mode 0600, refused when anyone but the owner can read or write it. It proves a sealed plan was
//! written by someone who can read that key, on this machine: an agent running as the same user
//! can read it too, so the seal guards against edits in transit and by other users, not against
//! a process that holds the user's own rights (see the README).

use std::fs::{self, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::decision::Decision;
use crate::error::Error;
use crate::evaluate::Evaluation;
use crate::plan::ActionKind;
use crate::workspace::Workspace;

/// The `agentgate` field of every sealed plan: how `apply` tells one from a plain plan.
pub const FORMAT: &str = "sealed-plan";
/// The only version this build reads.
pub const VERSION: u32 = 1;
/// The key's file name, beside the audit database.
pub const KEY_FILE: &str = "seal.key";
/// Largest sealed plan read: a plan at its limit, quoted, plus the evaluation.
pub const MAX_SEALED_BYTES: u64 = 64 * 1024 * 1024;

type HmacSha256 = Hmac<Sha256>;

/// The local sealing key.
pub struct Key {
    bytes: [u8; 32],
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Key").field("id", &self.id()).finish()
    }
}

impl Key {
    /// Where the key of the trail at `db` lives.
    pub fn path_for(db: &Path) -> PathBuf {
        db.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .join(KEY_FILE)
    }

    /// The key at `path`, created (32 bytes from the OS, mode 0600) when there is none yet.
    pub fn load_or_create(path: &Path) -> Result<Key, Error> {
        match fs::symlink_metadata(path) {
            Ok(_) => Key::load(path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Key::create(path),
            Err(e) => Err(Error::io(path.display(), e)),
        }
    }

    fn create(path: &Path) -> Result<Key, Error> {
        let mut bytes = [0u8; 32];
        fs::File::open("/dev/urandom")
            .and_then(|mut f| f.read_exact(&mut bytes))
            .map_err(|e| Error::io("/dev/urandom", e))?;
        if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(dir).map_err(|e| Error::io(dir.display(), e))?;
        }
        // create_new: never overwrite a key another process made a moment ago.
        let written = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .and_then(|mut f| {
                f.write_all(hex::encode(bytes).as_bytes())?;
                f.sync_all()
            });
        match written {
            Ok(()) => Ok(Key { bytes }),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Key::load(path),
            Err(e) => Err(Error::io(path.display(), e)),
        }
    }

    /// The existing key at `path`; refused when missing, a symlink, readable or writable by
    /// others, or malformed.
    pub fn load(path: &Path) -> Result<Key, Error> {
        let shown = path.display();
        let meta = fs::symlink_metadata(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Error::Refused(format!(
                    "no sealing key at {shown}: the plan was sealed with another key (another \
                     machine or audit folder), or the key was removed; seal it again with \
                     `agentgate plan -o`"
                ))
            } else {
                Error::io(&shown, e)
            }
        })?;
        if !meta.is_file() {
            return Err(Error::Refused(format!(
                "the sealing key {shown} is not a regular file (a symlink or a directory)"
            )));
        }
        if meta.permissions().mode() & 0o077 != 0 {
            return Err(Error::Refused(format!(
                "the sealing key {shown} is accessible to other users (mode {:o}); make it \
                 owner-only with `chmod 600`",
                meta.permissions().mode() & 0o777
            )));
        }
        let mut text = String::new();
        fs::File::open(path)
            .and_then(|f| f.take(200).read_to_string(&mut text))
            .map_err(|e| Error::io(&shown, e))?;
        let bytes: [u8; 32] = hex::decode(text.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| {
                Error::Refused(format!(
                    "the sealing key {shown} is malformed (expected 64 hex digits)"
                ))
            })?;
        Ok(Key { bytes })
    }

    /// A public name for the key: the first 16 hex digits of its hash.
    pub fn id(&self) -> String {
        hex::encode(&Sha256::digest(self.bytes)[..8])
    }

    fn mac(&self, message: &[u8]) -> HmacSha256 {
        // HMAC takes a key of any length; a 32-byte one never fails.
        let mut mac = <HmacSha256 as KeyInit>::new_from_slice(&self.bytes)
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        mac.update(message);
        mac
    }
}

/// A sealed plan as written to disk (JSON). Field order is the MAC's canonical order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sealed {
    /// Always [`FORMAT`].
    pub agentgate: String,
    /// Always [`VERSION`].
    pub version: u32,
    /// sha256 of the content (everything but `id` and `mac`): the seal's name in the trail.
    pub id: String,
    /// When it was sealed (RFC 3339, UTC).
    pub created: String,
    /// The agentgate version that sealed it.
    pub sealed_by: String,
    pub agent: String,
    pub task: Option<String>,
    pub plan: SealedPlan,
    /// The workspace's absolute path: the plan's paths are relative to it.
    pub workspace: String,
    pub policy: SealedPolicy,
    pub decision: Decision,
    pub tier: u8,
    /// Digest of the evaluation a person reviewed: every action's and check's tier, decision,
    /// findings and diff.
    pub evaluation: String,
    pub actions: Vec<SealedAction>,
    pub fingerprints: Vec<Fingerprint>,
    /// The audit record of the `plan -o` run that sealed it.
    pub record: Option<i64>,
    /// The id of the key that made the MAC.
    pub key: String,
    /// HMAC-SHA256 (hex) over everything above, with `mac` empty.
    pub mac: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealedPlan {
    /// The plan file as given to `plan`.
    pub file: String,
    pub hash: String,
    /// The plan exactly as the agent wrote it: `apply` parses this text, nothing else.
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealedPolicy {
    pub hash: String,
    pub source: String,
}

/// An action as reviewed, for people reading the file and for `approve`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealedAction {
    pub id: String,
    pub tool: String,
    pub target: String,
    pub tier: u8,
    pub decision: Decision,
    pub rules: Vec<String>,
}

/// The state of one target when the plan was sealed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fingerprint {
    /// `file` or `sqlite`.
    pub kind: String,
    /// Workspace-relative path.
    pub target: String,
    /// See [`crate::execute::file::fingerprint`] and [`sqlite_fingerprint`].
    pub state: String,
}

impl Sealed {
    /// Seal an evaluation: the plan's `text` as read, the fingerprints of its targets now, the
    /// MAC with `key`.
    pub fn seal(
        eval: &Evaluation<'_>,
        text: &str,
        workspace: &Workspace,
        key: &Key,
        created: jiff::Timestamp,
    ) -> Sealed {
        let plan = eval.plan;
        let mut sealed = Sealed {
            agentgate: FORMAT.into(),
            version: VERSION,
            id: String::new(),
            created: created.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
            sealed_by: env!("CARGO_PKG_VERSION").into(),
            agent: plan.agent.clone(),
            task: plan.task.clone(),
            plan: SealedPlan {
                file: plan.origin.clone(),
                hash: plan.hash().to_string(),
                text: text.to_string(),
            },
            workspace: workspace.root().display().to_string(),
            policy: SealedPolicy {
                hash: eval.policy.hash.clone(),
                source: eval.policy.origin.clone(),
            },
            decision: eval.decision,
            tier: eval.tier.value(),
            evaluation: evaluation_digest(eval),
            actions: eval
                .actions
                .iter()
                .map(|a| SealedAction {
                    id: a.id.clone(),
                    tool: a.tool.clone(),
                    target: a.target.clone(),
                    tier: a.tier.value(),
                    decision: a.decision,
                    rules: a.findings.iter().map(|f| f.rule.clone()).collect(),
                })
                .collect(),
            fingerprints: fingerprints(eval, workspace),
            record: eval.record,
            key: key.id(),
            mac: String::new(),
        };
        sealed.id = sealed.content_id();
        sealed.mac = hex::encode(key.mac(&sealed.canonical(true)).finalize().into_bytes());
        sealed
    }

    /// Compact JSON with `mac` empty, and `id` too unless `with_id`: what the MAC (with the id)
    /// and the id (without) cover.
    fn canonical(&self, with_id: bool) -> Vec<u8> {
        let mut copy = self.clone();
        copy.mac.clear();
        if !with_id {
            copy.id.clear();
        }
        serde_json::to_vec(&copy).unwrap_or_default()
    }

    /// sha256 of the content: the seal's id.
    fn content_id(&self) -> String {
        hex::encode(Sha256::digest(self.canonical(false)))
    }

    /// The file's text: pretty JSON, newline-terminated.
    pub fn to_text(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Whether `text` claims to be a sealed plan (then it must verify, or it was tampered with).
    pub fn claims(text: &str) -> bool {
        // Padding in front must not push the marker out of sight (a tampered seal read as a plan).
        let text = text.trim_start();
        let head = &text[..crate::secrets::char_floor(text, 4096)];
        head.starts_with('{') && head.contains(&format!("\"{FORMAT}\""))
    }

    /// Parse and verify a sealed plan's `text` (read from `file`) with `key`.
    pub fn open(text: &str, file: &str, key: &Key) -> Result<Sealed, Error> {
        let tampered = |why: String| {
            Error::Refused(format!(
                "{file}: the sealed plan was tampered with or damaged ({why}); nothing was \
                 executed. Seal the plan again with `agentgate plan -o`"
            ))
        };
        let sealed: Sealed = serde_json::from_str(text).map_err(|e| tampered(e.to_string()))?;
        if sealed.agentgate != FORMAT {
            return Err(tampered(format!("`agentgate` is not `{FORMAT}`")));
        }
        if sealed.version != VERSION {
            return Err(Error::Refused(format!(
                "{file}: sealed plan version {} is not supported by this agentgate (it reads \
                 version {VERSION})",
                sealed.version
            )));
        }
        if sealed.key != key.id() {
            return Err(Error::Refused(format!(
                "{file}: the plan was sealed with key {} but the local key is {}: sealed on \
                 another machine or with another audit folder",
                sealed.key,
                key.id()
            )));
        }
        let expected = hex::decode(&sealed.mac).map_err(|_| tampered("bad MAC".into()))?;
        key.mac(&sealed.canonical(true))
            .verify_slice(&expected)
            .map_err(|_| tampered("its MAC does not match its content".into()))?;
        if sealed.content_id() != sealed.id {
            return Err(tampered("its id does not match its content".into()));
        }
        Ok(sealed)
    }

    /// A short form of the id for people: 12 hex digits.
    pub fn short_id(&self) -> &str {
        &self.id[..self.id.len().min(12)]
    }

    /// Why `eval` (the plan re-read and re-evaluated now, in `workspace`) is not what was sealed:
    /// `None` when it is.
    pub fn staleness(&self, eval: &Evaluation<'_>, workspace: &Workspace) -> Option<String> {
        if eval.policy.hash != self.policy.hash {
            return Some(format!(
                "the policy set changed since the plan was sealed (sealed with {} from {}, now {} \
                 from {})",
                short(&self.policy.hash),
                self.policy.source,
                short(&eval.policy.hash),
                eval.policy.origin
            ));
        }
        if eval.plan.hash() != self.plan.hash {
            return Some("the plan's hash does not match the sealed one".into());
        }
        let now = fingerprints(eval, workspace);
        for sealed in &self.fingerprints {
            let current = now
                .iter()
                .find(|f| f.kind == sealed.kind && f.target == sealed.target);
            if current.map(|c| &c.state) != Some(&sealed.state) {
                return Some(format!(
                    "`{}` changed since the plan was sealed (was {}, now {})",
                    sealed.target,
                    describe(&sealed.state),
                    current.map_or("not a target".into(), |c| describe(&c.state))
                ));
            }
        }
        if now.len() != self.fingerprints.len() {
            return Some("the plan's targets differ from the sealed ones".into());
        }
        if evaluation_digest(eval) != self.evaluation {
            let changed = eval
                .actions
                .iter()
                .zip(&self.actions)
                .find(|(a, s)| a.tier.value() != s.tier || a.decision != s.decision)
                .map(|(a, _)| {
                    format!(
                        " (action `{}` is now tier {}, {})",
                        a.id, a.tier, a.decision
                    )
                })
                .unwrap_or_default();
            return Some(format!(
                "evaluating the plan now gives a different result than the one reviewed{changed}: \
                 what it would do, or the rows it would touch, changed"
            ));
        }
        None
    }
}

fn short(hash: &str) -> &str {
    &hash[..hash.len().min(12)]
}

fn describe(state: &str) -> String {
    match state.strip_prefix("sha256:") {
        Some(rest) => format!("content {}…{}", &rest[..rest.len().min(12)], {
            rest.split_once(' ')
                .map_or(String::new(), |(_, m)| format!(" {m}"))
        }),
        None => state.to_string(),
    }
}

/// Digest of what a person reviewed: per action and check, its identity, tier, decision, the
/// rules that fired and the diff lines.
pub fn evaluation_digest(eval: &Evaluation<'_>) -> String {
    let scanner = eval.policy.scanner();
    let redact = |s: &str| scanner.redact(s).into_owned();
    let mut hasher = Sha256::new();
    let mut put = |s: &str| {
        hasher.update((s.len() as u64).to_le_bytes());
        hasher.update(s.as_bytes());
    };
    put(eval.decision.as_str());
    for a in eval.all() {
        put(&a.id);
        put(&a.tool);
        put(&a.target);
        put(&a.tier.to_string());
        put(a.decision.as_str());
        for f in &a.findings {
            put(&f.rule);
            put(f.level.as_str());
        }
        for line in crate::diff::action_lines(a, &redact) {
            put(&line.text);
        }
    }
    hex::encode(hasher.finalize())
}

/// The fingerprints of every target the plan changes: each file's first state, each database's
/// schema.
pub fn fingerprints(eval: &Evaluation<'_>, workspace: &Workspace) -> Vec<Fingerprint> {
    let mut out: Vec<Fingerprint> = Vec::new();
    for action in &eval.plan.actions {
        let (kind, path) = match &action.kind {
            ActionKind::FileWrite { path, .. }
            | ActionKind::FileEdit { path, .. }
            | ActionKind::FileDelete { path } => ("file", path),
            ActionKind::Sql(sql) => ("sqlite", &sql.database),
            _ => continue,
        };
        if out
            .iter()
            .any(|f| f.kind == kind && f.target == path.relative)
        {
            continue;
        }
        let state = if kind == "file" {
            crate::execute::file::fingerprint(workspace, &path.relative)
        } else {
            sqlite_fingerprint(&path.absolute)
        };
        out.push(Fingerprint {
            kind: kind.into(),
            target: path.relative.clone(),
            state,
        });
    }
    out
}

/// A database's schema, hashed: `absent`, `schema:<sha256>`, or `unreadable`. Row changes do not
/// make a plan stale by themselves; the rows its statements hit are part of the evaluation.
pub fn sqlite_fingerprint(database: &Path) -> String {
    if !database.exists() {
        return "absent".into();
    }
    let Some(conn) = crate::action::rows::open(database) else {
        return "unreadable".into();
    };
    let schema: Result<Vec<String>, _> = conn
        .prepare("SELECT type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_schema ORDER BY type, name")
        .and_then(|mut s| s.query_map([], |r| r.get::<_, String>(0))?.collect());
    match schema {
        Ok(rows) => format!("schema:{}", hex::encode(Sha256::digest(rows.join("\n")))),
        Err(_) => "unreadable".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluate::evaluate;
    use crate::plan::Plan;
    use crate::policy::PolicySet;

    fn date() -> jiff::civil::Date {
        jiff::civil::date(2026, 11, 21)
    }

    fn setup(text: &str) -> (tempfile::TempDir, Workspace, Plan, PolicySet, Key) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), "one\n").unwrap();
        let ws = Workspace::open(dir.path()).unwrap();
        let plan = Plan::parse(text, "plan.yaml", &|p| ws.resolve(p)).unwrap();
        let policy = PolicySet::embedded().unwrap();
        let key = Key::load_or_create(&dir.path().join(".agentgate/seal.key")).unwrap();
        (dir, ws, plan, policy, key)
    }

    const PLAN: &str = "version: 1\nagent: bot\nactions:\n  - id: w\n    tool: file.write\n    path: a.txt\n    content: \"two\\n\"\n";

    #[test]
    fn a_sealed_plan_round_trips_and_any_edit_is_detected() {
        let (_dir, ws, plan, policy, key) = setup(PLAN);
        let eval = evaluate(&plan, &policy, &ws, date()).unwrap();
        let sealed = Sealed::seal(&eval, PLAN, &ws, &key, jiff::Timestamp::UNIX_EPOCH);
        let text = sealed.to_text();
        assert!(Sealed::claims(&text));
        assert!(!Sealed::claims(PLAN));
        // Padding must not hide the marker: a padded seal is still a seal, and still checked.
        let padded = format!("{}{text}", " ".repeat(5000));
        assert!(Sealed::claims(&padded));
        assert!(Sealed::open(&padded, "s.json", &key).is_ok());
        // A multi-byte character across the sniffed prefix is no reason to panic.
        assert!(!Sealed::claims(&format!(
            "{}é{}",
            "a".repeat(4095),
            "b".repeat(10)
        )));
        let opened = Sealed::open(&text, "s.json", &key).unwrap();
        assert_eq!(opened, sealed);
        assert_eq!(opened.staleness(&eval, &ws), None);
        for (from, to) in [
            ("two\\\\n", "TWO\\\\n"),
            ("\"tier\": 2", "\"tier\": 0"),
            ("\"agent\": \"bot\"", "\"agent\": \"other\""),
        ] {
            let edited = text.replacen(from, to, 1);
            assert_ne!(edited, text, "{from}");
            let err = Sealed::open(&edited, "s.json", &key).unwrap_err();
            assert_eq!(err.exit_code(), crate::error::ExitCode::Denied, "{err}");
            assert!(err.to_string().contains("tampered"), "{err}");
        }
        let other = Key::load_or_create(&_dir.path().join("other/seal.key")).unwrap();
        let err = Sealed::open(&text, "s.json", &other).unwrap_err();
        assert!(err.to_string().contains("another machine"), "{err}");
    }

    #[test]
    fn a_changed_target_makes_the_plan_stale() {
        let (dir, ws, plan, policy, key) = setup(PLAN);
        let eval = evaluate(&plan, &policy, &ws, date()).unwrap();
        let sealed = Sealed::seal(&eval, PLAN, &ws, &key, jiff::Timestamp::UNIX_EPOCH);
        std::fs::write(dir.path().join("a.txt"), "one!\n").unwrap();
        let eval = evaluate(&plan, &policy, &ws, date()).unwrap();
        let why = sealed.staleness(&eval, &ws).unwrap();
        assert!(why.contains("`a.txt` changed"), "{why}");
        std::fs::write(dir.path().join("a.txt"), "one\n").unwrap();
        let mut perms = std::fs::metadata(dir.path().join("a.txt"))
            .unwrap()
            .permissions();
        perms.set_mode(0o600);
        std::fs::set_permissions(dir.path().join("a.txt"), perms).unwrap();
        let why = sealed.staleness(&eval, &ws).unwrap();
        assert!(why.contains("mode:600"), "{why}");
    }

    #[test]
    fn the_key_is_owner_only_and_refused_otherwise() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k/seal.key");
        let key = Key::load_or_create(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(Key::load(&path).unwrap().id(), key.id());
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = Key::load(&path).unwrap_err().to_string();
        assert!(err.contains("other users"), "{err}");
        let err = Key::load(&dir.path().join("none")).unwrap_err().to_string();
        assert!(err.contains("no sealing key"), "{err}");
        let link = dir.path().join("link.key");
        std::os::unix::fs::symlink(&path, &link).unwrap();
        assert!(Key::load(&link).is_err());
    }
}
