//! The command line: clap types, one file per subcommand with its `run`, and the shared input
//! plumbing (reading a plan, choosing the policy set). The only module besides `main` that prints.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod apply;
mod audit;
mod check;
mod contain;
mod explain;
mod plan;
mod policy;

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

use crate::audit::Store;
use crate::error::{Error, ExitCode};
use crate::plan::{MAX_PLAN_BYTES, Plan};
use crate::policy::PolicySet;
use crate::render::Styles;
use crate::workspace::Workspace;

/// Default policy folder, used when it exists and no `--policy` is given.
pub const DEFAULT_POLICY_DIR: &str = ".agentgate/policies";

#[derive(Debug, Parser)]
#[command(
    name = "agentgate",
    version,
    about = "A gatekeeper for AI agents that act on real systems",
    long_about = "agentgate reads the plan an agent proposes, shows every change as a diff, classifies each \
action into a risk tier (0 read-only to 4 destructive), checks it against policy, and decides: allow, \
approve (a person must approve) or deny. Every decision is recorded in a hash-chained audit trail, and \
on-call can stop every agent (stop) or one (quarantine).\n\nExit codes: 0 allowed, 1 error (nothing \
was executed), 2 approval required, 3 denied (by policy or containment, or a stale, replayed or \
tampered sealed plan), 4 execution or validation failed (what was reversible was rolled back)."
)]
pub struct Cli {
    /// When to use colours: auto respects NO_COLOR and whether output is a terminal.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Evaluate a plan: show its diff, tiers and findings, and decide.
    Plan(plan::PlanArgs),
    /// Evaluate plans for CI: never interactive, worst outcome wins.
    Check(check::CheckArgs),
    /// Execute a sealed plan (or a plan) after the approvals its tiers demand; validate, and roll
    /// back on failure.
    Apply(apply::ApplyArgs),
    /// Record a person's approval of a sealed plan, for apply in CI (never the plan's own agent).
    Approve(apply::ApproveArgs),
    /// Undo the file changes of a completed apply, if the files have not changed since.
    Rollback(apply::RollbackArgs),
    /// Read and check the audit trail: list, show, verify, export, stats.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Kill switch: deny every plan and check of every agent until `resume`.
    Stop(contain::StopArgs),
    /// Lift the kill switch.
    Resume(contain::ResumeArgs),
    /// Deny every plan and check of one agent until `release`.
    Quarantine(contain::QuarantineArgs),
    /// Lift an agent's quarantine.
    Release(contain::ReleaseArgs),
    /// Show the containment in force: the kill switch and quarantined agents.
    Status(contain::StatusArgs),
    /// Show how agentgate reads a shell command, SQL or an HTTP request, and the tier, rules and
    /// decision that follow.
    Explain(explain::ExplainArgs),
    /// Policies are code: test, lint and explain them.
    #[command(subcommand)]
    Policy(policy::PolicyCommand),
    /// Print a shell completion script (the same files are committed in completions/).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page of agentgate, or of one of its commands (the same pages are committed
    /// in man/).
    Man {
        /// The command, e.g. `plan` or `audit list`. Default: agentgate itself.
        #[arg(value_name = "COMMAND")]
        command: Vec<String>,
    },
}

/// Policy and workspace options shared by the commands that evaluate plans.
#[derive(Debug, clap::Args)]
pub struct GateArgs {
    /// Policy folder (repeatable). Default: .agentgate/policies if it exists, else the embedded pack.
    #[arg(long = "policy", value_name = "DIR")]
    pub policy: Vec<PathBuf>,
    /// Folder the plan's paths are relative to. Default: the plan file's folder (the current one for -).
    #[arg(long, value_name = "DIR")]
    pub workspace: Option<PathBuf>,
    #[command(flatten)]
    pub db: DbArgs,
}

/// Where the audit trail is.
#[derive(Debug, Clone, clap::Args)]
pub struct DbArgs {
    /// Audit database. Default: .agentgate/audit.db in the current folder.
    #[arg(long = "db", value_name = "PATH", env = "AGENTGATE_DB")]
    pub db: Option<PathBuf>,
}

impl DbArgs {
    pub fn path(&self) -> PathBuf {
        self.db
            .clone()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or_else(|| PathBuf::from(crate::audit::store::DEFAULT_DB))
    }

    /// Open the trail, creating it when it does not exist yet (commands that record).
    pub fn open(&self) -> Result<Store, Error> {
        Store::open(&self.path(), &actor())
    }

    /// Open a trail that must already exist (commands that only read it).
    pub fn open_existing(&self) -> Result<Store, Error> {
        Store::open_existing(&self.path(), &actor())
    }
}

/// Who runs this command, as recorded in the trail: the login name.
pub fn actor() -> String {
    ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
        .unwrap_or_else(|| "unknown".into())
}

/// Parse, run, and turn the outcome into an exit code; errors are printed here.
pub fn main() -> ExitCode {
    // Bad arguments are exit 1 like every error, not clap's 2 (which means "approval required").
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return ExitCode::Allowed;
        }
        Err(e) => {
            let _ = e.print();
            return ExitCode::Error;
        }
    };
    let styles = Styles {
        color: use_color(cli.color),
    };
    match run(cli, styles) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("agentgate: error: {}", error.redacted());
            error.exit_code()
        }
    }
}

fn run(cli: Cli, styles: Styles) -> Result<ExitCode, Error> {
    match cli.command {
        Command::Plan(args) => plan::run(args, styles),
        Command::Check(args) => check::run(args, styles),
        Command::Apply(args) => apply::run(args, styles),
        Command::Approve(args) => apply::approve(args),
        Command::Rollback(args) => apply::rollback(args),
        Command::Audit(command) => audit::run(command, styles),
        Command::Stop(args) => contain::stop(args),
        Command::Resume(args) => contain::resume(args),
        Command::Quarantine(args) => contain::quarantine(args),
        Command::Release(args) => contain::release(args),
        Command::Status(args) => contain::status(args),
        Command::Explain(args) => explain::run(args, styles),
        Command::Policy(command) => policy::run(command, styles),
        Command::Completions { shell } => {
            print!("{}", completion(shell));
            Ok(ExitCode::Allowed)
        }
        Command::Man { command } => {
            let name = std::iter::once("agentgate")
                .chain(command.iter().map(String::as_str))
                .collect::<Vec<_>>()
                .join("-");
            let file = format!("{name}.1");
            let page = man_pages()
                .into_iter()
                .find(|(f, _)| *f == file)
                .ok_or_else(|| {
                    Error::Usage(format!(
                        "no man page for `{}`: agentgate --help lists the commands",
                        command.join(" ")
                    ))
                })?;
            print!("{}", page.1);
            Ok(ExitCode::Allowed)
        }
    }
}

/// The completion script for `shell`, generated from the clap definition.
pub fn completion(shell: clap_complete::Shell) -> String {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "agentgate", &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// Every man page, `(file name, roff)`: agentgate.1 and one per command and sub-command
/// (agentgate-plan.1, agentgate-audit-list.1), generated from the clap definition.
pub fn man_pages() -> Vec<(String, String)> {
    fn pages(cmd: &clap::Command, out: &mut Vec<(String, String)>) {
        let man = clap_mangen::Man::new(cmd.clone());
        let mut roff = Vec::new();
        // Rendering into memory cannot fail.
        let _ = man.render(&mut roff);
        out.push((
            man.get_filename(),
            String::from_utf8_lossy(&roff).into_owned(),
        ));
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            pages(sub, out);
        }
    }
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut out = Vec::new();
    pages(&cmd, &mut out);
    out
}

fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
                && std::env::var("TERM").map_or(true, |t| t != "dumb")
        }
    }
}

/// The policy set the command runs with: the folders given, else `.agentgate/policies`, else embedded.
pub fn load_policy(dirs: &[PathBuf]) -> Result<PolicySet, Error> {
    if !dirs.is_empty() {
        return PolicySet::from_dirs(dirs);
    }
    let default = Path::new(DEFAULT_POLICY_DIR);
    if default.is_dir() {
        return PolicySet::from_dirs(&[default.to_path_buf()]);
    }
    PolicySet::embedded()
}

/// Read a plan file (or `-` for standard input) without reading past the size limit.
pub fn read_input(path: &str) -> Result<String, Error> {
    read_bounded(path, MAX_PLAN_BYTES as u64)
}

/// Read a UTF-8 file (or `-` for standard input) of at most `max` bytes.
pub fn read_bounded(path: &str, max: u64) -> Result<String, Error> {
    let limit = max + 1;
    let mut bytes = Vec::new();
    if path == "-" {
        std::io::stdin()
            .lock()
            .take(limit)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io("-", e))?;
    } else {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        if meta.is_dir() {
            return Err(Error::Usage(format!(
                "{path} is a directory, not a plan file"
            )));
        }
        std::fs::File::open(path)
            .and_then(|f| f.take(limit).read_to_end(&mut bytes))
            .map_err(|e| Error::io(path, e))?;
    }
    if bytes.len() as u64 >= limit {
        return Err(Error::Input(crate::error::Diagnostic::new(
            path,
            format!("plan is larger than the limit of {max} bytes"),
        )));
    }
    String::from_utf8(bytes).map_err(|e| {
        Error::Input(crate::error::Diagnostic::new(
            path,
            format!(
                "plan is not UTF-8 (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        ))
    })
}

/// The workspace for a plan: `--workspace`, else the plan's folder, else the current folder.
pub fn workspace_for(path: &str, explicit: Option<&Path>) -> Result<Workspace, Error> {
    let root = match explicit {
        Some(dir) => dir.to_path_buf(),
        None if path == "-" => PathBuf::from("."),
        None => Path::new(path)
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
    };
    Workspace::open(&root).map_err(Error::Usage)
}

/// Read, parse and confine a plan.
pub fn load_plan(path: &str, workspace: &Workspace) -> Result<Plan, Error> {
    let text = read_input(path)?;
    Plan::parse(&text, path, &|p| workspace.resolve(p))
}

/// Today's date in UTC, for exception expiry.
pub fn today() -> jiff::civil::Date {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
}
