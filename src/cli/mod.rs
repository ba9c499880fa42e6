//! The command line: clap types, one file per subcommand with its `run`, and the shared input
//! plumbing (reading a plan, choosing the policy set). The only module besides `main` that prints.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod apply;
mod audit;
mod check;
mod contain;
mod explain;
mod init;
mod plan;
mod policy;
mod report;

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::audit::Store;
pub use crate::config::ColorChoice;
use crate::config::{self as project, Config};
use crate::error::{Error, ExitCode};
use crate::plan::{MAX_PLAN_BYTES, Plan};
use crate::policy::PolicySet;
use crate::render::Styles;
use crate::workspace::Workspace;

/// The variable that lists policy folders where no `--policy` is given, separated like PATH.
pub const POLICY_VAR: &str = "AGENTGATE_POLICY";

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
tampered sealed plan), 4 execution or validation failed (what was reversible was rolled back).",
    after_long_help = "Configuration: agentgate looks for a .agentgate folder in the current folder, then in \
each folder above it (as git looks for .git), and stops at the first one it finds, at the \
filesystem root, or below any folder listed in AGENTGATE_CEILING_DIRECTORIES (separated like \
PATH). That folder supplies the defaults: its policies/ folder (else the embedded pack), its \
audit.db and its config.yaml (version, policy, db, color; paths relative to the folder holding \
.agentgate). A command-line flag wins over its AGENTGATE_* variable (AGENTGATE_POLICY, \
AGENTGATE_DB, AGENTGATE_COLOR, AGENTGATE_WORKSPACE, AGENTGATE_CONFIG), which wins over config.yaml, \
which wins over the built-in default; an empty variable counts as unset. A config file that does \
not load stops every command (exit 1). `agentgate init` writes a commented starter folder."
)]
pub struct Cli {
    /// When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal.
    #[arg(long, value_enum, global = true, env = "AGENTGATE_COLOR")]
    pub color: Option<ColorChoice>,
    /// Config file, instead of the .agentgate/config.yaml found from the current folder upwards;
    /// its folder then stands for .agentgate (policies/ and audit.db beside it).
    #[arg(long, value_name = "FILE", global = true, env = "AGENTGATE_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
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
    /// Write a commented starter .agentgate folder: config.yaml, .gitignore and policies/.
    Init(init::InitArgs),
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
    /// Policy folder (repeatable). Default: AGENTGATE_POLICY (folders separated like PATH), else
    /// `policy` in config.yaml, else .agentgate/policies if it exists, else the embedded pack.
    #[arg(long = "policy", value_name = "DIR")]
    pub policy: Vec<PathBuf>,
    /// Folder the plan's paths are relative to. Default: the plan file's folder (the current one for -).
    #[arg(long, value_name = "DIR", env = "AGENTGATE_WORKSPACE")]
    pub workspace: Option<PathBuf>,
    #[command(flatten)]
    pub db: DbArgs,
}

/// Where the audit trail is.
#[derive(Debug, Clone, clap::Args)]
pub struct DbArgs {
    /// Audit database (the sealing key lives beside it). Default: `db` in config.yaml, else
    /// audit.db in the .agentgate folder found, else .agentgate/audit.db in the current folder.
    #[arg(long = "db", value_name = "PATH", env = "AGENTGATE_DB")]
    pub db: Option<PathBuf>,
}

impl DbArgs {
    pub fn path(&self) -> PathBuf {
        self.db.clone().unwrap_or_else(|| defaults().db())
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
    let cli = match parse(std::env::args_os()) {
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
    // A config that does not load stops the command: it may name the policy or the trail, and
    // running without it would run with something else than configured.
    if cli.command.reads_config() {
        match Defaults::load(cli.config.as_deref()) {
            Ok(found) => {
                let _ = DEFAULTS.set(found);
            }
            Err(error) => {
                if cli.command.json_errors() {
                    println!("{}", crate::render::error_json(&error));
                }
                eprintln!("agentgate: error: {}", error.redacted());
                return error.exit_code();
            }
        }
    }
    let styles = Styles {
        color: use_color(cli.color.or(defaults().color())),
    };
    match run(cli, styles) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("agentgate: error: {}", error.redacted());
            error.exit_code()
        }
    }
}

/// Parse the command line. An empty `AGENTGATE_*` variable counts as unset (clap would take it
/// for an empty value), so that `AGENTGATE_DB= agentgate ...` means the default.
fn parse<I, T>(args: I) -> Result<Cli, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    fn empty_env_unset(cmd: clap::Command) -> clap::Command {
        cmd.mut_args(|arg| {
            let empty = arg
                .get_env()
                .and_then(std::env::var_os)
                .is_some_and(|v| v.is_empty());
            if empty {
                arg.env(None::<&'static str>)
            } else {
                arg
            }
        })
        .mut_subcommands(empty_env_unset)
    }
    let matches = empty_env_unset(Cli::command()).try_get_matches_from(args)?;
    Cli::from_arg_matches(&matches)
}

impl Command {
    /// Whether the command runs with the project's defaults (and so needs its config to load).
    fn reads_config(&self) -> bool {
        !matches!(
            self,
            Command::Init(_) | Command::Completions { .. } | Command::Man { .. }
        )
    }

    /// Whether an error is also printed as the JSON document of `--format json`.
    fn json_errors(&self) -> bool {
        match self {
            Command::Plan(args) => args.report.format == report::ReportFormat::Json,
            Command::Apply(args) => args.format == Format::Json,
            _ => false,
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
        Command::Init(args) => init::run(args),
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

fn use_color(choice: Option<ColorChoice>) -> bool {
    match choice.unwrap_or(ColorChoice::Auto) {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
                && std::env::var("TERM").map_or(true, |t| t != "dumb")
        }
    }
}

/// What a command runs with where no flag (or its variable, which clap reads) says otherwise:
/// `AGENTGATE_POLICY`, the `.agentgate` folder in force and its config file. Found once, before
/// the command runs, so that every command and every thread sees the same.
#[derive(Debug, Default)]
pub struct Defaults {
    /// The `.agentgate` folder: found from the current folder upwards, or the folder of
    /// `--config`. Relative (`.agentgate`) when it is in the current folder, as before discovery.
    home: Option<PathBuf>,
    config: Option<Config>,
    /// `AGENTGATE_POLICY`, split like PATH.
    env_policy: Vec<PathBuf>,
}

static DEFAULTS: OnceLock<Defaults> = OnceLock::new();

/// The defaults of this run (none, as if no `.agentgate` existed, before `main` finds them).
fn defaults() -> &'static Defaults {
    DEFAULTS.get_or_init(Defaults::default)
}

impl Defaults {
    /// Find the `.agentgate` folder (or take `explicit`'s) and read its config file.
    pub fn load(explicit: Option<&Path>) -> Result<Defaults, Error> {
        let env_policy = std::env::var_os(POLICY_VAR)
            .map(|v| {
                std::env::split_paths(&v)
                    .filter(|p| !p.as_os_str().is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let (home, config) = match explicit {
            Some(file) => {
                let config = Config::load(file)?;
                let file = std::path::absolute(file).map_err(|e| Error::io(file.display(), e))?;
                (file.parent().map(Path::to_path_buf), Some(config))
            }
            None => {
                let Ok(cwd) = std::env::current_dir() else {
                    return Ok(Defaults {
                        env_policy,
                        ..Defaults::default()
                    });
                };
                let ceilings = project::ceilings(std::env::var_os(project::CEILING_VAR));
                let home = project::discover(&cwd, &ceilings)?.map(|home| match home.parent() {
                    Some(dir) if dir == cwd => PathBuf::from(project::DIR_NAME),
                    _ => home,
                });
                let config = match &home {
                    Some(home) => {
                        let file = home.join(project::FILE_NAME);
                        let exists = file
                            .try_exists()
                            .map_err(|e| Error::io(file.display(), e))?;
                        exists.then(|| Config::load(&file)).transpose()?
                    }
                    None => None,
                };
                (home, config)
            }
        };
        Ok(Defaults {
            home,
            config,
            env_policy,
        })
    }

    /// The folder config paths are relative to: the one holding the `.agentgate` folder.
    fn root(&self) -> PathBuf {
        self.home
            .as_deref()
            .and_then(Path::parent)
            .map_or_else(PathBuf::new, Path::to_path_buf)
    }

    /// The policy folders; none means the embedded pack.
    pub fn policy_dirs(&self) -> Vec<PathBuf> {
        if !self.env_policy.is_empty() {
            return self.env_policy.clone();
        }
        if let Some(dirs) = self.config.as_ref().and_then(|c| c.policy.as_ref()) {
            let root = self.root();
            return dirs.iter().map(|d| d.under(&root)).collect();
        }
        self.home
            .as_ref()
            .map(|home| home.join(project::POLICY_DIR_NAME))
            .filter(|dir| dir.is_dir())
            .into_iter()
            .collect()
    }

    /// The audit database.
    pub fn db(&self) -> PathBuf {
        if let Some(db) = self.config.as_ref().and_then(|c| c.db.as_ref()) {
            return db.under(&self.root());
        }
        match &self.home {
            Some(home) => home.join(project::DB_NAME),
            None => PathBuf::from(crate::audit::store::DEFAULT_DB),
        }
    }

    pub fn color(&self) -> Option<ColorChoice> {
        self.config.as_ref().and_then(|c| c.color)
    }
}

/// The policy folders a command runs with: those given, else the defaults (none: embedded).
pub fn policy_dirs(given: &[PathBuf]) -> Vec<PathBuf> {
    if given.is_empty() {
        defaults().policy_dirs()
    } else {
        given.to_vec()
    }
}

/// The policy set the command runs with: the folders given, else `AGENTGATE_POLICY`, else the
/// config's `policy`, else `.agentgate/policies`, else the embedded pack.
pub fn load_policy(dirs: &[PathBuf]) -> Result<PolicySet, Error> {
    let dirs = policy_dirs(dirs);
    if dirs.is_empty() {
        PolicySet::embedded()
    } else {
        PolicySet::from_dirs(&dirs)
    }
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
