//! The reporting options `plan` and `check` share: `--format`, `--output`, `--fail-on`,
//! `--max-tier`; and writing report files atomically. What the formats say is `render`'s.

use std::path::{Path, PathBuf};

use clap::ValueEnum;

use crate::decision::{Decision, Tier};
use crate::error::Error;
use crate::pipeline::Pipeline;

/// What `plan` and `check` print (and write with `--output`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// For people: diffs, a summary table, findings, the decision.
    Text,
    /// The JSON document of SPEC section 6.
    Json,
    /// SARIF 2.1.0, for code scanning (e.g. GitHub's upload-sarif).
    Sarif,
    /// JUnit XML, for test reporters: a test suite per plan file, a test case per action.
    Junit,
    /// GitHub Actions workflow commands: annotations on the plan file, and a summary line.
    Github,
}

/// The lowest outcome that fails the step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Allow,
    Approve,
    Deny,
}

impl FailOn {
    fn decision(self) -> Decision {
        match self {
            FailOn::Allow => Decision::Allow,
            FailOn::Approve => Decision::Approve,
            FailOn::Deny => Decision::Deny,
        }
    }
}

/// One `--output`: a file, and the format written there when it is not `--format`'s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputSpec {
    pub format: Option<ReportFormat>,
    pub path: PathBuf,
}

/// `FILE` or `FORMAT=FILE`. A value whose part before `=` is not a format name is a file name.
fn parse_output(value: &str) -> Result<OutputSpec, String> {
    if let Some((name, file)) = value.split_once('=')
        && let Ok(format) = ReportFormat::from_str(name, false)
    {
        if file.is_empty() {
            return Err(format!("no file after `{name}=`"));
        }
        return Ok(OutputSpec {
            format: Some(format),
            path: PathBuf::from(file),
        });
    }
    if value.is_empty() {
        return Err("an empty file name".into());
    }
    Ok(OutputSpec {
        format: None,
        path: PathBuf::from(value),
    })
}

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Output format on standard output.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Also write a report to a file (repeatable). FORMAT=FILE (text, json, sarif, junit,
    /// github) writes that format there and leaves standard output as it is. A bare FILE gets
    /// the --format document, and standard output then shows the text review instead (so the
    /// job log reads as a review while, say, SARIF goes to the file). Files are replaced
    /// atomically; one that cannot be written fails the command (exit 1).
    #[arg(long = "output", value_name = "[FORMAT=]FILE", value_parser = parse_output)]
    pub output: Vec<OutputSpec>,
    /// The lowest outcome that fails the step. At or above it the exit code is SPEC's (2
    /// approval required, 3 denied); below it, 0. approve (the default): allowed plans pass;
    /// deny: plans that need approval pass too, only denials fail; allow: everything fails, an
    /// allowed plan exits 2 (a person must look at everything). Errors always exit 1. The audit
    /// trail records the gate's decision whatever this says.
    #[arg(long, value_enum, value_name = "OUTCOME", default_value_t = FailOn::Approve, env = "AGENTGATE_FAIL_ON")]
    pub fail_on: FailOn,
    /// The highest plan tier (0-4) this step accepts: a plan whose tier is above N exits 3
    /// (denied by the pipeline's cap) whatever --fail-on says, and the report says so.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(0..=4), env = "AGENTGATE_MAX_TIER")]
    pub max_tier: Option<u8>,
}

impl ReportArgs {
    pub fn pipeline(&self) -> Pipeline {
        Pipeline {
            fail_on: self.fail_on.decision(),
            max_tier: self.max_tier.map(Tier::saturating),
        }
    }

    /// What standard output shows: `--format`, or text when a bare `--output FILE` takes the
    /// `--format` document.
    pub fn stdout_format(&self) -> ReportFormat {
        if self.output.iter().any(|o| o.format.is_none()) {
            ReportFormat::Text
        } else {
            self.format
        }
    }

    /// Every output file with the format it gets.
    pub fn files(&self) -> Vec<(ReportFormat, &Path)> {
        self.output
            .iter()
            .map(|o| (o.format.unwrap_or(self.format), o.path.as_path()))
            .collect()
    }

    /// Refuse bad output files before anything is evaluated or recorded: a directory, a folder
    /// that does not exist, two outputs on one file, an output on an input (or on `also`, the
    /// sealed plan of `plan -o`).
    pub fn check_outputs(&self, inputs: &[String], also: Option<&Path>) -> Result<(), Error> {
        let same = |a: &Path, b: &Path| {
            a == b
                || matches!(
                    (std::fs::canonicalize(a), std::fs::canonicalize(b)),
                    (Ok(x), Ok(y)) if x == y
                )
        };
        for (i, o) in self.output.iter().enumerate() {
            let path = &o.path;
            let shown = path.display();
            if path.is_dir() {
                return Err(Error::Usage(format!(
                    "--output {shown} is a directory, not a file"
                )));
            }
            let dir = parent(path);
            if !dir.is_dir() {
                return Err(Error::Usage(format!(
                    "--output {shown}: the folder {} does not exist",
                    dir.display()
                )));
            }
            if self.output[..i].iter().any(|p| same(&p.path, path)) {
                return Err(Error::Usage(format!(
                    "--output {shown} is given twice: each report needs a file of its own"
                )));
            }
            let input = inputs
                .iter()
                .filter(|f| *f != "-")
                .any(|f| same(Path::new(f), path));
            if input || also.is_some_and(|a| same(a, path)) {
                return Err(Error::Usage(format!(
                    "--output {shown} would overwrite an input of this command"
                )));
            }
        }
        Ok(())
    }
}

fn parent(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Write every report file; the first failure is returned after all were tried.
pub fn write_files(files: &[(PathBuf, String)]) -> Result<(), Error> {
    let mut first = None;
    for (path, text) in files {
        if let Err(e) = write_atomic(path, text.as_bytes()) {
            first.get_or_insert(e);
        }
    }
    first.map_or(Ok(()), Err)
}

/// Replace `path` with `bytes` through a temporary file in the same folder, so that a reader
/// (a later CI step) sees the old report or the new one, never half of one.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    if path.is_dir() {
        return Err(Error::Usage(format!(
            "--output {} is a directory, not a file",
            path.display()
        )));
    }
    replace_file(path, bytes, ".agentgate-report-", 0o644)
}

/// Replace `path` with `bytes` (mode `mode`) through a temporary file in the same folder, synced
/// before the rename: a reader sees the old file or the new one, never half of one.
pub fn replace_file(path: &Path, bytes: &[u8], prefix: &str, mode: u32) -> Result<(), Error> {
    use std::io::Write;
    let dir = parent(path);
    let mut temp = tempfile::Builder::new()
        .prefix(prefix)
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(mode))
        .tempfile_in(dir)
        .map_err(|e| Error::io(path.display(), e))?;
    temp.write_all(bytes)
        .and_then(|()| temp.as_file().sync_all())
        .map_err(|e| Error::io(path.display(), e))?;
    temp.persist(path)
        .map_err(|e| Error::io(path.display(), e.error))?;
    Ok(())
}

/// The current folder, canonical, for showing paths relative to it.
pub fn current_dir() -> Option<PathBuf> {
    std::env::current_dir().and_then(std::fs::canonicalize).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_values() {
        assert_eq!(
            parse_output("sarif=out/a.sarif"),
            Ok(OutputSpec {
                format: Some(ReportFormat::Sarif),
                path: "out/a.sarif".into()
            })
        );
        assert_eq!(
            parse_output("a=b.txt"),
            Ok(OutputSpec {
                format: None,
                path: "a=b.txt".into()
            })
        );
        assert!(parse_output("junit=").is_err());
        assert!(parse_output("").is_err());
    }
}
