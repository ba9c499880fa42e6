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

pub fn stop(args: StopArgs) -> Result<ExitCode, Error> {
    require(&args.reason, "--reason")?;
    let mut store = args.db.open()?;
    let id = store.write(Scanner::builtin(), |w| {
        let first = w.first_denial(None)?;
        let ttc = first.map(|t| w.now() - t);
        w.append(containment_record(
            "stop",
            None,
            Some(&args.reason),
            json!({"time_to_containment_ms": ttc}),
        ))
    })?;
    println!(
        "Kill switch on (audit record {id}): every plan and check of every agent using {} is denied until `agentgate resume`.",
        store.location()
    );
    Ok(ExitCode::Allowed)
}

pub fn resume(args: ResumeArgs) -> Result<ExitCode, Error> {
    let mut store = args.db.open()?;
    let id = store.write(Scanner::builtin(), |w| {
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
    require(&args.agent, "AGENT")?;
    require(&args.reason, "--reason")?;
    let mut store = args.db.open()?;
    let id = store.write(Scanner::builtin(), |w| {
        let first = w.first_denial(Some(&args.agent))?;
        let ttc = first.map(|t| w.now() - t);
        w.append(containment_record(
            "quarantine",
            Some(&args.agent),
            Some(&args.reason),
            json!({"time_to_containment_ms": ttc}),
        ))
    })?;
    println!(
        "Agent `{}` quarantined (audit record {id}): its plans and checks are denied until `agentgate release {}`.",
        render::printable(&args.agent),
        render::printable(&args.agent)
    );
    Ok(ExitCode::Allowed)
}

pub fn release(args: ReleaseArgs) -> Result<ExitCode, Error> {
    require(&args.agent, "AGENT")?;
    let mut store = args.db.open()?;
    let id = store.write(Scanner::builtin(), |w| {
        match w.containment(Some(&args.agent))? {
            Some(c) if c.kind == "quarantine" => {}
            _ => return Ok(None),
        }
        w.append(containment_record(
            "release",
            Some(&args.agent),
            args.reason.as_deref(),
            json!({}),
        ))
        .map(Some)
    })?;
    let agent = render::printable(&args.agent);
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
