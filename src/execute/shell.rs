//! The shell executor: runs one reviewed `shell.exec` action (or a `validate` check) as a real
//! process, confined as issue 4 item 3 asks.
//!
//! - **No shell unless the plan wrote one**: an argv is executed directly (no expansion, no
//!   globbing, no `;`); a `command` string runs through `/bin/sh -c SCRIPT` exactly as written.
//! - **Working directory**: an absolute path the caller has confined to the workspace
//!   ([`ShellSpec::from_action`] re-resolves it against the workspace at execution time, so a
//!   symlink swapped in since planning is refused); [`run`] re-checks that it exists and is a
//!   directory.
//! - **Clean environment**: nothing is inherited except [`INHERITED_VARS`] (each only if set);
//!   `PATH` is the fixed [`SAFE_PATH`]; the plan's reviewed `env` goes on top. No `AGENTGATE_*`
//!   variable ever reaches the child (a plan setting one is refused).
//! - **Timeout**: the child leads its own process group; on timeout the whole group is killed
//!   with `SIGKILL` (through `/bin/kill`, since this crate has no `unsafe` and no libc), then
//!   reaped. [`DEFAULT_TIMEOUT`] applies when the plan gives none.
//! - **Output**: stdin is `/dev/null`; stdout and stderr are drained concurrently by two
//!   threads (a chatty child never blocks), each kept up to [`MAX_KEPT_BYTES`] (the head) plus a
//!   count of the bytes dropped, decoded lossily as UTF-8 and redacted with the policy's
//!   [`Scanner`] before anyone sees them.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs;
use std::io::{self, Read};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::plan::{Check, MAX_TIMEOUT_SECS, ShellAction, ShellCommand};
use crate::secrets::Scanner;
use crate::workspace::Workspace;

/// Timeout used when the plan gives none: 5 minutes. Long enough for a build or a test suite,
/// short enough that a hung command does not hold an apply (and its rollback) forever. A plan
/// that needs longer says so with `timeout` (up to [`MAX_TIMEOUT_SECS`]).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// Bytes of each stream (stdout, stderr) kept: the head of the output. The rest is counted.
pub const MAX_KEPT_BYTES: usize = 64 * 1024;

/// Bytes read beyond [`MAX_KEPT_BYTES`] before redacting, so that a secret straddling the cut
/// is still recognised whole and leaves no fragment once the text is cut. Large enough for a
/// PEM private key (an RSA 8192 key is about 6.5 KiB).
const REDACT_MARGIN: usize = 16 * 1024;

/// `PATH` of every child. Fixed, not inherited: the agent's `PATH` could point at its own
/// binaries. A plan may still set `PATH` in its (reviewed) `env`.
pub const SAFE_PATH: &str = "/usr/local/bin:/usr/bin:/bin";

/// Variables copied from agentgate's own environment, each only if set.
///
/// `HOME` is inherited rather than pointed at the workspace: many tools (git, npm, cargo, pip)
/// read their configuration and caches under `HOME` and write dotfiles there, which would
/// litter the workspace with files no plan reviewed (and make sealed plans stale). The
/// trade-off: the command sees where the user's home is, and so its dotfiles. That is no new
/// power (the child is not sandboxed and could read them by absolute path anyway), and a plan
/// can set `HOME` in its `env` when it wants isolation.
pub const INHERITED_VARS: [&str; 6] = ["LANG", "LC_ALL", "LC_CTYPE", "TZ", "TERM", "HOME"];

/// Prefix of agentgate's own variables (its key, its configuration): never passed to a child.
const RESERVED_PREFIX: &str = "AGENTGATE_";

/// How long to wait for the output pipes to close once the process group has been killed.
/// Only a process that left the group (`setsid`) and kept the pipes open makes this expire;
/// the output captured so far is then reported and the reader threads are left to finish.
const DRAIN_GRACE: Duration = Duration::from_secs(2);

/// Longest sleep between two polls of the child.
const MAX_POLL: Duration = Duration::from_millis(20);

/// What to run, where, with what, and for how long.
#[derive(Debug, Clone)]
pub struct ShellSpec {
    /// An argv (executed without a shell) or a script (run through `/bin/sh -c`).
    pub command: ShellCommand,
    /// Absolute working directory, already confined to the workspace by the caller.
    pub cwd: PathBuf,
    /// The plan's `env`, set on top of the clean environment.
    pub env: BTreeMap<String, String>,
    /// Wall-clock limit; capped at [`MAX_TIMEOUT_SECS`].
    pub timeout: Duration,
}

impl ShellSpec {
    /// `command` in `cwd`, with no extra environment and the [`DEFAULT_TIMEOUT`].
    pub fn new(command: ShellCommand, cwd: impl Into<PathBuf>) -> ShellSpec {
        ShellSpec {
            command,
            cwd: cwd.into(),
            env: BTreeMap::new(),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// The spec of a plan's `shell.exec` action: its `cwd` (the workspace root when it has
    /// none) re-resolved against `workspace` now, since the filesystem may have changed since
    /// planning; its `env`; its `timeout` or the [`DEFAULT_TIMEOUT`].
    pub fn from_action(
        action: &ShellAction,
        workspace: &Workspace,
    ) -> Result<ShellSpec, ExecError> {
        let cwd = match &action.cwd {
            None => workspace.root().to_path_buf(),
            Some(path) => {
                workspace
                    .resolve(&path.relative)
                    .map_err(|reason| ExecError::CwdOutsideWorkspace {
                        cwd: path.relative.clone(),
                        reason,
                    })?
                    .absolute
            }
        };
        Ok(ShellSpec {
            command: action.command.clone(),
            cwd,
            env: action.env.clone(),
            timeout: timeout_or_default(action.timeout),
        })
    }

    /// The spec of a post-action `validate` check: run at the workspace root, with no extra
    /// environment, with its `timeout` or the [`DEFAULT_TIMEOUT`].
    pub fn from_check(check: &Check, workspace: &Workspace) -> ShellSpec {
        ShellSpec {
            command: check.command.clone(),
            cwd: workspace.root().to_path_buf(),
            env: BTreeMap::new(),
            timeout: timeout_or_default(check.timeout),
        }
    }
}

fn timeout_or_default(seconds: Option<u64>) -> Duration {
    seconds.map_or(DEFAULT_TIMEOUT, |s| {
        Duration::from_secs(s.min(MAX_TIMEOUT_SECS))
    })
}

/// What happened when the command ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The exit code; `None` when the process was ended by a signal (see `signal`).
    pub exit_code: Option<i32>,
    /// The signal that ended the process, if one did (`Some(9)` after a timeout).
    pub signal: Option<i32>,
    /// The head of stdout (at most [`MAX_KEPT_BYTES`] bytes), lossily decoded, redacted.
    pub stdout: String,
    /// The head of stderr, likewise.
    pub stderr: String,
    /// Bytes written to stdout beyond the first [`MAX_KEPT_BYTES`] (counted, not kept).
    pub stdout_dropped: u64,
    /// Bytes written to stderr beyond the first [`MAX_KEPT_BYTES`].
    pub stderr_dropped: u64,
    /// Wall-clock time from spawn to the end of output.
    pub duration: Duration,
    /// The timeout expired (the process group was killed), either while the command ran or
    /// while something it started kept its output open.
    pub timed_out: bool,
}

impl Outcome {
    /// Exited by itself, with code 0, in time.
    pub fn succeeded(&self) -> bool {
        !self.timed_out && self.exit_code == Some(0)
    }
}

/// Why a command could not be run (or, for [`ExecError::Capture`], not observed).
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error("empty command: nothing to run")]
    EmptyCommand,
    #[error("environment variable `{name}`: {reason}")]
    InvalidEnv { name: String, reason: &'static str },
    #[error("working directory `{cwd}` is refused: {reason}")]
    CwdOutsideWorkspace { cwd: String, reason: String },
    #[error("working directory {} is not an absolute path", .0.display())]
    CwdNotAbsolute(PathBuf),
    #[error("working directory {}: {source}", .cwd.display())]
    CwdMissing { cwd: PathBuf, source: io::Error },
    #[error("working directory {} is not a directory", .0.display())]
    CwdNotDirectory(PathBuf),
    #[error("could not start `{program}`: {source}")]
    Spawn { program: String, source: io::Error },
    #[error("could not set up the output capture of `{program}`: {source}")]
    Setup { program: String, source: io::Error },
    #[error("could not wait for `{program}`: {source}")]
    Wait { program: String, source: io::Error },
    /// The command ran (and was reaped) but its output could not be read in full.
    #[error("`{program}` ran but its {stream} could not be read: {reason}")]
    Capture {
        program: String,
        stream: &'static str,
        reason: String,
    },
}

/// Run `spec`, wait for it (at most its timeout), and report what happened, the output
/// redacted with `scanner`.
///
/// `Err` means the command could not be started (bad spec, missing directory, spawn failure)
/// or, rarely, that it ran but could not be observed; a command that ran and failed, or timed
/// out, is an `Ok` [`Outcome`] whose [`Outcome::succeeded`] is false.
pub fn run(spec: &ShellSpec, scanner: &Scanner) -> Result<Outcome, ExecError> {
    let (program, args) = program_and_args(&spec.command)?;
    check_cwd(&spec.cwd)?;
    let env = child_env(|name| std::env::var_os(name), &spec.env)?;
    let timeout = spec.timeout.min(Duration::from_secs(MAX_TIMEOUT_SECS));

    let mut command = Command::new(&program);
    command
        .args(&args)
        .current_dir(&spec.cwd)
        .env_clear()
        .envs(env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);

    let started = Instant::now();
    let mut child = command.spawn().map_err(|source| ExecError::Spawn {
        program: program.clone(),
        source,
    })?;
    match supervise(&mut child, &program, started, timeout) {
        Ok(finished) => finished.into_outcome(&program, started, scanner),
        Err(e) => {
            // Never leave a process behind when we stop watching it.
            kill_group(&mut child);
            let _ = child.wait();
            Err(e)
        }
    }
}

fn program_and_args(command: &ShellCommand) -> Result<(String, Vec<String>), ExecError> {
    match command {
        ShellCommand::Script(script) => {
            Ok(("/bin/sh".to_owned(), vec!["-c".to_owned(), script.clone()]))
        }
        ShellCommand::Argv(argv) => match argv.split_first() {
            Some((program, args)) if !program.is_empty() => Ok((program.clone(), args.to_vec())),
            _ => Err(ExecError::EmptyCommand),
        },
    }
}

fn check_cwd(cwd: &Path) -> Result<(), ExecError> {
    if !cwd.is_absolute() {
        return Err(ExecError::CwdNotAbsolute(cwd.to_path_buf()));
    }
    let meta = fs::metadata(cwd).map_err(|source| ExecError::CwdMissing {
        cwd: cwd.to_path_buf(),
        source,
    })?;
    if !meta.is_dir() {
        return Err(ExecError::CwdNotDirectory(cwd.to_path_buf()));
    }
    Ok(())
}

/// The child's whole environment: [`INHERITED_VARS`] found by `inherited`, `PATH` =
/// [`SAFE_PATH`], then the plan's `env` (which may override any of them). A plan variable
/// named `AGENTGATE_*` (any case), empty, or containing `=` or NUL is refused.
fn child_env(
    inherited: impl Fn(&str) -> Option<OsString>,
    plan_env: &BTreeMap<String, String>,
) -> Result<BTreeMap<OsString, OsString>, ExecError> {
    let mut env = BTreeMap::new();
    for name in INHERITED_VARS {
        if let Some(value) = inherited(name) {
            env.insert(OsString::from(name), value);
        }
    }
    env.insert(OsString::from("PATH"), OsString::from(SAFE_PATH));
    for (name, value) in plan_env {
        let invalid = |reason| ExecError::InvalidEnv {
            name: name.clone(),
            reason,
        };
        if name.is_empty() {
            return Err(invalid("empty name"));
        }
        if name.contains('=') || name.contains('\0') {
            return Err(invalid("names cannot contain `=` or NUL"));
        }
        if value.contains('\0') {
            return Err(invalid("values cannot contain NUL"));
        }
        let reserved = name
            .get(..RESERVED_PREFIX.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(RESERVED_PREFIX));
        if reserved {
            return Err(invalid(
                "`AGENTGATE_*` variables are agentgate's own and never reach a command",
            ));
        }
        env.insert(OsString::from(name), OsString::from(value));
    }
    Ok(env)
}

/// Kill the child's whole process group (it leads it: `process_group(0)`), falling back to the
/// child alone when `/bin/kill` cannot do it.
fn kill_group(child: &mut Child) {
    let group = format!("-{}", child.id());
    let killed = ["/bin/kill", "/usr/bin/kill"].iter().any(|kill| {
        Command::new(kill)
            .args(["-KILL", "--", &group])
            .env_clear()
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    });
    if !killed {
        let _ = child.kill();
    }
}

/// One output stream as read so far: the head (kept up to the limit plus the margin) and the
/// total byte count.
#[derive(Debug, Default)]
struct Capture {
    head: Vec<u8>,
    total: u64,
}

type Shared = Arc<Mutex<Capture>>;

/// The end of a reader thread: which stream, and the read error if there was one.
type ReaderDone = (&'static str, Result<(), String>);

fn spawn_reader(
    name: &'static str,
    mut stream: impl Read + Send + 'static,
    done: mpsc::Sender<ReaderDone>,
) -> io::Result<Shared> {
    let shared: Shared = Arc::default();
    let sink = Arc::clone(&shared);
    thread::Builder::new()
        .name(format!("shell-{name}"))
        .spawn(move || {
            let mut buf = [0u8; 16 * 1024];
            let result = loop {
                match stream.read(&mut buf) {
                    Ok(0) => break Ok(()),
                    Ok(n) => {
                        let mut capture = sink.lock().unwrap_or_else(|e| e.into_inner());
                        let room =
                            (MAX_KEPT_BYTES + REDACT_MARGIN).saturating_sub(capture.head.len());
                        let chunk = buf.get(..n.min(room)).unwrap_or_default();
                        capture.head.extend_from_slice(chunk);
                        capture.total += n as u64;
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => break Err(e.to_string()),
                }
            };
            let _ = done.send((name, result));
        })?;
    Ok(shared)
}

/// A child that has been reaped, with its output as captured.
struct Finished {
    status: ExitStatus,
    timed_out: bool,
    stdout: Shared,
    stderr: Shared,
    errors: Vec<(&'static str, String)>,
}

/// Capture the output, wait for the child and for the end of its output, enforce the timeout.
fn supervise(
    child: &mut Child,
    program: &str,
    started: Instant,
    timeout: Duration,
) -> Result<Finished, ExecError> {
    let setup = |source| ExecError::Setup {
        program: program.to_owned(),
        source,
    };
    let missing = || setup(io::Error::other("output pipe missing"));
    let out_pipe = child.stdout.take().ok_or_else(missing)?;
    let err_pipe = child.stderr.take().ok_or_else(missing)?;
    let (tx, rx) = mpsc::channel();
    let stdout = spawn_reader("stdout", out_pipe, tx.clone()).map_err(setup)?;
    let stderr = spawn_reader("stderr", err_pipe, tx).map_err(setup)?;

    let deadline = started.checked_add(timeout);
    let mut status: Option<ExitStatus> = None;
    let mut readers_done = 0;
    let mut errors = Vec::new();
    let mut poll = Duration::from_millis(1);
    let mut timed_out = false;
    loop {
        if status.is_none() {
            status = child.try_wait().map_err(|source| ExecError::Wait {
                program: program.to_owned(),
                source,
            })?;
        }
        if status.is_some() && readers_done == 2 {
            break;
        }
        let now = Instant::now();
        let wait = match deadline {
            Some(deadline) if now >= deadline => {
                timed_out = true;
                break;
            }
            Some(deadline) => poll.min(deadline - now),
            None => poll,
        };
        if readers_done == 2 {
            thread::sleep(wait);
        } else {
            match rx.recv_timeout(wait) {
                Ok((stream, result)) => {
                    readers_done += 1;
                    if let Err(reason) = result {
                        errors.push((stream, reason));
                    }
                    continue;
                }
                Err(RecvTimeoutError::Timeout) => {}
                // A reader ended without reporting: it panicked.
                Err(RecvTimeoutError::Disconnected) => {
                    errors.push(("output", "the reader thread failed".to_owned()));
                    readers_done = 2;
                }
            }
        }
        poll = (poll * 2).min(MAX_POLL);
    }

    if timed_out {
        // The child itself, or something it started that still holds its output open.
        kill_group(child);
        let reaped = match status {
            Some(status) => status,
            None => child.wait().map_err(|source| ExecError::Wait {
                program: program.to_owned(),
                source,
            })?,
        };
        status = Some(reaped);
        let grace = Instant::now() + DRAIN_GRACE;
        while readers_done < 2 {
            let left = grace.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok((stream, result)) => {
                    readers_done += 1;
                    if let Err(reason) = result {
                        errors.push((stream, reason));
                    }
                }
                // Escaped the group and kept the pipe: report what was captured.
                Err(_) => break,
            }
        }
    }
    let status = status.ok_or_else(|| ExecError::Wait {
        program: program.to_owned(),
        source: io::Error::other("no exit status"),
    })?;
    Ok(Finished {
        status,
        timed_out,
        stdout,
        stderr,
        errors,
    })
}

impl Finished {
    fn into_outcome(
        self,
        program: &str,
        started: Instant,
        scanner: &Scanner,
    ) -> Result<Outcome, ExecError> {
        let duration = started.elapsed();
        if let Some((stream, reason)) = self.errors.into_iter().next() {
            return Err(ExecError::Capture {
                program: program.to_owned(),
                stream,
                reason,
            });
        }
        let (stdout, stdout_dropped) = finish_stream(&self.stdout, scanner);
        let (stderr, stderr_dropped) = finish_stream(&self.stderr, scanner);
        Ok(Outcome {
            exit_code: self.status.code(),
            signal: self.status.signal(),
            stdout,
            stderr,
            stdout_dropped,
            stderr_dropped,
            duration,
            timed_out: self.timed_out,
        })
    }
}

/// The recorded text of a stream and the count of bytes dropped.
fn finish_stream(shared: &Shared, scanner: &Scanner) -> (String, u64) {
    let capture = shared.lock().unwrap_or_else(|e| e.into_inner());
    let dropped = capture.total.saturating_sub(MAX_KEPT_BYTES as u64);
    (bounded_redacted(&capture.head, scanner), dropped)
}

/// Decode `head` (the output's first bytes, up to [`MAX_KEPT_BYTES`] + [`REDACT_MARGIN`])
/// lossily, redact it whole, then cut it to [`MAX_KEPT_BYTES`] on a char boundary: a secret
/// straddling the cut is redacted before the cut, so no fragment of it is kept.
fn bounded_redacted(head: &[u8], scanner: &Scanner) -> String {
    scanner.redact_bounded(&String::from_utf8_lossy(head), MAX_KEPT_BYTES)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(args: &[&str]) -> ShellCommand {
        ShellCommand::Argv(args.iter().map(|s| s.to_string()).collect())
    }

    fn script(s: &str) -> ShellCommand {
        ShellCommand::Script(s.to_owned())
    }

    fn run_in(dir: &Path, command: ShellCommand, timeout: Duration) -> Outcome {
        let mut spec = ShellSpec::new(command, dir);
        spec.timeout = timeout;
        run(&spec, Scanner::builtin()).unwrap()
    }

    fn quick(command: ShellCommand) -> Outcome {
        let dir = tempfile::tempdir().unwrap();
        run_in(dir.path(), command, Duration::from_secs(5))
    }

    /// A GitHub-token-shaped string that the built-in scanner recognises.
    fn token() -> String {
        format!("ghp_{}", "aB3dE5gH7jK9mN1pQ3sT5vW7yZ0bC2dF4hJ6")
    }

    #[test]
    fn argv_runs_without_a_shell() {
        let out = quick(argv(&["echo", "$HOME;", "x"]));
        assert!(out.succeeded(), "{out:?}");
        assert_eq!(out.stdout, "$HOME; x\n");
        assert_eq!(out.stderr, "");
        assert_eq!(
            (out.exit_code, out.signal, out.timed_out),
            (Some(0), None, false)
        );
    }

    #[test]
    fn script_runs_through_sh() {
        let out = quick(script(
            "printf 'b\\na\\n' | sort | tr a-z A-Z; echo err >&2",
        ));
        assert!(out.succeeded(), "{out:?}");
        assert_eq!(out.stdout, "A\nB\n");
        assert_eq!(out.stderr, "err\n");
    }

    #[test]
    fn cwd_is_respected_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let sub = dir.path().join("sub");
        let out = run_in(&sub, argv(&["pwd"]), Duration::from_secs(5));
        let expected = std::fs::canonicalize(&sub).unwrap();
        assert_eq!(out.stdout.trim_end(), expected.to_str().unwrap());

        let spec = |cwd: PathBuf| ShellSpec::new(argv(&["true"]), cwd);
        let missing = run(&spec(dir.path().join("nope")), Scanner::builtin()).unwrap_err();
        assert!(matches!(missing, ExecError::CwdMissing { .. }), "{missing}");
        std::fs::write(dir.path().join("file"), "x").unwrap();
        let file = run(&spec(dir.path().join("file")), Scanner::builtin()).unwrap_err();
        assert!(matches!(file, ExecError::CwdNotDirectory(_)), "{file}");
        let relative = run(&spec(PathBuf::from("sub")), Scanner::builtin()).unwrap_err();
        assert!(
            matches!(relative, ExecError::CwdNotAbsolute(_)),
            "{relative}"
        );
    }

    #[test]
    fn child_env_is_an_allowlist_plus_the_plan() {
        let parent: BTreeMap<&str, &str> = [
            ("AGENTGATE_SECRET_TEST", "s3cret"),
            ("FOO", "from-parent"),
            ("PATH", "/home/agent/evil-bin:/usr/bin"),
            ("LANG", "C.UTF-8"),
            ("HOME", "/home/user"),
            ("LD_PRELOAD", "/tmp/evil.so"),
        ]
        .into();
        let plan: BTreeMap<String, String> = [("BAR".to_owned(), "from-plan".to_owned())].into();
        let env = child_env(|n| parent.get(n).map(OsString::from), &plan).unwrap();
        let env: Vec<(String, String)> = env
            .into_iter()
            .map(|(k, v)| (k.into_string().unwrap(), v.into_string().unwrap()))
            .collect();
        let expected: Vec<(String, String)> = [
            ("BAR", "from-plan"),
            ("HOME", "/home/user"),
            ("LANG", "C.UTF-8"),
            ("PATH", SAFE_PATH),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(env, expected);

        // The plan may override PATH (it was reviewed), never set agentgate's own variables.
        let plan: BTreeMap<String, String> = [("PATH".to_owned(), "/opt/bin".to_owned())].into();
        let env = child_env(|_| None, &plan).unwrap();
        assert_eq!(env.get(&OsString::from("PATH")).unwrap(), "/opt/bin");
        for bad in ["AGENTGATE_KEY", "agentgate_key", "A=B", "", "A\0B"] {
            let plan: BTreeMap<String, String> = [(bad.to_owned(), "v".to_owned())].into();
            let err = child_env(|_| None, &plan).unwrap_err();
            assert!(
                matches!(err, ExecError::InvalidEnv { .. }),
                "{bad:?}: {err}"
            );
        }
    }

    const PROBE_VAR: &str = "AGENTGATE_SECRET_TEST";

    /// Run by `isolated_from_the_test_process` in a child test process whose environment has
    /// `PROBE_VAR` and `FOO` set (setting them here would need `unsafe`) and whose stdin is a
    /// pipe held open; does nothing when run otherwise.
    #[test]
    #[ignore = "driven by isolated_from_the_test_process"]
    fn isolation_probe() {
        if std::env::var_os(PROBE_VAR).is_none() {
            return;
        }
        assert_eq!(std::env::var("FOO").unwrap(), "from-test-process");
        let dir = tempfile::tempdir().unwrap();
        let mut spec = ShellSpec::new(argv(&["env"]), dir.path());
        spec.env
            .insert("PLAN_VAR".to_owned(), "from-plan".to_owned());
        let out = run(&spec, Scanner::builtin()).unwrap();
        assert!(out.succeeded(), "{out:?}");
        let lines: Vec<&str> = out.stdout.lines().collect();
        assert!(!out.stdout.contains("AGENTGATE"), "{lines:?}");
        assert!(!lines.iter().any(|l| l.starts_with("FOO=")), "{lines:?}");
        assert!(lines.contains(&"PLAN_VAR=from-plan"), "{lines:?}");
        assert!(
            lines.contains(&format!("PATH={SAFE_PATH}").as_str()),
            "{lines:?}"
        );
        for line in lines {
            let name = line.split('=').next().unwrap();
            assert!(
                name == "PATH" || name == "PLAN_VAR" || INHERITED_VARS.contains(&name),
                "unexpected variable {line}"
            );
        }
        // Our stdin is a pipe nobody writes to nor closes: an inherited stdin would hang `cat`.
        let out = run_in(dir.path(), argv(&["cat"]), Duration::from_secs(2));
        assert!(out.succeeded() && out.stdout.is_empty(), "{out:?}");
    }

    #[test]
    fn isolated_from_the_test_process() {
        let module = module_path!();
        let test = format!("{}::isolation_probe", module.split_once("::").unwrap().1);
        let exe = std::env::current_exe().unwrap();
        let listed = Command::new(&exe)
            .args(["--exact", &test, "--ignored", "--list"])
            .output()
            .unwrap();
        assert!(
            String::from_utf8_lossy(&listed.stdout).contains("1 test"),
            "{test} not found"
        );
        let mut probe = Command::new(&exe)
            .args(["--exact", &test, "--ignored", "--test-threads=1"])
            .env(PROBE_VAR, "must-not-leak")
            .env("FOO", "from-test-process")
            .env("PATH", "/nonexistent/agent-bin:/usr/bin:/bin")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let held_open = probe.stdin.take();
        let status = probe.wait().unwrap();
        drop(held_open);
        assert!(
            status.success(),
            "the probe failed: run `{test}` with {PROBE_VAR} set"
        );
    }

    #[test]
    fn nonzero_exit_and_signal_are_reported() {
        let out = quick(script("echo failing >&2; exit 7"));
        assert_eq!((out.exit_code, out.signal), (Some(7), None));
        assert!(!out.succeeded());
        assert_eq!(out.stderr, "failing\n");

        let out = quick(script("kill -TERM $$"));
        assert_eq!((out.exit_code, out.signal), (None, Some(15)));
        assert!(!out.succeeded() && !out.timed_out);
    }

    #[test]
    fn spawn_failure_names_the_program() {
        let dir = tempfile::tempdir().unwrap();
        let spec = ShellSpec::new(argv(&["agentgate-no-such-program"]), dir.path());
        let err = run(&spec, Scanner::builtin()).unwrap_err();
        assert!(matches!(err, ExecError::Spawn { .. }), "{err}");
        assert!(
            err.to_string().contains("agentgate-no-such-program"),
            "{err}"
        );
        let empty = ShellSpec::new(ShellCommand::Argv(vec![]), dir.path());
        assert!(matches!(
            run(&empty, Scanner::builtin()),
            Err(ExecError::EmptyCommand)
        ));
    }

    /// Whether `pid` is gone (or a zombie waiting for a reaper that is not us).
    fn dead(pid: u32) -> bool {
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Err(_) => true,
            Ok(stat) => stat
                .rsplit_once(')')
                .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
        }
    }

    #[test]
    fn timeout_kills_the_whole_group() {
        let dir = tempfile::tempdir().unwrap();
        let started = Instant::now();
        let out = run_in(
            dir.path(),
            script("sleep 30 & echo $! > bg.pid; echo started; sleep 30"),
            Duration::from_millis(400),
        );
        assert!(out.timed_out, "{out:?}");
        assert!(!out.succeeded());
        assert_eq!((out.exit_code, out.signal), (None, Some(9)));
        assert_eq!(out.stdout, "started\n");
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );

        let pid = background_pid_after_grace(dir.path());
        assert!(
            dead(pid),
            "background `sleep 30` ({pid}) survived the timeout"
        );
    }

    /// The pid the script wrote to `bg.pid`, once it is dead or 2 s have passed.
    fn background_pid_after_grace(dir: &Path) -> u32 {
        let pid: u32 = std::fs::read_to_string(dir.join("bg.pid"))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let check = Instant::now();
        while !dead(pid) && check.elapsed() < Duration::from_secs(2) {
            thread::sleep(Duration::from_millis(20));
        }
        pid
    }

    #[test]
    fn background_child_holding_the_output_is_bounded_by_the_timeout() {
        // The shell exits at once, but its background child keeps stdout open.
        let dir = tempfile::tempdir().unwrap();
        let out = run_in(
            dir.path(),
            script("sleep 30 & echo $! > bg.pid; echo done"),
            Duration::from_millis(400),
        );
        assert!(out.timed_out, "{out:?}");
        assert_eq!(out.exit_code, Some(0));
        assert_eq!(out.stdout, "done\n");
        let pid = background_pid_after_grace(dir.path());
        assert!(dead(pid));
    }

    #[test]
    fn output_is_bounded_on_both_streams() {
        let started = Instant::now();
        let out = quick(script(
            "head -c 1048576 /dev/zero | tr '\\0' e >&2; head -c 1048576 /dev/zero | tr '\\0' o",
        ));
        assert!(out.succeeded(), "exit {:?}", out.exit_code);
        assert_eq!(out.stdout.len(), MAX_KEPT_BYTES);
        assert_eq!(out.stderr.len(), MAX_KEPT_BYTES);
        assert!(out.stdout.bytes().all(|b| b == b'o'));
        assert!(out.stderr.bytes().all(|b| b == b'e'));
        let dropped = 1024 * 1024 - MAX_KEPT_BYTES as u64;
        assert_eq!((out.stdout_dropped, out.stderr_dropped), (dropped, dropped));
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn cut_lands_on_a_char_boundary() {
        // 30,000 × "€" (3 bytes): 65,536 is not a boundary, so 65,535 bytes are kept.
        let out = quick(script("yes '€€€€€€€€€€' | tr -d '\\n' | head -c 90000"));
        assert!(out.succeeded());
        assert_eq!(out.stdout.len(), 65_535);
        assert!(out.stdout.chars().all(|c| c == '€'));
        assert_eq!(out.stdout_dropped, 90_000 - MAX_KEPT_BYTES as u64);
    }

    #[test]
    fn secrets_in_output_are_redacted() {
        let token = token();
        assert!(Scanner::builtin().contains_secret(&token));
        let out = quick(script(&format!(
            "echo GITHUB_TOKEN={token}; echo \"token {token}\" >&2"
        )));
        assert!(out.succeeded());
        assert!(
            !out.stdout.contains(&token) && !out.stderr.contains(&token),
            "{out:?}"
        );
        assert!(out.stdout.contains("[REDACTED"), "{}", out.stdout);
        assert!(out.stderr.contains("[REDACTED"), "{}", out.stderr);
    }

    #[test]
    fn a_secret_straddling_the_cut_leaves_no_fragment() {
        let token = token();
        // The token starts 20 bytes before the cut and ends 20 bytes after it.
        let pad = MAX_KEPT_BYTES - 20;
        let out = quick(script(&format!(
            "head -c {pad} /dev/zero | tr '\\0' x; printf ' {token}\\n'; head -c 100000 /dev/zero"
        )));
        assert!(out.succeeded());
        assert!(out.stdout.len() <= MAX_KEPT_BYTES);
        assert!(!out.stdout.contains("ghp_"), "{}", &out.stdout[pad - 10..]);
        assert!(
            !out.stdout.contains(&token[4..19]),
            "{}",
            &out.stdout[pad - 10..]
        );
        assert!(
            out.stdout[pad..].starts_with(" [REDACTED"),
            "{}",
            &out.stdout[pad..]
        );
    }

    #[test]
    fn stdin_is_null() {
        let started = Instant::now();
        let out = quick(argv(&["cat"]));
        assert!(out.succeeded(), "{out:?}");
        assert_eq!(out.stdout, "");
        assert!(started.elapsed() < Duration::from_secs(2));
        let out = quick(script("read line; echo \"read: $?\""));
        assert_eq!(out.stdout, "read: 1\n");
    }

    #[test]
    fn specs_from_the_plan() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::create_dir(dir.path().join("out")).unwrap();
        let ws = Workspace::open(dir.path()).unwrap();
        let mut action = ShellAction {
            command: argv(&["pwd"]),
            cwd: None,
            env: [("K".to_owned(), "v".to_owned())].into(),
            timeout: None,
            rollback: None,
        };
        let spec = ShellSpec::from_action(&action, &ws).unwrap();
        assert_eq!(spec.cwd, ws.root());
        assert_eq!(spec.timeout, DEFAULT_TIMEOUT);
        assert_eq!(spec.env.get("K").map(String::as_str), Some("v"));

        action.cwd = Some(ws.resolve("sub").unwrap());
        action.timeout = Some(7);
        let spec = ShellSpec::from_action(&action, &ws).unwrap();
        assert_eq!(spec.cwd, ws.root().join("sub"));
        assert_eq!(spec.timeout, Duration::from_secs(7));

        // Planned when `out` was a plain folder, a symlink out of the workspace by now.
        action.cwd = Some(ws.resolve("out").unwrap());
        std::fs::remove_dir(dir.path().join("out")).unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("out")).unwrap();
        let err = ShellSpec::from_action(&action, &ws).unwrap_err();
        assert!(
            matches!(err, ExecError::CwdOutsideWorkspace { .. }),
            "{err}"
        );

        let check = Check {
            command: script("true"),
            timeout: Some(3),
            line: 1,
            column: 1,
        };
        let spec = ShellSpec::from_check(&check, &ws);
        assert_eq!(
            (spec.cwd.as_path(), spec.timeout),
            (ws.root(), Duration::from_secs(3))
        );
        assert!(run(&spec, Scanner::builtin()).unwrap().succeeded());
    }
}
