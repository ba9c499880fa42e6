//! The generated files committed in the repository (shell completions in completions/, man pages
//! in man/) are what the binary generates. `AGENTGATE_UPDATE_GENERATED=1 cargo test --test cli
//! generated` rewrites them after a change to the command line.

use std::path::Path;

use crate::helpers::{agentgate, root};

/// The switch that rewrites the committed files instead of failing.
const UPDATE: &str = "AGENTGATE_UPDATE_GENERATED";

/// Compare (or, with the switch, rewrite) every file of `folder` with what is generated; a file
/// generated no more is stale too.
fn check(folder: &str, generated: Vec<(String, String)>) {
    let dir = root().join(folder);
    let update = std::env::var_os(UPDATE).is_some_and(|v| !v.is_empty());
    if update {
        std::fs::create_dir_all(&dir).unwrap();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if !generated.iter().any(|(n, _)| *n == name) {
                std::fs::remove_file(&path).unwrap();
            }
        }
        for (name, text) in &generated {
            std::fs::write(dir.join(name), text).unwrap();
        }
    }
    let mut stale = Vec::new();
    for (name, text) in &generated {
        if std::fs::read_to_string(dir.join(name)).ok().as_ref() != Some(text) {
            stale.push(name.clone());
        }
    }
    for entry in std::fs::read_dir(&dir).into_iter().flatten() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if !generated.iter().any(|(n, _)| *n == name) {
            stale.push(format!("{name} (generated no more)"));
        }
    }
    assert!(
        stale.is_empty(),
        "{folder}/ is stale: {}; run {UPDATE}=1 cargo test --test cli generated",
        stale.join(", ")
    );
}

#[test]
fn generated_completions_are_current_for_every_shell() {
    use clap::ValueEnum;
    use clap_complete::Shell;
    let file = |shell: &Shell| match shell {
        Shell::Bash => "agentgate.bash",
        Shell::Zsh => "_agentgate",
        Shell::Fish => "agentgate.fish",
        Shell::PowerShell => "_agentgate.ps1",
        Shell::Elvish => "agentgate.elv",
        other => panic!("no completions file named for {other}: add it here"),
    };
    // Every shell clap_complete knows, so that a new one cannot be left out.
    let generated = Shell::value_variants()
        .iter()
        .map(|shell| (file(shell).to_string(), agentgate::cli::completion(*shell)))
        .collect::<Vec<_>>();
    assert_eq!(generated.len(), 5);
    check("completions", generated);
}

#[test]
fn generated_man_pages_are_current() {
    let pages = agentgate::cli::man_pages();
    assert!(pages.iter().any(|(n, _)| n == "agentgate.1"));
    assert!(pages.iter().any(|(n, _)| n == "agentgate-audit-list.1"));
    check("man", pages);
}

#[test]
fn man_prints_the_page_of_agentgate_or_of_a_command() {
    let page = |args: &[&str]| {
        let run = agentgate(args).run();
        run.code(0);
        run.stdout
    };
    let man = Path::new("man");
    let committed = |name: &str| std::fs::read_to_string(root().join(man).join(name)).unwrap();
    assert_eq!(page(&["man"]), committed("agentgate.1"));
    assert_eq!(page(&["man", "plan"]), committed("agentgate-plan.1"));
    assert_eq!(
        page(&["man", "audit", "list"]),
        committed("agentgate-audit-list.1")
    );
    let top = page(&["man"]);
    assert!(top.contains(".TH agentgate 1"), "{top}");
    assert!(top.contains("AGENTGATE_DB") && top.contains("AGENTGATE_CEILING_DIRECTORIES"));
    agentgate(&["man", "nope"])
        .run()
        .code(1)
        .stderr_has("no man page for `nope`");
}

#[test]
fn completions_print_what_is_committed() {
    let run = agentgate(&["completions", "bash"]).run();
    run.code(0);
    let committed = std::fs::read_to_string(root().join("completions/agentgate.bash")).unwrap();
    assert_eq!(run.stdout, committed);
}
