//! The project folder `.agentgate/`, found from the current folder upwards; its config file; the
//! precedence flag > AGENTGATE_* variable > config file > default; and `agentgate init`.

use std::path::Path;

use crate::helpers::{Workspace, agentgate, fixture};

/// A policy file with one rule, `id`, denying writes to notes.txt.
fn deny_notes(id: &str) -> String {
    format!(
        "version: 1\nrules:\n  - id: {id}\n    why: notes are read-only\n    match: {{tool: file.write, path: notes.txt}}\n    deny: true\n"
    )
}

const WRITE_NOTES: &str = "version: 1\nagent: test-bot\nactions:\n  - {id: w, tool: file.write, path: notes.txt, content: x}\n";

/// A project: `.agentgate/policies` denying notes.txt with `from-home`, and three more policy
/// folders for the config, the variable and the flag; the plan in `sub/deep/plan.yaml`.
fn project() -> Workspace {
    let ws = Workspace::new();
    ws.file(".agentgate/policies/p.yaml", &deny_notes("from-home"))
        .file("config-policies/p.yaml", &deny_notes("from-config"))
        .file("env-policies/p.yaml", &deny_notes("from-env"))
        .file("env2-policies/p.yaml", &deny_notes("from-env2"))
        .file("flag-policies/p.yaml", &deny_notes("from-flag"))
        .file("sub/deep/plan.yaml", WRITE_NOTES);
    ws
}

/// The rule ids that fired in a JSON plan run.
fn rules(json: &serde_json::Value) -> Vec<String> {
    json["actions"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|a| a["findings"].as_array().unwrap().iter())
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

/// `plan sub/deep/plan.yaml --format json` run in `sub/deep` of `ws`, with the trail the defaults
/// choose unless `env` sets AGENTGATE_DB.
fn plan_in_subfolder(ws: &Workspace, extra: &[&str], env: &[(&str, &str)]) -> crate::helpers::Run {
    let mut args = vec!["plan", "plan.yaml", "--format", "json"];
    args.extend_from_slice(extra);
    let mut gate = agentgate(&args)
        .in_dir(&ws.path().join("sub/deep"))
        .env_remove("AGENTGATE_DB");
    for (k, v) in env {
        gate = gate.env(k, v);
    }
    gate.run()
}

#[test]
fn a_subfolder_uses_the_policies_and_trail_of_the_agentgate_folder_above_it() {
    let ws = project();
    let run = plan_in_subfolder(&ws, &[], &[]);
    run.code(3);
    assert_eq!(rules(&run.json()), ["from-home"]);
    assert!(ws.path().join(".agentgate/audit.db").is_file());
    assert!(!ws.path().join("sub/deep/.agentgate").exists());
    // Another subfolder reads the same trail.
    std::fs::create_dir_all(ws.path().join("sub/other")).unwrap();
    agentgate(&["audit", "list", "--format", "json"])
        .in_dir(&ws.path().join("sub/other"))
        .env_remove("AGENTGATE_DB")
        .run()
        .code(0)
        .stdout_has("test-bot");
    // policy test and lint default to the same folder.
    agentgate(&["policy", "lint"])
        .in_dir(&ws.path().join("sub"))
        .run()
        .stdout_has("lint: 1 rule(s)");
}

#[test]
fn without_an_agentgate_folder_above_the_trail_is_made_in_the_current_folder() {
    let ws = Workspace::new();
    ws.file("a/b/plan.yaml", WRITE_NOTES);
    let run = agentgate(&["plan", "plan.yaml", "--format", "json"])
        .in_dir(&ws.path().join("a/b"))
        .env_remove("AGENTGATE_DB")
        .run();
    run.code(0);
    assert!(rules(&run.json()).is_empty(), "the embedded pack allows it");
    assert!(ws.path().join("a/b/.agentgate/audit.db").is_file());
    assert!(!ws.path().join(".agentgate").exists());
}

#[test]
fn discovery_stops_below_a_ceiling_folder() {
    let ws = project();
    let ceiling = ws.path().join("sub");
    let run = plan_in_subfolder(
        &ws,
        &[],
        &[("AGENTGATE_CEILING_DIRECTORIES", ceiling.to_str().unwrap())],
    );
    run.code(0);
    assert!(rules(&run.json()).is_empty());
    assert!(ws.path().join("sub/deep/.agentgate/audit.db").is_file());
    assert!(!ws.path().join(".agentgate/audit.db").exists());
}

#[test]
fn a_flag_wins_over_its_variable_which_wins_over_the_config_file() {
    let ws = project();
    ws.file(
        ".agentgate/config.yaml",
        "version: 1\npolicy: [config-policies]\ndb: trails/config.db\n",
    );
    let root = ws.path();
    // The config file, its paths relative to the project root.
    let run = plan_in_subfolder(&ws, &[], &[]);
    run.code(3);
    assert_eq!(rules(&run.json()), ["from-config"]);
    assert!(root.join("trails/config.db").is_file());
    assert!(!root.join(".agentgate/audit.db").exists());
    // The variables: AGENTGATE_POLICY is a list separated like PATH.
    let env_db = root.join("env.db");
    let two =
        std::env::join_paths([root.join("env-policies"), root.join("env2-policies")]).unwrap();
    let env = [
        ("AGENTGATE_POLICY", two.to_str().unwrap()),
        ("AGENTGATE_DB", env_db.to_str().unwrap()),
    ];
    let run = plan_in_subfolder(&ws, &[], &env);
    run.code(3);
    assert_eq!(rules(&run.json()), ["from-env", "from-env2"]);
    assert!(env_db.is_file());
    // The flags.
    let flag_db = root.join("flag.db");
    let flag_policies = root.join("flag-policies");
    let run = plan_in_subfolder(
        &ws,
        &[
            "--policy",
            flag_policies.to_str().unwrap(),
            "--db",
            flag_db.to_str().unwrap(),
        ],
        &env,
    );
    run.code(3);
    assert_eq!(rules(&run.json()), ["from-flag"]);
    assert!(flag_db.is_file());
    // An empty variable is unset: the config decides again.
    let run = plan_in_subfolder(&ws, &[], &[("AGENTGATE_POLICY", ""), ("AGENTGATE_DB", "")]);
    run.code(3);
    assert_eq!(rules(&run.json()), ["from-config"]);
}

#[test]
fn color_comes_from_the_flag_the_variable_or_the_config() {
    let ws = project();
    let escape = "\u{1b}[";
    let text = |extra: &[&str], env: &[(&str, &str)]| {
        let mut args = vec!["plan", "plan.yaml"];
        args.extend_from_slice(extra);
        let mut gate = agentgate(&args).in_dir(&ws.path().join("sub/deep"));
        for (k, v) in env {
            gate = gate.env(k, v);
        }
        let run = gate.run();
        run.code(3);
        run.stdout
    };
    assert!(
        !text(&[], &[]).contains(escape),
        "not a terminal: no colour"
    );
    ws.file(".agentgate/config.yaml", "version: 1\ncolor: always\n");
    assert!(text(&[], &[]).contains(escape));
    assert!(!text(&[], &[("AGENTGATE_COLOR", "never")]).contains(escape));
    assert!(text(&["--color", "always"], &[("AGENTGATE_COLOR", "never")]).contains(escape));
    assert!(text(&[], &[("AGENTGATE_COLOR", "")]).contains(escape));
}

#[test]
fn an_explicit_config_file_replaces_discovery() {
    let ws = project();
    // The discovered config is broken, and not read when another is named.
    ws.file(".agentgate/config.yaml", "version: 1\nbogus: 1\n")
        .file(
            "ops/agentgate/config.yaml",
            "version: 1\npolicy: [config-policies]\n",
        )
        .file("ops/config-policies/p.yaml", &deny_notes("from-explicit"));
    let config = ws.path().join("ops/agentgate/config.yaml");
    for (flag, env) in [
        (vec!["--config", config.to_str().unwrap()], vec![]),
        (vec![], vec![("AGENTGATE_CONFIG", config.to_str().unwrap())]),
    ] {
        let run = plan_in_subfolder(&ws, &flag, &env);
        run.code(3);
        // Its paths are relative to the folder above the config's folder: ops/.
        assert_eq!(rules(&run.json()), ["from-explicit"]);
        // The config's folder stands for .agentgate: the trail is beside it.
        assert!(ws.path().join("ops/agentgate/audit.db").is_file());
    }
    let run = plan_in_subfolder(&ws, &["--config", "/nonexistent/config.yaml"], &[]);
    run.code(1).stderr_has("/nonexistent/config.yaml");
}

#[test]
fn a_config_that_does_not_load_stops_every_command_with_its_position() {
    let ws = project();
    for (text, expected) in [
        (
            "version: 1\npolicy: [config-policies]\ncolour: never\n",
            "config.yaml:3:1: unknown field `colour`",
        ),
        (
            "version: 1\ndb: a\n  b: c\n",
            "config.yaml:3:4: mapping values are not allowed",
        ),
        ("version: 1\ndb: [a.db]\n", "config.yaml:2:5:"),
        (
            "version: 2\n",
            "config.yaml:1:10: unsupported config version 2",
        ),
        ("version: 1\npolicy: []\n", "config.yaml:2:"),
    ] {
        ws.file(".agentgate/config.yaml", text);
        for args in [
            &["plan", "plan.yaml"][..],
            &["status"],
            &["policy", "lint"],
            &["audit", "list"],
        ] {
            agentgate(args)
                .in_dir(&ws.path().join("sub/deep"))
                .env_remove("AGENTGATE_DB")
                .run()
                .code(1)
                .stderr_has(expected);
        }
        // With --format json the error is the JSON document, positions included.
        let run = plan_in_subfolder(&ws, &[], &[]);
        run.code(1);
        assert!(
            run.json()["error"]["diagnostics"][0]["line"].is_u64(),
            "{}",
            run.stdout
        );
        assert!(
            !ws.path().join(".agentgate/audit.db").exists(),
            "nothing was recorded"
        );
    }
    // Commands that do not read it still run.
    agentgate(&["completions", "bash"])
        .in_dir(ws.path())
        .run()
        .code(0);
}

#[test]
fn the_workspace_comes_from_its_variable() {
    let ws = Workspace::new();
    ws.file("notes.txt", "old\n");
    let edit = "version: 1\nagent: test-bot\nactions:\n  - {id: e, tool: file.edit, path: notes.txt, old: old, new: new}\n";
    agentgate(&["plan", "-"]).stdin(edit).run().code(1);
    agentgate(&["plan", "-"])
        .stdin(edit)
        .env("AGENTGATE_WORKSPACE", ws.path())
        .run()
        .code(0)
        .stdout_has("+new");
}

#[test]
fn init_writes_a_starter_that_its_own_checks_pass_and_plans_use() {
    let ws = Workspace::new();
    agentgate(&["init"])
        .in_dir(ws.path())
        .run()
        .code(0)
        .stdout_has("policies/local.yaml");
    let home = ws.path().join(".agentgate");
    let gitignore = std::fs::read_to_string(home.join(".gitignore")).unwrap();
    assert!(gitignore.contains("audit.db*") && gitignore.contains("seal.key"));
    let config = std::fs::read_to_string(home.join("config.yaml")).unwrap();
    for field in ["# policy:", "# db:", "# color:"] {
        assert!(config.contains(field), "{field} missing:\n{config}");
    }
    for args in [
        &["policy", "test", ".agentgate/policies"][..],
        &["policy", "lint", ".agentgate/policies"],
        &["policy", "test"],
    ] {
        agentgate(args)
            .in_dir(ws.path())
            .run()
            .code(0)
            .stdout_has(" 0 ");
    }
    // The quickstart reaches the same decision as with the embedded pack, from this folder's pack.
    let run = agentgate(&[
        "plan",
        &fixture("plans/quickstart.yaml"),
        "--format",
        "json",
    ])
    .in_dir(ws.path())
    .env_remove("AGENTGATE_DB")
    .run();
    run.code(2);
    assert_eq!(run.json()["policy"]["source"], ".agentgate/policies");
    assert!(home.join("audit.db").is_file());
    // The starter rule is in force.
    ws.file(
        "ledger.yaml",
        "version: 1\nagent: test-bot\nactions:\n  - {id: s, tool: sql.exec, database: data/ledger.db, statement: \"UPDATE entries SET amount = 0 WHERE id = 7\"}\n",
    );
    agentgate(&["plan", "ledger.yaml"])
        .in_dir(ws.path())
        .run()
        .code(2)
        .stdout_has("local-ledger-writes");
}

#[test]
fn init_refuses_to_overwrite_unless_forced() {
    let ws = Workspace::new();
    let dir = ws.path().join("project");
    let dir = dir.to_str().unwrap();
    agentgate(&["init", "--dir", dir]).run().code(0);
    let config = Path::new(dir).join(".agentgate/config.yaml");
    std::fs::write(&config, "version: 1\ncolor: never\n").unwrap();
    agentgate(&["init", "--dir", dir])
        .run()
        .code(1)
        .stderr_has("already holds config.yaml")
        .stderr_has("nothing was written");
    assert_eq!(
        std::fs::read_to_string(&config).unwrap(),
        "version: 1\ncolor: never\n"
    );
    agentgate(&["init", "--dir", dir, "--force"]).run().code(0);
    assert!(
        std::fs::read_to_string(&config)
            .unwrap()
            .contains("# color: auto")
    );
}

#[test]
fn init_minimal_keeps_the_embedded_pack() {
    let ws = Workspace::new();
    agentgate(&["init", "--minimal"])
        .in_dir(ws.path())
        .run()
        .code(0);
    assert!(ws.path().join(".agentgate/config.yaml").is_file());
    assert!(!ws.path().join(".agentgate/policies").exists());
    let run = agentgate(&[
        "plan",
        &fixture("plans/quickstart.yaml"),
        "--format",
        "json",
    ])
    .in_dir(ws.path())
    .run();
    run.code(2);
    assert_eq!(run.json()["policy"]["source"], "embedded");
}

#[cfg(unix)]
#[test]
fn an_agentgate_folder_of_another_user_is_refused() {
    use std::os::unix::fs::MetadataExt;
    let ws = project();
    if std::fs::metadata(ws.path()).unwrap().uid() != 0 {
        // Only root can give a folder to someone else; CI runs as root.
        eprintln!("skipped: needs root to chown a folder to another user");
        return;
    }
    std::os::unix::fs::chown(ws.path().join(".agentgate"), Some(4242), None).unwrap();
    let run = plan_in_subfolder(&ws, &[], &[]);
    run.code(1);
    assert!(
        run.stderr.contains("belongs to another user (uid 4242"),
        "{}",
        run.stderr
    );
    assert!(!ws.path().join(".agentgate/audit.db").exists());
    // A config named explicitly is the user's choice.
    ws.file("mine/config.yaml", "version: 1\n");
    let config = ws.path().join("mine/config.yaml");
    plan_in_subfolder(&ws, &["--config", config.to_str().unwrap()], &[]).code(0);
}
