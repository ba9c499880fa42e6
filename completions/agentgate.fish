# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_agentgate_global_optspecs
    string join \n color= config= h/help V/version
end

function __fish_agentgate_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_agentgate_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_agentgate_using_subcommand
    set -l cmd (__fish_agentgate_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c agentgate -n "__fish_agentgate_needs_command" -l color -d 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentgate -n "__fish_agentgate_needs_command" -l config -d 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)' -r -F
complete -c agentgate -n "__fish_agentgate_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentgate -n "__fish_agentgate_needs_command" -s V -l version -d 'Print version'
complete -c agentgate -n "__fish_agentgate_needs_command" -f -a "plan" -d 'Evaluate a plan: show its diff, tiers and findings, and decide'
complete -c agentgate -n "__fish_agentgate_needs_command" -f -a "check" -d 'Evaluate plans for CI: never interactive, worst outcome wins'
complete -c agentgate -n "__fish_agentgate_needs_command" -f -a "apply" -d 'Execute a sealed plan (or a plan) after the approvals its tiers demand; validate, and roll back on failure'
complete -c agentgate -n "__fish_agentgate_needs_command" -f -a "approve" -d 'Record a person\'s approval of a sealed plan, for apply in CI (never the plan\'s own agent)'
complete -c agentgate -n "__fish_agentgate_needs_command" -f -a "rollback" -d 'Undo the file changes of a completed apply, if the files have not changed since'
complete -c agentgate -n "__fish_agentgate_needs_command" -f -a "audit" -d 'Read and check the audit trail: list, show, verify, export, stats'
complete -c agentgate -n "__fish_agentgate_needs_command" -f -a "stop" -d 'Kill switch: deny every plan and check of every agent until `resume`'
complete -c agentgate -n "__fish_agentgate_needs_command" -f -a "resume" -d 'Lift the kill switch'
complete -c agentgate -n "__fish_agentgate_needs_command" -f -a "quarantine" -d 'Deny every plan and check of one agent until `release`'
complete -c agentgate -n "__fish_agentgate_needs_command" -f -a "release" -d 'Lift an agent\'s quarantine'
complete -c agentgate -n "__fish_agentgate_needs_command" -f -a "status" -d 'Show the containment in force: the kill switch and quarantined agents'
complete -c agentgate -n "__fish_agentgate_needs_command" -f -a "explain" -d 'Show how agentgate reads a shell command, SQL or an HTTP request, and the tier, rules and decision that follow'
complete -c agentgate -n "__fish_agentgate_needs_command" -f -a "policy" -d 'Policies are code: test, lint and explain them'
complete -c agentgate -n "__fish_agentgate_needs_command" -f -a "init" -d 'Write a commented starter .agentgate folder: config.yaml, .gitignore and policies/'
complete -c agentgate -n "__fish_agentgate_needs_command" -f -a "completions" -d 'Print a shell completion script (the same files are committed in completions/)'
complete -c agentgate -n "__fish_agentgate_needs_command" -f -a "man" -d 'Print the man page of agentgate, or of one of its commands (the same pages are committed in man/)'
complete -c agentgate -n "__fish_agentgate_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c agentgate -n "__fish_agentgate_using_subcommand plan" -l policy -d 'Policy folder (repeatable). Default: AGENTGATE_POLICY (folders separated like PATH), else `policy` in config.yaml, else .agentgate/policies if it exists, else the embedded pack' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand plan" -l workspace -d 'Folder the plan\'s paths are relative to. Default: the plan file\'s folder (the current one for -)' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand plan" -l db -d 'Audit database (the sealing key lives beside it). Default: `db` in config.yaml, else audit.db in the .agentgate folder found, else .agentgate/audit.db in the current folder' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand plan" -l format -d 'Output format on standard output' -r -f -a "text\t'For people: diffs, a summary table, findings, the decision'
json\t'The JSON document of SPEC section 6'
sarif\t'SARIF 2.1.0, for code scanning (e.g. GitHub\'s upload-sarif)'
junit\t'JUnit XML, for test reporters: a test suite per plan file, a test case per action'
github\t'GitHub Actions workflow commands: annotations on the plan file, and a summary line'"
complete -c agentgate -n "__fish_agentgate_using_subcommand plan" -l output -d 'Also write a report to a file (repeatable). FORMAT=FILE (text, json, sarif, junit, github) writes that format there and leaves standard output as it is. A bare FILE gets the --format document, and standard output then shows the text review instead (so the job log reads as a review while, say, SARIF goes to the file). Files are replaced atomically; one that cannot be written fails the command (exit 1)' -r
complete -c agentgate -n "__fish_agentgate_using_subcommand plan" -l fail-on -d 'The lowest outcome that fails the step. At or above it the exit code is SPEC\'s (2 approval required, 3 denied); below it, 0. approve (the default): allowed plans pass; deny: plans that need approval pass too, only denials fail; allow: everything fails, an allowed plan exits 2 (a person must look at everything). Errors always exit 1. The audit trail records the gate\'s decision whatever this says' -r -f -a "allow\t''
approve\t''
deny\t''"
complete -c agentgate -n "__fish_agentgate_using_subcommand plan" -l max-tier -d 'The highest plan tier (0-4) this step accepts: a plan whose tier is above N exits 3 (denied by the pipeline\'s cap) whatever --fail-on says, and the report says so' -r
complete -c agentgate -n "__fish_agentgate_using_subcommand plan" -s o -l out -d 'Also write a sealed plan to FILE (mode 0600) for `agentgate apply FILE`: the plan, its evaluation, the fingerprints of its targets and a MAC with the local key' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand plan" -l color -d 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentgate -n "__fish_agentgate_using_subcommand plan" -l config -d 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand plan" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentgate -n "__fish_agentgate_using_subcommand check" -l policy -d 'Policy folder (repeatable). Default: AGENTGATE_POLICY (folders separated like PATH), else `policy` in config.yaml, else .agentgate/policies if it exists, else the embedded pack' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand check" -l workspace -d 'Folder the plan\'s paths are relative to. Default: the plan file\'s folder (the current one for -)' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand check" -l db -d 'Audit database (the sealing key lives beside it). Default: `db` in config.yaml, else audit.db in the .agentgate folder found, else .agentgate/audit.db in the current folder' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand check" -l format -d 'Output format on standard output' -r -f -a "text\t'For people: diffs, a summary table, findings, the decision'
json\t'The JSON document of SPEC section 6'
sarif\t'SARIF 2.1.0, for code scanning (e.g. GitHub\'s upload-sarif)'
junit\t'JUnit XML, for test reporters: a test suite per plan file, a test case per action'
github\t'GitHub Actions workflow commands: annotations on the plan file, and a summary line'"
complete -c agentgate -n "__fish_agentgate_using_subcommand check" -l output -d 'Also write a report to a file (repeatable). FORMAT=FILE (text, json, sarif, junit, github) writes that format there and leaves standard output as it is. A bare FILE gets the --format document, and standard output then shows the text review instead (so the job log reads as a review while, say, SARIF goes to the file). Files are replaced atomically; one that cannot be written fails the command (exit 1)' -r
complete -c agentgate -n "__fish_agentgate_using_subcommand check" -l fail-on -d 'The lowest outcome that fails the step. At or above it the exit code is SPEC\'s (2 approval required, 3 denied); below it, 0. approve (the default): allowed plans pass; deny: plans that need approval pass too, only denials fail; allow: everything fails, an allowed plan exits 2 (a person must look at everything). Errors always exit 1. The audit trail records the gate\'s decision whatever this says' -r -f -a "allow\t''
approve\t''
deny\t''"
complete -c agentgate -n "__fish_agentgate_using_subcommand check" -l max-tier -d 'The highest plan tier (0-4) this step accepts: a plan whose tier is above N exits 3 (denied by the pipeline\'s cap) whatever --fail-on says, and the report says so' -r
complete -c agentgate -n "__fish_agentgate_using_subcommand check" -l color -d 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentgate -n "__fish_agentgate_using_subcommand check" -l config -d 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentgate -n "__fish_agentgate_using_subcommand apply" -l policy -d 'Policy folder (repeatable). Default: AGENTGATE_POLICY (folders separated like PATH), else `policy` in config.yaml, else .agentgate/policies if it exists, else the embedded pack' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand apply" -l workspace -d 'Folder the plan\'s paths are relative to. Default: the plan file\'s folder (the current one for -)' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand apply" -l db -d 'Audit database (the sealing key lives beside it). Default: `db` in config.yaml, else audit.db in the .agentgate folder found, else .agentgate/audit.db in the current folder' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand apply" -l override -d 'Lift the denial of a soft-mandatory rule (repeatable; needs --reason). Recorded' -r
complete -c agentgate -n "__fish_agentgate_using_subcommand apply" -l reason -d 'Why the overrides are justified (recorded)' -r
complete -c agentgate -n "__fish_agentgate_using_subcommand apply" -l format -d 'Output format' -r -f -a "text\t''
json\t''"
complete -c agentgate -n "__fish_agentgate_using_subcommand apply" -l color -d 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentgate -n "__fish_agentgate_using_subcommand apply" -l config -d 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand apply" -l non-interactive -d 'Never prompt (also implied by CI being set, or by standard input not being a terminal)'
complete -c agentgate -n "__fish_agentgate_using_subcommand apply" -l auto-approve -d 'Approve what needs a person without asking: never past a deny, and tier 4 only when the policy\'s `auto_approve.max_tier` is 4'
complete -c agentgate -n "__fish_agentgate_using_subcommand apply" -l dry-run -d 'Check everything and show what would run; execute and record nothing'
complete -c agentgate -n "__fish_agentgate_using_subcommand apply" -s h -l help -d 'Print help'
complete -c agentgate -n "__fish_agentgate_using_subcommand approve" -l by -d 'Who approves: recorded, and never the plan\'s own agent' -r
complete -c agentgate -n "__fish_agentgate_using_subcommand approve" -l reason -d 'Why (recorded)' -r
complete -c agentgate -n "__fish_agentgate_using_subcommand approve" -l db -d 'Audit database (the sealing key lives beside it). Default: `db` in config.yaml, else audit.db in the .agentgate folder found, else .agentgate/audit.db in the current folder' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand approve" -l color -d 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentgate -n "__fish_agentgate_using_subcommand approve" -l config -d 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand approve" -s h -l help -d 'Print help'
complete -c agentgate -n "__fish_agentgate_using_subcommand rollback" -l db -d 'Audit database (the sealing key lives beside it). Default: `db` in config.yaml, else audit.db in the .agentgate folder found, else .agentgate/audit.db in the current folder' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand rollback" -l color -d 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentgate -n "__fish_agentgate_using_subcommand rollback" -l config -d 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand rollback" -s h -l help -d 'Print help'
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and not __fish_seen_subcommand_from list show verify export stats help" -l color -d 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and not __fish_seen_subcommand_from list show verify export stats help" -l config -d 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and not __fish_seen_subcommand_from list show verify export stats help" -s h -l help -d 'Print help'
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and not __fish_seen_subcommand_from list show verify export stats help" -f -a "list" -d 'List records, newest first'
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and not __fish_seen_subcommand_from list show verify export stats help" -f -a "show" -d 'Show the whole decision lineage of the run a record belongs to (ID, or `last`)'
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and not __fish_seen_subcommand_from list show verify export stats help" -f -a "verify" -d 'Check the hash chain; exit 0 intact, 3 broken (naming the first bad record)'
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and not __fish_seen_subcommand_from list show verify export stats help" -f -a "export" -d 'Write every record with its actions, one JSON object per line, in chain order'
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and not __fish_seen_subcommand_from list show verify export stats help" -f -a "stats" -d 'The semantic SLOs, per agent and overall: tiers, denied, approval, override, validation failure and rollback rates, time to containment'
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and not __fish_seen_subcommand_from list show verify export stats help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and __fish_seen_subcommand_from list" -l agent -d 'Only this agent\'s records' -r
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and __fish_seen_subcommand_from list" -l task -d 'Only this task\'s records' -r
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and __fish_seen_subcommand_from list" -l decision -d 'Only records with this outcome (allow, approve, deny, error, or a containment kind)' -r
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and __fish_seen_subcommand_from list" -l since -d 'Only records at or after this time' -r
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and __fish_seen_subcommand_from list" -l until -d 'Only records before this time (exclusive: `--until 2026-11-02` ends as that day starts)' -r
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and __fish_seen_subcommand_from list" -l limit -d 'At most this many records (0: all)' -r
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and __fish_seen_subcommand_from list" -l db -d 'Audit database (the sealing key lives beside it). Default: `db` in config.yaml, else audit.db in the .agentgate folder found, else .agentgate/audit.db in the current folder' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and __fish_seen_subcommand_from list" -l format -d 'Output format' -r -f -a "text\t''
json\t''"
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and __fish_seen_subcommand_from list" -l color -d 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and __fish_seen_subcommand_from list" -l config -d 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and __fish_seen_subcommand_from show" -l db -d 'Audit database (the sealing key lives beside it). Default: `db` in config.yaml, else audit.db in the .agentgate folder found, else .agentgate/audit.db in the current folder' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and __fish_seen_subcommand_from show" -l format -d 'Output format' -r -f -a "text\t''
json\t''"
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and __fish_seen_subcommand_from show" -l color -d 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and __fish_seen_subcommand_from show" -l config -d 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and __fish_seen_subcommand_from verify" -l anchor -d 'A record hash kept elsewhere (a CI log, a ticket): it must still be in the trail' -r
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and __fish_seen_subcommand_from verify" -l db -d 'Audit database (the sealing key lives beside it). Default: `db` in config.yaml, else audit.db in the .agentgate folder found, else .agentgate/audit.db in the current folder' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and __fish_seen_subcommand_from verify" -l format -d 'Output format' -r -f -a "text\t''
json\t''"
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and __fish_seen_subcommand_from verify" -l color -d 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and __fish_seen_subcommand_from verify" -l config -d 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help'
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and __fish_seen_subcommand_from export" -l format -d 'Output format' -r -f -a "jsonl\t''"
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and __fish_seen_subcommand_from export" -l agent -d 'Only this agent\'s records' -r
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and __fish_seen_subcommand_from export" -l since -d 'Only records at or after this time' -r
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and __fish_seen_subcommand_from export" -l until -d 'Only records before this time (exclusive: `--until 2026-11-02` ends as that day starts)' -r
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and __fish_seen_subcommand_from export" -l db -d 'Audit database (the sealing key lives beside it). Default: `db` in config.yaml, else audit.db in the .agentgate folder found, else .agentgate/audit.db in the current folder' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and __fish_seen_subcommand_from export" -l color -d 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and __fish_seen_subcommand_from export" -l config -d 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and __fish_seen_subcommand_from export" -s h -l help -d 'Print help'
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and __fish_seen_subcommand_from stats" -l since -d 'Only records at or after this time' -r
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and __fish_seen_subcommand_from stats" -l until -d 'Only records before this time (exclusive: `--until 2026-11-02` ends as that day starts)' -r
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and __fish_seen_subcommand_from stats" -l db -d 'Audit database (the sealing key lives beside it). Default: `db` in config.yaml, else audit.db in the .agentgate folder found, else .agentgate/audit.db in the current folder' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and __fish_seen_subcommand_from stats" -l format -d 'Output format' -r -f -a "text\t''
json\t''
prometheus\t''"
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and __fish_seen_subcommand_from stats" -l color -d 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and __fish_seen_subcommand_from stats" -l config -d 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and __fish_seen_subcommand_from stats" -s h -l help -d 'Print help'
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "list" -d 'List records, newest first'
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show the whole decision lineage of the run a record belongs to (ID, or `last`)'
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Check the hash chain; exit 0 intact, 3 broken (naming the first bad record)'
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "export" -d 'Write every record with its actions, one JSON object per line, in chain order'
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "stats" -d 'The semantic SLOs, per agent and overall: tiers, denied, approval, override, validation failure and rollback rates, time to containment'
complete -c agentgate -n "__fish_agentgate_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c agentgate -n "__fish_agentgate_using_subcommand stop" -l reason -d 'Why: recorded, and shown to every agent that is denied' -r
complete -c agentgate -n "__fish_agentgate_using_subcommand stop" -l db -d 'Audit database (the sealing key lives beside it). Default: `db` in config.yaml, else audit.db in the .agentgate folder found, else .agentgate/audit.db in the current folder' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand stop" -l color -d 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentgate -n "__fish_agentgate_using_subcommand stop" -l config -d 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand stop" -s h -l help -d 'Print help'
complete -c agentgate -n "__fish_agentgate_using_subcommand resume" -l reason -d 'Why it is safe to go on: recorded' -r
complete -c agentgate -n "__fish_agentgate_using_subcommand resume" -l db -d 'Audit database (the sealing key lives beside it). Default: `db` in config.yaml, else audit.db in the .agentgate folder found, else .agentgate/audit.db in the current folder' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand resume" -l color -d 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentgate -n "__fish_agentgate_using_subcommand resume" -l config -d 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand resume" -s h -l help -d 'Print help'
complete -c agentgate -n "__fish_agentgate_using_subcommand quarantine" -l reason -d 'Why: recorded, and shown to the agent when it is denied' -r
complete -c agentgate -n "__fish_agentgate_using_subcommand quarantine" -l db -d 'Audit database (the sealing key lives beside it). Default: `db` in config.yaml, else audit.db in the .agentgate folder found, else .agentgate/audit.db in the current folder' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand quarantine" -l color -d 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentgate -n "__fish_agentgate_using_subcommand quarantine" -l config -d 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand quarantine" -s h -l help -d 'Print help'
complete -c agentgate -n "__fish_agentgate_using_subcommand release" -l reason -d 'Why it is safe to go on: recorded' -r
complete -c agentgate -n "__fish_agentgate_using_subcommand release" -l db -d 'Audit database (the sealing key lives beside it). Default: `db` in config.yaml, else audit.db in the .agentgate folder found, else .agentgate/audit.db in the current folder' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand release" -l color -d 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentgate -n "__fish_agentgate_using_subcommand release" -l config -d 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand release" -s h -l help -d 'Print help'
complete -c agentgate -n "__fish_agentgate_using_subcommand status" -l db -d 'Audit database (the sealing key lives beside it). Default: `db` in config.yaml, else audit.db in the .agentgate folder found, else .agentgate/audit.db in the current folder' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand status" -l format -d 'Output format' -r -f -a "text\t''
json\t''"
complete -c agentgate -n "__fish_agentgate_using_subcommand status" -l color -d 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentgate -n "__fish_agentgate_using_subcommand status" -l config -d 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand status" -s h -l help -d 'Print help'
complete -c agentgate -n "__fish_agentgate_using_subcommand explain" -l shell -d 'A shell command, read as `sh -c` would run it: sub-commands unwrapped, flags normalised' -r
complete -c agentgate -n "__fish_agentgate_using_subcommand explain" -l sql -d 'SQL text (one or more statements): statement kinds, tables, WHERE' -r
complete -c agentgate -n "__fish_agentgate_using_subcommand explain" -l dialect -d 'The dialect --sql is read in: sqlite (the default), postgres, mysql or generic' -r
complete -c agentgate -n "__fish_agentgate_using_subcommand explain" -l http -d 'An HTTP request, \'METHOD URL\': method, scheme, host, port, path and the hosts allowed' -r
complete -c agentgate -n "__fish_agentgate_using_subcommand explain" -l body -d 'The body of the --http request (scanned for secrets, matched by body rules)' -r
complete -c agentgate -n "__fish_agentgate_using_subcommand explain" -l policy -d 'Policy folder (repeatable). Default: AGENTGATE_POLICY (folders separated like PATH), else `policy` in config.yaml, else .agentgate/policies if it exists, else the embedded pack' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand explain" -l format -r -f -a "text\t''
json\t''"
complete -c agentgate -n "__fish_agentgate_using_subcommand explain" -l color -d 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentgate -n "__fish_agentgate_using_subcommand explain" -l config -d 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand explain" -s h -l help -d 'Print help'
complete -c agentgate -n "__fish_agentgate_using_subcommand policy; and not __fish_seen_subcommand_from test lint explain help" -l color -d 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentgate -n "__fish_agentgate_using_subcommand policy; and not __fish_seen_subcommand_from test lint explain help" -l config -d 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand policy; and not __fish_seen_subcommand_from test lint explain help" -s h -l help -d 'Print help'
complete -c agentgate -n "__fish_agentgate_using_subcommand policy; and not __fish_seen_subcommand_from test lint explain help" -f -a "test" -d 'Run every rule\'s examples and the fixture plans in DIR/tests/ with their expected decisions'
complete -c agentgate -n "__fish_agentgate_using_subcommand policy; and not __fish_seen_subcommand_from test lint explain help" -f -a "lint" -d 'Report invalid or shadowed rules, rules without examples, unused surfaces and expired exceptions'
complete -c agentgate -n "__fish_agentgate_using_subcommand policy; and not __fish_seen_subcommand_from test lint explain help" -f -a "explain" -d 'Show a rule (or surface, or secret kind): its why, level, effect, match and examples'
complete -c agentgate -n "__fish_agentgate_using_subcommand policy; and not __fish_seen_subcommand_from test lint explain help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c agentgate -n "__fish_agentgate_using_subcommand policy; and __fish_seen_subcommand_from test" -l color -d 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentgate -n "__fish_agentgate_using_subcommand policy; and __fish_seen_subcommand_from test" -l config -d 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand policy; and __fish_seen_subcommand_from test" -s h -l help -d 'Print help'
complete -c agentgate -n "__fish_agentgate_using_subcommand policy; and __fish_seen_subcommand_from lint" -l format -d 'Output format' -r -f -a "text\t''
json\t''"
complete -c agentgate -n "__fish_agentgate_using_subcommand policy; and __fish_seen_subcommand_from lint" -l color -d 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentgate -n "__fish_agentgate_using_subcommand policy; and __fish_seen_subcommand_from lint" -l config -d 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand policy; and __fish_seen_subcommand_from lint" -s h -l help -d 'Print help'
complete -c agentgate -n "__fish_agentgate_using_subcommand policy; and __fish_seen_subcommand_from explain" -l policy -d 'Policy folder (repeatable). Default: AGENTGATE_POLICY (folders separated like PATH), else `policy` in config.yaml, else .agentgate/policies if it exists, else the embedded pack' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand policy; and __fish_seen_subcommand_from explain" -l color -d 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentgate -n "__fish_agentgate_using_subcommand policy; and __fish_seen_subcommand_from explain" -l config -d 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand policy; and __fish_seen_subcommand_from explain" -s h -l help -d 'Print help'
complete -c agentgate -n "__fish_agentgate_using_subcommand policy; and __fish_seen_subcommand_from help" -f -a "test" -d 'Run every rule\'s examples and the fixture plans in DIR/tests/ with their expected decisions'
complete -c agentgate -n "__fish_agentgate_using_subcommand policy; and __fish_seen_subcommand_from help" -f -a "lint" -d 'Report invalid or shadowed rules, rules without examples, unused surfaces and expired exceptions'
complete -c agentgate -n "__fish_agentgate_using_subcommand policy; and __fish_seen_subcommand_from help" -f -a "explain" -d 'Show a rule (or surface, or secret kind): its why, level, effect, match and examples'
complete -c agentgate -n "__fish_agentgate_using_subcommand policy; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c agentgate -n "__fish_agentgate_using_subcommand init" -l dir -d 'The folder to write .agentgate in (created if needed)' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand init" -l color -d 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentgate -n "__fish_agentgate_using_subcommand init" -l config -d 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand init" -l minimal -d 'Write config.yaml and .gitignore only, no policies/ folder: the pack built into agentgate stays in force (and is updated with agentgate)'
complete -c agentgate -n "__fish_agentgate_using_subcommand init" -l force -d 'Overwrite files that exist (nothing else in the folder is touched)'
complete -c agentgate -n "__fish_agentgate_using_subcommand init" -s h -l help -d 'Print help'
complete -c agentgate -n "__fish_agentgate_using_subcommand completions" -l color -d 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentgate -n "__fish_agentgate_using_subcommand completions" -l config -d 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand completions" -s h -l help -d 'Print help'
complete -c agentgate -n "__fish_agentgate_using_subcommand man" -l color -d 'When to use colours: auto (the default) respects NO_COLOR and whether output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentgate -n "__fish_agentgate_using_subcommand man" -l config -d 'Config file, instead of the .agentgate/config.yaml found from the current folder upwards; its folder then stands for .agentgate (policies/ and audit.db beside it)' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand man" -s h -l help -d 'Print help'
complete -c agentgate -n "__fish_agentgate_using_subcommand help; and not __fish_seen_subcommand_from plan check apply approve rollback audit stop resume quarantine release status explain policy init completions man help" -f -a "plan" -d 'Evaluate a plan: show its diff, tiers and findings, and decide'
complete -c agentgate -n "__fish_agentgate_using_subcommand help; and not __fish_seen_subcommand_from plan check apply approve rollback audit stop resume quarantine release status explain policy init completions man help" -f -a "check" -d 'Evaluate plans for CI: never interactive, worst outcome wins'
complete -c agentgate -n "__fish_agentgate_using_subcommand help; and not __fish_seen_subcommand_from plan check apply approve rollback audit stop resume quarantine release status explain policy init completions man help" -f -a "apply" -d 'Execute a sealed plan (or a plan) after the approvals its tiers demand; validate, and roll back on failure'
complete -c agentgate -n "__fish_agentgate_using_subcommand help; and not __fish_seen_subcommand_from plan check apply approve rollback audit stop resume quarantine release status explain policy init completions man help" -f -a "approve" -d 'Record a person\'s approval of a sealed plan, for apply in CI (never the plan\'s own agent)'
complete -c agentgate -n "__fish_agentgate_using_subcommand help; and not __fish_seen_subcommand_from plan check apply approve rollback audit stop resume quarantine release status explain policy init completions man help" -f -a "rollback" -d 'Undo the file changes of a completed apply, if the files have not changed since'
complete -c agentgate -n "__fish_agentgate_using_subcommand help; and not __fish_seen_subcommand_from plan check apply approve rollback audit stop resume quarantine release status explain policy init completions man help" -f -a "audit" -d 'Read and check the audit trail: list, show, verify, export, stats'
complete -c agentgate -n "__fish_agentgate_using_subcommand help; and not __fish_seen_subcommand_from plan check apply approve rollback audit stop resume quarantine release status explain policy init completions man help" -f -a "stop" -d 'Kill switch: deny every plan and check of every agent until `resume`'
complete -c agentgate -n "__fish_agentgate_using_subcommand help; and not __fish_seen_subcommand_from plan check apply approve rollback audit stop resume quarantine release status explain policy init completions man help" -f -a "resume" -d 'Lift the kill switch'
complete -c agentgate -n "__fish_agentgate_using_subcommand help; and not __fish_seen_subcommand_from plan check apply approve rollback audit stop resume quarantine release status explain policy init completions man help" -f -a "quarantine" -d 'Deny every plan and check of one agent until `release`'
complete -c agentgate -n "__fish_agentgate_using_subcommand help; and not __fish_seen_subcommand_from plan check apply approve rollback audit stop resume quarantine release status explain policy init completions man help" -f -a "release" -d 'Lift an agent\'s quarantine'
complete -c agentgate -n "__fish_agentgate_using_subcommand help; and not __fish_seen_subcommand_from plan check apply approve rollback audit stop resume quarantine release status explain policy init completions man help" -f -a "status" -d 'Show the containment in force: the kill switch and quarantined agents'
complete -c agentgate -n "__fish_agentgate_using_subcommand help; and not __fish_seen_subcommand_from plan check apply approve rollback audit stop resume quarantine release status explain policy init completions man help" -f -a "explain" -d 'Show how agentgate reads a shell command, SQL or an HTTP request, and the tier, rules and decision that follow'
complete -c agentgate -n "__fish_agentgate_using_subcommand help; and not __fish_seen_subcommand_from plan check apply approve rollback audit stop resume quarantine release status explain policy init completions man help" -f -a "policy" -d 'Policies are code: test, lint and explain them'
complete -c agentgate -n "__fish_agentgate_using_subcommand help; and not __fish_seen_subcommand_from plan check apply approve rollback audit stop resume quarantine release status explain policy init completions man help" -f -a "init" -d 'Write a commented starter .agentgate folder: config.yaml, .gitignore and policies/'
complete -c agentgate -n "__fish_agentgate_using_subcommand help; and not __fish_seen_subcommand_from plan check apply approve rollback audit stop resume quarantine release status explain policy init completions man help" -f -a "completions" -d 'Print a shell completion script (the same files are committed in completions/)'
complete -c agentgate -n "__fish_agentgate_using_subcommand help; and not __fish_seen_subcommand_from plan check apply approve rollback audit stop resume quarantine release status explain policy init completions man help" -f -a "man" -d 'Print the man page of agentgate, or of one of its commands (the same pages are committed in man/)'
complete -c agentgate -n "__fish_agentgate_using_subcommand help; and not __fish_seen_subcommand_from plan check apply approve rollback audit stop resume quarantine release status explain policy init completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c agentgate -n "__fish_agentgate_using_subcommand help; and __fish_seen_subcommand_from audit" -f -a "list" -d 'List records, newest first'
complete -c agentgate -n "__fish_agentgate_using_subcommand help; and __fish_seen_subcommand_from audit" -f -a "show" -d 'Show the whole decision lineage of the run a record belongs to (ID, or `last`)'
complete -c agentgate -n "__fish_agentgate_using_subcommand help; and __fish_seen_subcommand_from audit" -f -a "verify" -d 'Check the hash chain; exit 0 intact, 3 broken (naming the first bad record)'
complete -c agentgate -n "__fish_agentgate_using_subcommand help; and __fish_seen_subcommand_from audit" -f -a "export" -d 'Write every record with its actions, one JSON object per line, in chain order'
complete -c agentgate -n "__fish_agentgate_using_subcommand help; and __fish_seen_subcommand_from audit" -f -a "stats" -d 'The semantic SLOs, per agent and overall: tiers, denied, approval, override, validation failure and rollback rates, time to containment'
complete -c agentgate -n "__fish_agentgate_using_subcommand help; and __fish_seen_subcommand_from policy" -f -a "test" -d 'Run every rule\'s examples and the fixture plans in DIR/tests/ with their expected decisions'
complete -c agentgate -n "__fish_agentgate_using_subcommand help; and __fish_seen_subcommand_from policy" -f -a "lint" -d 'Report invalid or shadowed rules, rules without examples, unused surfaces and expired exceptions'
complete -c agentgate -n "__fish_agentgate_using_subcommand help; and __fish_seen_subcommand_from policy" -f -a "explain" -d 'Show a rule (or surface, or secret kind): its why, level, effect, match and examples'
