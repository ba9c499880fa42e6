//! `agentgate audit list/show/verify/export/stats`: reading the trail and proving it intact.

use std::io::Write;

use clap::{Subcommand, ValueEnum};

use super::{DbArgs, Format};
use crate::audit::store::Millis;
use crate::audit::{Filter, stats};
use crate::error::{Error, ExitCode};
use crate::render::{self, Styles};

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// List records, newest first.
    List(ListArgs),
    /// Show the whole decision lineage of the run a record belongs to (ID, or `last`).
    Show(ShowArgs),
    /// Check the hash chain; exit 0 intact, 3 broken (naming the first bad record).
    Verify(VerifyArgs),
    /// Write every record with its actions, one JSON object per line, in chain order.
    Export(ExportArgs),
    /// The semantic SLOs, per agent and overall: tiers, denied, approval, override, validation
    /// failure and rollback rates, time to containment.
    Stats(StatsArgs),
}

/// Time window options: a date (2026-11-01), an RFC 3339 time, or a duration ago (90s, 30m, 24h, 7d).
#[derive(Debug, clap::Args)]
pub struct Window {
    /// Only records at or after this time.
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// Only records before this time (exclusive: `--until 2026-11-02` ends as that day starts).
    #[arg(long, value_name = "WHEN")]
    pub until: Option<String>,
}

impl Window {
    fn resolve(&self) -> Result<(Option<Millis>, Option<Millis>), Error> {
        let now = jiff::Timestamp::now();
        let since = self
            .since
            .as_deref()
            .map(|s| parse_when(s, now, "--since"))
            .transpose()?;
        let until = self
            .until
            .as_deref()
            .map(|s| parse_when(s, now, "--until"))
            .transpose()?;
        if let (Some(s), Some(u)) = (since, until)
            && s >= u
        {
            return Err(Error::Usage(
                "--since must be earlier than --until (the window is [since, until))".into(),
            ));
        }
        Ok((since, until))
    }
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Only this agent's records.
    #[arg(long, value_name = "AGENT")]
    pub agent: Option<String>,
    /// Only this task's records.
    #[arg(long, value_name = "TASK")]
    pub task: Option<String>,
    /// Only records with this outcome (allow, approve, deny, error, or a containment kind).
    #[arg(long, value_name = "DECISION")]
    pub decision: Option<String>,
    #[command(flatten)]
    pub window: Window,
    /// At most this many records (0: all).
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub limit: u64,
    #[command(flatten)]
    pub db: DbArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// A record id (any record of the run), or `last`.
    #[arg(value_name = "ID")]
    pub id: String,
    #[command(flatten)]
    pub db: DbArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// A record hash kept elsewhere (a CI log, a ticket): it must still be in the trail.
    #[arg(long, value_name = "HASH")]
    pub anchor: Option<String>,
    #[command(flatten)]
    pub db: DbArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Jsonl,
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
    pub format: ExportFormat,
    /// Only this agent's records.
    #[arg(long, value_name = "AGENT")]
    pub agent: Option<String>,
    #[command(flatten)]
    pub window: Window,
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatsFormat {
    Text,
    Json,
    Prometheus,
}

#[derive(Debug, clap::Args)]
pub struct StatsArgs {
    #[command(flatten)]
    pub window: Window,
    #[command(flatten)]
    pub db: DbArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = StatsFormat::Text)]
    pub format: StatsFormat,
}

pub fn run(command: AuditCommand, _styles: Styles) -> Result<ExitCode, Error> {
    match command {
        AuditCommand::List(args) => list(args),
        AuditCommand::Show(args) => show(args),
        AuditCommand::Verify(args) => verify(args),
        AuditCommand::Export(args) => export(args),
        AuditCommand::Stats(args) => stats_command(args),
    }
}

/// The outcomes a record can have, for `--decision`.
const OUTCOMES: [&str; 8] = [
    "allow",
    "approve",
    "deny",
    "error",
    "stop",
    "resume",
    "quarantine",
    "release",
];

fn list(args: ListArgs) -> Result<ExitCode, Error> {
    let (since, until) = args.window.resolve()?;
    if let Some(d) = &args.decision
        && !OUTCOMES.contains(&d.as_str())
    {
        return Err(Error::Usage(format!(
            "--decision `{}`: expected one of {}",
            render::printable(d),
            OUTCOMES.join(", ")
        )));
    }
    let store = args.db.open_existing()?;
    let filter = Filter {
        agent: args.agent,
        task: args.task,
        outcome: args.decision,
        since,
        until,
        limit: (args.limit > 0).then_some(args.limit),
    };
    let rows = store.list(&filter)?;
    match args.format {
        Format::Text => print!("{}", render::audit::list_text(&rows)),
        Format::Json => println!("{:#}", render::audit::list_json(&rows)),
    }
    Ok(ExitCode::Allowed)
}

fn show(args: ShowArgs) -> Result<ExitCode, Error> {
    let store = args.db.open_existing()?;
    let id = match args.id.trim() {
        "last" => store.last_id()?.ok_or_else(|| {
            Error::Usage(format!("the trail at {} has no records", store.location()))
        })?,
        text => text.parse::<i64>().map_err(|_| {
            Error::Usage(format!(
                "ID must be a record number or `last`, not `{}`",
                render::printable(text)
            ))
        })?,
    };
    let run = store.run(id)?;
    if run.is_empty() {
        return Err(Error::Usage(format!(
            "no record {id} in the trail at {}",
            store.location()
        )));
    }
    match args.format {
        Format::Text => print!("{}", render::audit::show_text(&run)),
        Format::Json => println!("{:#}", render::audit::show_json(&run)),
    }
    Ok(ExitCode::Allowed)
}

fn verify(args: VerifyArgs) -> Result<ExitCode, Error> {
    let mut store = args.db.open_existing()?;
    let result = store.verify(args.anchor.as_deref())?;
    match args.format {
        Format::Text => print!("{}", render::audit::verify_text(&result, store.location())),
        Format::Json => println!("{:#}", render::audit::verify_json(&result)),
    }
    Ok(if result.broken.is_some() {
        ExitCode::Denied
    } else {
        ExitCode::Allowed
    })
}

fn export(args: ExportArgs) -> Result<ExitCode, Error> {
    let (since, until) = args.window.resolve()?;
    let store = args.db.open_existing()?;
    let filter = Filter {
        agent: args.agent,
        since,
        until,
        ..Filter::default()
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    store.export(&filter, &mut |record, actions| {
        let line = render::audit::record_json(&record, &actions);
        serde_json::to_writer(&mut out, &line)
            .map_err(std::io::Error::from)
            .and_then(|()| out.write_all(b"\n"))
            .map_err(|e| Error::io("standard output", e))
    })?;
    out.flush().map_err(|e| Error::io("standard output", e))?;
    Ok(ExitCode::Allowed)
}

fn stats_command(args: StatsArgs) -> Result<ExitCode, Error> {
    let (since, until) = args.window.resolve()?;
    let store = args.db.open_existing()?;
    let stats = stats::stats(&store, since, until)?;
    match args.format {
        StatsFormat::Text => print!("{}", render::audit::stats_text(&stats)),
        StatsFormat::Json => println!("{:#}", render::audit::stats_json(&stats)),
        StatsFormat::Prometheus => print!("{}", render::audit::stats_prometheus(&stats)),
    }
    Ok(ExitCode::Allowed)
}

/// A point in time: `2026-11-01`, `2026-11-01T10:00:00Z`, or a duration before `now` (`24h`).
pub fn parse_when(text: &str, now: jiff::Timestamp, flag: &str) -> Result<Millis, Error> {
    let t = text.trim();
    let fail = || {
        Error::Usage(format!(
            "{flag} `{}`: expected a date (2026-11-01), an RFC 3339 time (2026-11-01T10:00:00Z) \
             or a duration ago (90s, 30m, 24h, 7d)",
            render::printable(text)
        ))
    };
    if let Some(unit) = t.chars().last().filter(|c| "smhdw".contains(*c)) {
        let digits = &t[..t.len() - 1];
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            let n: i64 = digits.parse().map_err(|_| fail())?;
            let seconds = match unit {
                's' => 1,
                'm' => 60,
                'h' => 3_600,
                'd' => 86_400,
                _ => 604_800,
            };
            let ms = n.checked_mul(seconds * 1000).ok_or_else(fail)?;
            return Ok(now.as_millisecond().saturating_sub(ms));
        }
    }
    if let Ok(ts) = t.parse::<jiff::Timestamp>() {
        return Ok(ts.as_millisecond());
    }
    if let Ok(date) = t.parse::<jiff::civil::Date>() {
        return date
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map(|z| z.timestamp().as_millisecond())
            .map_err(|_| fail());
    }
    Err(fail())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn when_accepts_dates_times_and_durations() {
        let now: jiff::Timestamp = "2026-11-21T12:00:00Z".parse().unwrap();
        let ms = |s: &str| parse_when(s, now, "--since").unwrap();
        assert_eq!(ms("24h"), now.as_millisecond() - 86_400_000);
        assert_eq!(ms("7d"), now.as_millisecond() - 7 * 86_400_000);
        assert_eq!(ms("90s"), now.as_millisecond() - 90_000);
        let day: jiff::Timestamp = "2026-11-01T00:00:00Z".parse().unwrap();
        assert_eq!(ms("2026-11-01"), day.as_millisecond());
        assert_eq!(ms("2026-11-01T00:00:00Z"), day.as_millisecond());
        for bad in [
            "yesterday",
            "24",
            "h",
            "-5m",
            "2026-13-01",
            "99999999999999999999d",
        ] {
            let e = parse_when(bad, now, "--since").unwrap_err().to_string();
            assert!(e.contains("expected a date"), "{bad}: {e}");
        }
    }
}
