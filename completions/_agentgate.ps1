
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'agentgate' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'agentgate'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'agentgate' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('plan', 'plan', [CompletionResultType]::ParameterValue, 'Evaluate a plan: show its diff, tiers and findings, and decide')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Evaluate plans for CI: never interactive, worst outcome wins')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Execute a sealed plan (or a plan) after the approvals its tiers demand; validate, and roll back on failure')
            [CompletionResult]::new('approve', 'approve', [CompletionResultType]::ParameterValue, 'Record a person''s approval of a sealed plan, for apply in CI (never the plan''s own agent)')
            [CompletionResult]::new('rollback', 'rollback', [CompletionResultType]::ParameterValue, 'Undo the file changes of a completed apply, if the files have not changed since')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Read and check the audit trail: list, show, verify, export, stats')
            [CompletionResult]::new('stop', 'stop', [CompletionResultType]::ParameterValue, 'Kill switch: deny every plan and check of every agent until `resume`')
            [CompletionResult]::new('resume', 'resume', [CompletionResultType]::ParameterValue, 'Lift the kill switch')
            [CompletionResult]::new('quarantine', 'quarantine', [CompletionResultType]::ParameterValue, 'Deny every plan and check of one agent until `release`')
            [CompletionResult]::new('release', 'release', [CompletionResultType]::ParameterValue, 'Lift an agent''s quarantine')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the containment in force: the kill switch and quarantined agents')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Show how agentgate reads a shell command, SQL or an HTTP request, and the tier, rules and decision that follow')
            [CompletionResult]::new('policy', 'policy', [CompletionResultType]::ParameterValue, 'Policies are code: test, lint and explain them')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write a commented starter .agentgate folder: config.yaml, .gitignore and policies/')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script (the same files are committed in completions/)')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page of agentgate, or of one of its commands (the same pages are committed in man/)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'agentgate;plan' {
            [CompletionResult]::new('--policy', '--policy', [CompletionResultType]::ParameterName, 'Policy folder (repeatable). Default: AGENTGATE_POLICY (folders separated like PATH), else `policy` in config.yaml, else .agentgate/policies if it exists, else the embedded pack')
            [CompletionResult]::new('--workspace', '--workspace', [CompletionResultType]::ParameterName, 'Folder the plan''s paths are relative to. Default: the plan file''s folder (the current one for -)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Audit database (the sealing key lives beside it). Default: `db` in config.yaml, else audit.db in the .agentgate folder found, else .agentgate/audit.db in the current folder')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on standard output')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Also write a report to a file (repeatable). FORMAT=FILE (text, json, sarif, junit, github) writes that format there and leaves standard output as it is. A bare FILE gets the --format document, and standard output then shows the text review instead (so the job log reads as a review while, say, SARIF goes to the file). Files are replaced atomically; one that cannot be written fails the command (exit 1)')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'The lowest outcome that fails the step. At or above it the exit code is SPEC''s (2 approval required, 3 denied); below it, 0. approve (the default): allowed plans pass; deny: plans that need approval pass too, only denials fail; allow: everything fails, an allowed plan exits 2 (a person must look at everything). Errors always exit 1. The audit trail records the gate''s decision whatever this says')
            [CompletionResult]::new('--max-tier', '--max-tier', [CompletionResultType]::ParameterName, 'The highest plan tier (0-4) this step accepts: a plan whose tier is above N exits 3 (denied by the pipeline''s cap) whatever --fail-on says, and the report says so')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Also write a sealed plan to FILE (mode 0600) for `agentgate apply FILE`: the plan, its evaluation, the fingerprints of its targets and a MAC with the local key')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Also write a sealed plan to FILE (mode 0600) for `agentgate apply FILE`: the plan, its evaluation, the fingerprints of its targets and a MAC with the local key')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentgate;check' {
            [CompletionResult]::new('--policy', '--policy', [CompletionResultType]::ParameterName, 'Policy folder (repeatable). Default: AGENTGATE_POLICY (folders separated like PATH), else `policy` in config.yaml, else .agentgate/policies if it exists, else the embedded pack')
            [CompletionResult]::new('--workspace', '--workspace', [CompletionResultType]::ParameterName, 'Folder the plan''s paths are relative to. Default: the plan file''s folder (the current one for -)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Audit database (the sealing key lives beside it). Default: `db` in config.yaml, else audit.db in the .agentgate folder found, else .agentgate/audit.db in the current folder')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on standard output')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Also write a report to a file (repeatable). FORMAT=FILE (text, json, sarif, junit, github) writes that format there and leaves standard output as it is. A bare FILE gets the --format document, and standard output then shows the text review instead (so the job log reads as a review while, say, SARIF goes to the file). Files are replaced atomically; one that cannot be written fails the command (exit 1)')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'The lowest outcome that fails the step. At or above it the exit code is SPEC''s (2 approval required, 3 denied); below it, 0. approve (the default): allowed plans pass; deny: plans that need approval pass too, only denials fail; allow: everything fails, an allowed plan exits 2 (a person must look at everything). Errors always exit 1. The audit trail records the gate''s decision whatever this says')
            [CompletionResult]::new('--max-tier', '--max-tier', [CompletionResultType]::ParameterName, 'The highest plan tier (0-4) this step accepts: a plan whose tier is above N exits 3 (denied by the pipeline''s cap) whatever --fail-on says, and the report says so')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentgate;apply' {
            [CompletionResult]::new('--policy', '--policy', [CompletionResultType]::ParameterName, 'Policy folder (repeatable). Default: AGENTGATE_POLICY (folders separated like PATH), else `policy` in config.yaml, else .agentgate/policies if it exists, else the embedded pack')
            [CompletionResult]::new('--workspace', '--workspace', [CompletionResultType]::ParameterName, 'Folder the plan''s paths are relative to. Default: the plan file''s folder (the current one for -)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Audit database (the sealing key lives beside it). Default: `db` in config.yaml, else audit.db in the .agentgate folder found, else .agentgate/audit.db in the current folder')
            [CompletionResult]::new('--override', '--override', [CompletionResultType]::ParameterName, 'Lift the denial of a soft-mandatory rule (repeatable; needs --reason). Recorded')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why the overrides are justified (recorded)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)')
            [CompletionResult]::new('--non-interactive', '--non-interactive', [CompletionResultType]::ParameterName, 'Never prompt (also implied by CI being set, or by standard input not being a terminal)')
            [CompletionResult]::new('--auto-approve', '--auto-approve', [CompletionResultType]::ParameterName, 'Approve what needs a person without asking: never past a deny, and tier 4 only when the policy''s `auto_approve.max_tier` is 4')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Check everything and show what would run; execute and record nothing')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'agentgate;approve' {
            [CompletionResult]::new('--by', '--by', [CompletionResultType]::ParameterName, 'Who approves: recorded, and never the plan''s own agent')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (recorded)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Audit database (the sealing key lives beside it). Default: `db` in config.yaml, else audit.db in the .agentgate folder found, else .agentgate/audit.db in the current folder')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'agentgate;rollback' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Audit database (the sealing key lives beside it). Default: `db` in config.yaml, else audit.db in the .agentgate folder found, else .agentgate/audit.db in the current folder')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'agentgate;audit' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List records, newest first')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show the whole decision lineage of the run a record belongs to (ID, or `last`)')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check the hash chain; exit 0 intact, 3 broken (naming the first bad record)')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Write every record with its actions, one JSON object per line, in chain order')
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'The semantic SLOs, per agent and overall: tiers, denied, approval, override, validation failure and rollback rates, time to containment')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'agentgate;audit;list' {
            [CompletionResult]::new('--agent', '--agent', [CompletionResultType]::ParameterName, 'Only this agent''s records')
            [CompletionResult]::new('--task', '--task', [CompletionResultType]::ParameterName, 'Only this task''s records')
            [CompletionResult]::new('--decision', '--decision', [CompletionResultType]::ParameterName, 'Only records with this outcome (allow, approve, deny, error, or a containment kind)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only records at or after this time')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Only records before this time (exclusive: `--until 2026-11-02` ends as that day starts)')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most this many records (0: all)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Audit database (the sealing key lives beside it). Default: `db` in config.yaml, else audit.db in the .agentgate folder found, else .agentgate/audit.db in the current folder')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'agentgate;audit;show' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Audit database (the sealing key lives beside it). Default: `db` in config.yaml, else audit.db in the .agentgate folder found, else .agentgate/audit.db in the current folder')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'agentgate;audit;verify' {
            [CompletionResult]::new('--anchor', '--anchor', [CompletionResultType]::ParameterName, 'A record hash kept elsewhere (a CI log, a ticket): it must still be in the trail')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Audit database (the sealing key lives beside it). Default: `db` in config.yaml, else audit.db in the .agentgate folder found, else .agentgate/audit.db in the current folder')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'agentgate;audit;export' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--agent', '--agent', [CompletionResultType]::ParameterName, 'Only this agent''s records')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only records at or after this time')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Only records before this time (exclusive: `--until 2026-11-02` ends as that day starts)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Audit database (the sealing key lives beside it). Default: `db` in config.yaml, else audit.db in the .agentgate folder found, else .agentgate/audit.db in the current folder')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'agentgate;audit;stats' {
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only records at or after this time')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Only records before this time (exclusive: `--until 2026-11-02` ends as that day starts)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Audit database (the sealing key lives beside it). Default: `db` in config.yaml, else audit.db in the .agentgate folder found, else .agentgate/audit.db in the current folder')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'agentgate;audit;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List records, newest first')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show the whole decision lineage of the run a record belongs to (ID, or `last`)')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check the hash chain; exit 0 intact, 3 broken (naming the first bad record)')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Write every record with its actions, one JSON object per line, in chain order')
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'The semantic SLOs, per agent and overall: tiers, denied, approval, override, validation failure and rollback rates, time to containment')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'agentgate;audit;help;list' {
            break
        }
        'agentgate;audit;help;show' {
            break
        }
        'agentgate;audit;help;verify' {
            break
        }
        'agentgate;audit;help;export' {
            break
        }
        'agentgate;audit;help;stats' {
            break
        }
        'agentgate;audit;help;help' {
            break
        }
        'agentgate;stop' {
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why: recorded, and shown to every agent that is denied')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Audit database (the sealing key lives beside it). Default: `db` in config.yaml, else audit.db in the .agentgate folder found, else .agentgate/audit.db in the current folder')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'agentgate;resume' {
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why it is safe to go on: recorded')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Audit database (the sealing key lives beside it). Default: `db` in config.yaml, else audit.db in the .agentgate folder found, else .agentgate/audit.db in the current folder')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'agentgate;quarantine' {
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why: recorded, and shown to the agent when it is denied')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Audit database (the sealing key lives beside it). Default: `db` in config.yaml, else audit.db in the .agentgate folder found, else .agentgate/audit.db in the current folder')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'agentgate;release' {
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why it is safe to go on: recorded')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Audit database (the sealing key lives beside it). Default: `db` in config.yaml, else audit.db in the .agentgate folder found, else .agentgate/audit.db in the current folder')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'agentgate;status' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Audit database (the sealing key lives beside it). Default: `db` in config.yaml, else audit.db in the .agentgate folder found, else .agentgate/audit.db in the current folder')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'agentgate;explain' {
            [CompletionResult]::new('--shell', '--shell', [CompletionResultType]::ParameterName, 'A shell command, read as `sh -c` would run it: sub-commands unwrapped, flags normalised')
            [CompletionResult]::new('--sql', '--sql', [CompletionResultType]::ParameterName, 'SQL text (one or more statements): statement kinds, tables, WHERE')
            [CompletionResult]::new('--dialect', '--dialect', [CompletionResultType]::ParameterName, 'The dialect --sql is read in: sqlite (the default), postgres, mysql or generic')
            [CompletionResult]::new('--http', '--http', [CompletionResultType]::ParameterName, 'An HTTP request, ''METHOD URL'': method, scheme, host, port, path and the hosts allowed')
            [CompletionResult]::new('--body', '--body', [CompletionResultType]::ParameterName, 'The body of the --http request (scanned for secrets, matched by body rules)')
            [CompletionResult]::new('--policy', '--policy', [CompletionResultType]::ParameterName, 'Policy folder (repeatable). Default: AGENTGATE_POLICY (folders separated like PATH), else `policy` in config.yaml, else .agentgate/policies if it exists, else the embedded pack')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'agentgate;policy' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('test', 'test', [CompletionResultType]::ParameterValue, 'Run every rule''s examples and the fixture plans in DIR/tests/ with their expected decisions')
            [CompletionResult]::new('lint', 'lint', [CompletionResultType]::ParameterValue, 'Report invalid or shadowed rules, rules without examples, unused surfaces and expired exceptions')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Show a rule (or surface, or secret kind): its why, level, effect, match and examples')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'agentgate;policy;test' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'agentgate;policy;lint' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'agentgate;policy;explain' {
            [CompletionResult]::new('--policy', '--policy', [CompletionResultType]::ParameterName, 'Policy folder (repeatable). Default: AGENTGATE_POLICY (folders separated like PATH), else `policy` in config.yaml, else .agentgate/policies if it exists, else the embedded pack')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'agentgate;policy;help' {
            [CompletionResult]::new('test', 'test', [CompletionResultType]::ParameterValue, 'Run every rule''s examples and the fixture plans in DIR/tests/ with their expected decisions')
            [CompletionResult]::new('lint', 'lint', [CompletionResultType]::ParameterValue, 'Report invalid or shadowed rules, rules without examples, unused surfaces and expired exceptions')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Show a rule (or surface, or secret kind): its why, level, effect, match and examples')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'agentgate;policy;help;test' {
            break
        }
        'agentgate;policy;help;lint' {
            break
        }
        'agentgate;policy;help;explain' {
            break
        }
        'agentgate;policy;help;help' {
            break
        }
        'agentgate;init' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The folder to write .agentgate in (created if needed)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)')
            [CompletionResult]::new('--minimal', '--minimal', [CompletionResultType]::ParameterName, 'Write config.yaml and .gitignore only, no policies/ folder: the pack built into agentgate stays in force (and is updated with agentgate)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Overwrite files that exist (nothing else in the folder is touched)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'agentgate;completions' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'agentgate;man' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'agentgate;help' {
            [CompletionResult]::new('plan', 'plan', [CompletionResultType]::ParameterValue, 'Evaluate a plan: show its diff, tiers and findings, and decide')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Evaluate plans for CI: never interactive, worst outcome wins')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Execute a sealed plan (or a plan) after the approvals its tiers demand; validate, and roll back on failure')
            [CompletionResult]::new('approve', 'approve', [CompletionResultType]::ParameterValue, 'Record a person''s approval of a sealed plan, for apply in CI (never the plan''s own agent)')
            [CompletionResult]::new('rollback', 'rollback', [CompletionResultType]::ParameterValue, 'Undo the file changes of a completed apply, if the files have not changed since')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Read and check the audit trail: list, show, verify, export, stats')
            [CompletionResult]::new('stop', 'stop', [CompletionResultType]::ParameterValue, 'Kill switch: deny every plan and check of every agent until `resume`')
            [CompletionResult]::new('resume', 'resume', [CompletionResultType]::ParameterValue, 'Lift the kill switch')
            [CompletionResult]::new('quarantine', 'quarantine', [CompletionResultType]::ParameterValue, 'Deny every plan and check of one agent until `release`')
            [CompletionResult]::new('release', 'release', [CompletionResultType]::ParameterValue, 'Lift an agent''s quarantine')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the containment in force: the kill switch and quarantined agents')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Show how agentgate reads a shell command, SQL or an HTTP request, and the tier, rules and decision that follow')
            [CompletionResult]::new('policy', 'policy', [CompletionResultType]::ParameterValue, 'Policies are code: test, lint and explain them')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write a commented starter .agentgate folder: config.yaml, .gitignore and policies/')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script (the same files are committed in completions/)')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page of agentgate, or of one of its commands (the same pages are committed in man/)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'agentgate;help;plan' {
            break
        }
        'agentgate;help;check' {
            break
        }
        'agentgate;help;apply' {
            break
        }
        'agentgate;help;approve' {
            break
        }
        'agentgate;help;rollback' {
            break
        }
        'agentgate;help;audit' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List records, newest first')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show the whole decision lineage of the run a record belongs to (ID, or `last`)')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check the hash chain; exit 0 intact, 3 broken (naming the first bad record)')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Write every record with its actions, one JSON object per line, in chain order')
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'The semantic SLOs, per agent and overall: tiers, denied, approval, override, validation failure and rollback rates, time to containment')
            break
        }
        'agentgate;help;audit;list' {
            break
        }
        'agentgate;help;audit;show' {
            break
        }
        'agentgate;help;audit;verify' {
            break
        }
        'agentgate;help;audit;export' {
            break
        }
        'agentgate;help;audit;stats' {
            break
        }
        'agentgate;help;stop' {
            break
        }
        'agentgate;help;resume' {
            break
        }
        'agentgate;help;quarantine' {
            break
        }
        'agentgate;help;release' {
            break
        }
        'agentgate;help;status' {
            break
        }
        'agentgate;help;explain' {
            break
        }
        'agentgate;help;policy' {
            [CompletionResult]::new('test', 'test', [CompletionResultType]::ParameterValue, 'Run every rule''s examples and the fixture plans in DIR/tests/ with their expected decisions')
            [CompletionResult]::new('lint', 'lint', [CompletionResultType]::ParameterValue, 'Report invalid or shadowed rules, rules without examples, unused surfaces and expired exceptions')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Show a rule (or surface, or secret kind): its why, level, effect, match and examples')
            break
        }
        'agentgate;help;policy;test' {
            break
        }
        'agentgate;help;policy;lint' {
            break
        }
        'agentgate;help;policy;explain' {
            break
        }
        'agentgate;help;init' {
            break
        }
        'agentgate;help;completions' {
            break
        }
        'agentgate;help;man' {
            break
        }
        'agentgate;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
