//! `agentgate stop/resume/quarantine/release/status`: containment for on-call. Each change is a
//! record in the trail, which is where `plan` and `check` read it from.

use serde_json::json;

use super::{DbArgs, Format};
use crate::audit::record::containment_record;
use crate::containment::format_time;
use crate::error::{Error, ExitCode};
use crate::render;
use crate::secrets::Scanner;

#[derive(Debug, clap::Args)]
pub struct StopArgs {
    /// Why: recorded, and shown to every agent that is denied.
    #[arg(long, value_name = "TEXT")]
    pub reason: String,
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Debug, clap::Args)]
pub struct ResumeArgs {
    /// Why it is safe to go on: recorded.
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Debug, clap::Args)]
pub struct QuarantineArgs {
    /// The agent, as plans name it in `agent:`.
    #[arg(value_name = "AGENT")]
    pub agent: String,
    /// Why: recorded, and shown to the agent when it is denied.
    #[arg(long, value_name = "TEXT")]
    pub reason: String,
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Debug, clap::Args)]
pub struct ReleaseArgs {
    #[arg(value_name = "AGENT")]
    pub agent: String,
    /// Why it is safe to go on: recorded.
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

fn require(text: &str, what: &str) -> Result<(), Error> {
    if text.trim().is_empty() {
        return Err(Error::Usage(format!("{what} must not be empty")));
    }
    Ok(())
}

/// The secrets scanner of the policy the gate runs with, so that a reason quoting a custom secret
/// is redacted like everything else. Containment must work when the policy does not load, so
/// then the built-in patterns serve, and a warning says so.
fn scanner() -> Scanner {
    match super::load_policy(&[]) {
        Ok(policy) => policy.scanner().clone(),
        Err(e) => {
            eprintln!(
                "agentgate: warning: the policy did not load ({}); reasons are redacted with the built-in secret patterns only",
                e.redacted().lines().next().unwrap_or_default()
            );
            Scanner::builtin().clone()
        }
    }
}

/// The agent as plans name it: trimmed (plans' `agent` is), and never a secret (the trail stores
/// names redacted, so such a name could not be matched).
fn agent_name(agent: &str, scanner: &Scanner) -> Result<String, Error> {
    require(agent, "AGENT")?;
    let agent = agent.trim().to_string();
    if scanner.contains_secret(&agent) {
        return Err(Error::Usage(
            "AGENT contains what looks like a secret; agent names are recorded as they are".into(),
        ));
    }
    Ok(agent)
}

pub fn stop(args: StopArgs) -> Result<ExitCode, Error> {
    require(&args.reason, "--reason")?;
    let scanner = scanner();
    let mut store = args.db.open()?;
    let (id, already) = store.write(&scanner, |w| {
        // A second stop records its reason, but containment did not start now.
        let already = w.containment(None)?;
        let ttc = match already {
            Some(_) => None,
            None => w.first_denial(None)?.map(|t| w.now() - t),
        };
        let id = w.append(containment_record(
            "stop",
            None,
            Some(&args.reason),
            json!({"time_to_containment_ms": ttc}),
        ))?;
        Ok((id, already))
    })?;
    match already {
        Some(c) => println!(
            "The kill switch was already on since {} (record {}); the new reason is recorded as audit record {id}.",
            format_time(c.time),
            c.record
        ),
        None => println!(
            "Kill switch on (audit record {id}): every plan and check of every agent using {} is denied until `agentgate resume`.",
            store.location()
        ),
    }
    Ok(ExitCode::Allowed)
}

pub fn resume(args: ResumeArgs) -> Result<ExitCode, Error> {
    let scanner = scanner();
    let mut store = args.db.open()?;
    let id = store.write(&scanner, |w| {
        if w.containment(None)?.is_none() {
            return Ok(None);
        }
        w.append(containment_record(
            "resume",
            None,
            args.reason.as_deref(),
            json!({}),
        ))
        .map(Some)
    })?;
    match id {
        Some(id) => println!("Kill switch off (audit record {id}): agents may act again."),
        None => println!("The kill switch is not on; nothing to resume."),
    }
    Ok(ExitCode::Allowed)
}

pub fn quarantine(args: QuarantineArgs) -> Result<ExitCode, Error> {
    require(&args.reason, "--reason")?;
    let scanner = scanner();
    let agent = agent_name(&args.agent, &scanner)?;
    let mut store = args.db.open()?;
    let (id, known) = store.write(&scanner, |w| {
        let ttc = match w.containment(Some(&agent))? {
            Some(_) => None,
            None => w.first_denial(Some(&agent))?.map(|t| w.now() - t),
        };
        let known = w.has_records(&agent)?;
        let id = w.append(containment_record(
            "quarantine",
            Some(&agent),
            Some(&args.reason),
            json!({"time_to_containment_ms": ttc}),
        ))?;
        Ok((id, known))
    })?;
    let shown = render::printable(&agent);
    println!(
        "Agent `{shown}` quarantined (audit record {id}): its plans and checks are denied until `agentgate release {shown}`."
    );
    if !known {
        println!(
            "Note: this trail has no record of an agent named `{shown}` yet (names are matched exactly, case included)."
        );
    }
    Ok(ExitCode::Allowed)
}

pub fn release(args: ReleaseArgs) -> Result<ExitCode, Error> {
    let scanner = scanner();
    let agent = agent_name(&args.agent, &scanner)?;
    let mut store = args.db.open()?;
    let id = store.write(&scanner, |w| {
        match w.containment(Some(&agent))? {
            Some(c) if c.kind == "quarantine" => {}
            _ => return Ok(None),
        }
        w.append(containment_record(
            "release",
            Some(&agent),
            args.reason.as_deref(),
            json!({}),
        ))
        .map(Some)
    })?;
    let agent = render::printable(&agent);
    match id {
        Some(id) => println!("Agent `{agent}` released (audit record {id})."),
        None => println!("Agent `{agent}` is not quarantined; nothing to release."),
    }
    // The kill switch still holds every agent, released or not.
    if let Some(c) = store.containment(None)? {
        println!(
            "Note: the kill switch is on since {} (record {}); `agentgate resume` lifts it.",
            format_time(c.time),
            c.record
        );
    }
    Ok(ExitCode::Allowed)
}

pub fn status(args: StatusArgs) -> Result<ExitCode, Error> {
    let store = args.db.open_existing()?;
    let stop = store.containment(None)?;
    let quarantined = store.quarantined()?;
    match args.format {
        Format::Json => println!(
            "{:#}",
            render::audit::status_json(stop.as_ref(), &quarantined)
        ),
        Format::Text => print!(
            "{}",
            render::audit::status_text(stop.as_ref(), &quarantined)
        ),
    }
    Ok(ExitCode::Allowed)
}
