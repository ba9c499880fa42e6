
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
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours: auto respects NO_COLOR and whether output is a terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('plan', 'plan', [CompletionResultType]::ParameterValue, 'Evaluate a plan: show its diff, tiers and findings, and decide')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Evaluate plans for CI: never interactive, worst outcome wins')
            [CompletionResult]::new('policy', 'policy', [CompletionResultType]::ParameterValue, 'Policies are code: test, lint and explain them')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script (the same files are committed in completions/)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'agentgate;plan' {
            [CompletionResult]::new('--policy', '--policy', [CompletionResultType]::ParameterName, 'Policy folder (repeatable). Default: .agentgate/policies if it exists, else the embedded pack')
            [CompletionResult]::new('--workspace', '--workspace', [CompletionResultType]::ParameterName, 'Folder the plan''s paths are relative to. Default: the plan file''s folder (the current one for -)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours: auto respects NO_COLOR and whether output is a terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'agentgate;check' {
            [CompletionResult]::new('--policy', '--policy', [CompletionResultType]::ParameterName, 'Policy folder (repeatable). Default: .agentgate/policies if it exists, else the embedded pack')
            [CompletionResult]::new('--workspace', '--workspace', [CompletionResultType]::ParameterName, 'Folder the plan''s paths are relative to. Default: the plan file''s folder (the current one for -)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours: auto respects NO_COLOR and whether output is a terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'agentgate;policy' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours: auto respects NO_COLOR and whether output is a terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('test', 'test', [CompletionResultType]::ParameterValue, 'Run every rule''s examples and the fixture plans in DIR/tests/ with their expected decisions')
            [CompletionResult]::new('lint', 'lint', [CompletionResultType]::ParameterValue, 'Report invalid or shadowed rules, rules without examples, unused surfaces and expired exceptions')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Show a rule (or surface, or secret kind): its why, level, effect, match and examples')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'agentgate;policy;test' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours: auto respects NO_COLOR and whether output is a terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'agentgate;policy;lint' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours: auto respects NO_COLOR and whether output is a terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'agentgate;policy;explain' {
            [CompletionResult]::new('--policy', '--policy', [CompletionResultType]::ParameterName, 'Policy folder (repeatable). Default: .agentgate/policies if it exists, else the embedded pack')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours: auto respects NO_COLOR and whether output is a terminal')
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
        'agentgate;completions' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours: auto respects NO_COLOR and whether output is a terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'agentgate;help' {
            [CompletionResult]::new('plan', 'plan', [CompletionResultType]::ParameterValue, 'Evaluate a plan: show its diff, tiers and findings, and decide')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Evaluate plans for CI: never interactive, worst outcome wins')
            [CompletionResult]::new('policy', 'policy', [CompletionResultType]::ParameterValue, 'Policies are code: test, lint and explain them')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script (the same files are committed in completions/)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'agentgate;help;plan' {
            break
        }
        'agentgate;help;check' {
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
        'agentgate;help;completions' {
            break
        }
        'agentgate;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
