
use builtin;
use str;

set edit:completion:arg-completer[agentgate] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'agentgate'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'agentgate'= {
            cand --color 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal'
            cand --config 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand plan 'Evaluate a plan: show its diff, tiers and findings, and decide'
            cand check 'Evaluate plans for CI: never interactive, worst outcome wins'
            cand apply 'Execute a sealed plan (or a plan) after the approvals its tiers demand; validate, and roll back on failure'
            cand approve 'Record a person''s approval of a sealed plan, for apply in CI (never the plan''s own agent)'
            cand rollback 'Undo the file changes of a completed apply, if the files have not changed since'
            cand audit 'Read and check the audit trail: list, show, verify, export, stats'
            cand stop 'Kill switch: deny every plan and check of every agent until `resume`'
            cand resume 'Lift the kill switch'
            cand quarantine 'Deny every plan and check of one agent until `release`'
            cand release 'Lift an agent''s quarantine'
            cand status 'Show the containment in force: the kill switch and quarantined agents'
            cand explain 'Show how agentgate reads a shell command, SQL or an HTTP request, and the tier, rules and decision that follow'
            cand policy 'Policies are code: test, lint and explain them'
            cand init 'Write a commented starter .agentgate folder: config.yaml, .gitignore and policies/'
            cand completions 'Print a shell completion script (the same files are committed in completions/)'
            cand man 'Print the man page of agentgate, or of one of its commands (the same pages are committed in man/)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'agentgate;plan'= {
            cand --policy 'Policy folder (repeatable). Default: AGENTGATE_POLICY (folders separated like PATH), else `policy` in config.yaml, else .agentgate/policies if it exists, else the embedded pack'
            cand --workspace 'Folder the plan''s paths are relative to. Default: the plan file''s folder (the current one for -)'
            cand --db 'Audit database (the sealing key lives beside it). Default: `db` in config.yaml, else audit.db in the .agentgate folder found, else .agentgate/audit.db in the current folder'
            cand --format 'Output format on standard output'
            cand --output 'Also write a report to a file (repeatable). FORMAT=FILE (text, json, sarif, junit, github) writes that format there and leaves standard output as it is. A bare FILE gets the --format document, and standard output then shows the text review instead (so the job log reads as a review while, say, SARIF goes to the file). Files are replaced atomically; one that cannot be written fails the command (exit 1)'
            cand --fail-on 'The lowest outcome that fails the step. At or above it the exit code is SPEC''s (2 approval required, 3 denied); below it, 0. approve (the default): allowed plans pass; deny: plans that need approval pass too, only denials fail; allow: everything fails, an allowed plan exits 2 (a person must look at everything). Errors always exit 1. The audit trail records the gate''s decision whatever this says'
            cand --max-tier 'The highest plan tier (0-4) this step accepts: a plan whose tier is above N exits 3 (denied by the pipeline''s cap) whatever --fail-on says, and the report says so'
            cand -o 'Also write a sealed plan to FILE (mode 0600) for `agentgate apply FILE`: the plan, its evaluation, the fingerprints of its targets and a MAC with the local key'
            cand --out 'Also write a sealed plan to FILE (mode 0600) for `agentgate apply FILE`: the plan, its evaluation, the fingerprints of its targets and a MAC with the local key'
            cand --color 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal'
            cand --config 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentgate;check'= {
            cand --policy 'Policy folder (repeatable). Default: AGENTGATE_POLICY (folders separated like PATH), else `policy` in config.yaml, else .agentgate/policies if it exists, else the embedded pack'
            cand --workspace 'Folder the plan''s paths are relative to. Default: the plan file''s folder (the current one for -)'
            cand --db 'Audit database (the sealing key lives beside it). Default: `db` in config.yaml, else audit.db in the .agentgate folder found, else .agentgate/audit.db in the current folder'
            cand --format 'Output format on standard output'
            cand --output 'Also write a report to a file (repeatable). FORMAT=FILE (text, json, sarif, junit, github) writes that format there and leaves standard output as it is. A bare FILE gets the --format document, and standard output then shows the text review instead (so the job log reads as a review while, say, SARIF goes to the file). Files are replaced atomically; one that cannot be written fails the command (exit 1)'
            cand --fail-on 'The lowest outcome that fails the step. At or above it the exit code is SPEC''s (2 approval required, 3 denied); below it, 0. approve (the default): allowed plans pass; deny: plans that need approval pass too, only denials fail; allow: everything fails, an allowed plan exits 2 (a person must look at everything). Errors always exit 1. The audit trail records the gate''s decision whatever this says'
            cand --max-tier 'The highest plan tier (0-4) this step accepts: a plan whose tier is above N exits 3 (denied by the pipeline''s cap) whatever --fail-on says, and the report says so'
            cand --color 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal'
            cand --config 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentgate;apply'= {
            cand --policy 'Policy folder (repeatable). Default: AGENTGATE_POLICY (folders separated like PATH), else `policy` in config.yaml, else .agentgate/policies if it exists, else the embedded pack'
            cand --workspace 'Folder the plan''s paths are relative to. Default: the plan file''s folder (the current one for -)'
            cand --db 'Audit database (the sealing key lives beside it). Default: `db` in config.yaml, else audit.db in the .agentgate folder found, else .agentgate/audit.db in the current folder'
            cand --override 'Lift the denial of a soft-mandatory rule (repeatable; needs --reason). Recorded'
            cand --reason 'Why the overrides are justified (recorded)'
            cand --format 'Output format'
            cand --color 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal'
            cand --config 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)'
            cand --non-interactive 'Never prompt (also implied by CI being set, or by standard input not being a terminal)'
            cand --auto-approve 'Approve what needs a person without asking: never past a deny, and tier 4 only when the policy''s `auto_approve.max_tier` is 4'
            cand --dry-run 'Check everything and show what would run; execute and record nothing'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'agentgate;approve'= {
            cand --by 'Who approves: recorded, and never the plan''s own agent'
            cand --reason 'Why (recorded)'
            cand --db 'Audit database (the sealing key lives beside it). Default: `db` in config.yaml, else audit.db in the .agentgate folder found, else .agentgate/audit.db in the current folder'
            cand --color 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal'
            cand --config 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'agentgate;rollback'= {
            cand --db 'Audit database (the sealing key lives beside it). Default: `db` in config.yaml, else audit.db in the .agentgate folder found, else .agentgate/audit.db in the current folder'
            cand --color 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal'
            cand --config 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'agentgate;audit'= {
            cand --color 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal'
            cand --config 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand list 'List records, newest first'
            cand show 'Show the whole decision lineage of the run a record belongs to (ID, or `last`)'
            cand verify 'Check the hash chain; exit 0 intact, 3 broken (naming the first bad record)'
            cand export 'Write every record with its actions, one JSON object per line, in chain order'
            cand stats 'The semantic SLOs, per agent and overall: tiers, denied, approval, override, validation failure and rollback rates, time to containment'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'agentgate;audit;list'= {
            cand --agent 'Only this agent''s records'
            cand --task 'Only this task''s records'
            cand --decision 'Only records with this outcome (allow, approve, deny, error, or a containment kind)'
            cand --since 'Only records at or after this time'
            cand --until 'Only records before this time (exclusive: `--until 2026-11-02` ends as that day starts)'
            cand --limit 'At most this many records (0: all)'
            cand --db 'Audit database (the sealing key lives beside it). Default: `db` in config.yaml, else audit.db in the .agentgate folder found, else .agentgate/audit.db in the current folder'
            cand --format 'Output format'
            cand --color 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal'
            cand --config 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'agentgate;audit;show'= {
            cand --db 'Audit database (the sealing key lives beside it). Default: `db` in config.yaml, else audit.db in the .agentgate folder found, else .agentgate/audit.db in the current folder'
            cand --format 'Output format'
            cand --color 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal'
            cand --config 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'agentgate;audit;verify'= {
            cand --anchor 'A record hash kept elsewhere (a CI log, a ticket): it must still be in the trail'
            cand --db 'Audit database (the sealing key lives beside it). Default: `db` in config.yaml, else audit.db in the .agentgate folder found, else .agentgate/audit.db in the current folder'
            cand --format 'Output format'
            cand --color 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal'
            cand --config 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'agentgate;audit;export'= {
            cand --format 'Output format'
            cand --agent 'Only this agent''s records'
            cand --since 'Only records at or after this time'
            cand --until 'Only records before this time (exclusive: `--until 2026-11-02` ends as that day starts)'
            cand --db 'Audit database (the sealing key lives beside it). Default: `db` in config.yaml, else audit.db in the .agentgate folder found, else .agentgate/audit.db in the current folder'
            cand --color 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal'
            cand --config 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'agentgate;audit;stats'= {
            cand --since 'Only records at or after this time'
            cand --until 'Only records before this time (exclusive: `--until 2026-11-02` ends as that day starts)'
            cand --db 'Audit database (the sealing key lives beside it). Default: `db` in config.yaml, else audit.db in the .agentgate folder found, else .agentgate/audit.db in the current folder'
            cand --format 'Output format'
            cand --color 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal'
            cand --config 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'agentgate;audit;help'= {
            cand list 'List records, newest first'
            cand show 'Show the whole decision lineage of the run a record belongs to (ID, or `last`)'
            cand verify 'Check the hash chain; exit 0 intact, 3 broken (naming the first bad record)'
            cand export 'Write every record with its actions, one JSON object per line, in chain order'
            cand stats 'The semantic SLOs, per agent and overall: tiers, denied, approval, override, validation failure and rollback rates, time to containment'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'agentgate;audit;help;list'= {
        }
        &'agentgate;audit;help;show'= {
        }
        &'agentgate;audit;help;verify'= {
        }
        &'agentgate;audit;help;export'= {
        }
        &'agentgate;audit;help;stats'= {
        }
        &'agentgate;audit;help;help'= {
        }
        &'agentgate;stop'= {
            cand --reason 'Why: recorded, and shown to every agent that is denied'
            cand --db 'Audit database (the sealing key lives beside it). Default: `db` in config.yaml, else audit.db in the .agentgate folder found, else .agentgate/audit.db in the current folder'
            cand --color 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal'
            cand --config 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'agentgate;resume'= {
            cand --reason 'Why it is safe to go on: recorded'
            cand --db 'Audit database (the sealing key lives beside it). Default: `db` in config.yaml, else audit.db in the .agentgate folder found, else .agentgate/audit.db in the current folder'
            cand --color 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal'
            cand --config 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'agentgate;quarantine'= {
            cand --reason 'Why: recorded, and shown to the agent when it is denied'
            cand --db 'Audit database (the sealing key lives beside it). Default: `db` in config.yaml, else audit.db in the .agentgate folder found, else .agentgate/audit.db in the current folder'
            cand --color 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal'
            cand --config 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'agentgate;release'= {
            cand --reason 'Why it is safe to go on: recorded'
            cand --db 'Audit database (the sealing key lives beside it). Default: `db` in config.yaml, else audit.db in the .agentgate folder found, else .agentgate/audit.db in the current folder'
            cand --color 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal'
            cand --config 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'agentgate;status'= {
            cand --db 'Audit database (the sealing key lives beside it). Default: `db` in config.yaml, else audit.db in the .agentgate folder found, else .agentgate/audit.db in the current folder'
            cand --format 'Output format'
            cand --color 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal'
            cand --config 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'agentgate;explain'= {
            cand --shell 'A shell command, read as `sh -c` would run it: sub-commands unwrapped, flags normalised'
            cand --sql 'SQL text (one or more statements): statement kinds, tables, WHERE'
            cand --dialect 'The dialect --sql is read in: sqlite (the default), postgres, mysql or generic'
            cand --http 'An HTTP request, ''METHOD URL'': method, scheme, host, port, path and the hosts allowed'
            cand --body 'The body of the --http request (scanned for secrets, matched by body rules)'
            cand --policy 'Policy folder (repeatable). Default: AGENTGATE_POLICY (folders separated like PATH), else `policy` in config.yaml, else .agentgate/policies if it exists, else the embedded pack'
            cand --format 'format'
            cand --color 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal'
            cand --config 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'agentgate;policy'= {
            cand --color 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal'
            cand --config 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand test 'Run every rule''s examples and the fixture plans in DIR/tests/ with their expected decisions'
            cand lint 'Report invalid or shadowed rules, rules without examples, unused surfaces and expired exceptions'
            cand explain 'Show a rule (or surface, or secret kind): its why, level, effect, match and examples'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'agentgate;policy;test'= {
            cand --color 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal'
            cand --config 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'agentgate;policy;lint'= {
            cand --format 'Output format'
            cand --color 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal'
            cand --config 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'agentgate;policy;explain'= {
            cand --policy 'Policy folder (repeatable). Default: AGENTGATE_POLICY (folders separated like PATH), else `policy` in config.yaml, else .agentgate/policies if it exists, else the embedded pack'
            cand --color 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal'
            cand --config 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'agentgate;policy;help'= {
            cand test 'Run every rule''s examples and the fixture plans in DIR/tests/ with their expected decisions'
            cand lint 'Report invalid or shadowed rules, rules without examples, unused surfaces and expired exceptions'
            cand explain 'Show a rule (or surface, or secret kind): its why, level, effect, match and examples'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'agentgate;policy;help;test'= {
        }
        &'agentgate;policy;help;lint'= {
        }
        &'agentgate;policy;help;explain'= {
        }
        &'agentgate;policy;help;help'= {
        }
        &'agentgate;init'= {
            cand --dir 'The folder to write .agentgate in (created if needed)'
            cand --color 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal'
            cand --config 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)'
            cand --minimal 'Write config.yaml and .gitignore only, no policies/ folder: the pack built into agentgate stays in force (and is updated with agentgate)'
            cand --force 'Overwrite files that exist (nothing else in the folder is touched)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'agentgate;completions'= {
            cand --color 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal'
            cand --config 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'agentgate;man'= {
            cand --color 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal'
            cand --config 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'agentgate;help'= {
            cand plan 'Evaluate a plan: show its diff, tiers and findings, and decide'
            cand check 'Evaluate plans for CI: never interactive, worst outcome wins'
            cand apply 'Execute a sealed plan (or a plan) after the approvals its tiers demand; validate, and roll back on failure'
            cand approve 'Record a person''s approval of a sealed plan, for apply in CI (never the plan''s own agent)'
            cand rollback 'Undo the file changes of a completed apply, if the files have not changed since'
            cand audit 'Read and check the audit trail: list, show, verify, export, stats'
            cand stop 'Kill switch: deny every plan and check of every agent until `resume`'
            cand resume 'Lift the kill switch'
            cand quarantine 'Deny every plan and check of one agent until `release`'
            cand release 'Lift an agent''s quarantine'
            cand status 'Show the containment in force: the kill switch and quarantined agents'
            cand explain 'Show how agentgate reads a shell command, SQL or an HTTP request, and the tier, rules and decision that follow'
            cand policy 'Policies are code: test, lint and explain them'
            cand init 'Write a commented starter .agentgate folder: config.yaml, .gitignore and policies/'
            cand completions 'Print a shell completion script (the same files are committed in completions/)'
            cand man 'Print the man page of agentgate, or of one of its commands (the same pages are committed in man/)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'agentgate;help;plan'= {
        }
        &'agentgate;help;check'= {
        }
        &'agentgate;help;apply'= {
        }
        &'agentgate;help;approve'= {
        }
        &'agentgate;help;rollback'= {
        }
        &'agentgate;help;audit'= {
            cand list 'List records, newest first'
            cand show 'Show the whole decision lineage of the run a record belongs to (ID, or `last`)'
            cand verify 'Check the hash chain; exit 0 intact, 3 broken (naming the first bad record)'
            cand export 'Write every record with its actions, one JSON object per line, in chain order'
            cand stats 'The semantic SLOs, per agent and overall: tiers, denied, approval, override, validation failure and rollback rates, time to containment'
        }
        &'agentgate;help;audit;list'= {
        }
        &'agentgate;help;audit;show'= {
        }
        &'agentgate;help;audit;verify'= {
        }
        &'agentgate;help;audit;export'= {
        }
        &'agentgate;help;audit;stats'= {
        }
        &'agentgate;help;stop'= {
        }
        &'agentgate;help;resume'= {
        }
        &'agentgate;help;quarantine'= {
        }
        &'agentgate;help;release'= {
        }
        &'agentgate;help;status'= {
        }
        &'agentgate;help;explain'= {
        }
        &'agentgate;help;policy'= {
            cand test 'Run every rule''s examples and the fixture plans in DIR/tests/ with their expected decisions'
            cand lint 'Report invalid or shadowed rules, rules without examples, unused surfaces and expired exceptions'
            cand explain 'Show a rule (or surface, or secret kind): its why, level, effect, match and examples'
        }
        &'agentgate;help;policy;test'= {
        }
        &'agentgate;help;policy;lint'= {
        }
        &'agentgate;help;policy;explain'= {
        }
        &'agentgate;help;init'= {
        }
        &'agentgate;help;completions'= {
        }
        &'agentgate;help;man'= {
        }
        &'agentgate;help;help'= {
        }
    ]
    $completions[$command]
}
