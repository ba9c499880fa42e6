//! The error type and the exit-code contract of SPEC section 5, written once.
//! "Could not run" is an [`Error`]; "denied" is an evaluation result, never an error.

use std::fmt;

/// Exit codes of `plan`, `check`, `apply` and `hook` (SPEC section 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ExitCode {
    /// Allowed (plan, check) / applied and validated (apply).
    Allowed = 0,
    /// Error: bad input, bad policy, I/O; nothing was executed.
    Error = 1,
    /// Approval required and not given.
    ApprovalRequired = 2,
    /// Denied by policy or containment.
    Denied = 3,
    /// Execution or post-action validation failed.
    ExecutionFailed = 4,
}

impl ExitCode {
    /// The process exit status.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// How bad an outcome is when several are combined (`check` over many files): an error is
    /// the worst, because nothing about that input could be evaluated and the gate fails closed.
    pub fn severity(self) -> u8 {
        match self {
            Self::Allowed => 0,
            Self::ApprovalRequired => 1,
            Self::Denied => 2,
            Self::ExecutionFailed => 3,
            Self::Error => 4,
        }
    }

    /// The worse of two outcomes.
    pub fn worst(self, other: Self) -> Self {
        if other.severity() > self.severity() {
            other
        } else {
            self
        }
    }
}

/// Where a problem is: a file (or `-`), and a line and column when known (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub line: Option<u64>,
    pub column: Option<u64>,
    /// The policy rule (or plan action) the problem belongs to, when there is one.
    pub subject: Option<String>,
    pub message: String,
}

impl Diagnostic {
    pub fn new(file: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            file: file.into(),
            line: None,
            column: None,
            subject: None,
            message: message.into(),
        }
    }

    pub fn at(mut self, line: u64, column: u64) -> Self {
        if line > 0 {
            self.line = Some(line);
            self.column = Some(column.max(1));
        }
        self
    }

    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, ": ")?;
        if let Some(subject) = &self.subject {
            write!(f, "{subject}: ")?;
        }
        write!(f, "{}", self.message)
    }
}

/// Everything that stops a command before it can act: exit code 1, or 3 for [`Error::Refused`].
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The plan (or another input file) is malformed or refused.
    #[error("{0}")]
    Input(Diagnostic),
    /// The policy set failed to load; every problem found is listed.
    #[error("policy failed to load:\n{}", list(.0))]
    Policy(Vec<Diagnostic>),
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The command line asked for something that cannot be done.
    #[error("{0}")]
    Usage(String),
    /// The audit database could not be opened, read or written.
    #[error("audit database {path}: {message}")]
    Audit { path: String, message: String },
    /// A safety check refused to act: a stale, replayed or tampered sealed plan, a self-approval,
    /// a rollback over changed files. Exit code 3, like a denial; nothing was executed.
    #[error("refused: {0}")]
    Refused(String),
}

fn list(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(|d| format!("  {d}"))
        .collect::<Vec<_>>()
        .join("\n")
}

impl Error {
    pub fn io(path: impl fmt::Display, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_string(),
            source,
        }
    }

    /// Exit code 1 (nothing was executed), or 3 for a refusal.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Self::Refused(_) => ExitCode::Denied,
            _ => ExitCode::Error,
        }
    }

    /// The message with any secret in it redacted: errors quote input, and input may hold secrets.
    /// Control characters are escaped too: a plan must not be able to forge terminal output
    /// through an error about itself.
    pub fn redacted(&self) -> String {
        let redacted = crate::secrets::Scanner::builtin()
            .redact(&self.to_string())
            .into_owned();
        crate::render::printable(&redacted).into_owned()
    }

    /// The same error with every secret `scanner` knows (a policy's custom patterns too) redacted
    /// from its text, for errors about input read under that policy.
    pub fn redact_with(self, scanner: &crate::secrets::Scanner) -> Error {
        let clean = |s: String| scanner.redact(&s).into_owned();
        let diagnostic = |d: Diagnostic| Diagnostic {
            file: clean(d.file),
            subject: d.subject.map(clean),
            message: clean(d.message),
            ..d
        };
        match self {
            Self::Input(d) => Self::Input(diagnostic(d)),
            Self::Policy(ds) => Self::Policy(ds.into_iter().map(diagnostic).collect()),
            Self::Io { path, source } => Self::Io {
                path: clean(path),
                source: std::io::Error::new(source.kind(), clean(source.to_string())),
            },
            Self::Usage(message) => Self::Usage(clean(message)),
            Self::Audit { path, message } => Self::Audit {
                path: clean(path),
                message: clean(message),
            },
            Self::Refused(message) => Self::Refused(clean(message)),
        }
    }

    /// The diagnostics behind this error, for machine-readable output.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        match self {
            Self::Input(d) => vec![d.clone()],
            Self::Policy(ds) => ds.clone(),
            Self::Io { path, source } => vec![Diagnostic::new(path.clone(), source.to_string())],
            Self::Usage(message) => vec![Diagnostic::new("agentgate", message.clone())],
            Self::Audit { path, message } => vec![Diagnostic::new(path.clone(), message.clone())],
            Self::Refused(message) => vec![Diagnostic::new("agentgate", message.clone())],
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_the_spec() {
        assert_eq!(ExitCode::Allowed.code(), 0);
        assert_eq!(ExitCode::Error.code(), 1);
        assert_eq!(ExitCode::ApprovalRequired.code(), 2);
        assert_eq!(ExitCode::Denied.code(), 3);
        assert_eq!(ExitCode::ExecutionFailed.code(), 4);
    }

    #[test]
    fn error_is_the_worst_outcome() {
        let all = [
            ExitCode::Allowed,
            ExitCode::ApprovalRequired,
            ExitCode::Denied,
            ExitCode::ExecutionFailed,
            ExitCode::Error,
        ];
        for a in all {
            assert_eq!(a.worst(ExitCode::Error), ExitCode::Error);
            assert_eq!(ExitCode::Allowed.worst(a), a);
        }
        assert_eq!(
            ExitCode::Denied.worst(ExitCode::ApprovalRequired),
            ExitCode::Denied
        );
    }

    #[test]
    fn diagnostic_display_names_file_line_column() {
        let d = Diagnostic::new("plan.yaml", "unknown field `pth`")
            .at(3, 5)
            .subject("action `a`");
        assert_eq!(
            d.to_string(),
            "plan.yaml:3:5: action `a`: unknown field `pth`"
        );
    }
}
