//! The gate's speed on Terraform plans: a generated `terraform show -json` document of 5,000
//! resource changes (security groups, IAM policies, buckets, databases; creates, updates,
//! replacements, destroys, unknown and sensitive values) parsed and evaluated in-process, and the
//! release binary's `check` on it and on each small plan of `fixtures/terraform/`.
//! Run: `cargo bench --bench terraform` (prints figures; no timed assertions).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use agentgate::evaluate::evaluate;
use agentgate::plan::Plan;
use agentgate::policy::PolicySet;
use agentgate::render;
use agentgate::workspace::Workspace;

const CHANGES: usize = 5_000;
const RUNS: usize = 7;

fn change(i: usize) -> Value {
    let policy = |action: &str| {
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": format!("arn:aws:s3:::b{i}/*")}]}).to_string()
    };
    let (address, actions, before, after, unknown, sensitive) = match i % 6 {
        0 => (
            format!("aws_security_group.sg{i}"),
            json!(["create"]),
            Value::Null,
            json!({"name": format!("sg{i}"), "ingress": [{"from_port": 443, "to_port": 443, "protocol": "tcp", "cidr_blocks": ["10.0.0.0/8"], "ipv6_cidr_blocks": []}], "tags": {"Team": "web"}}),
            json!({"id": true, "arn": true, "ingress": [{"cidr_blocks": [false], "ipv6_cidr_blocks": []}]}),
            json!({}),
        ),
        1 => (
            format!("aws_iam_policy.p{i}"),
            json!(["update"]),
            json!({"name": format!("p{i}"), "policy": policy("s3:GetObject")}),
            json!({"name": format!("p{i}"), "policy": policy(if i % 60 == 1 { "s3:*" } else { "s3:PutObject" })}),
            json!({}),
            json!({}),
        ),
        2 => (
            format!("module.data.aws_s3_bucket.b{i}"),
            json!(["create"]),
            Value::Null,
            json!({"bucket": format!("b{i}"), "force_destroy": false, "tags": {"Environment": if i % 12 == 2 { "production" } else { "staging" }}}),
            json!({"id": true, "arn": true, "acl": true}),
            json!({}),
        ),
        3 => (
            format!("aws_db_instance.db{i}"),
            json!(["delete", "create"]),
            json!({"identifier": format!("db{i}"), "engine": "postgres", "password": "Zq3vR8tLm2Xw9pK4", "storage_encrypted": true, "deletion_protection": true}),
            json!({"identifier": format!("db{i}-new"), "engine": "postgres", "password": "Zq3vR8tLm2Xw9pK4", "storage_encrypted": true, "deletion_protection": true}),
            json!({"endpoint": true}),
            json!({"password": true}),
        ),
        4 => (
            format!("aws_instance.web[{i}]"),
            json!(["no-op"]),
            json!({"ami": "ami-1", "instance_type": "t3.micro"}),
            json!({"ami": "ami-1", "instance_type": "t3.micro"}),
            json!({}),
            json!({}),
        ),
        _ => (
            format!("google_compute_firewall.fw{i}"),
            json!(["delete"]),
            json!({"name": format!("fw{i}"), "source_ranges": ["10.0.0.0/8"], "allow": [{"protocol": "tcp", "ports": ["22"]}]}),
            Value::Null,
            Value::Null,
            json!({}),
        ),
    };
    json!({
        "address": address,
        "mode": "managed",
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "change": {"actions": actions, "before": before, "after": after, "after_unknown": unknown,
                   "before_sensitive": sensitive.clone(), "after_sensitive": sensitive}
    })
}

fn stats(mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort();
    (samples[0], samples[samples.len() / 2])
}

fn main() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let doc = json!({
        "format_version": "1.2",
        "terraform_version": "1.9.5",
        "planned_values": {},
        "resource_changes": (0..CHANGES).map(change).collect::<Vec<_>>(),
    });
    let text = serde_json::to_string_pretty(&doc).unwrap();
    let path = dir.join("tfplan.json");
    std::fs::write(&path, &text).unwrap();
    println!(
        "terraform plan: {CHANGES} resource changes, {} KiB",
        text.len() / 1024
    );
    let ws = Workspace::open(dir).unwrap();
    let today = jiff::civil::date(2026, 12, 4);
    let policy = PolicySet::embedded().unwrap();
    let (mut parse, mut eval_t, mut json_t, mut text_t) = (vec![], vec![], vec![], vec![]);
    for _ in 0..RUNS {
        let t = Instant::now();
        let plan = Plan::parse(&text, "tfplan.json", &|p| ws.resolve(p)).unwrap();
        parse.push(t.elapsed());
        let t = Instant::now();
        let eval = evaluate(&plan, &policy, &ws, today).unwrap();
        eval_t.push(t.elapsed());
        let t = Instant::now();
        let out = render::plan_json_text(&eval);
        json_t.push(t.elapsed());
        let t = Instant::now();
        let shown = render::plan_text(&eval, render::Styles { color: false });
        text_t.push(t.elapsed());
        assert!(!out.contains("Zq3vR8tLm2Xw9pK4") && !shown.contains("Zq3vR8tLm2Xw9pK4"));
    }
    for (name, samples) in [
        ("parse", parse),
        ("evaluate", eval_t),
        ("render json", json_t),
        ("render text", text_t),
    ] {
        let (min, med) = stats(samples);
        let per = med.as_secs_f64() * 1e6 / CHANGES as f64;
        println!(
            "in-process: {name:<12} min {min:>9.2?}  median {med:>9.2?}  ({per:.1} µs/change)"
        );
    }

    let bin = env!("CARGO_BIN_EXE_agentgate");
    let run = |file: &std::path::Path, db: &str| {
        let t = Instant::now();
        let out = Command::new(bin)
            .args(["check", file.to_str().unwrap(), "--format", "json"])
            .env("AGENTGATE_DB", dir.join(db))
            .output()
            .unwrap();
        assert!(matches!(out.status.code(), Some(0..=3)), "{out:?}");
        t.elapsed()
    };
    let (min, med) = stats(
        (0..RUNS)
            .map(|i| run(&path, &format!("big-{i}.db")))
            .collect(),
    );
    println!("binary: check of the {CHANGES}-change plan  min {min:>8.2?}  median {med:>8.2?}");
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/terraform");
    let mut files: Vec<_> = std::fs::read_dir(&corpus)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "json"));
    files.sort();
    let mut per_plan = Vec::new();
    for (i, file) in files.iter().enumerate() {
        for r in 0..3 {
            per_plan.push(run(file, &format!("corpus-{i}-{r}.db")));
        }
    }
    if !per_plan.is_empty() {
        let (min, med) = stats(per_plan);
        println!(
            "binary: check of one fixtures/terraform plan ({} files)  min {min:>8.2?}  median {med:>8.2?}",
            files.len()
        );
    }
}
