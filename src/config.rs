//! The project folder `.agentgate/` and its `config.yaml`: found from the current folder upwards
//! as git finds `.git`, and read strictly. Owns discovery and the file's schema; the precedence
//! of flags and environment variables over the file belongs to the command line.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_saphyr::Spanned;

use crate::error::{Diagnostic, Error};

/// The project folder's name: it holds the policies, the audit trail, the sealing key and the config.
pub const DIR_NAME: &str = ".agentgate";
/// The config file's name inside [`DIR_NAME`].
pub const FILE_NAME: &str = "config.yaml";
/// The policy folder's name inside [`DIR_NAME`].
pub const POLICY_DIR_NAME: &str = "policies";
/// The audit database's name inside [`DIR_NAME`].
pub const DB_NAME: &str = "audit.db";
/// Folders discovery does not climb into (like `GIT_CEILING_DIRECTORIES`), separated like PATH.
pub const CEILING_VAR: &str = "AGENTGATE_CEILING_DIRECTORIES";

/// A config file larger than this is refused.
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// When to use colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// `config.yaml` as written. Every setting is optional (absent: the next source down decides), so
/// a new setting is one more `Option` field here. Paths stay as written until
/// [`ProjectPath::under`] puts them under the project root.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    version: Spanned<u64>,
    /// Policy folders, in place of `.agentgate/policies` or the embedded pack.
    #[serde(default, deserialize_with = "non_empty")]
    pub policy: Option<Vec<ProjectPath>>,
    /// The audit database (the sealing key lives beside it).
    #[serde(default)]
    pub db: Option<ProjectPath>,
    /// When to use colours.
    #[serde(default)]
    pub color: Option<ColorChoice>,
}

impl Config {
    /// Read and check the config file at `path`.
    pub fn load(path: &Path) -> Result<Config, Error> {
        let shown = path.display().to_string();
        let meta = std::fs::metadata(path).map_err(|e| Error::io(&shown, e))?;
        if !meta.is_file() {
            return Err(Error::Input(Diagnostic::new(
                shown,
                "the config is not a regular file",
            )));
        }
        if meta.len() > MAX_CONFIG_BYTES {
            return Err(Error::Input(Diagnostic::new(
                shown,
                format!("the config is larger than the limit of {MAX_CONFIG_BYTES} bytes"),
            )));
        }
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(&shown, e))?;
        Self::parse(&text, &shown)
    }

    /// Parse a config's `text` (named `origin` in messages): unknown fields, a missing or
    /// unsupported version and empty paths are errors with their line and column.
    pub fn parse(text: &str, origin: &str) -> Result<Config, Error> {
        let config: Config = crate::yaml::from_str(text, origin).map_err(Error::Input)?;
        if config.version.value != 1 {
            return Err(Error::Input(
                Diagnostic::new(
                    origin,
                    format!(
                        "unsupported config version {}; this agentgate reads version 1",
                        config.version.value
                    ),
                )
                .at(
                    config.version.referenced.line(),
                    config.version.referenced.column(),
                ),
            ));
        }
        Ok(config)
    }
}

/// A path written in the config: a relative one is relative to the project root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectPath(PathBuf);

impl ProjectPath {
    /// The path, put under `root` when it is relative.
    pub fn under(&self, root: &Path) -> PathBuf {
        root.join(&self.0)
    }
}

impl<'de> Deserialize<'de> for ProjectPath {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        if text.trim().is_empty() {
            return Err(D::Error::custom("a path must not be empty"));
        }
        Ok(Self(PathBuf::from(text)))
    }
}

/// A list that must hold something: an empty policy list would run with no policy at all.
fn non_empty<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<Vec<T>>, D::Error> {
    let list = Vec::<T>::deserialize(deserializer)?;
    if list.is_empty() {
        return Err(D::Error::custom(
            "the list must name at least one folder (leave the field out for the default)",
        ));
    }
    Ok(Some(list))
}

/// The `.agentgate` folder for a command run in `start`: the first one in `start` or a folder
/// above it, never climbing into one of `ceilings` (which are searched only when `start` is one).
/// A folder owned by another user (root excepted) is refused, not skipped: it could hold a policy
/// that lets everything through, and silently passing over it would hide that it is there.
pub fn discover(start: &Path, ceilings: &[PathBuf]) -> Result<Option<PathBuf>, Error> {
    let ceilings: Vec<PathBuf> = ceilings
        .iter()
        .map(|c| c.canonicalize().unwrap_or_else(|_| c.clone()))
        .collect();
    for (i, dir) in start.ancestors().enumerate() {
        if i > 0 && ceilings.iter().any(|c| c == dir) {
            break;
        }
        let candidate = dir.join(DIR_NAME);
        if candidate.is_dir() {
            check_owner(&candidate)?;
            return Ok(Some(candidate));
        }
    }
    Ok(None)
}

/// The ceiling folders from the value of [`CEILING_VAR`]: absolute paths split like PATH; empty
/// and relative entries are ignored, as git does.
pub fn ceilings(value: Option<OsString>) -> Vec<PathBuf> {
    value
        .filter(|v| !v.is_empty())
        .map(|v| {
            std::env::split_paths(&v)
                .filter(|p| p.is_absolute())
                .collect()
        })
        .unwrap_or_default()
}

/// Whether a folder owned by `owner` may configure a command run by `me`.
pub fn trusted_owner(owner: u32, me: u32) -> bool {
    owner == me || owner == 0
}

#[cfg(unix)]
fn check_owner(dir: &Path) -> Result<(), Error> {
    use std::os::unix::fs::MetadataExt;
    let me = rustix::process::geteuid().as_raw();
    // The entry itself (a symlink someone planted) and what it leads to.
    for meta in [std::fs::symlink_metadata(dir), std::fs::metadata(dir)] {
        let owner = meta.map_err(|e| Error::io(dir.display(), e))?.uid();
        if !trusted_owner(owner, me) {
            return Err(Error::Usage(format!(
                "{} belongs to another user (uid {owner}; you are uid {me}): agentgate takes no \
                 policy or configuration from it. Remove it, stop the search below it with \
                 {CEILING_VAR}, or name a config file with --config",
                dir.display()
            )));
        }
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_owner(_dir: &Path) -> Result<(), Error> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(text: &str) -> String {
        Config::parse(text, "config.yaml").unwrap_err().to_string()
    }

    #[test]
    fn reads_every_field() {
        let c = Config::parse(
            "version: 1\npolicy: [policies, /etc/agentgate/policies]\ndb: trail/audit.db\ncolor: never\n",
            "config.yaml",
        )
        .unwrap();
        let root = Path::new("/project");
        let dirs: Vec<PathBuf> = c.policy.unwrap().iter().map(|p| p.under(root)).collect();
        assert_eq!(
            dirs,
            [
                PathBuf::from("/project/policies"),
                PathBuf::from("/etc/agentgate/policies")
            ]
        );
        assert_eq!(
            c.db.unwrap().under(root),
            PathBuf::from("/project/trail/audit.db")
        );
        assert_eq!(c.color, Some(ColorChoice::Never));
        let c = Config::parse("version: 1\n", "config.yaml").unwrap();
        assert!(c.policy.is_none() && c.db.is_none() && c.color.is_none());
    }

    #[test]
    fn refuses_what_it_does_not_know_with_positions() {
        assert!(
            message("version: 1\ncolour: never\n").starts_with("config.yaml:2:1: unknown field")
        );
        assert!(message("version: 2\n").contains("config.yaml:1:10: unsupported config version 2"));
        assert!(message("db: x\n").contains("missing field `version`"));
        assert!(message("version: 1\ncolor: sometimes\n").contains("config.yaml:2:"));
        assert!(message("version: 1\npolicy: []\n").contains("at least one folder"));
        assert!(message("version: 1\npolicy: policies\n").contains("config.yaml:2:"));
        assert!(message("version: 1\ndb: ''\n").contains("must not be empty"));
        assert!(message("version: 1\ndb: [\n").contains("config.yaml:"));
        assert!(message("version: 1\nversion: 1\n").contains("duplicate"));
    }

    #[test]
    fn discovery_climbs_to_the_first_agentgate_folder_and_stops_at_ceilings() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        let deep = root.join("project/src/deep");
        std::fs::create_dir_all(&deep).unwrap();
        let none = discover(&deep, std::slice::from_ref(&root)).unwrap();
        assert_eq!(none, None);
        std::fs::create_dir_all(root.join("project/.agentgate")).unwrap();
        let found = discover(&deep, std::slice::from_ref(&root)).unwrap();
        assert_eq!(found, Some(root.join("project/.agentgate")));
        // A ceiling is not climbed into; the start folder itself is searched.
        let ceiling = [root.join("project")];
        assert_eq!(discover(&deep, &ceiling).unwrap(), None);
        assert_eq!(
            discover(&root.join("project"), &ceiling).unwrap(),
            Some(root.join("project/.agentgate"))
        );
        // The nearest one wins.
        std::fs::create_dir_all(root.join("project/src/.agentgate")).unwrap();
        assert_eq!(
            discover(&deep, &[]).unwrap(),
            Some(root.join("project/src/.agentgate"))
        );
        // A file of that name is not a project folder.
        std::fs::write(deep.join(".agentgate"), "").unwrap();
        assert_eq!(
            discover(&deep, &[]).unwrap(),
            Some(root.join("project/src/.agentgate"))
        );
    }

    #[test]
    fn ceilings_are_absolute_paths_split_like_path() {
        let joined = std::env::join_paths(["/a", "", "rel", "/b/c"]).unwrap();
        assert_eq!(
            ceilings(Some(joined)),
            [PathBuf::from("/a"), PathBuf::from("/b/c")]
        );
        assert!(ceilings(Some(OsString::new())).is_empty());
        assert!(ceilings(None).is_empty());
    }

    #[test]
    fn only_the_user_and_root_are_trusted() {
        assert!(trusted_owner(1000, 1000));
        assert!(trusted_owner(0, 1000));
        assert!(!trusted_owner(1001, 1000));
        assert!(!trusted_owner(1000, 0));
    }
}
