
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
            cand --color 'When to use colours: auto respects NO_COLOR and whether output is a terminal'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand plan 'Evaluate a plan: show its diff, tiers and findings, and decide'
            cand check 'Evaluate plans for CI: never interactive, worst outcome wins'
            cand policy 'Policies are code: test, lint and explain them'
            cand completions 'Print a shell completion script (the same files are committed in completions/)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'agentgate;plan'= {
            cand --policy 'Policy folder (repeatable). Default: .agentgate/policies if it exists, else the embedded pack'
            cand --workspace 'Folder the plan''s paths are relative to. Default: the plan file''s folder (the current one for -)'
            cand --format 'Output format'
            cand --color 'When to use colours: auto respects NO_COLOR and whether output is a terminal'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'agentgate;check'= {
            cand --policy 'Policy folder (repeatable). Default: .agentgate/policies if it exists, else the embedded pack'
            cand --workspace 'Folder the plan''s paths are relative to. Default: the plan file''s folder (the current one for -)'
            cand --format 'Output format'
            cand --color 'When to use colours: auto respects NO_COLOR and whether output is a terminal'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'agentgate;policy'= {
            cand --color 'When to use colours: auto respects NO_COLOR and whether output is a terminal'
            cand -h 'Print help'
            cand --help 'Print help'
            cand test 'Run every rule''s examples and the fixture plans in DIR/tests/ with their expected decisions'
            cand lint 'Report invalid or shadowed rules, rules without examples, unused surfaces and expired exceptions'
            cand explain 'Show a rule (or surface, or secret kind): its why, level, effect, match and examples'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'agentgate;policy;test'= {
            cand --color 'When to use colours: auto respects NO_COLOR and whether output is a terminal'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'agentgate;policy;lint'= {
            cand --format 'Output format'
            cand --color 'When to use colours: auto respects NO_COLOR and whether output is a terminal'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'agentgate;policy;explain'= {
            cand --policy 'Policy folder (repeatable). Default: .agentgate/policies if it exists, else the embedded pack'
            cand --color 'When to use colours: auto respects NO_COLOR and whether output is a terminal'
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
        &'agentgate;completions'= {
            cand --color 'When to use colours: auto respects NO_COLOR and whether output is a terminal'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'agentgate;help'= {
            cand plan 'Evaluate a plan: show its diff, tiers and findings, and decide'
            cand check 'Evaluate plans for CI: never interactive, worst outcome wins'
            cand policy 'Policies are code: test, lint and explain them'
            cand completions 'Print a shell completion script (the same files are committed in completions/)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'agentgate;help;plan'= {
        }
        &'agentgate;help;check'= {
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
        &'agentgate;help;completions'= {
        }
        &'agentgate;help;help'= {
        }
    ]
    $completions[$command]
}
