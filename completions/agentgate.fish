# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_agentgate_global_optspecs
    string join \n color= h/help V/version
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

complete -c agentgate -n "__fish_agentgate_needs_command" -l color -d 'When to use colours: auto respects NO_COLOR and whether output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentgate -n "__fish_agentgate_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentgate -n "__fish_agentgate_needs_command" -s V -l version -d 'Print version'
complete -c agentgate -n "__fish_agentgate_needs_command" -f -a "plan" -d 'Evaluate a plan: show its diff, tiers and findings, and decide'
complete -c agentgate -n "__fish_agentgate_needs_command" -f -a "check" -d 'Evaluate plans for CI: never interactive, worst outcome wins'
complete -c agentgate -n "__fish_agentgate_needs_command" -f -a "policy" -d 'Policies are code: test, lint and explain them'
complete -c agentgate -n "__fish_agentgate_needs_command" -f -a "completions" -d 'Print a shell completion script (the same files are committed in completions/)'
complete -c agentgate -n "__fish_agentgate_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c agentgate -n "__fish_agentgate_using_subcommand plan" -l policy -d 'Policy folder (repeatable). Default: .agentgate/policies if it exists, else the embedded pack' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand plan" -l workspace -d 'Folder the plan\'s paths are relative to. Default: the plan file\'s folder (the current one for -)' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand plan" -l format -d 'Output format' -r -f -a "text\t''
json\t''"
complete -c agentgate -n "__fish_agentgate_using_subcommand plan" -l color -d 'When to use colours: auto respects NO_COLOR and whether output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentgate -n "__fish_agentgate_using_subcommand plan" -s h -l help -d 'Print help'
complete -c agentgate -n "__fish_agentgate_using_subcommand check" -l policy -d 'Policy folder (repeatable). Default: .agentgate/policies if it exists, else the embedded pack' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand check" -l workspace -d 'Folder the plan\'s paths are relative to. Default: the plan file\'s folder (the current one for -)' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand check" -l format -d 'Output format' -r -f -a "text\t''
json\t''"
complete -c agentgate -n "__fish_agentgate_using_subcommand check" -l color -d 'When to use colours: auto respects NO_COLOR and whether output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentgate -n "__fish_agentgate_using_subcommand check" -s h -l help -d 'Print help'
complete -c agentgate -n "__fish_agentgate_using_subcommand policy; and not __fish_seen_subcommand_from test lint explain help" -l color -d 'When to use colours: auto respects NO_COLOR and whether output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentgate -n "__fish_agentgate_using_subcommand policy; and not __fish_seen_subcommand_from test lint explain help" -s h -l help -d 'Print help'
complete -c agentgate -n "__fish_agentgate_using_subcommand policy; and not __fish_seen_subcommand_from test lint explain help" -f -a "test" -d 'Run every rule\'s examples and the fixture plans in DIR/tests/ with their expected decisions'
complete -c agentgate -n "__fish_agentgate_using_subcommand policy; and not __fish_seen_subcommand_from test lint explain help" -f -a "lint" -d 'Report invalid or shadowed rules, rules without examples, unused surfaces and expired exceptions'
complete -c agentgate -n "__fish_agentgate_using_subcommand policy; and not __fish_seen_subcommand_from test lint explain help" -f -a "explain" -d 'Show a rule (or surface, or secret kind): its why, level, effect, match and examples'
complete -c agentgate -n "__fish_agentgate_using_subcommand policy; and not __fish_seen_subcommand_from test lint explain help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c agentgate -n "__fish_agentgate_using_subcommand policy; and __fish_seen_subcommand_from test" -l color -d 'When to use colours: auto respects NO_COLOR and whether output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentgate -n "__fish_agentgate_using_subcommand policy; and __fish_seen_subcommand_from test" -s h -l help -d 'Print help'
complete -c agentgate -n "__fish_agentgate_using_subcommand policy; and __fish_seen_subcommand_from lint" -l format -d 'Output format' -r -f -a "text\t''
json\t''"
complete -c agentgate -n "__fish_agentgate_using_subcommand policy; and __fish_seen_subcommand_from lint" -l color -d 'When to use colours: auto respects NO_COLOR and whether output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentgate -n "__fish_agentgate_using_subcommand policy; and __fish_seen_subcommand_from lint" -s h -l help -d 'Print help'
complete -c agentgate -n "__fish_agentgate_using_subcommand policy; and __fish_seen_subcommand_from explain" -l policy -d 'Policy folder (repeatable). Default: .agentgate/policies if it exists, else the embedded pack' -r -F
complete -c agentgate -n "__fish_agentgate_using_subcommand policy; and __fish_seen_subcommand_from explain" -l color -d 'When to use colours: auto respects NO_COLOR and whether output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentgate -n "__fish_agentgate_using_subcommand policy; and __fish_seen_subcommand_from explain" -s h -l help -d 'Print help'
complete -c agentgate -n "__fish_agentgate_using_subcommand policy; and __fish_seen_subcommand_from help" -f -a "test" -d 'Run every rule\'s examples and the fixture plans in DIR/tests/ with their expected decisions'
complete -c agentgate -n "__fish_agentgate_using_subcommand policy; and __fish_seen_subcommand_from help" -f -a "lint" -d 'Report invalid or shadowed rules, rules without examples, unused surfaces and expired exceptions'
complete -c agentgate -n "__fish_agentgate_using_subcommand policy; and __fish_seen_subcommand_from help" -f -a "explain" -d 'Show a rule (or surface, or secret kind): its why, level, effect, match and examples'
complete -c agentgate -n "__fish_agentgate_using_subcommand policy; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c agentgate -n "__fish_agentgate_using_subcommand completions" -l color -d 'When to use colours: auto respects NO_COLOR and whether output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentgate -n "__fish_agentgate_using_subcommand completions" -s h -l help -d 'Print help'
complete -c agentgate -n "__fish_agentgate_using_subcommand help; and not __fish_seen_subcommand_from plan check policy completions help" -f -a "plan" -d 'Evaluate a plan: show its diff, tiers and findings, and decide'
complete -c agentgate -n "__fish_agentgate_using_subcommand help; and not __fish_seen_subcommand_from plan check policy completions help" -f -a "check" -d 'Evaluate plans for CI: never interactive, worst outcome wins'
complete -c agentgate -n "__fish_agentgate_using_subcommand help; and not __fish_seen_subcommand_from plan check policy completions help" -f -a "policy" -d 'Policies are code: test, lint and explain them'
complete -c agentgate -n "__fish_agentgate_using_subcommand help; and not __fish_seen_subcommand_from plan check policy completions help" -f -a "completions" -d 'Print a shell completion script (the same files are committed in completions/)'
complete -c agentgate -n "__fish_agentgate_using_subcommand help; and not __fish_seen_subcommand_from plan check policy completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c agentgate -n "__fish_agentgate_using_subcommand help; and __fish_seen_subcommand_from policy" -f -a "test" -d 'Run every rule\'s examples and the fixture plans in DIR/tests/ with their expected decisions'
complete -c agentgate -n "__fish_agentgate_using_subcommand help; and __fish_seen_subcommand_from policy" -f -a "lint" -d 'Report invalid or shadowed rules, rules without examples, unused surfaces and expired exceptions'
complete -c agentgate -n "__fish_agentgate_using_subcommand help; and __fish_seen_subcommand_from policy" -f -a "explain" -d 'Show a rule (or surface, or secret kind): its why, level, effect, match and examples'
