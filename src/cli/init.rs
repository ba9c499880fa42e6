//! `agentgate init [--dir DIR] [--minimal] [--force]`: a commented starter `.agentgate/` folder.
//! A policy folder replaces the embedded pack, so the pack is copied in beside the starter rule:
//! an init never leaves a project with fewer protections than it had.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::config::{DIR_NAME, FILE_NAME};
use crate::error::{Error, ExitCode};
use crate::policy::embedded;

/// The starter config: every field, commented out with its default.
pub const CONFIG: &str = include_str!("init/config.yaml");
/// The starter policy: one rule with examples, a surface, an exception commented out.
pub const LOCAL_POLICY: &str = include_str!("init/local.yaml");
/// What stays out of version control.
pub const GITIGNORE: &str = include_str!("init/gitignore");

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The folder to write .agentgate in (created if needed).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
    /// Write config.yaml and .gitignore only, no policies/ folder: the pack built into agentgate
    /// stays in force (and is updated with agentgate).
    #[arg(long)]
    pub minimal: bool,
    /// Overwrite files that exist (nothing else in the folder is touched).
    #[arg(long)]
    pub force: bool,
}

/// The files init writes, by path inside `.agentgate`.
pub fn files(minimal: bool) -> Vec<(String, &'static str)> {
    let mut files = vec![
        (FILE_NAME.to_string(), CONFIG),
        (".gitignore".to_string(), GITIGNORE),
    ];
    if !minimal {
        files.push(("policies/local.yaml".into(), LOCAL_POLICY));
        // The embedded names are the repository's `policies/...` paths, the same under .agentgate.
        for (name, text) in embedded::POLICY_FILES.iter().chain(embedded::TEST_FILES) {
            files.push(((*name).to_string(), *text));
        }
    }
    files
}

pub fn run(args: InitArgs) -> Result<ExitCode, Error> {
    let home = if args.dir == Path::new(".") {
        PathBuf::from(DIR_NAME)
    } else {
        args.dir.join(DIR_NAME)
    };
    let files = files(args.minimal);
    let existing: Vec<&str> = files
        .iter()
        .filter(|(rel, _)| home.join(rel).symlink_metadata().is_ok())
        .map(|(rel, _)| rel.as_str())
        .collect();
    if !existing.is_empty() && !args.force {
        let more = match existing.len() {
            n if n > 3 => format!(" and {} more", n - 3),
            _ => String::new(),
        };
        return Err(Error::Usage(format!(
            "{} already holds {}{more}; nothing was written (--force overwrites them)",
            home.display(),
            existing[..existing.len().min(3)].join(", ")
        )));
    }
    for (rel, text) in &files {
        write_new(&home.join(rel), text, args.force)?;
    }
    println!("Wrote {}:", home.display());
    println!("  {FILE_NAME:<20} the settings, each commented out with its default");
    println!(
        "  {:<20} keeps the audit trail and the sealing key out of git",
        ".gitignore"
    );
    if args.minimal {
        println!(
            "No policies/ folder: the pack built into agentgate applies. Add one to write your \
             own rules (it replaces the built-in pack: start from `agentgate init` without --minimal)."
        );
    } else {
        println!("  {:<20} a starter rule of your own", "policies/local.yaml");
        println!(
            "  {:<20} the shipped pack, copied: a policy folder replaces the built-in pack",
            "policies/*.yaml"
        );
        println!("  {:<20} the pack's case files", "policies/tests/");
        let policies = home.join("policies");
        println!(
            "Check them: agentgate policy test {0} && agentgate policy lint {0}",
            policies.display()
        );
    }
    Ok(ExitCode::Allowed)
}

/// Write `text` to `path`, creating its folder; an existing file is an error unless `force`,
/// which replaces it (a symlink itself, never what it points to).
fn write_new(path: &Path, text: &str, force: bool) -> Result<(), Error> {
    let shown = path.display().to_string();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir.display(), e))?;
    }
    if force && path.symlink_metadata().is_ok() {
        std::fs::remove_file(path).map_err(|e| Error::io(&shown, e))?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => Error::Usage(format!(
                "{shown} appeared while init was writing; --force overwrites it"
            )),
            _ => Error::io(&shown, e),
        })?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| Error::io(&shown, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    /// The starter config with every `# field: value` line uncommented.
    fn uncommented() -> String {
        CONFIG
            .lines()
            .map(|line| match line.strip_prefix("# ") {
                Some(rest)
                    if rest.split_once(": ").is_some_and(|(k, _)| {
                        k.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                    }) =>
                {
                    rest
                }
                _ => line,
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn the_starter_config_loads_as_written_and_uncommented() {
        let c = Config::parse(CONFIG, "config.yaml").unwrap();
        assert!(c.policy.is_none() && c.db.is_none() && c.color.is_none());
        let c = Config::parse(&uncommented(), "config.yaml").unwrap();
        assert!(c.policy.is_some() && c.db.is_some() && c.color.is_some());
    }

    #[test]
    fn the_starter_config_documents_every_field() {
        // serde lists the fields it knows when it meets one it does not.
        let e = Config::parse("version: 1\nno_such_field: 1\n", "c.yaml")
            .unwrap_err()
            .to_string();
        let known = e
            .split("expected one of ")
            .nth(1)
            .unwrap_or_else(|| panic!("{e}"));
        let fields: Vec<&str> = known
            .split(", ")
            .map(|f| f.trim_matches('`'))
            .filter(|f| *f != "version")
            .collect();
        assert!(!fields.is_empty(), "{e}");
        for field in fields {
            assert!(
                CONFIG.contains(&format!("\n# {field}: ")),
                "src/cli/init/config.yaml does not document `{field}`"
            );
        }
    }

    #[test]
    fn the_starter_policy_loads_with_the_pack() {
        let files = files(false)
            .into_iter()
            .filter(|(rel, _)| !rel.starts_with("policies/tests/") && rel.starts_with("policies/"))
            .map(|(name, text)| crate::policy::PolicyFile {
                name,
                text: text.into(),
            })
            .collect();
        let set = crate::policy::PolicySet::from_files(files, "init".into()).unwrap();
        assert!(set.rules.iter().any(|r| r.id == "local-ledger-writes"));
    }
}
