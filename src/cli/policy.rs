//! `agentgate policy test|lint|explain`: policies are code, tested, linted and explained.

use std::path::PathBuf;

use clap::Subcommand;

use super::{Format, load_policy, policy_dirs, today};
use crate::error::{Error, ExitCode};
use crate::lint;
use crate::policy::{PolicyFile, PolicySet, embedded, read_dir};
use crate::policy_test::{self, CaseFile};
use crate::render::Styles;

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Run every rule's examples and the fixture plans in DIR/tests/ with their expected decisions.
    Test {
        /// Policy folders. Default: as for plan's --policy (AGENTGATE_POLICY, the config,
        /// .agentgate/policies, the embedded pack).
        #[arg(value_name = "DIR")]
        dirs: Vec<PathBuf>,
    },
    /// Report invalid or shadowed rules, rules without examples, unused surfaces and expired exceptions.
    Lint {
        /// Policy folders. Default: as for plan's --policy (AGENTGATE_POLICY, the config,
        /// .agentgate/policies, the embedded pack).
        #[arg(value_name = "DIR")]
        dirs: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Show a rule (or surface, or secret kind): its why, level, effect, match and examples.
    Explain {
        /// Rule id, e.g. sql-delete-without-where, surface-prod, secret-aws-access-key-id, or a surface name.
        #[arg(value_name = "RULE")]
        rule: String,
        /// Policy folder (repeatable). Default: AGENTGATE_POLICY (folders separated like PATH),
        /// else `policy` in config.yaml, else .agentgate/policies if it exists, else the embedded pack.
        #[arg(long = "policy", value_name = "DIR")]
        policy: Vec<PathBuf>,
    },
}

pub fn run(command: PolicyCommand, _styles: Styles) -> Result<ExitCode, Error> {
    match command {
        PolicyCommand::Test { dirs } => test(&policy_dirs(&dirs)),
        PolicyCommand::Lint { dirs, format } => {
            let set = load_policy(&dirs)?;
            let problems = lint::lint(&set, today());
            match format {
                Format::Text => {
                    for p in &problems {
                        println!("{p}");
                    }
                    println!(
                        "lint: {} rule(s), {} problem(s)",
                        set.rules.len(),
                        problems.len()
                    );
                }
                Format::Json => println!("{:#}", lint::json(&problems)),
            }
            Ok(if problems.is_empty() {
                ExitCode::Allowed
            } else {
                ExitCode::Error
            })
        }
        PolicyCommand::Explain { rule, policy } => {
            let set = load_policy(&policy)?;
            let text = crate::explain::rule(&set, &rule).ok_or_else(|| {
                Error::Usage(format!(
                    "no rule, secret kind, surface or limit `{rule}` in the policy set ({})",
                    set.origin
                ))
            })?;
            print!("{text}");
            Ok(ExitCode::Allowed)
        }
    }
}

/// `policy test`: the examples of the set in `dirs` (none: the embedded pack) and the case files
/// in each folder's tests/.
fn test(dirs: &[PathBuf]) -> Result<ExitCode, Error> {
    let (files, cases, origin) = if dirs.is_empty() {
        (
            embedded::files(),
            embedded::TEST_FILES
                .iter()
                .map(|(n, t)| PolicyFile {
                    name: (*n).into(),
                    text: (*t).into(),
                })
                .collect(),
            "embedded".to_string(),
        )
    } else {
        let (mut files, mut cases) = (Vec::new(), Vec::new());
        for dir in dirs {
            files.extend(read_dir(dir)?);
            let tests = dir.join("tests");
            if tests.is_dir() {
                cases.extend(read_dir(&tests)?);
            }
        }
        let origin = dirs
            .iter()
            .map(|d| d.display().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        (files, cases, origin)
    };
    let set = PolicySet::without_example_check(files, origin)?;
    let mut passed = 0usize;
    let mut failed = 0usize;
    for result in set.example_results() {
        if result.passed() {
            passed += 1;
        } else {
            failed += 1;
            println!(
                "FAIL {}: {} example at {} {}",
                result.rule,
                if result.expect_match {
                    "match"
                } else {
                    "not_match"
                },
                result.source,
                if result.expect_match {
                    "does not match"
                } else {
                    "matches"
                }
            );
        }
    }
    println!(
        "examples: {passed} passed, {failed} failed ({} rules)",
        set.rules.len() + set.secret_rules.len()
    );
    let (mut case_passed, mut case_failed) = (0usize, 0usize);
    for file in cases {
        let cases = CaseFile::parse(&file)?;
        for case in cases.cases {
            match policy_test::run_case(&set, &case, today()) {
                Ok(()) => {
                    case_passed += 1;
                    println!("ok   {}: {}", file.name, case.name);
                }
                Err(why) => {
                    case_failed += 1;
                    println!("FAIL {}: {}: {why}", file.name, case.name);
                }
            }
        }
    }
    println!("cases: {case_passed} passed, {case_failed} failed");
    println!(
        "{} passed, {} failed",
        passed + case_passed,
        failed + case_failed
    );
    Ok(if failed + case_failed == 0 {
        ExitCode::Allowed
    } else {
        ExitCode::Error
    })
}
