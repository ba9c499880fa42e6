//! A small fluent helper around the real binary, in the spirit of casey/just's tests.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(rel: &str) -> String {
    root().join("fixtures").join(rel).display().to_string()
}

/// The real binary's path, for tests that start and stop processes themselves (with [`hermetic`]).
pub fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("agentgate")
}

/// The variables that choose agentgate's settings: a developer's own never reach a test.
pub const SETTINGS_VARS: &[&str] = &[
    "AGENTGATE_DB",
    "AGENTGATE_POLICY",
    "AGENTGATE_CONFIG",
    "AGENTGATE_COLOR",
    "AGENTGATE_WORKSPACE",
];

/// Keep a run to what the test sets up: no settings from the developer's environment, and
/// `.agentgate` discovery stopped below the repository's parent and the temporary folder, so that
/// a `.agentgate` above them (a developer's `~/.agentgate`) changes nothing.
pub fn hermetic(cmd: &mut std::process::Command) -> &mut std::process::Command {
    for var in SETTINGS_VARS {
        cmd.env_remove(var);
    }
    let parent = root().parent().map(Path::to_path_buf).unwrap_or_else(root);
    let ceilings = std::env::join_paths([parent, std::env::temp_dir()]).expect("ceilings");
    cmd.env("AGENTGATE_CEILING_DIRECTORIES", ceilings)
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
    pub fn code(&self, expected: i32) -> &Self {
        assert_eq!(
            self.code, expected,
            "exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
    pub fn stdout_has(&self, needle: &str) -> &Self {
        assert!(
            self.stdout.contains(needle),
            "stdout lacks {needle:?}:\n{}",
            self.stdout
        );
        self
    }
    pub fn stderr_has(&self, needle: &str) -> &Self {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}:\n{}",
            self.stderr
        );
        self
    }
    pub fn nowhere(&self, needle: &str) -> &Self {
        assert!(
            !self.stdout.contains(needle),
            "stdout contains {needle:?}:\n{}",
            self.stdout
        );
        assert!(
            !self.stderr.contains(needle),
            "stderr contains {needle:?}:\n{}",
            self.stderr
        );
        self
    }
}

pub struct Gate {
    cmd: Command,
    stdin: Option<String>,
    /// A private audit trail for this run, unless the test points at a shared one.
    _db: Option<tempfile::TempDir>,
}

/// The real binary, run from the repository root with a throwaway audit trail, [`hermetic`].
pub fn agentgate(args: &[&str]) -> Gate {
    let db = tempfile::tempdir().expect("tempdir");
    let mut std = std::process::Command::new(bin());
    hermetic(&mut std)
        .args(args)
        .current_dir(root())
        .env("AGENTGATE_DB", db.path().join("audit.db"))
        .env("USER", "tester")
        .env_remove("NO_COLOR")
        .env_remove("CI");
    Gate {
        cmd: Command::from_std(std),
        stdin: None,
        _db: Some(db),
    }
}

impl Gate {
    /// Use this audit trail (shared between runs of one test).
    pub fn db(mut self, path: &Path) -> Self {
        self.cmd.env("AGENTGATE_DB", path);
        self._db = None;
        self
    }
    pub fn in_dir(mut self, dir: &Path) -> Self {
        self.cmd.current_dir(dir);
        self
    }
    pub fn env(mut self, k: &str, v: impl AsRef<std::ffi::OsStr>) -> Self {
        self.cmd.env(k, v);
        self
    }
    /// Run without this variable (`AGENTGATE_DB`: with the trail the defaults choose).
    pub fn env_remove(mut self, k: &str) -> Self {
        self.cmd.env_remove(k);
        if k == "AGENTGATE_DB" {
            self._db = None;
        }
        self
    }
    pub fn stdin(mut self, text: &str) -> Self {
        self.stdin = Some(text.to_string());
        self
    }
    pub fn run(mut self) -> Run {
        if let Some(s) = self.stdin {
            self.cmd.write_stdin(s);
        }
        let out = self.cmd.output().expect("run agentgate");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// A throwaway workspace with files in it.
pub struct Workspace {
    pub dir: tempfile::TempDir,
}

impl Workspace {
    pub fn new() -> Self {
        Workspace {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
    /// The workspace's own audit trail (its sealing key beside it), as `agentgate` defaults to.
    pub fn trail(&self) -> PathBuf {
        self.dir.path().join(".agentgate/audit.db")
    }
    pub fn file(&self, rel: &str, content: &str) -> &Self {
        let p = self.dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
        self
    }
    pub fn plan(&self, body: &str) -> String {
        let p = self.dir.path().join("plan.yaml");
        std::fs::write(&p, format!("version: 1\nagent: test-bot\n{body}")).unwrap();
        p.display().to_string()
    }
    /// A plan for agent `test-bot` in a file of its own name (several plans in one workspace).
    pub fn plan_named(&self, name: &str, body: &str) -> String {
        let p = self.dir.path().join(name);
        std::fs::write(&p, format!("version: 1\nagent: test-bot\n{body}")).unwrap();
        p.display().to_string()
    }
}
