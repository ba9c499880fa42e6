//! Properties of the engine: any input parses or is refused (never a panic), and a plan never
//! evaluates to fewer actions than it lists.

use agentgate::evaluate::evaluate;
use agentgate::plan::Plan;
use agentgate::policy::PolicySet;
use agentgate::workspace::Workspace;
use proptest::prelude::*;

fn lexical(ws: &Workspace) -> impl Fn(&str) -> Result<agentgate::workspace::WsPath, String> + '_ {
    move |p| ws.resolve(p)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_text_parses_or_is_refused(text in "\\PC{0,400}") {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::open(dir.path()).unwrap();
        let _ = Plan::parse(&text, "fuzz.yaml", &lexical(&ws));
    }

    #[test]
    fn yaml_shaped_text_parses_or_is_refused(
        lines in proptest::collection::vec(
            prop_oneof![
                Just("version: 1".to_string()), Just("agent: a".to_string()), Just("actions:".to_string()),
                Just("  - id: x".to_string()), Just("    tool: shell.exec".to_string()), Just("    command: rm -rf /".to_string()),
                Just("    path: ../x".to_string()), Just("  - {id: y, tool: file.read, path: a}".to_string()),
                "[a-z:{}\\[\\], -]{0,20}".prop_map(|s| s),
            ],
            0..12,
        )
    ) {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::open(dir.path()).unwrap();
        let _ = Plan::parse(&lines.join("\n"), "fuzz.yaml", &lexical(&ws));
    }

    #[test]
    fn every_listed_action_is_evaluated(
        actions in proptest::collection::vec(
            prop_oneof![
                Just("{tool: file.read, path: a.txt}"),
                Just("{tool: file.write, path: b.txt, content: hi}"),
                Just("{tool: shell.exec, command: 'ls && rm -rf / | cat'}"),
                Just("{tool: shell.exec, command: '$x'}"),
                Just("{tool: sql.exec, database: d.db, statement: 'DELETE FROM t; SELECT 1'}"),
                Just("{tool: http.request, method: DELETE, url: 'https://example.com/x'}"),
                Just("{tool: call, name: send_money, args: {amount: 5}}"),
                Just("{tool: mystery.tool}"),
            ],
            0..30,
        )
    ) {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::open(dir.path()).unwrap();
        let mut text = String::from("version: 1\nagent: a\nactions:\n");
        for (i, a) in actions.iter().enumerate() {
            text.push_str(&format!("  - {{id: a{i}, {}\n", &a[1..]));
        }
        let plan = Plan::parse(&text, "p.yaml", &lexical(&ws)).unwrap();
        let policy = PolicySet::embedded().unwrap();
        let eval = evaluate(&plan, &policy, &ws, jiff::civil::date(2026, 1, 1)).unwrap();
        prop_assert_eq!(eval.actions.len(), actions.len());
        let max_tier = eval.actions.iter().map(|a| a.tier).max().unwrap_or_default();
        prop_assert_eq!(eval.tier, max_tier);
        let max_decision = eval.actions.iter().map(|a| a.decision).max().unwrap_or_default();
        prop_assert_eq!(eval.decision, max_decision);
    }
}
