//! Owns reading shell commands (a string or an argv) like a careful reviewer: parse, unwrap wrappers, normalise.
//! Does not assign risk tiers, match policy rules or execute anything: callers decide what a reading means.

use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::OnceLock;

use brush_parser::ast;
use brush_parser::word::{self, WordPiece, WordPieceWithSource};

/// Largest input accepted, in bytes; anything bigger is refused with an error and no commands.
pub const MAX_INPUT_BYTES: usize = 256 * 1024;
/// How many times a string may be re-read as a script inside another (`bash -c`, `eval`, `$(…)`, heredocs...).
pub const MAX_DEPTH: usize = 16;
/// Deepest nesting of constructs (parentheses, braces, `if`, `case`, loops) accepted in one parsed string.
/// brush-parser backtracks exponentially with nesting on some invalid input (10 nested `case` cost ~2 ms, 20 cost
/// seconds), so deeper input is refused before it reaches the parser.
pub const MAX_SYNTAX_NESTING: usize = 10;
/// Deepest recursion accepted across re-reads (tree levels walked plus the nesting of the string being parsed).
/// A stack overflow aborts the process and cannot be caught; this keeps a reading within a 2 MiB thread stack
/// in debug builds.
const MAX_LEVELS: usize = 120;
/// Most wrappers peeled off one simple command (`sudo sudo sudo ...`).
const MAX_WRAPPERS: usize = 64;
/// Longest `text` of a command, in characters, before it is cut with an ellipsis.
const MAX_TEXT_CHARS: usize = 200;

/// One simple command after unwrapping wrappers, in the order it appears in the source.
///
/// Commands found inside a word (`$(…)`, backticks, process substitution) follow the command that holds them.
/// A command made only of redirections or assignments (`> file`, `X=1`) has `program: None` and `dynamic: false`
/// (unless a redirection target is dynamic); it is reported so that the redirection is not lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimpleCommand {
    /// Program basename after unwrapping (`/usr/bin/rm` -> `rm`, `"r"m` -> `rm`, `r\m` -> `rm`). None when the
    /// program word cannot be resolved statically (`$cmd`, `${X}`, `$(which rm)`, `*`, empty).
    pub program: Option<String>,
    /// The program word as resolved but not basenamed (`/bin/rm`, `./rm`). None like `program`.
    pub program_path: Option<String>,
    /// Every argument word after the program, resolved (quotes removed, escapes applied). A word that contains an
    /// expansion that cannot be resolved statically keeps its source text and is listed in `dynamic_words` too.
    pub args: Vec<String>,
    /// Flags normalised: `-rf` -> `-r`,`-f`; `-r -f` stay; `--force` stays; `--output=x` -> `--output`;
    /// nothing after `--`.
    /// Numeric-looking words like `-1` or `-9` are kept whole (`kill -9`). A letter cluster stops at the first
    /// non-letter (`-n5` -> `-n`). Programs with single-dash long options (find, terraform, java, go, gcc...) keep
    /// them whole (`-delete`, `-auto-approve`). Deduplicated, order of first appearance.
    pub flags: Vec<String>,
    /// Arguments that are not flags (everything after `--` included), in order. For `find`, the words of its
    /// `-exec ... ;` actions are left out (they are read as commands of their own).
    pub positionals: Vec<String>,
    /// First positional argument (git push -> "push", kubectl delete -> "delete"), after skipping the values of
    /// the global options of git, kubectl, helm, docker and podman. None if no positional.
    pub subcommand: Option<String>,
    /// How many words of `args` come before the subcommand or the first positional: the program's
    /// own options (`git -c k=v log` -> 2, `python3 -m pytest -x` -> 1), as opposed to those of
    /// its subcommand, script or module.
    pub leading: usize,
    /// `flags` of those leading words only (`git switch -c x` has none; `git -c k=v log` has `-c`).
    pub leading_flags: Vec<String>,
    /// Wrappers peeled off to reach this command, outermost first, e.g. ["sudo", "env"], ["bash -c"], ["xargs"],
    /// ["find -exec"], ["eval"], ["command-substitution"], ["heredoc"], ["time"].
    pub wrappers: Vec<String>,
    /// Variable assignments in the prefix (`FOO=1 cmd`), those passed through `env`/`sudo` (`env A=b cmd`) and
    /// those inherited from an enclosing `bash -c`, as (name, value). Dynamic values keep their source text.
    pub assignments: Vec<(String, String)>,
    /// Redirections of this command, including those of an enclosing group, loop or wrapper
    /// (`{ a; b; } > f` gives both `a` and `b` the `>` to `f`).
    pub redirects: Vec<Redirect>,
    /// True when any word of this command (program, argument or redirection target) could not be fully
    /// resolved statically.
    pub dynamic: bool,
    /// Words that were unresolved, as written (for messages), e.g. ["$cmd", "${X}"].
    pub dynamic_words: Vec<String>,
    /// A short display text of this command as agentgate reads it (program + args joined with spaces, quoting
    /// args that need it; the redirections when there is no program). Cut at 200 characters.
    pub text: String,
    /// Body of the heredoc or here-string that feeds this command's stdin, as written (the last one when there
    /// are several). Lets a caller look at a script fed to `python`, `node`... which is not read as shell.
    pub heredoc: Option<String>,
}

/// One redirection of a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    /// The operator: ">", ">>", "<", "<<", "<<-", "<<<", ">&", "<&", "&>", "&>>", "<>", ">|".
    pub op: String,
    /// The file descriptor written before the operator (`2>` -> 2), if any.
    pub fd: Option<u32>,
    /// Resolved file target; None for dynamic targets, heredocs, here-strings and process substitutions.
    pub target: Option<String>,
}

/// What a shell command string or argv does, as read statically.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ShellReading {
    /// Every simple command, wrappers peeled off, in source order.
    pub commands: Vec<SimpleCommand>,
    /// Set when (part of) the input could not be parsed or unwrapped; the caller escalates. Parsing what can be
    /// parsed still fills `commands` (e.g. `bash -c` with an unparseable inner string yields the `bash` command
    /// itself + error). Only the first error is kept.
    pub error: Option<String>,
    /// Structure seen, for display and rules: any of "pipe", "and", "or", "sequence", "background", "subshell",
    /// "command-substitution", "process-substitution", "heredoc", "function", "loop", "conditional".
    /// Deduplicated, order of first appearance. Here-strings count as "heredoc", `[[ … ]]` as "conditional".
    pub constructs: Vec<String>,
}

/// Reads a shell command string, as it would be run by `sh -c`.
pub fn read_command(src: &str) -> ShellReading {
    if src.len() > MAX_INPUT_BYTES {
        return too_large(src.len());
    }
    guarded(|reader| {
        reader.read_script(src, &Ctx::default());
    })
}

/// Reads an argv executed without a shell: no word is parsed as shell syntax, but wrappers are still unwrapped
/// (`["sudo","rm","-rf","/"]` gives `rm`, `["sh","-c","curl x | sh"]` reads the string).
pub fn read_argv(argv: &[String]) -> ShellReading {
    let size: usize = argv.iter().map(|a| a.len() + 1).sum();
    if size > MAX_INPUT_BYTES {
        return too_large(size);
    }
    if argv.is_empty() {
        return ShellReading {
            error: Some("empty argv: nothing to run".to_owned()),
            ..ShellReading::default()
        };
    }
    guarded(|reader| {
        let words = argv.iter().map(|a| Arg::literal(a)).collect();
        let ctx = Ctx::default();
        reader.run(words, ctx.clone(), &ctx);
    })
}

fn too_large(size: usize) -> ShellReading {
    ShellReading {
        error: Some(format!(
            "input too large to read ({size} bytes, limit {MAX_INPUT_BYTES})"
        )),
        ..ShellReading::default()
    }
}

/// The error of a reading that panicked (a bug; the fuzz target and property tests look for it).
pub const INTERNAL_ERROR: &str = "internal error while reading the shell command";

/// Runs a reading and turns any panic into an error. The gate must answer on every input, and brush-parser 0.4
/// has `unwrap()` calls reachable from odd input; this is the last line of defence behind the narrower guards
/// around each call into brush-parser.
fn guarded(read: impl FnOnce(&mut Reader)) -> ShellReading {
    let mut reader = Reader::default();
    let outcome = catch_unwind(AssertUnwindSafe(|| read(&mut reader)));
    let mut reading = ShellReading {
        commands: reader.commands,
        error: reader.error,
        constructs: reader.constructs,
    };
    if outcome.is_err() {
        reading.error = Some(INTERNAL_ERROR.to_owned());
    }
    reading
}

// ---------------------------------------------------------------------------------------------------------------
// Words
// ---------------------------------------------------------------------------------------------------------------

/// One word of a command, resolved as far as a static reading allows.
#[derive(Debug, Clone, Default)]
struct Arg {
    /// Resolved text (quotes removed, escapes applied); for a dynamic word, the source text as written.
    text: String,
    /// The text a shell would see if this word were re-read as a script (`bash -c WORD`): literal parts resolved,
    /// expansions kept as written. Equal to `text` for static words.
    script: String,
    /// Source text as written.
    raw: String,
    /// Contains an expansion that cannot be resolved statically (`$X`, `$(…)`, `$((…))`), or could not be parsed.
    dynamic: bool,
    /// Contains an unquoted glob or brace expansion: fine for an argument, unresolvable for a program.
    pattern: bool,
    /// Scripts of the command substitutions inside the word, still to be read as commands.
    subs: Vec<String>,
    /// Shown as written in `text` (process substitutions), never quoted.
    verbatim: bool,
    /// The word grammar could not read it (the word is then also dynamic).
    broken: bool,
}

impl Arg {
    /// A word that is already final (argv element, synthetic program).
    fn literal(s: &str) -> Self {
        Self {
            text: s.to_owned(),
            script: s.to_owned(),
            raw: s.to_owned(),
            ..Self::default()
        }
    }

    /// The word with its substitutions dropped, for copies that must not read them a second time.
    fn without_subs(&self) -> Self {
        Self {
            subs: Vec::new(),
            ..self.clone()
        }
    }
}

fn parser_options() -> &'static brush_parser::ParserOptions {
    static OPTIONS: OnceLock<brush_parser::ParserOptions> = OnceLock::new();
    OPTIONS.get_or_init(brush_parser::ParserOptions::default)
}

/// Resolves one shell word as written in the source.
fn resolve_word(raw: &str) -> Arg {
    let mut arg = Arg {
        raw: raw.to_owned(),
        ..Arg::default()
    };
    // brush-parser's word grammar unwraps numbers it has matched (`~+99999999999999999999`); such words are not
    // handed to it, and any other panic is caught: the word is then unreadable (dynamic, and an error).
    let parsed =
        (!has_huge_tilde_number(raw)).then(|| catch_unwind(|| word::parse(raw, parser_options())));
    match parsed {
        Some(Ok(Ok(pieces))) => resolve_pieces(&mut arg, &pieces, raw, false),
        _ => {
            arg.dynamic = true;
            arg.broken = true;
            arg.script = raw.to_owned();
        }
    }
    if arg.dynamic {
        arg.text = raw.to_owned();
    }
    arg
}

fn resolve_pieces(arg: &mut Arg, pieces: &[WordPieceWithSource], raw: &str, quoted: bool) {
    for p in pieces {
        let source = raw.get(p.start_index..p.end_index).unwrap_or("");
        match &p.piece {
            WordPiece::Text(s) => {
                if !quoted && is_pattern(s) {
                    arg.pattern = true;
                }
                push_literal(arg, s);
            }
            WordPiece::SingleQuotedText(s) => push_literal(arg, s),
            WordPiece::AnsiCQuotedText(s) => push_literal(arg, &decode_ansi_c(s)),
            WordPiece::DoubleQuotedSequence(inner)
            | WordPiece::GettextDoubleQuotedSequence(inner) => {
                resolve_pieces(arg, inner, raw, true);
            }
            // `~` stays as written: it names a home directory, which is enough to read the word.
            WordPiece::TildeExpansion(_) => push_literal(arg, source),
            WordPiece::EscapeSequence(s) => {
                let escaped: String = s.chars().skip(1).filter(|c| *c != '\n').collect();
                push_literal(arg, &escaped);
            }
            WordPiece::ParameterExpansion(_) => {
                // `${X:-$(cmd)}` runs cmd when X is unset: substitutions hidden in operands are commands too.
                arg.subs
                    .extend(substitutions_in_text(source.get(1..).unwrap_or("")));
                push_dynamic(arg, source);
            }
            WordPiece::CommandSubstitution(script)
            | WordPiece::BackquotedCommandSubstitution(script) => {
                arg.subs.push(script.clone());
                push_dynamic(arg, source);
            }
            WordPiece::ArithmeticExpression(expr) => {
                arg.subs.extend(substitutions_in_text(&expr.value));
                push_dynamic(arg, source);
            }
        }
    }
}

/// `~+N` / `~-N` with a number too large for brush-parser (it panics on them).
fn has_huge_tilde_number(raw: &str) -> bool {
    raw.match_indices('~').any(|(i, _)| {
        let rest = raw.get(i + 1..).unwrap_or("");
        let rest = rest.strip_prefix(['+', '-']).unwrap_or(rest);
        rest.chars().take_while(char::is_ascii_digit).count() >= 19
    })
}

/// brush-parser allocates without bound on some heredocs whose delimiter is not a word
/// (`cat << $( ) `, `echo $(cat << |#`): refuse those before it sees them. A real delimiter
/// starts with a letter, digit, underscore, quote or backslash.
fn has_unusual_heredoc(src: &str) -> bool {
    let bytes = src.as_bytes();
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] == b'<' && bytes[i + 1] == b'<' {
            let mut j = i + 2;
            if bytes.get(j) == Some(&b'<') {
                // A here-string (`<<<`): its word is ordinary.
                i = j + 1;
                continue;
            }
            if bytes.get(j) == Some(&b'-') {
                j += 1;
            }
            while matches!(bytes.get(j), Some(b' ' | b'\t')) {
                j += 1;
            }
            let ok = matches!(bytes.get(j), Some(c) if c.is_ascii_alphanumeric() || matches!(c, b'_' | b'\'' | b'"' | b'\\'));
            // Quotes around nothing (`<<""`, `<<''''`) make an empty delimiter: brush-parser
            // allocates without bound on some of those too (found by the fuzz target).
            let mut k = j;
            while matches!(bytes.get(k), Some(b'\'' | b'"')) {
                k += 1;
            }
            let empty = k > j && bytes.get(k).is_none_or(|c| is_word_boundary(*c));
            if !ok || empty {
                return true;
            }
            i = j;
        } else {
            i += 1;
        }
    }
    false
}

/// A run of 10+ digits right before `<` or `>`: brush-parser panics on file descriptor numbers beyond `i32`.
fn has_huge_fd_number(src: &str) -> bool {
    let mut digits = 0;
    for b in src.bytes() {
        if (b == b'<' || b == b'>') && digits >= 10 {
            return true;
        }
        digits = if b.is_ascii_digit() { digits + 1 } else { 0 };
    }
    false
}

fn push_literal(arg: &mut Arg, s: &str) {
    arg.text.push_str(s);
    arg.script.push_str(s);
}

fn push_dynamic(arg: &mut Arg, source: &str) {
    arg.dynamic = true;
    arg.script.push_str(source);
}

/// Command substitutions inside text that is expanded like a heredoc body (quotes are plain characters).
fn substitutions_in_text(text: &str) -> Vec<String> {
    if !text.contains("$(") && !text.contains('`') {
        return Vec::new();
    }
    // Same reason as in `resolve_word`: a panic in the word grammar must not take the gate down. The text is
    // already counted as dynamic by the caller, so "no substitution found" is the safe fallback.
    let Ok(Ok(pieces)) = catch_unwind(|| word::parse_heredoc(text, parser_options())) else {
        return Vec::new();
    };
    let mut subs = Vec::new();
    collect_substitutions(&pieces, &mut subs);
    subs
}

fn collect_substitutions(pieces: &[WordPieceWithSource], subs: &mut Vec<String>) {
    for p in pieces {
        match &p.piece {
            WordPiece::CommandSubstitution(s) | WordPiece::BackquotedCommandSubstitution(s) => {
                subs.push(s.clone());
            }
            WordPiece::DoubleQuotedSequence(inner)
            | WordPiece::GettextDoubleQuotedSequence(inner) => {
                collect_substitutions(inner, subs);
            }
            WordPiece::ArithmeticExpression(expr) => {
                subs.extend(substitutions_in_text(&expr.value))
            }
            _ => {}
        }
    }
}

/// True when unquoted text would be expanded by globbing or brace expansion.
fn is_pattern(s: &str) -> bool {
    if s.contains(['*', '?']) {
        return true;
    }
    // `[` alone is the test command; a glob class needs its closing bracket.
    if let Some(open) = s.find('[')
        && s.get(open + 1..).is_some_and(|rest| rest.contains(']'))
    {
        return true;
    }
    if s.contains("@(") || s.contains("!(") || s.contains("+(") {
        return true;
    }
    has_brace_expansion(s)
}

/// `{a,b}` or `{1..3}`; `{}` (find's placeholder) and `{x}` are literal.
fn has_brace_expansion(s: &str) -> bool {
    let Some(open) = s.find('{') else {
        return false;
    };
    let Some(close) = s.rfind('}') else {
        return false;
    };
    s.get(open + 1..close)
        .is_some_and(|inner| inner.contains(',') || inner.contains(".."))
}

/// Decodes the body of a `$'…'` word.
fn decode_ansi_c(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(e) = chars.next() else {
            out.push('\\');
            break;
        };
        match e {
            'a' => out.push('\u{7}'),
            'b' => out.push('\u{8}'),
            'e' | 'E' => out.push('\u{1b}'),
            'f' => out.push('\u{c}'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\u{b}'),
            '\\' | '\'' | '"' | '?' => out.push(e),
            'x' => push_code(&mut out, &mut chars, e, 2),
            'u' => push_code(&mut out, &mut chars, e, 4),
            'U' => push_code(&mut out, &mut chars, e, 8),
            '0'..='7' => {
                let mut value = e.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match chars.peek().and_then(|d| d.to_digit(8)) {
                        Some(d) => {
                            value = value * 8 + d;
                            chars.next();
                        }
                        None => break,
                    }
                }
                out.push(char::from_u32(value).unwrap_or('\u{fffd}'));
            }
            'c' => {
                if let Some(x) = chars.next() {
                    out.push(char::from_u32(u32::from(x) & 0x1f).unwrap_or('\u{fffd}'));
                }
            }
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    out
}

/// `\xHH`, `\uHHHH`, `\UHHHHHHHH`: up to `max` hex digits; with none, the escape stays as written.
fn push_code(
    out: &mut String,
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    escape: char,
    max: usize,
) {
    let mut value: u32 = 0;
    let mut digits = 0;
    while digits < max {
        match chars.peek().and_then(|d| d.to_digit(16)) {
            Some(d) => {
                value = value.saturating_mul(16).saturating_add(d);
                chars.next();
                digits += 1;
            }
            None => break,
        }
    }
    if digits == 0 {
        out.push('\\');
        out.push(escape);
        return;
    }
    out.push(char::from_u32(value).unwrap_or('\u{fffd}'));
}

/// Splits an `env -S` string into words (quotes and backslashes as in a shell), each then resolved.
fn split_words(s: &str) -> Vec<Arg> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => {
                quote = None;
                current.push(c);
            }
            (Some('"') | None, '\\') => {
                current.push(c);
                if let Some(next) = chars.next() {
                    current.push(next);
                }
                in_word = true;
            }
            (Some(_), c) => current.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                current.push(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(resolve_word(&current));
                    current.clear();
                    in_word = false;
                }
            }
            (None, c) => {
                current.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(resolve_word(&current));
    }
    words
}

/// An opened construct, for `syntax_nesting`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Opened {
    Paren,
    /// `((` or `$((`: `<<` inside is a shift, not a heredoc.
    Arithmetic,
    Brace,
    If,
    Case,
    Loop,
}

/// Deepest nesting of constructs in `src` (parentheses, braces, `if`, `case`, loops), read with a small lexer:
/// quotes, comments and heredoc bodies are skipped (a heredoc body is one word to the parser, whatever it holds).
/// brush-parser backtracks exponentially on some deeply nested invalid input (nested `case` doubles the time per
/// level) and recurses once per level, so such input is refused before it is parsed.
fn syntax_nesting(src: &str) -> usize {
    let b = src.as_bytes();
    // Each frame remembers whether it was opened inside double quotes, to return there when it closes.
    let mut stack: Vec<(Opened, bool)> = Vec::new();
    let mut heredocs: Vec<(Vec<u8>, bool)> = Vec::new();
    let mut in_double = false;
    let mut max = 0;
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        let next = b.get(i + 1).copied();
        if c == b'\\' {
            i += 2;
            continue;
        }
        if in_double {
            match (c, next) {
                (b'"', _) => in_double = false,
                (b'$', Some(b'(')) if b.get(i + 2) == Some(&b'(') => {
                    stack.push((Opened::Arithmetic, true));
                    in_double = false;
                    i += 2;
                }
                (b'$', Some(b'(' | b'{')) => {
                    let opened = if next == Some(b'(') {
                        Opened::Paren
                    } else {
                        Opened::Brace
                    };
                    stack.push((opened, true));
                    in_double = false;
                    i += 1;
                }
                _ => {}
            }
            i += 1;
            max = max.max(stack.len());
            continue;
        }
        let previous = i.checked_sub(1).and_then(|p| b.get(p)).copied();
        let at_word_start = previous.is_none_or(is_word_boundary);
        let in_arithmetic = stack
            .last()
            .is_some_and(|(top, _)| *top == Opened::Arithmetic);
        match c {
            b'\'' if previous == Some(b'$') => i = skip_ansi_c(b, i + 1).saturating_sub(1),
            b'\'' => i = skip_past(b, i + 1, b'\'').saturating_sub(1),
            b'"' => in_double = true,
            b'#' if previous.is_none_or(|p| p.is_ascii_whitespace() || b";&|()".contains(&p)) => {
                i = skip_past(b, i, b'\n').saturating_sub(1);
            }
            b'\n' => {
                for (delimiter, strip_tabs) in heredocs.drain(..) {
                    i = skip_heredoc_body(b, i + 1, &delimiter, strip_tabs).saturating_sub(1);
                }
            }
            b'<' if next == Some(b'<') && b.get(i + 2) != Some(&b'<') && !in_arithmetic => {
                let (end, delimiter, strip_tabs) = heredoc_delimiter(b, i + 2);
                heredocs.push((delimiter, strip_tabs));
                i = end.saturating_sub(1);
            }
            b'(' if next == Some(b'(') => {
                stack.push((Opened::Arithmetic, false));
                i += 1;
            }
            b')' if next == Some(b')') && in_arithmetic => {
                if let Some((_, restore)) = stack.pop() {
                    in_double = restore;
                }
                i += 1;
            }
            b'(' => stack.push((Opened::Paren, false)),
            b'{' => stack.push((Opened::Brace, false)),
            b')' | b'}' => {
                let opened = if c == b')' {
                    Opened::Paren
                } else {
                    Opened::Brace
                };
                if let Some(&(top, restore)) = stack.last()
                    && top == opened
                {
                    stack.pop();
                    in_double = restore;
                }
            }
            b'a'..=b'z' if at_word_start => {
                let end = b.get(i..).map_or(i, |rest| {
                    i + rest.iter().take_while(|x| x.is_ascii_lowercase()).count()
                });
                if b.get(end).is_none_or(|x| is_word_boundary(*x)) {
                    keyword(&mut stack, b.get(i..end).unwrap_or(&[]));
                }
                i = end.saturating_sub(1);
            }
            _ => {}
        }
        max = max.max(stack.len());
        i += 1;
    }
    max
}

fn is_word_boundary(b: u8) -> bool {
    b.is_ascii_whitespace() || b";&|(){}<>".contains(&b)
}

fn keyword(stack: &mut Vec<(Opened, bool)>, word: &[u8]) {
    let (opens, closes) = match word {
        b"if" => (Some(Opened::If), None),
        b"case" => (Some(Opened::Case), None),
        b"while" | b"until" | b"for" | b"select" => (Some(Opened::Loop), None),
        b"fi" => (None, Some(Opened::If)),
        b"esac" => (None, Some(Opened::Case)),
        b"done" => (None, Some(Opened::Loop)),
        _ => (None, None),
    };
    if let Some(opened) = opens {
        stack.push((opened, false));
    }
    if let Some(closed) = closes
        && stack.last().is_some_and(|(top, _)| *top == closed)
    {
        stack.pop();
    }
}

/// Index just past the `'` closing a `$'…'` body that starts at `from` (backslash escapes honoured).
fn skip_ansi_c(b: &[u8], mut from: usize) -> usize {
    while let Some(&x) = b.get(from) {
        match x {
            b'\\' => from += 2,
            b'\'' => return from + 1,
            _ => from += 1,
        }
    }
    b.len()
}

/// Index just past the next `end` byte at or after `from` (or the end of input).
fn skip_past(b: &[u8], from: usize, end: u8) -> usize {
    b.get(from..)
        .and_then(|rest| rest.iter().position(|x| *x == end))
        .map_or(b.len(), |p| from + p + 1)
}

/// Reads the delimiter after `<<` (quotes removed); returns where it ends, the delimiter and `<<-`.
fn heredoc_delimiter(b: &[u8], mut i: usize) -> (usize, Vec<u8>, bool) {
    let strip_tabs = b.get(i) == Some(&b'-');
    if strip_tabs {
        i += 1;
    }
    while b.get(i).is_some_and(|x| *x == b' ' || *x == b'\t') {
        i += 1;
    }
    let mut delimiter = Vec::new();
    let mut quote: Option<u8> = None;
    while let Some(&x) = b.get(i) {
        match (quote, x) {
            (Some(q), x) if x == q => quote = None,
            (Some(_), x) => delimiter.push(x),
            (None, b'\'' | b'"') => quote = Some(x),
            (None, b'\\') => {}
            (None, x) if is_word_boundary(x) => break,
            (None, x) => delimiter.push(x),
        }
        i += 1;
    }
    (i, delimiter, strip_tabs)
}

/// Index just past the line holding only `delimiter`, starting at the line that begins at `from`.
fn skip_heredoc_body(b: &[u8], mut from: usize, delimiter: &[u8], strip_tabs: bool) -> usize {
    while from < b.len() {
        let end = skip_past(b, from, b'\n');
        let mut line = b.get(from..end).unwrap_or(&[]);
        line = line.strip_suffix(b"\n").unwrap_or(line);
        if strip_tabs {
            while let Some(rest) = line.strip_prefix(b"\t") {
                line = rest;
            }
        }
        if line == delimiter {
            return end;
        }
        from = end;
    }
    b.len()
}

// ---------------------------------------------------------------------------------------------------------------
// Reading the tree
// ---------------------------------------------------------------------------------------------------------------

/// Text fed to a command's stdin by a heredoc or here-string.
#[derive(Debug, Clone)]
struct Feed {
    /// What a shell reading stdin would run.
    script: String,
    /// As written, for `SimpleCommand::heredoc`.
    text: String,
}

/// What the commands being read inherit from their surroundings.
#[derive(Debug, Clone, Default)]
struct Ctx {
    wrappers: Vec<String>,
    assignments: Vec<(String, String)>,
    redirects: Vec<Redirect>,
    /// Redirection targets that could not be resolved, as written.
    redirect_dynamic: Vec<String>,
    stdin: Option<Feed>,
    /// Scripts re-read so far on the way here.
    depth: usize,
}

impl Ctx {
    /// Context of a script re-read inside this one (`bash -c`, `eval`, heredoc to a shell...).
    fn nested(&self, label: &str) -> Self {
        let mut inner = self.clone();
        inner.wrappers.push(label.to_owned());
        inner.depth += 1;
        inner
    }

    /// Context of a command or process substitution: run by the current shell, with stdout captured, so it
    /// keeps the wrappers and environment of the surroundings but none of the command's own redirections.
    fn substitution(&self, label: &str) -> Self {
        let mut inner = self.nested(label);
        inner.redirects.clear();
        inner.redirect_dynamic.clear();
        inner.stdin = None;
        inner
    }
}

/// Work found while reading a command that is read once the command itself has been reported.
#[derive(Default)]
struct Later<'a> {
    subs: Vec<String>,
    /// Substitutions in this command's own heredoc or here-string, dropped if a shell reads it as a script.
    feed_subs: Vec<String>,
    procs: Vec<&'a ast::SubshellCommand>,
}

/// What to do with the word at the current position of a command being unwrapped.
enum Step {
    /// Report the words from the current position as the command.
    Emit,
    /// The wrapper at the current position runs the command that starts at `next`.
    Next { next: usize, label: String },
    /// The wrapper runs a shell command string made of the words in `consumed`.
    Script {
        text: String,
        label: String,
        consumed: Range<usize>,
    },
    /// The program is a shell reading its commands from stdin.
    Stdin,
    /// The words were rewritten (`env -S`); look at the current position again.
    Replace(Vec<Arg>),
    /// Everything was reported already (find and its -exec commands).
    Done,
    /// A wrapper with no command runs a default one (`xargs` runs `echo`).
    Default {
        program: &'static str,
        label: &'static str,
    },
}

#[derive(Default)]
struct Reader {
    commands: Vec<SimpleCommand>,
    error: Option<String>,
    constructs: Vec<String>,
    /// The script being walked (source positions in its tree refer to it).
    source: String,
    /// Tree levels and scripts currently being walked, to bound recursion.
    level: usize,
}

impl Reader {
    fn fail(&mut self, message: impl Into<String>) {
        if self.error.is_none() {
            self.error = Some(message.into());
        }
    }

    /// Resolves a word, noting an error when it cannot be read at all.
    fn resolve(&mut self, raw: &str) -> Arg {
        let arg = resolve_word(raw);
        self.check_word(&arg);
        arg
    }

    fn check_word(&mut self, arg: &Arg) {
        if arg.broken {
            self.fail(format!("cannot read shell word {}", arg.raw));
        }
    }

    fn construct(&mut self, name: &str) {
        if !self.constructs.iter().any(|c| c == name) {
            self.constructs.push(name.to_owned());
        }
    }

    /// Parses and walks a script. Returns false when it could not be read (error set).
    fn read_script(&mut self, src: &str, ctx: &Ctx) -> bool {
        if ctx.depth > MAX_DEPTH {
            self.fail("nesting too deep");
            return false;
        }
        let nesting = syntax_nesting(src);
        if nesting > MAX_SYNTAX_NESTING || self.level + nesting > MAX_LEVELS {
            self.fail("nesting too deep");
            return false;
        }
        if has_huge_fd_number(src) {
            self.fail("cannot parse shell command: file descriptor number too large");
            return false;
        }
        if has_unusual_heredoc(src) {
            self.fail("cannot parse shell command: a heredoc delimiter that is not a word");
            return false;
        }
        let program = match parse_program(src) {
            Ok(program) => program,
            Err(e) => {
                self.fail(format!("cannot parse shell command: {e}"));
                return false;
            }
        };
        if program.complete_commands.len() > 1 {
            self.construct("sequence");
        }
        let outer_source = std::mem::replace(&mut self.source, src.to_owned());
        self.level += 1;
        for list in &program.complete_commands {
            self.list(list, ctx);
        }
        self.level -= 1;
        self.source = outer_source;
        true
    }

    fn list(&mut self, list: &ast::CompoundList, ctx: &Ctx) {
        self.level += 1;
        let count = list.0.len();
        for (i, item) in list.0.iter().enumerate() {
            match item.1 {
                ast::SeparatorOperator::Async => self.construct("background"),
                ast::SeparatorOperator::Sequence if i + 1 < count => self.construct("sequence"),
                ast::SeparatorOperator::Sequence => {}
            }
            self.and_or(&item.0, ctx);
        }
        self.level -= 1;
    }

    fn and_or(&mut self, list: &ast::AndOrList, ctx: &Ctx) {
        self.pipeline(&list.first, ctx);
        for next in &list.additional {
            match next {
                ast::AndOr::And(p) => {
                    self.construct("and");
                    self.pipeline(p, ctx);
                }
                ast::AndOr::Or(p) => {
                    self.construct("or");
                    self.pipeline(p, ctx);
                }
            }
        }
    }

    fn pipeline(&mut self, pipeline: &ast::Pipeline, ctx: &Ctx) {
        if pipeline.seq.len() > 1 {
            self.construct("pipe");
        }
        let mut ctx = ctx.clone();
        if pipeline.timed.is_some() {
            ctx.wrappers.push("time".to_owned());
        }
        for (i, command) in pipeline.seq.iter().enumerate() {
            if i == 1 {
                // Past the first command, stdin is the pipe, not an inherited heredoc.
                ctx.stdin = None;
            }
            self.command(command, &ctx);
        }
    }

    fn command(&mut self, command: &ast::Command, ctx: &Ctx) {
        match command {
            ast::Command::Simple(simple) => self.simple(simple, ctx),
            ast::Command::Compound(compound, redirects) => {
                let ctx = self.with_redirects(redirects.as_ref(), ctx);
                self.compound(compound, &ctx);
            }
            ast::Command::Function(def) => {
                self.construct("function");
                let ctx = self.with_redirects(def.body.1.as_ref(), ctx);
                self.compound(&def.body.0, &ctx);
            }
            ast::Command::ExtendedTest(test, redirects) => {
                self.construct("conditional");
                let ctx = self.with_redirects(redirects.as_ref(), ctx);
                self.extended_test(&test.expr, &ctx);
            }
        }
    }

    /// Adds the redirections of a compound command to what its inner commands inherit.
    fn with_redirects(&mut self, redirects: Option<&ast::RedirectList>, ctx: &Ctx) -> Ctx {
        let Some(redirects) = redirects else {
            return ctx.clone();
        };
        let mut inner = ctx.clone();
        let mut later = Later::default();
        for r in &redirects.0 {
            self.redirect(r, &mut inner, &mut later);
        }
        later.subs.append(&mut later.feed_subs);
        self.read_later(later, ctx);
        inner
    }

    fn compound(&mut self, compound: &ast::CompoundCommand, ctx: &Ctx) {
        match compound {
            ast::CompoundCommand::BraceGroup(group) => self.list(&group.list, ctx),
            ast::CompoundCommand::Subshell(sub) => {
                self.construct("subshell");
                self.list(&sub.list, ctx);
            }
            ast::CompoundCommand::ForClause(f) => {
                self.construct("loop");
                for value in f.values.iter().flatten() {
                    self.word_subs(&value.value, ctx);
                }
                self.list(&f.body.list, ctx);
            }
            ast::CompoundCommand::ArithmeticForClause(f) => {
                self.construct("loop");
                for expr in [&f.initializer, &f.condition, &f.updater]
                    .into_iter()
                    .flatten()
                {
                    self.text_subs(&expr.value, ctx);
                }
                self.list(&f.body.list, ctx);
            }
            ast::CompoundCommand::CaseClause(c) => {
                self.construct("conditional");
                self.word_subs(&c.value.value, ctx);
                for item in &c.cases {
                    for pattern in &item.patterns {
                        self.word_subs(&pattern.value, ctx);
                    }
                    if let Some(body) = &item.cmd {
                        self.list(body, ctx);
                    }
                }
            }
            ast::CompoundCommand::IfClause(c) => {
                self.construct("conditional");
                self.list(&c.condition, ctx);
                self.list(&c.then, ctx);
                for other in c.elses.iter().flatten() {
                    if let Some(condition) = &other.condition {
                        self.list(condition, ctx);
                    }
                    self.list(&other.body, ctx);
                }
            }
            ast::CompoundCommand::WhileClause(w) | ast::CompoundCommand::UntilClause(w) => {
                self.construct("loop");
                self.list(&w.0, ctx);
                self.list(&w.1.list, ctx);
            }
            ast::CompoundCommand::Arithmetic(a) => self.arithmetic(a, ctx),
            ast::CompoundCommand::Coprocess(c) => {
                self.construct("background");
                self.command(&c.body, ctx);
            }
        }
    }

    /// Arithmetic is not a command, but `$(…)` inside it runs. brush-parser also reads nested subshells written
    /// `( (cmd) )` as arithmetic: unless the source says `((`, the text is read as commands.
    fn arithmetic(&mut self, a: &ast::ArithmeticCommand, ctx: &Ctx) {
        let start = a.loc.start.index;
        let written_as_arithmetic = self
            .source
            .char_indices()
            .nth(start)
            .and_then(|(byte, _)| self.source.get(byte..))
            .is_some_and(|s| s.starts_with("(("));
        if written_as_arithmetic {
            self.text_subs(&a.expr.value, ctx);
            return;
        }
        self.construct("subshell");
        let mut inner = ctx.clone();
        inner.depth += 1;
        self.read_script(&a.expr.value, &inner);
    }

    fn extended_test(&mut self, expr: &ast::ExtendedTestExpr, ctx: &Ctx) {
        match expr {
            ast::ExtendedTestExpr::And(a, b) | ast::ExtendedTestExpr::Or(a, b) => {
                self.extended_test(a, ctx);
                self.extended_test(b, ctx);
            }
            ast::ExtendedTestExpr::Not(e) | ast::ExtendedTestExpr::Parenthesized(e) => {
                self.extended_test(e, ctx);
            }
            ast::ExtendedTestExpr::UnaryTest(_, w) => self.word_subs(&w.value, ctx),
            ast::ExtendedTestExpr::BinaryTest(_, a, b) => {
                self.word_subs(&a.value, ctx);
                self.word_subs(&b.value, ctx);
            }
        }
    }

    /// Reads the command substitutions of a word that is not part of a simple command (loop values, case...).
    fn word_subs(&mut self, raw: &str, ctx: &Ctx) {
        let arg = self.resolve(raw);
        self.read_subs(arg.subs, ctx);
    }

    /// Reads the command substitutions of arithmetic text.
    fn text_subs(&mut self, text: &str, ctx: &Ctx) {
        let subs = substitutions_in_text(text);
        self.read_subs(subs, ctx);
    }

    fn read_subs(&mut self, subs: Vec<String>, ctx: &Ctx) {
        for script in subs {
            self.construct("command-substitution");
            self.read_script(&script, &ctx.substitution("command-substitution"));
        }
    }

    fn read_later(&mut self, later: Later<'_>, ctx: &Ctx) {
        self.read_subs(later.subs, ctx);
        self.read_subs(later.feed_subs, ctx);
        for sub in later.procs {
            self.construct("process-substitution");
            let inner = ctx.substitution("process-substitution");
            if inner.depth > MAX_DEPTH {
                self.fail("nesting too deep");
                continue;
            }
            self.list(&sub.list, &inner);
        }
    }

    fn simple(&mut self, simple: &ast::SimpleCommand, ctx: &Ctx) {
        let mut cctx = ctx.clone();
        let mut words = Vec::new();
        let mut later = Later::default();
        for item in simple.prefix.iter().flat_map(|p| p.0.iter()) {
            match item {
                ast::CommandPrefixOrSuffixItem::AssignmentWord(assignment, _) => {
                    let (pair, subs) = self.assignment(assignment);
                    cctx.assignments.push(pair);
                    later.subs.extend(subs);
                }
                other => self.item(other, &mut words, &mut cctx, &mut later),
            }
        }
        if let Some(name) = &simple.word_or_name {
            words.push(self.resolve(&name.value));
        }
        for item in simple.suffix.iter().flat_map(|s| s.0.iter()) {
            self.item(item, &mut words, &mut cctx, &mut later);
        }
        let stdin_read_as_script = self.run(words, cctx, ctx);
        if stdin_read_as_script {
            later.feed_subs.clear();
        }
        self.read_later(later, ctx);
    }

    /// One word, redirection or process substitution of a simple command.
    fn item<'a>(
        &mut self,
        item: &'a ast::CommandPrefixOrSuffixItem,
        words: &mut Vec<Arg>,
        cctx: &mut Ctx,
        later: &mut Later<'a>,
    ) {
        match item {
            ast::CommandPrefixOrSuffixItem::IoRedirect(r) => self.redirect(r, cctx, later),
            // After the program (`export A=1`), an assignment is an argument like any other.
            ast::CommandPrefixOrSuffixItem::Word(w)
            | ast::CommandPrefixOrSuffixItem::AssignmentWord(_, w) => {
                words.push(self.resolve(&w.value));
            }
            ast::CommandPrefixOrSuffixItem::ProcessSubstitution(kind, sub) => {
                // The argument becomes a /dev/fd path: not known, but not chosen by anyone either, so it is not
                // dynamic; what matters is the inner commands, read on their own.
                words.push(Arg {
                    verbatim: true,
                    ..Arg::literal(&format!("{kind}({})", sub.list))
                });
                later.procs.push(sub);
            }
        }
    }

    fn redirect<'a>(&mut self, r: &'a ast::IoRedirect, cctx: &mut Ctx, later: &mut Later<'a>) {
        let redirect = match r {
            ast::IoRedirect::File(fd, kind, target) => {
                let target = match target {
                    ast::IoFileRedirectTarget::Filename(w)
                    | ast::IoFileRedirectTarget::Duplicate(w) => {
                        self.redirect_target(&w.value, cctx, later)
                    }
                    ast::IoFileRedirectTarget::Fd(n) => Some(n.to_string()),
                    ast::IoFileRedirectTarget::ProcessSubstitution(_, sub) => {
                        later.procs.push(sub);
                        None
                    }
                };
                Redirect {
                    op: file_redirect_op(kind).to_owned(),
                    fd: fd_number(*fd),
                    target,
                }
            }
            ast::IoRedirect::HereDocument(fd, doc) => {
                self.construct("heredoc");
                let body = doc.doc.value.clone();
                let subs = if doc.requires_expansion {
                    substitutions_in_text(&body)
                } else {
                    Vec::new()
                };
                feed_stdin(
                    *fd,
                    Feed {
                        script: body.clone(),
                        text: body,
                    },
                    subs,
                    cctx,
                    later,
                );
                Redirect {
                    op: if doc.remove_tabs { "<<-" } else { "<<" }.to_owned(),
                    fd: fd_number(*fd),
                    target: None,
                }
            }
            ast::IoRedirect::HereString(fd, w) => {
                self.construct("heredoc");
                let arg = self.resolve(&w.value);
                let feed = Feed {
                    script: arg.script,
                    text: arg.text,
                };
                feed_stdin(*fd, feed, arg.subs, cctx, later);
                Redirect {
                    op: "<<<".to_owned(),
                    fd: fd_number(*fd),
                    target: None,
                }
            }
            ast::IoRedirect::OutputAndError(w, append) => Redirect {
                op: if *append { "&>>" } else { "&>" }.to_owned(),
                fd: None,
                target: self.redirect_target(&w.value, cctx, later),
            },
        };
        cctx.redirects.push(redirect);
    }

    fn assignment(&mut self, assignment: &ast::Assignment) -> ((String, String), Vec<String>) {
        let name = match &assignment.name {
            ast::AssignmentName::VariableName(n) => n.clone(),
            ast::AssignmentName::ArrayElementName(n, index) => format!("{n}[{index}]"),
        };
        match &assignment.value {
            ast::AssignmentValue::Scalar(w) => {
                let arg = self.resolve(&w.value);
                ((name, arg.text), arg.subs)
            }
            ast::AssignmentValue::Array(items) => {
                let mut subs = Vec::new();
                let mut parts = Vec::new();
                for (key, value) in items {
                    let arg = self.resolve(&value.value);
                    subs.extend(arg.subs);
                    parts.push(match key {
                        Some(k) => format!("[{}]={}", k.value, value.value),
                        None => value.value.clone(),
                    });
                }
                ((name, format!("({})", parts.join(" "))), subs)
            }
        }
    }

    fn redirect_target(
        &mut self,
        raw: &str,
        cctx: &mut Ctx,
        later: &mut Later<'_>,
    ) -> Option<String> {
        let arg = self.resolve(raw);
        later.subs.extend(arg.subs);
        if arg.dynamic {
            cctx.redirect_dynamic.push(arg.raw);
            None
        } else {
            Some(arg.text)
        }
    }

    // -----------------------------------------------------------------------------------------------------------
    // Unwrapping
    // -----------------------------------------------------------------------------------------------------------

    /// Unwraps the wrappers at the start of `words` and reports what they run. `outer` is the context the
    /// surrounding shell evaluates the words in (for their command substitutions). Returns true when the
    /// command's stdin (heredoc, here-string) was read as a script.
    fn run(&mut self, mut words: Vec<Arg>, mut cctx: Ctx, outer: &Ctx) -> bool {
        for w in &words {
            self.check_word(w);
        }
        let mut pos = 0;
        let mut stdin_read = false;
        for round in 0.. {
            if round > MAX_WRAPPERS {
                self.fail("nesting too deep");
                self.emit(words.get(pos..).unwrap_or(&[]), &cctx);
                break;
            }
            let Some(first) = words.get(pos) else {
                self.emit(&[], &cctx);
                break;
            };
            let step = if first.dynamic || first.pattern {
                Step::Emit
            } else {
                let name = basename(&first.text).to_owned();
                self.step(&name, &mut words, pos, &mut cctx)
            };
            match step {
                Step::Emit => {
                    self.emit(words.get(pos..).unwrap_or(&[]), &cctx);
                    break;
                }
                Step::Next { next, label } => {
                    cctx.wrappers.push(label);
                    pos = next;
                }
                Step::Replace(new_words) => {
                    for w in &new_words {
                        self.check_word(w);
                    }
                    words = new_words;
                }
                Step::Done => break,
                Step::Default { program, label } => {
                    cctx.wrappers.push(label.to_owned());
                    self.emit(&[Arg::literal(program)], &cctx);
                    break;
                }
                Step::Script {
                    text,
                    label,
                    consumed,
                } => {
                    // The string's substitutions are read inside the script, where they appear as written.
                    for w in words.get_mut(consumed).into_iter().flatten() {
                        w.subs.clear();
                    }
                    let inner = cctx.nested(&label);
                    self.read_or_emit(&text, &inner, words.get(pos..).unwrap_or(&[]), &cctx);
                    break;
                }
                Step::Stdin => {
                    let here = words.get(pos..).unwrap_or(&[]);
                    match cctx.stdin.clone() {
                        Some(feed) => {
                            let mut inner = cctx.nested("heredoc");
                            inner.stdin = None;
                            self.read_or_emit(&feed.script, &inner, here, &cctx);
                            stdin_read = true;
                        }
                        None => self.emit(here, &cctx),
                    }
                    break;
                }
            }
        }
        for w in words {
            self.read_subs(w.subs, outer);
        }
        stdin_read
    }

    /// Reads a script run by a wrapper; when that yields nothing (unparseable, too deep, empty), the wrapper itself
    /// is reported so that the command never vanishes.
    fn read_or_emit(&mut self, script: &str, inner: &Ctx, wrapper_words: &[Arg], cctx: &Ctx) {
        let before = self.commands.len();
        let read = self.read_script(script, inner);
        if !read || self.commands.len() == before {
            self.emit(wrapper_words, cctx);
        }
    }

    fn step(&mut self, name: &str, words: &mut Vec<Arg>, pos: usize, cctx: &mut Ctx) -> Step {
        match name {
            "sudo" => sudo(words, pos, cctx),
            "doas" => {
                let (next, opts) = parse_opts(words, pos + 1, &DOAS);
                if has(&opts, &["C"]) {
                    return Step::Emit;
                }
                after(words, next, "doas")
            }
            "env" => env(words, pos, cctx),
            "pkexec" => simple_wrapper(words, pos, &PKEXEC, name),
            "nohup" | "setsid" | "unbuffer" | "builtin" => {
                let (next, _) = parse_opts(words, pos + 1, &SIMPLE);
                after(words, next, name)
            }
            "timeout" => {
                let (next, _) = parse_opts(words, pos + 1, &TIMEOUT);
                // The first operand is the duration.
                after(words, next + 1, "timeout")
            }
            "nice" => simple_wrapper(words, pos, &NICE, name),
            "stdbuf" => simple_wrapper(words, pos, &STDBUF, name),
            "time" => simple_wrapper(words, pos, &TIME, name),
            "exec" => simple_wrapper(words, pos, &EXEC, name),
            "chroot" => {
                let (next, _) = parse_opts(words, pos + 1, &CHROOT);
                // The first operand is the new root.
                after(words, next + 1, "chroot")
            }
            "ionice" => {
                let (next, opts) = parse_opts(words, pos + 1, &IONICE);
                if has(&opts, &["p", "P", "u", "pid", "pgid", "uid"]) {
                    return Step::Emit;
                }
                after(words, next, "ionice")
            }
            "command" => {
                let (next, opts) = parse_opts(words, pos + 1, &SIMPLE);
                // `command -v X` looks X up, it does not run it.
                if has(&opts, &["v", "V"]) {
                    return Step::Emit;
                }
                after(words, next, "command")
            }
            "busybox" => match words.get(pos + 1) {
                Some(w) if !w.text.starts_with('-') => Step::Next {
                    next: pos + 1,
                    label: "busybox".to_owned(),
                },
                _ => Step::Emit,
            },
            "xargs" => {
                let (next, _) = parse_opts(words, pos + 1, &XARGS);
                if next >= words.len() {
                    return Step::Default {
                        program: "echo",
                        label: "xargs",
                    };
                }
                after(words, next, "xargs")
            }
            "watch" => {
                let (next, opts) = parse_opts(words, pos + 1, &WATCH);
                if has(&opts, &["x", "exec"]) {
                    return after(words, next, "watch");
                }
                joined_script(words, next, "watch")
            }
            "flock" => flock(words, pos),
            "su" | "runuser" => su(words, pos, name),
            "trap" => trap(words, pos),
            "eval" => joined_script(words, pos + 1, "eval"),
            "source" | "." => match words.get(pos + 1).map(|w| w.text.as_str()) {
                Some("/dev/stdin" | "/dev/fd/0" | "/proc/self/fd/0") => Step::Stdin,
                _ => Step::Emit,
            },
            "find" => {
                self.find(words, pos, cctx);
                Step::Done
            }
            _ if SHELLS.contains(&name) => shell(words, pos, name),
            _ => Step::Emit,
        }
    }

    /// Reports `find` itself, then each command of its `-exec`/`-execdir`/`-ok`/`-okdir` actions.
    fn find(&mut self, words: &[Arg], pos: usize, cctx: &Ctx) {
        self.emit(words.get(pos..).unwrap_or(&[]), cctx);
        let texts: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
        let mut i = pos + 1;
        while i < words.len() {
            let is_exec = texts.get(i).is_some_and(|t| FIND_EXEC.contains(t));
            i += 1;
            if !is_exec {
                continue;
            }
            let end = find_exec_end(&texts, i);
            let segment: Vec<Arg> = words
                .get(i..end)
                .unwrap_or(&[])
                .iter()
                .map(Arg::without_subs)
                .collect();
            i = end + 1;
            if segment.is_empty() {
                continue;
            }
            let inner = cctx.nested("find -exec");
            if inner.depth > MAX_DEPTH {
                self.fail("nesting too deep");
                continue;
            }
            self.run(segment, inner.clone(), &inner);
        }
    }

    /// Builds the reported command from the words starting at the program.
    fn emit(&mut self, words: &[Arg], cctx: &Ctx) {
        let mut dynamic_words: Vec<String> = Vec::new();
        let (program, program_path, display_program) = match words.first() {
            None => (None, None, None),
            Some(w) => match resolve_program(w) {
                Some((name, path)) => (Some(name), Some(path.clone()), Some(quote(&path))),
                None => {
                    dynamic_words.push(w.raw.clone());
                    (
                        None,
                        None,
                        Some(if w.raw.is_empty() {
                            "''".to_owned()
                        } else {
                            w.raw.clone()
                        }),
                    )
                }
            },
        };
        let rest = words.get(1..).unwrap_or(&[]);
        let args: Vec<String> = rest.iter().map(|w| w.text.clone()).collect();
        for w in rest.iter().filter(|w| w.dynamic) {
            dynamic_words.push(w.raw.clone());
        }
        dynamic_words.extend(cctx.redirect_dynamic.iter().cloned());
        let dynamic = !dynamic_words.is_empty();
        let (flags, positionals) = classify_args(program.as_deref(), &args);
        let (subcommand, leading) = subcommand(program.as_deref(), &args, &positionals);
        let leading = leading.min(args.len());
        let leading_flags = classify_args(program.as_deref(), args.get(..leading).unwrap_or(&[])).0;
        let text = display_text(display_program, rest, cctx);
        self.commands.push(SimpleCommand {
            program,
            program_path,
            args,
            flags,
            positionals,
            subcommand,
            leading,
            leading_flags,
            wrappers: cctx.wrappers.clone(),
            assignments: cctx.assignments.clone(),
            redirects: cctx.redirects.clone(),
            dynamic,
            dynamic_words,
            text,
            heredoc: cctx.stdin.as_ref().map(|f| f.text.clone()),
        });
    }
}

fn parse_program(src: &str) -> Result<ast::Program, String> {
    // brush-parser 0.4 contains `unwrap()`s that odd input can reach; a panic must become an error the caller
    // escalates, never a crash of the gate.
    let parsed = catch_unwind(|| {
        let mut parser = brush_parser::Parser::new(src.as_bytes(), parser_options());
        parser.parse_program()
    });
    match parsed {
        Ok(Ok(program)) => Ok(program),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("the shell parser failed on this input".to_owned()),
    }
}

/// Records a heredoc or here-string; only one aimed at stdin can be read as a script by a shell.
fn feed_stdin(
    fd: Option<ast::IoFd>,
    feed: Feed,
    subs: Vec<String>,
    cctx: &mut Ctx,
    later: &mut Later<'_>,
) {
    if matches!(fd, None | Some(0)) {
        cctx.stdin = Some(feed);
        later.feed_subs = subs;
    } else {
        later.subs.extend(subs);
    }
}

fn file_redirect_op(kind: &ast::IoFileRedirectKind) -> &'static str {
    match kind {
        ast::IoFileRedirectKind::Read => "<",
        ast::IoFileRedirectKind::Write => ">",
        ast::IoFileRedirectKind::Append => ">>",
        ast::IoFileRedirectKind::ReadAndWrite => "<>",
        ast::IoFileRedirectKind::Clobber => ">|",
        ast::IoFileRedirectKind::DuplicateInput => "<&",
        ast::IoFileRedirectKind::DuplicateOutput => ">&",
    }
}

fn fd_number(fd: Option<ast::IoFd>) -> Option<u32> {
    fd.and_then(|n| u32::try_from(n).ok())
}

// ---------------------------------------------------------------------------------------------------------------
// Wrapper options
// ---------------------------------------------------------------------------------------------------------------

/// How a wrapper's options are written (getopt style: options end at the first operand or at `--`).
struct OptSpec {
    /// Short options taking a value, attached (`-uroot`) or in the next word (`-u root`).
    short_value: &'static str,
    /// Short options whose value can only be attached (`xargs -i{}`).
    short_optional: &'static str,
    /// Long options taking the next word as value when written without `=`.
    long_value: &'static [&'static str],
    /// Options may also start with `+` (`bash +o posix`).
    plus: bool,
}

const SIMPLE: OptSpec = OptSpec {
    short_value: "",
    short_optional: "",
    long_value: &[],
    plus: false,
};
const SUDO: OptSpec = OptSpec {
    short_value: "aCcDghpRrTtUu",
    long_value: &[
        "user",
        "group",
        "close-from",
        "chdir",
        "host",
        "prompt",
        "role",
        "type",
        "other-user",
        "command-timeout",
        "chroot",
        "login-class",
        "auth-type",
    ],
    ..SIMPLE
};
const DOAS: OptSpec = OptSpec {
    short_value: "uC",
    ..SIMPLE
};
const ENV: OptSpec = OptSpec {
    short_value: "uCSP",
    long_value: &["unset", "chdir", "split-string"],
    ..SIMPLE
};
const PKEXEC: OptSpec = OptSpec {
    long_value: &["user"],
    ..SIMPLE
};
const TIMEOUT: OptSpec = OptSpec {
    short_value: "ks",
    long_value: &["kill-after", "signal"],
    ..SIMPLE
};
const NICE: OptSpec = OptSpec {
    short_value: "n",
    long_value: &["adjustment"],
    ..SIMPLE
};
const IONICE: OptSpec = OptSpec {
    short_value: "cnpPu",
    long_value: &["class", "classdata", "pid", "pgid", "uid"],
    ..SIMPLE
};
const STDBUF: OptSpec = OptSpec {
    short_value: "ioe",
    long_value: &["input", "output", "error"],
    ..SIMPLE
};
const TIME: OptSpec = OptSpec {
    short_value: "fo",
    long_value: &["format", "output"],
    ..SIMPLE
};
const EXEC: OptSpec = OptSpec {
    short_value: "a",
    ..SIMPLE
};
const CHROOT: OptSpec = OptSpec {
    long_value: &["userspec", "groups"],
    ..SIMPLE
};
const XARGS: OptSpec = OptSpec {
    short_value: "adEILnPs",
    short_optional: "eil",
    long_value: &[
        "arg-file",
        "delimiter",
        "max-lines",
        "max-args",
        "max-procs",
        "max-chars",
        "process-slot-var",
    ],
    plus: false,
};
const WATCH: OptSpec = OptSpec {
    short_value: "nq",
    long_value: &["interval", "equexit"],
    ..SIMPLE
};
const FLOCK: OptSpec = OptSpec {
    short_value: "wEc",
    long_value: &["timeout", "wait", "conflict-exit-code", "command"],
    ..SIMPLE
};
const SU: OptSpec = OptSpec {
    short_value: "cgGsw",
    long_value: &[
        "command",
        "session-command",
        "group",
        "supp-group",
        "shell",
        "whitelist-environment",
    ],
    ..SIMPLE
};
const RUNUSER: OptSpec = OptSpec {
    short_value: "cgGsuw",
    long_value: &[
        "command",
        "session-command",
        "group",
        "supp-group",
        "shell",
        "user",
        "whitelist-environment",
    ],
    ..SIMPLE
};
const SHELL: OptSpec = OptSpec {
    short_value: "oO",
    long_value: &["rcfile", "init-file"],
    short_optional: "",
    plus: true,
};

/// Shells that take `-c STRING` or read commands from stdin.
const SHELLS: [&str; 7] = ["bash", "sh", "zsh", "dash", "ksh", "ash", "mksh"];
/// find actions that run a command.
const FIND_EXEC: [&str; 4] = ["-exec", "-execdir", "-ok", "-okdir"];

/// A value given to an option.
enum OptValue {
    /// In the next word (its index).
    Word(usize),
    /// Attached to the option (`-uroot`, `--user=root`).
    Attached(String),
}

struct Opt {
    name: String,
    value: Option<OptValue>,
}

/// Reads options from `pos`; returns the index of the first operand and the options seen.
fn parse_opts(words: &[Arg], mut pos: usize, spec: &OptSpec) -> (usize, Vec<Opt>) {
    let mut opts = Vec::new();
    while let Some(w) = words.get(pos) {
        // A word we cannot read is taken as the command, which then reads as dynamic.
        if w.dynamic {
            break;
        }
        let t = w.text.as_str();
        if t == "--" {
            pos += 1;
            break;
        }
        if let Some(long) = t.strip_prefix("--") {
            pos += 1;
            let (name, value) = match long.split_once('=') {
                Some((n, v)) => (n, Some(OptValue::Attached(v.to_owned()))),
                None if spec.long_value.contains(&long) && pos < words.len() => {
                    pos += 1;
                    (long, Some(OptValue::Word(pos - 1)))
                }
                None => (long, None),
            };
            opts.push(Opt {
                name: name.to_owned(),
                value,
            });
            continue;
        }
        let is_short = t.len() > 1 && (t.starts_with('-') || spec.plus && t.starts_with('+'));
        if !is_short {
            break;
        }
        pos += 1;
        let body = t.get(1..).unwrap_or("");
        for (i, c) in body.char_indices() {
            let rest = body.get(i + c.len_utf8()..).unwrap_or("");
            if spec.short_value.contains(c) {
                let value = if !rest.is_empty() {
                    Some(OptValue::Attached(rest.to_owned()))
                } else if pos < words.len() {
                    pos += 1;
                    Some(OptValue::Word(pos - 1))
                } else {
                    None
                };
                opts.push(Opt {
                    name: c.to_string(),
                    value,
                });
                break;
            }
            if spec.short_optional.contains(c) {
                let value = (!rest.is_empty()).then(|| OptValue::Attached(rest.to_owned()));
                opts.push(Opt {
                    name: c.to_string(),
                    value,
                });
                break;
            }
            opts.push(Opt {
                name: c.to_string(),
                value: None,
            });
        }
    }
    (pos, opts)
}

fn has(opts: &[Opt], names: &[&str]) -> bool {
    opts.iter().any(|o| names.contains(&o.name.as_str()))
}

fn opt_value<'a>(opts: &'a [Opt], names: &[&str]) -> Option<&'a OptValue> {
    opts.iter()
        .rev()
        .find(|o| names.contains(&o.name.as_str()))
        .and_then(|o| o.value.as_ref())
}

/// The script text of an option value, and the word it came from (to drop its substitutions).
fn value_script(words: &[Arg], value: &OptValue) -> (String, Range<usize>) {
    match value {
        OptValue::Word(i) => (
            words.get(*i).map(|w| w.script.clone()).unwrap_or_default(),
            *i..*i + 1,
        ),
        OptValue::Attached(s) => (s.clone(), 0..0),
    }
}

/// The wrapper runs the command at `next`, if there is one; otherwise it is reported itself.
fn after(words: &[Arg], next: usize, label: &str) -> Step {
    if next < words.len() {
        Step::Next {
            next,
            label: label.to_owned(),
        }
    } else {
        Step::Emit
    }
}

fn simple_wrapper(words: &[Arg], pos: usize, spec: &OptSpec, label: &str) -> Step {
    let (next, _) = parse_opts(words, pos + 1, spec);
    after(words, next, label)
}

/// The words from `start` joined with spaces, read as a script (`eval`, `watch`).
fn joined_script(words: &[Arg], start: usize, label: &str) -> Step {
    let Some(rest) = words.get(start..).filter(|r| !r.is_empty()) else {
        return Step::Emit;
    };
    let text = rest
        .iter()
        .map(|w| w.script.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    Step::Script {
        text,
        label: label.to_owned(),
        consumed: start..words.len(),
    }
}

/// `NAME=value` as accepted by env and sudo before the command.
fn env_assignment(w: &Arg) -> Option<(String, String)> {
    if w.dynamic {
        return None;
    }
    let (name, value) = w.text.split_once('=')?;
    let valid = !name.is_empty() && !name.starts_with('-');
    valid.then(|| (name.to_owned(), value.to_owned()))
}

fn sudo(words: &[Arg], pos: usize, cctx: &mut Ctx) -> Step {
    let (mut next, opts) = parse_opts(words, pos + 1, &SUDO);
    // Editing files, listing privileges, validating or dropping credentials, help: no command runs.
    let help = opts.iter().any(|o| o.name == "h" && o.value.is_none());
    let no_command = [
        "e",
        "edit",
        "l",
        "list",
        "v",
        "validate",
        "V",
        "version",
        "K",
        "remove-timestamp",
        "help",
    ];
    if help || has(&opts, &no_command) {
        return Step::Emit;
    }
    let mut env = Vec::new();
    while let Some(pair) = words.get(next).and_then(env_assignment) {
        env.push(pair);
        next += 1;
    }
    let step = after(words, next, "sudo");
    if matches!(step, Step::Next { .. }) {
        cctx.assignments.extend(env);
    }
    step
}

fn env(words: &mut Vec<Arg>, pos: usize, cctx: &mut Ctx) -> Step {
    let mut next = pos + 1;
    loop {
        let (after_opts, opts) = parse_opts(words, next, &ENV);
        next = after_opts;
        for o in &opts {
            match o.name.as_str() {
                "i" | "ignore-environment" => cctx.assignments.clear(),
                "u" | "unset" => {
                    let name = match &o.value {
                        Some(OptValue::Word(i)) => words.get(*i).map(|w| w.text.clone()),
                        Some(OptValue::Attached(s)) => Some(s.clone()),
                        None => None,
                    };
                    cctx.assignments.retain(|(n, _)| Some(n) != name.as_ref());
                }
                _ => {}
            }
        }
        if let Some(value) = opt_value(&opts, &["S", "split-string"]) {
            let (text, _) = value_script(words, value);
            return Step::Replace(split_string(std::mem::take(words), pos, next, &text));
        }
        match words.get(next) {
            // `env -` is `env -i`.
            Some(w) if !w.dynamic && w.text == "-" => {
                cctx.assignments.clear();
                next += 1;
            }
            _ => break,
        }
    }
    while let Some(pair) = words.get(next).and_then(env_assignment) {
        cctx.assignments.push(pair);
        next += 1;
    }
    after(words, next, "env")
}

/// `env [options] -S 'a b c' rest`: the string is split into words that take the place of env's options, so
/// that env is read again on `env a b c rest`. Substitutions of the dropped option words stay with `env`.
fn split_string(words: Vec<Arg>, pos: usize, next: usize, text: &str) -> Vec<Arg> {
    let len = words.len();
    let mut rewritten = Vec::with_capacity(len + 4);
    let mut dropped_subs = Vec::new();
    for (i, mut w) in words.into_iter().enumerate() {
        if i == next {
            rewritten.extend(split_words(text));
        }
        if i <= pos || i >= next {
            rewritten.push(w);
        } else {
            dropped_subs.append(&mut w.subs);
        }
    }
    if next >= len {
        rewritten.extend(split_words(text));
    }
    if let Some(env_word) = rewritten.get_mut(pos) {
        env_word.subs.append(&mut dropped_subs);
    }
    rewritten
}

fn flock(words: &[Arg], pos: usize) -> Step {
    let (next, opts) = parse_opts(words, pos + 1, &FLOCK);
    if let Some(value) = opt_value(&opts, &["c", "command"]) {
        let (text, consumed) = value_script(words, value);
        return Step::Script {
            text,
            label: "flock -c".to_owned(),
            consumed,
        };
    }
    // Operands: the lock file (or fd), then `-c STRING` or the command.
    let command = next + 1;
    match words.get(command).map(|w| w.text.as_str()) {
        Some("-c" | "--command") => match words.get(command + 1) {
            Some(w) => Step::Script {
                text: w.script.clone(),
                label: "flock -c".to_owned(),
                consumed: command + 1..command + 2,
            },
            None => Step::Emit,
        },
        Some(t) if t.starts_with("--command=") => Step::Script {
            text: t.get("--command=".len()..).unwrap_or("").to_owned(),
            label: "flock -c".to_owned(),
            consumed: command..command + 1,
        },
        _ => after(words, command, "flock"),
    }
}

/// `su [options] [-] [user] [-c command]`: options may come after the user, so every word is looked at.
/// `runuser -u USER [--] COMMAND` runs the command directly.
fn su(words: &[Arg], pos: usize, name: &str) -> Step {
    if name == "runuser" {
        let (next, opts) = parse_opts(words, pos + 1, &RUNUSER);
        if has(&opts, &["u", "user"]) && !has(&opts, &["c", "command", "session-command"]) {
            return after(words, next, "runuser");
        }
    }
    let mut i = pos + 1;
    let mut opts = Vec::new();
    while i < words.len() {
        let (next, mut found) = parse_opts(words, i, &SU);
        opts.append(&mut found);
        i = if next == i { next + 1 } else { next };
    }
    match opt_value(&opts, &["c", "command", "session-command"]) {
        Some(value) => {
            let (text, consumed) = value_script(words, value);
            Step::Script {
                text,
                label: format!("{name} -c"),
                consumed,
            }
        }
        None => Step::Emit,
    }
}

/// `trap ACTION SIGNAL...`: the action is a script run later, on the signal or at exit.
fn trap(words: &[Arg], pos: usize) -> Step {
    let mut action = pos + 1;
    if words.get(action).is_some_and(|w| w.text == "--") {
        action += 1;
    }
    match words.get(action) {
        Some(w) if !w.text.starts_with('-') && action + 1 < words.len() => Step::Script {
            text: w.script.clone(),
            label: "trap".to_owned(),
            consumed: action..action + 1,
        },
        _ => Step::Emit,
    }
}

/// `bash [options] -c STRING [args]`, `bash [options] [-s] < script`, `bash script.sh`.
fn shell(words: &[Arg], pos: usize, name: &str) -> Step {
    let (mut next, opts) = parse_opts(words, pos + 1, &SHELL);
    if words.get(next).is_some_and(|w| !w.dynamic && w.text == "-") {
        next += 1;
    }
    if has(&opts, &["c"]) {
        return match words.get(next) {
            Some(w) => Step::Script {
                text: w.script.clone(),
                label: format!("{name} -c"),
                consumed: next..next + 1,
            },
            None => Step::Emit,
        };
    }
    if has(&opts, &["s"]) || next >= words.len() {
        return Step::Stdin;
    }
    Step::Emit
}

/// Index of the word ending a find `-exec` action started at `start` (`;`, or `+` right after `{}`).
fn find_exec_end(texts: &[&str], start: usize) -> usize {
    let mut end = start;
    while let Some(t) = texts.get(end) {
        if *t == ";" || *t == "+" && end > start && texts.get(end - 1) == Some(&"{}") {
            break;
        }
        end += 1;
    }
    end
}

// ---------------------------------------------------------------------------------------------------------------
// Normalising a command
// ---------------------------------------------------------------------------------------------------------------

fn basename(path: &str) -> &str {
    path.trim_end_matches('/').rsplit('/').next().unwrap_or("")
}

/// (basename, path) of a program word, or None when it cannot be known statically.
fn resolve_program(w: &Arg) -> Option<(String, String)> {
    if w.dynamic || w.pattern {
        return None;
    }
    let name = basename(&w.text);
    if name.is_empty() {
        return None;
    }
    Some((name.to_owned(), w.text.clone()))
}

/// Programs whose options are single-dash words (`find -delete`, `terraform apply -auto-approve`).
fn single_dash_long(program: &str) -> bool {
    const PROGRAMS: [&str; 16] = [
        "find",
        "terraform",
        "tofu",
        "java",
        "javac",
        "go",
        "gcc",
        "g++",
        "cc",
        "c++",
        "clang",
        "clang++",
        "ffmpeg",
        "ffprobe",
        "openssl",
        "xcodebuild",
    ];
    PROGRAMS.contains(&program)
}

fn classify_args(program: Option<&str>, args: &[String]) -> (Vec<String>, Vec<String>) {
    let long_single = program.is_some_and(single_dash_long);
    let is_find = program == Some("find");
    let mut flags: Vec<String> = Vec::new();
    let mut positionals = Vec::new();
    let mut push_flag = |flag: &str| {
        if !flags.iter().any(|f| f == flag) {
            flags.push(flag.to_owned());
        }
    };
    let texts: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut i = 0;
    let mut options_ended = false;
    while let Some(&a) = texts.get(i) {
        i += 1;
        if options_ended || a.len() < 2 || !a.starts_with('-') {
            positionals.push(a.to_owned());
            continue;
        }
        if a == "--" {
            options_ended = true;
            continue;
        }
        if is_find && FIND_EXEC.contains(&a) {
            push_flag(a);
            // The action's words form a command reported on its own.
            i = find_exec_end(&texts, i) + 1;
            continue;
        }
        if a.starts_with("--") || long_single {
            push_flag(a.split('=').next().unwrap_or(a));
            continue;
        }
        let body = a.get(1..).unwrap_or("");
        if body.starts_with(|c: char| c.is_ascii_digit()) {
            push_flag(a);
            continue;
        }
        let letters: Vec<char> = body.chars().take_while(char::is_ascii_alphabetic).collect();
        if letters.is_empty() {
            push_flag(a.split('=').next().unwrap_or(a));
        }
        for c in letters {
            push_flag(&format!("-{c}"));
        }
    }
    (flags, positionals)
}

/// First positional, after the global options (and their values) of tools that have them, and
/// the index in `args` where it is (`args.len()` when there is none).
fn subcommand(
    program: Option<&str>,
    args: &[String],
    positionals: &[String],
) -> (Option<String>, usize) {
    let Some(program) = program else {
        return (None, args.len());
    };
    let with_value: &[&str] = match program {
        "git" => &[
            "-C",
            "-c",
            "--git-dir",
            "--work-tree",
            "--namespace",
            "--config-env",
            "--super-prefix",
        ],
        "kubectl" | "helm" | "oc" => &[
            "-n",
            "--namespace",
            "--context",
            "--kubeconfig",
            "--cluster",
            "--user",
            "-s",
            "--server",
        ],
        "docker" | "podman" => &[
            "-H",
            "--host",
            "-c",
            "--context",
            "--config",
            "-l",
            "--log-level",
        ],
        _ => {
            // Where the program's own options end: at the first word that is neither an option
            // nor the value of one of the interpreter options known to take one (`python3 -W
            // ignore -c CODE`), or after `--`.
            let takes_value: &[&str] = match program {
                "python" | "python3" | "python2" | "pypy3" => &["-W", "-X", "-Q"],
                "node" | "nodejs" => &[
                    "-r",
                    "--require",
                    "--import",
                    "--loader",
                    "--experimental-loader",
                    "-C",
                    "--conditions",
                    "--input-type",
                    "--title",
                    "--env-file",
                ],
                "perl" => &["-I", "-M", "-m"],
                "ruby" => &["-I", "-r", "-C", "-E", "-F"],
                "php" => &["-d", "-c", "-z"],
                _ => &[],
            };
            let mut i = 0;
            while let Some(a) = args.get(i) {
                if a == "--" {
                    i += 1;
                    break;
                }
                if takes_value.contains(&a.as_str()) {
                    i += 2;
                } else if a.len() > 1 && a.starts_with('-') {
                    i += 1;
                } else {
                    break;
                }
            }
            return (positionals.first().cloned(), i.min(args.len()));
        }
    };
    let mut i = 0;
    while let Some(a) = args.get(i) {
        if a == "--" {
            return (args.get(i + 1).cloned(), i + 1);
        }
        if with_value.contains(&a.as_str()) {
            i += 2;
        } else if a.len() > 1 && a.starts_with('-') {
            i += 1;
        } else {
            return (Some(a.clone()), i);
        }
    }
    (None, args.len())
}

/// Quotes a word for display when a shell would not read it back as one plain word.
fn quote(s: &str) -> String {
    if s.is_empty() {
        return "''".to_owned();
    }
    let plain = s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_-./=:,+@%^~".contains(c));
    if plain {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

fn display_text(program: Option<String>, args: &[Arg], cctx: &Ctx) -> String {
    let mut parts: Vec<String> = Vec::with_capacity(args.len() + 1);
    match program {
        Some(p) => parts.push(p),
        None => {
            for (name, value) in &cctx.assignments {
                parts.push(format!("{name}={}", quote(value)));
            }
            for r in &cctx.redirects {
                let fd = r.fd.map(|n| n.to_string()).unwrap_or_default();
                parts.push(format!(
                    "{fd}{} {}",
                    r.op,
                    r.target.as_deref().unwrap_or("…")
                ));
            }
        }
    }
    for a in args {
        // A dynamic word is shown as written: that is what would be expanded.
        parts.push(if a.dynamic || a.verbatim {
            a.raw.clone()
        } else {
            quote(&a.text)
        });
    }
    let text = parts.join(" ");
    if text.chars().count() <= MAX_TEXT_CHARS {
        return text;
    }
    let mut cut: String = text.chars().take(MAX_TEXT_CHARS - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn read(src: &str) -> ShellReading {
        read_command(src)
    }

    fn argv(words: &[&str]) -> ShellReading {
        let owned: Vec<String> = words.iter().map(|w| (*w).to_owned()).collect();
        read_argv(&owned)
    }

    /// Programs in order; unresolved ones as "?".
    fn programs(src: &str) -> Vec<String> {
        let r = read(src);
        assert_eq!(r.error, None, "{src}");
        program_names(&r)
    }

    fn program_names(r: &ShellReading) -> Vec<String> {
        r.commands
            .iter()
            .map(|c| c.program.clone().unwrap_or_else(|| "?".to_owned()))
            .collect()
    }

    /// The single command of `src`, which must read without error.
    fn only(src: &str) -> SimpleCommand {
        let r = read(src);
        assert_eq!(r.error, None, "{src}");
        assert_eq!(r.commands.len(), 1, "{src}: {:?}", program_names(&r));
        let mut commands = r.commands;
        commands.remove(0)
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    fn redirect(op: &str, fd: Option<u32>, target: Option<&str>) -> Redirect {
        Redirect {
            op: op.to_owned(),
            fd,
            target: target.map(str::to_owned),
        }
    }

    fn has_construct(r: &ShellReading, name: &str) -> bool {
        r.constructs.iter().any(|c| c == name)
    }

    // --- The whole tree -------------------------------------------------------------------------------------

    #[test]
    fn lists_and_pipelines_keep_source_order() {
        let r = read("a && b || c; d | e &");
        assert_eq!(r.error, None);
        assert_eq!(program_names(&r), strings(&["a", "b", "c", "d", "e"]));
        for construct in ["and", "or", "sequence", "pipe", "background"] {
            assert!(
                has_construct(&r, construct),
                "{construct}: {:?}",
                r.constructs
            );
        }
    }

    #[test]
    fn newlines_separate_commands() {
        let r = read("a\nb\n\nc");
        assert_eq!(program_names(&r), strings(&["a", "b", "c"]));
        assert!(has_construct(&r, "sequence"));
    }

    #[test]
    fn pipe_with_stderr_adds_the_dup() {
        let r = read("make |& tee log");
        assert_eq!(program_names(&r), strings(&["make", "tee"]));
        assert!(
            r.commands[0]
                .redirects
                .contains(&redirect(">&", Some(2), Some("1")))
        );
    }

    #[test]
    fn subshells_and_brace_groups() {
        let r = read("(cd /tmp && rm x); { ls; pwd; }");
        assert_eq!(program_names(&r), strings(&["cd", "rm", "ls", "pwd"]));
        assert!(has_construct(&r, "subshell"));
    }

    #[test]
    fn conditionals_read_every_branch() {
        let src = "if test -f x; then rm x; elif true; then :; else echo no; fi";
        assert_eq!(programs(src), strings(&["test", "rm", "true", ":", "echo"]));
        let r = read("case $x in a) rm a;; *) ls;; esac");
        assert_eq!(program_names(&r), strings(&["rm", "ls"]));
        assert!(has_construct(&r, "conditional"));
    }

    #[test]
    fn loops_read_condition_and_body() {
        let r = read("while true; do sleep 1; done; until false; do date; done");
        assert_eq!(
            program_names(&r),
            strings(&["true", "sleep", "false", "date"])
        );
        assert!(has_construct(&r, "loop"));
        assert_eq!(programs("for i in 1 2; do rm $i; done"), strings(&["rm"]));
        assert_eq!(
            programs("for ((i=0; i<3; i++)); do echo $i; done"),
            strings(&["echo"])
        );
    }

    #[test]
    fn loop_values_run_their_substitutions() {
        let r = read(r#"for f in $(ls); do rm "$f"; done"#);
        assert_eq!(program_names(&r), strings(&["ls", "rm"]));
        assert_eq!(r.commands[0].wrappers, strings(&["command-substitution"]));
    }

    #[test]
    fn function_bodies_are_commands() {
        let r = read(r#"f() { rm -rf "$1"; }; f x"#);
        assert_eq!(program_names(&r), strings(&["rm", "f"]));
        assert!(has_construct(&r, "function"));
        assert_eq!(programs("function g { ls; }"), strings(&["ls"]));
    }

    #[test]
    fn command_substitution_is_read_as_commands() {
        let r = read("echo $(rm -rf ~)");
        assert_eq!(program_names(&r), strings(&["echo", "rm"]));
        assert!(has_construct(&r, "command-substitution"));
        let echo = &r.commands[0];
        assert!(echo.dynamic);
        assert_eq!(echo.args, strings(&["$(rm -rf ~)"]));
        let rm = &r.commands[1];
        assert_eq!(rm.flags, strings(&["-r", "-f"]));
        assert_eq!(rm.positionals, strings(&["~"]));
        assert_eq!(rm.wrappers, strings(&["command-substitution"]));
    }

    #[test]
    fn backticks_and_nested_substitutions() {
        assert_eq!(programs("echo `whoami`"), strings(&["echo", "whoami"]));
        let r = read("echo $(echo $(rm x))");
        assert_eq!(program_names(&r), strings(&["echo", "echo", "rm"]));
        assert_eq!(
            r.commands[2].wrappers,
            strings(&["command-substitution", "command-substitution"])
        );
        assert_eq!(
            programs(r#"echo "today: $(date)""#),
            strings(&["echo", "date"])
        );
    }

    #[test]
    fn substitutions_in_assignments_redirects_and_operands() {
        assert_eq!(programs("X=$(rm -rf /)"), strings(&["?", "rm"]));
        assert_eq!(
            programs("echo hi > $(mktemp)"),
            strings(&["echo", "mktemp"])
        );
        assert_eq!(programs("echo ${X:-$(rm z)}"), strings(&["echo", "rm"]));
        assert_eq!(
            programs("[[ -n $(id -u) ]] && rm x"),
            strings(&["id", "rm"])
        );
    }

    #[test]
    fn substitutions_are_not_under_the_command_wrappers() {
        let r = read("sudo rm $(cat list)");
        assert_eq!(program_names(&r), strings(&["rm", "cat"]));
        assert_eq!(r.commands[0].wrappers, strings(&["sudo"]));
        assert_eq!(r.commands[1].wrappers, strings(&["command-substitution"]));
    }

    #[test]
    fn process_substitution() {
        let r = read("diff <(ls a) >(wc -l)");
        assert_eq!(program_names(&r), strings(&["diff", "ls", "wc"]));
        assert!(has_construct(&r, "process-substitution"));
        assert!(!r.commands[0].dynamic);
        assert_eq!(r.commands[0].text, "diff <(ls a) >(wc -l)");
        assert_eq!(r.commands[1].wrappers, strings(&["process-substitution"]));
        let r = read("cat < <(ls)");
        assert_eq!(program_names(&r), strings(&["cat", "ls"]));
        assert_eq!(r.commands[0].redirects, vec![redirect("<", None, None)]);
    }

    #[test]
    fn arithmetic_is_not_a_command() {
        assert!(programs("(( x = 1 + 2 ))").is_empty());
        let echo = only("echo $((1 + 2))");
        assert!(echo.dynamic);
        assert_eq!(programs("(( x = $(rm y) ))"), strings(&["rm"]));
        assert_eq!(programs("echo $((1 + $(rm w)))"), strings(&["echo", "rm"]));
    }

    #[test]
    fn nested_subshells_are_not_mistaken_for_arithmetic() {
        assert_eq!(programs("( (rm -rf /) )"), strings(&["rm"]));
        assert_eq!(programs("( ( rm -rf / ) )"), strings(&["rm"]));
    }

    #[test]
    fn time_keyword_negation_and_coproc() {
        let ls = only("time -p ls");
        assert_eq!(ls.wrappers, strings(&["time"]));
        assert_eq!(programs("! grep -q x f"), strings(&["grep"]));
        let r = read("coproc rm x");
        assert_eq!(program_names(&r), strings(&["rm"]));
        assert!(has_construct(&r, "background"));
    }

    // --- Redirections ----------------------------------------------------------------------------------------

    #[test]
    fn redirections_are_collected() {
        let echo = only("echo hi > out.txt 2>/dev/null");
        assert_eq!(
            echo.redirects,
            vec![
                redirect(">", None, Some("out.txt")),
                redirect(">", Some(2), Some("/dev/null"))
            ]
        );
        assert_eq!(echo.text, "echo hi");
    }

    #[test]
    fn every_redirection_operator() {
        let c = only("cmd >> a < b &> c >| d 3<> e >&2 2>&1 &>> f");
        let ops: Vec<&str> = c.redirects.iter().map(|r| r.op.as_str()).collect();
        assert_eq!(ops, vec![">>", "<", "&>", ">|", "<>", ">&", ">&", "&>>"]);
        assert_eq!(c.redirects[4], redirect("<>", Some(3), Some("e")));
        assert_eq!(c.redirects[5], redirect(">&", None, Some("2")));
        assert_eq!(c.redirects[6], redirect(">&", Some(2), Some("1")));
    }

    #[test]
    fn redirection_only_command_has_no_program() {
        let r = read("> file");
        assert_eq!(r.error, None);
        assert_eq!(r.commands.len(), 1);
        let c = &r.commands[0];
        assert_eq!(c.program, None);
        assert!(!c.dynamic);
        assert_eq!(c.redirects, vec![redirect(">", None, Some("file"))]);
        assert_eq!(c.text, "> file");
    }

    #[test]
    fn assignment_only_command_has_no_program() {
        let c = only("FOO=1 BAR='a b'");
        assert_eq!(c.program, None);
        assert!(!c.dynamic);
        assert_eq!(
            c.assignments,
            vec![
                ("FOO".to_owned(), "1".to_owned()),
                ("BAR".to_owned(), "a b".to_owned())
            ]
        );
    }

    #[test]
    fn dynamic_redirection_target() {
        let c = only(r#"echo hi > "$LOG""#);
        assert_eq!(c.redirects, vec![redirect(">", None, None)]);
        assert!(c.dynamic);
        assert_eq!(c.dynamic_words, strings(&[r#""$LOG""#]));
    }

    #[test]
    fn group_redirections_reach_inner_commands() {
        let r = read("{ echo a; echo b; } > out");
        assert_eq!(r.commands.len(), 2);
        for c in &r.commands {
            assert_eq!(c.redirects, vec![redirect(">", None, Some("out"))]);
        }
        let r = read("while read l; do rm \"$l\"; done < list");
        assert_eq!(
            r.commands[1].redirects,
            vec![redirect("<", None, Some("list"))]
        );
    }

    // --- Heredocs and here-strings ---------------------------------------------------------------------------

    #[test]
    fn heredoc_to_a_shell_is_read() {
        let r = read("bash <<'EOF'\nrm -rf /\nEOF");
        assert_eq!(r.error, None);
        assert_eq!(program_names(&r), strings(&["rm"]));
        assert_eq!(r.commands[0].wrappers, strings(&["heredoc"]));
        assert!(has_construct(&r, "heredoc"));
        assert_eq!(
            programs("sh <<-EOF\n\tls\n\tpwd\n\tEOF"),
            strings(&["ls", "pwd"])
        );
        let r = read("sudo bash -s <<EOF\nrm x\nEOF");
        assert_eq!(r.commands[0].wrappers, strings(&["sudo", "heredoc"]));
        assert_eq!(
            programs("source /dev/stdin <<EOF\nrm x\nEOF"),
            strings(&["rm"])
        );
    }

    #[test]
    fn here_string_to_a_shell_is_read() {
        let rm = only(r#"bash <<< "rm -rf /""#);
        assert_eq!(rm.program.as_deref(), Some("rm"));
        assert_eq!(rm.wrappers, strings(&["heredoc"]));
    }

    #[test]
    fn here_string_to_other_programs_is_data() {
        let cat = only(r#"cat <<< "rm -rf /""#);
        assert_eq!(cat.program.as_deref(), Some("cat"));
        assert_eq!(cat.redirects, vec![redirect("<<<", None, None)]);
        assert_eq!(cat.heredoc.as_deref(), Some("rm -rf /"));
    }

    #[test]
    fn heredoc_to_an_interpreter_is_recorded_not_parsed() {
        let py = only("python3 <<EOF\nimport shutil; shutil.rmtree('/')\nEOF");
        assert_eq!(py.program.as_deref(), Some("python3"));
        assert_eq!(py.redirects, vec![redirect("<<", None, None)]);
        assert_eq!(
            py.heredoc.as_deref(),
            Some("import shutil; shutil.rmtree('/')\n")
        );
        assert_eq!(
            programs("node <<'JS'\nrequire('fs')\nJS"),
            strings(&["node"])
        );
    }

    #[test]
    fn unquoted_heredoc_runs_its_substitutions() {
        let r = read("cat <<EOF\n$(rm -rf /)\nEOF");
        assert_eq!(program_names(&r), strings(&["cat", "rm"]));
        assert_eq!(programs("cat <<'EOF'\n$(rm -rf /)\nEOF"), strings(&["cat"]));
    }

    #[test]
    fn shell_reading_a_pipe_is_reported() {
        assert_eq!(programs("curl -s https://x | sh"), strings(&["curl", "sh"]));
    }

    // --- Wrappers ----------------------------------------------------------------------------------------------

    #[test]
    fn sudo_with_options() {
        let rm = only("sudo -u root rm -rf /");
        assert_eq!(rm.program.as_deref(), Some("rm"));
        assert_eq!(rm.flags, strings(&["-r", "-f"]));
        assert_eq!(rm.positionals, strings(&["/"]));
        assert_eq!(rm.wrappers, strings(&["sudo"]));
        let src = "sudo -g wheel -C 3 -D /tmp -h host -p pw -r role -t type -U bob -E -H rm x";
        assert_eq!(only(src).program.as_deref(), Some("rm"));
        assert_eq!(
            only("sudo --user=root -uadmin -- rm x").program.as_deref(),
            Some("rm")
        );
        let rm = only("sudo --user root A=1 rm x");
        assert_eq!(rm.assignments, vec![("A".to_owned(), "1".to_owned())]);
    }

    #[test]
    fn sudo_without_a_command_is_itself() {
        for src in [
            "sudo",
            "sudo -e /etc/passwd",
            "sudo -l",
            "sudo -v",
            "sudo -i",
            "sudo -h",
        ] {
            let c = only(src);
            assert_eq!(c.program.as_deref(), Some("sudo"), "{src}");
            assert!(c.wrappers.is_empty());
        }
    }

    #[test]
    fn doas() {
        let rm = only("doas -u root rm -rf /");
        assert_eq!(rm.wrappers, strings(&["doas"]));
        assert_eq!(
            only("doas -C /etc/doas.conf rm").program.as_deref(),
            Some("doas")
        );
    }

    #[test]
    fn env_then_shell_string() {
        let git = only("env -i FOO=1 bash -lc 'git push --force origin main'");
        assert_eq!(git.program.as_deref(), Some("git"));
        assert_eq!(git.subcommand.as_deref(), Some("push"));
        assert_eq!(git.flags, strings(&["--force"]));
        assert_eq!(git.wrappers, strings(&["env", "bash -c"]));
        assert_eq!(git.assignments, vec![("FOO".to_owned(), "1".to_owned())]);
    }

    #[test]
    fn env_options_and_assignments() {
        let rm = only("A=0 env -u HOME -C /tmp --unset=X --chdir=/ B=2 C= rm x");
        assert_eq!(rm.wrappers, strings(&["env"]));
        assert_eq!(
            rm.assignments,
            vec![
                ("A".to_owned(), "0".to_owned()),
                ("B".to_owned(), "2".to_owned()),
                ("C".to_owned(), String::new())
            ]
        );
        // `-i` and `-` start from an empty environment.
        assert!(only("A=0 env - rm x").assignments.is_empty());
        assert_eq!(only("env -0 -i rm x").program.as_deref(), Some("rm"));
        let env = only("env A=1");
        assert_eq!(env.program.as_deref(), Some("env"));
    }

    #[test]
    fn env_split_string() {
        let rm = only("env -S 'rm -rf' /");
        assert_eq!(rm.program.as_deref(), Some("rm"));
        assert_eq!(rm.args, strings(&["-rf", "/"]));
        let rm = only(r#"env -S'A=1 bash -c "rm x"'"#);
        assert_eq!(rm.wrappers, strings(&["env", "bash -c"]));
        assert_eq!(rm.assignments, vec![("A".to_owned(), "1".to_owned())]);
        assert_eq!(only("env --split-string='-i rm' x").args, strings(&["x"]));
    }

    #[test]
    fn simple_wrappers() {
        for (src, wrapper) in [
            ("nohup rm x", "nohup"),
            ("setsid -f rm x", "setsid"),
            ("unbuffer rm x", "unbuffer"),
            ("builtin rm x", "builtin"),
            ("pkexec --user root rm x", "pkexec"),
            ("stdbuf -oL -e 0 rm x", "stdbuf"),
            ("ionice -c 3 -n7 rm x", "ionice"),
            ("exec -a name -l rm x", "exec"),
            ("chroot --userspec=u:g /mnt rm x", "chroot"),
            ("command -p rm x", "command"),
        ] {
            let rm = only(src);
            assert_eq!(rm.program.as_deref(), Some("rm"), "{src}");
            assert_eq!(rm.wrappers, vec![wrapper.to_owned()], "{src}");
            assert_eq!(rm.args, strings(&["x"]), "{src}");
        }
    }

    #[test]
    fn timeout_and_nice_chain() {
        let rm = only("timeout 10 nice -n 5 rm -rf build");
        assert_eq!(rm.wrappers, strings(&["timeout", "nice"]));
        assert_eq!(rm.positionals, strings(&["build"]));
        let rm = only("timeout -s KILL -k 5 --preserve-status 10s nice -10 rm x");
        assert_eq!(rm.wrappers, strings(&["timeout", "nice"]));
        assert_eq!(
            only("nice --adjustment=5 rm x").wrappers,
            strings(&["nice"])
        );
        assert_eq!(only("timeout 10").program.as_deref(), Some("timeout"));
    }

    #[test]
    fn time_as_a_program() {
        let rm = only("sudo time -p -o out rm x");
        assert_eq!(rm.wrappers, strings(&["sudo", "time"]));
    }

    #[test]
    fn lookups_and_wrappers_without_command_are_themselves() {
        for src in [
            "command -v rm",
            "command -V rm",
            "ionice -p 123",
            "nohup",
            "exec",
        ] {
            let c = only(src);
            assert!(c.wrappers.is_empty(), "{src}");
            assert_eq!(c.program.as_deref(), src.split(' ').next(), "{src}");
        }
        let exec = only("exec > log");
        assert_eq!(exec.program.as_deref(), Some("exec"));
        assert_eq!(exec.redirects, vec![redirect(">", None, Some("log"))]);
    }

    #[test]
    fn xargs_runs_its_command() {
        let r = read("ls | xargs rm -rf");
        assert_eq!(program_names(&r), strings(&["ls", "rm"]));
        let rm = &r.commands[1];
        assert_eq!(rm.wrappers, strings(&["xargs"]));
        assert_eq!(rm.flags, strings(&["-r", "-f"]));
        let rm = only(r"xargs -I {} -n 1 -P 4 -d '\n' -L 2 -s 100 -E END -a list -r rm {}");
        assert_eq!(rm.program.as_deref(), Some("rm"));
        assert_eq!(rm.args, strings(&["{}"]));
        assert_eq!(
            only("xargs -0 -i{} -t rm {}").program.as_deref(),
            Some("rm")
        );
        let rm = only("xargs -I{} sh -c 'rm {}'");
        assert_eq!(rm.wrappers, strings(&["xargs", "sh -c"]));
    }

    #[test]
    fn xargs_without_command_runs_echo() {
        let echo = only("xargs -0");
        assert_eq!(echo.program.as_deref(), Some("echo"));
        assert_eq!(echo.wrappers, strings(&["xargs"]));
    }

    #[test]
    fn watch_reads_its_command_string() {
        let rm = only("watch -n 1 'rm -f x'");
        assert_eq!(rm.program.as_deref(), Some("rm"));
        assert_eq!(rm.wrappers, strings(&["watch"]));
        let r = read("watch -d -n1 df -h '|' grep sda");
        assert_eq!(program_names(&r), strings(&["df", "grep"]));
        let rm = only("watch -x rm -f 'a b'");
        assert_eq!(rm.args, strings(&["-f", "a b"]));
    }

    #[test]
    fn flock_forms() {
        let rm = only("flock /tmp/lock -c 'rm x'");
        assert_eq!(rm.wrappers, strings(&["flock -c"]));
        let rm = only("flock -n -w 5 /tmp/lock rm x");
        assert_eq!(rm.wrappers, strings(&["flock"]));
        assert_eq!(
            only("flock -c 'rm x' /tmp/lock").program.as_deref(),
            Some("rm")
        );
        assert_eq!(only("flock 9").program.as_deref(), Some("flock"));
    }

    #[test]
    fn su_and_runuser() {
        let rm = only("su - root -c 'rm -rf /'");
        assert_eq!(rm.wrappers, strings(&["su -c"]));
        assert_eq!(only("su -l postgres").program.as_deref(), Some("su"));
        let rm = only("runuser -u nobody -- rm x");
        assert_eq!(rm.wrappers, strings(&["runuser"]));
    }

    #[test]
    fn find_and_its_exec_commands() {
        let find = only("find . -name '*.tmp' -delete");
        assert_eq!(find.flags, strings(&["-name", "-delete"]));
        assert_eq!(find.positionals, strings(&[".", "*.tmp"]));
        let r = read(r"find / -exec rm -f {} \;");
        assert_eq!(program_names(&r), strings(&["find", "rm"]));
        assert_eq!(r.commands[0].flags, strings(&["-exec"]));
        assert_eq!(r.commands[0].args.len(), 6);
        let rm = &r.commands[1];
        assert_eq!(rm.wrappers, strings(&["find -exec"]));
        assert_eq!(rm.args, strings(&["-f", "{}"]));
        let r = read(r"find . -execdir chmod 600 {} + -ok rm {} ';' -okdir mv {} x \; -print");
        assert_eq!(program_names(&r), strings(&["find", "chmod", "rm", "mv"]));
        assert!(r.commands[0].flags.contains(&"-print".to_owned()));
        let r = read(r#"find . -type f -exec sh -c 'rm "$1"' _ {} \;"#);
        assert_eq!(r.commands[1].wrappers, strings(&["find -exec", "sh -c"]));
    }

    #[test]
    fn busybox_applets() {
        let rm = only("busybox rm -rf x");
        assert_eq!(rm.wrappers, strings(&["busybox"]));
        let rm = only("busybox sh -c 'rm x'");
        assert_eq!(rm.wrappers, strings(&["busybox", "sh -c"]));
        assert_eq!(only("busybox --list").program.as_deref(), Some("busybox"));
    }

    #[test]
    fn shell_command_strings() {
        for (src, label) in [
            ("bash -c 'rm x'", "bash -c"),
            ("sh -xc 'rm x'", "sh -c"),
            ("zsh -e -c 'rm x'", "zsh -c"),
            ("dash --login -c 'rm x'", "dash -c"),
            ("ksh -o pipefail -c 'rm x'", "ksh -c"),
            ("ash +o posix -c -- 'rm x'", "ash -c"),
            ("/bin/bash -lc 'rm x' arg0", "bash -c"),
        ] {
            let rm = only(src);
            assert_eq!(rm.program.as_deref(), Some("rm"), "{src}");
            assert_eq!(rm.wrappers, vec![label.to_owned()], "{src}");
        }
        let r = read("bash -c 'a | b && c'");
        assert_eq!(program_names(&r), strings(&["a", "b", "c"]));
        assert!(has_construct(&r, "pipe"));
    }

    #[test]
    fn shell_string_with_expansions_keeps_the_structure() {
        let r = read(r#"bash -c "$X; rm y""#);
        assert_eq!(program_names(&r), strings(&["?", "rm"]));
        assert!(r.commands[0].dynamic);
    }

    #[test]
    fn shell_with_a_script_file_is_itself() {
        let bash = only("bash -x script.sh arg");
        assert_eq!(bash.program.as_deref(), Some("bash"));
        assert_eq!(bash.positionals, strings(&["script.sh", "arg"]));
    }

    #[test]
    fn eval_joins_and_reads() {
        let rm = only(r#"eval "rm -rf /""#);
        assert_eq!(rm.wrappers, strings(&["eval"]));
        assert_eq!(rm.flags, strings(&["-r", "-f"]));
        assert_eq!(programs("eval rm -rf '/;' ls"), strings(&["rm", "ls"]));
        let r = read("eval $cmd");
        assert_eq!(r.commands.len(), 1);
        assert_eq!(r.commands[0].program, None);
        assert!(r.commands[0].dynamic);
        assert_eq!(only("eval").program.as_deref(), Some("eval"));
    }

    #[test]
    fn trap_actions_are_commands() {
        let rm = only("trap 'rm -rf /tmp/x' EXIT");
        assert_eq!(rm.wrappers, strings(&["trap"]));
        assert_eq!(only("trap - INT").program.as_deref(), Some("trap"));
        assert_eq!(only("trap '' INT").program.as_deref(), Some("trap"));
    }

    // --- Limits -------------------------------------------------------------------------------------------------

    /// `sh -c "…"` nested `levels` times around `rm x`, escaped for double quotes.
    fn nested_sh(levels: usize) -> String {
        let mut s = "rm x".to_owned();
        for _ in 0..levels {
            s = format!(
                r#"sh -c "{}""#,
                s.replace('\\', r"\\").replace('"', r#"\""#)
            );
        }
        s
    }

    #[test]
    fn sixteen_nested_shells_are_read() {
        let rm = only(&nested_sh(16));
        assert_eq!(rm.program.as_deref(), Some("rm"));
        assert_eq!(rm.wrappers.len(), 16);
    }

    #[test]
    fn seventeen_nested_shells_are_too_deep() {
        // The seventeenth level comes from argv, as the string for 17 levels passes the size limit.
        let inner = nested_sh(16);
        let r = argv(&["sh", "-c", &inner]);
        assert_eq!(r.error.as_deref(), Some("nesting too deep"));
        // The shell that could not be read is still reported.
        assert_eq!(
            r.commands.last().and_then(|c| c.program.as_deref()),
            Some("sh")
        );
    }

    #[test]
    fn eval_and_substitution_depth_is_bounded() {
        let r = read(&format!("{}rm x", "eval ".repeat(17)));
        assert_eq!(r.error.as_deref(), Some("nesting too deep"));
        assert_eq!(program_names(&r), strings(&["eval"]));
        assert_eq!(read(&format!("{}rm x", "eval ".repeat(16))).error, None);
        assert_eq!(
            programs(r"echo `echo \`rm x\``"),
            strings(&["echo", "echo", "rm"])
        );
        let r = read(&format!("echo {}x{}", "$(echo ".repeat(17), ")".repeat(17)));
        assert_eq!(r.error.as_deref(), Some("nesting too deep"));
    }

    #[test]
    fn deep_syntax_is_refused_before_parsing() {
        let ok = format!("{}rm x;{}", "{ ".repeat(10), "} ".repeat(10));
        assert_eq!(programs(&ok), strings(&["rm"]));
        let deep = format!("{}rm x;{}", "{ ".repeat(11), "} ".repeat(11));
        assert_eq!(read(&deep).error.as_deref(), Some("nesting too deep"));
        // Invalid nested `case` makes the parser backtrack exponentially: it must be refused quickly.
        let cases = format!(
            "{}a;;;{}",
            "case x in x) ".repeat(30),
            " ;; esac".repeat(30)
        );
        let start = std::time::Instant::now();
        assert_eq!(read(&cases).error.as_deref(), Some("nesting too deep"));
        assert!(start.elapsed() < std::time::Duration::from_secs(1));
    }

    #[test]
    fn shifts_and_lengths_do_not_hide_nesting() {
        let deep = format!(
            "{}a;;;{}",
            "case x in x) ".repeat(30),
            " ;; esac".repeat(30)
        );
        for prefix in [
            "echo $((1<<2))\n",
            "echo \"$((1<<2))\"\n",
            "echo ${#x}\n",
            "echo $'a\\'b'\n",
        ] {
            let r = read(&format!("{prefix}{deep}"));
            assert_eq!(r.error.as_deref(), Some("nesting too deep"), "{prefix}");
        }
    }

    #[test]
    fn quotes_comments_and_heredocs_do_not_count_as_nesting() {
        let src = format!(
            "echo '{}' \"{}\" # {}",
            "(".repeat(30),
            "{".repeat(30),
            "(".repeat(30)
        );
        assert_eq!(programs(&src), strings(&["echo"]));
        let src = format!(
            "python3 <<EOF\nprint({}1{})\nEOF\nls",
            "(".repeat(30),
            ")".repeat(30)
        );
        assert_eq!(programs(&src), strings(&["python3", "ls"]));
    }

    #[test]
    fn oversized_input_is_refused() {
        let big = "a".repeat(MAX_INPUT_BYTES + 1);
        let r = read(&big);
        assert!(r.error.as_deref().is_some_and(|e| e.contains("too large")));
        assert!(r.commands.is_empty());
        let r = argv(&["echo", &big]);
        assert!(r.error.is_some());
        assert!(r.commands.is_empty());
    }

    #[test]
    fn many_wrappers_are_bounded() {
        let r = read(&format!("{}rm x", "nohup ".repeat(100)));
        assert_eq!(r.error.as_deref(), Some("nesting too deep"));
        assert_eq!(r.commands.len(), 1);
    }

    // --- Program resolution ----------------------------------------------------------------------------------

    #[test]
    fn program_quotes_and_escapes_are_removed() {
        for src in [
            r#""rm" x"#,
            "'r''m' x",
            r"r\m x",
            r"\rm x",
            r#"r"m" x"#,
            r"$'\x72m' x",
            r"$'\162m' x",
        ] {
            let c = only(src);
            assert_eq!(c.program.as_deref(), Some("rm"), "{src}");
            assert_eq!(c.program_path.as_deref(), Some("rm"), "{src}");
            assert!(!c.dynamic, "{src}");
        }
    }

    #[test]
    fn program_paths_are_basenamed() {
        for (src, path) in [
            ("/bin/rm -fr x", "/bin/rm"),
            ("./rm x", "./rm"),
            ("../x/rm x", "../x/rm"),
        ] {
            let c = only(src);
            assert_eq!(c.program.as_deref(), Some("rm"), "{src}");
            assert_eq!(c.program_path.as_deref(), Some(path), "{src}");
        }
        let x = only("~/bin/x --y");
        assert_eq!(x.program.as_deref(), Some("x"));
        assert_eq!(x.program_path.as_deref(), Some("~/bin/x"));
        assert_eq!(only("/bin/rm -fr x").text, "/bin/rm -fr x");
    }

    #[test]
    fn unresolvable_programs() {
        for src in [
            "$cmd -rf /",
            "${X} -rf /",
            "* -rf /",
            "r? x",
            "[r]m x",
            "{rm,ls} x",
            r#""" x"#,
        ] {
            let r = read(src);
            assert_eq!(r.error, None, "{src}");
            let c = &r.commands[0];
            assert_eq!(c.program, None, "{src}");
            assert_eq!(c.program_path, None, "{src}");
            assert!(c.dynamic, "{src}");
            assert_eq!(c.dynamic_words.len(), 1, "{src}");
        }
        let c = only("$cmd -rf /");
        assert_eq!(c.dynamic_words, strings(&["$cmd"]));
        assert_eq!(c.flags, strings(&["-r", "-f"]));
        assert_eq!(c.text, "$cmd -rf /");
        let r = read("$(which rm) -rf /");
        assert_eq!(program_names(&r), strings(&["?", "which"]));
        assert_eq!(r.commands[0].dynamic_words, strings(&["$(which rm)"]));
    }

    #[test]
    fn test_bracket_is_a_program() {
        assert_eq!(only("[ -f x ]").program.as_deref(), Some("["));
    }

    // --- Arguments ------------------------------------------------------------------------------------------------

    #[test]
    fn dynamic_arguments_keep_their_source_text() {
        let rm = only(r#"rm -rf "$HOME/x" ${Y} plain"#);
        assert_eq!(rm.program.as_deref(), Some("rm"));
        assert_eq!(rm.args, strings(&["-rf", r#""$HOME/x""#, "${Y}", "plain"]));
        assert!(rm.dynamic);
        assert_eq!(rm.dynamic_words, strings(&[r#""$HOME/x""#, "${Y}"]));
    }

    #[test]
    fn quoted_text_is_data() {
        let echo = only(r#"echo "never run rm -rf here""#);
        assert_eq!(echo.args, strings(&["never run rm -rf here"]));
        let grep = only(r#"grep -r "DELETE FROM" sql/"#);
        assert_eq!(grep.program.as_deref(), Some("grep"));
        assert_eq!(grep.positionals, strings(&["DELETE FROM", "sql/"]));
        assert_eq!(
            only(r#"echo 'a;b' "c|d" e\&\&f"#).args,
            strings(&["a;b", "c|d", "e&&f"])
        );
        assert_eq!(only(r#"echo "rm -rf /""#).args, strings(&["rm -rf /"]));
    }

    #[test]
    fn escapes_in_double_quotes() {
        let echo = only(r#"echo "a\"b\$c\\d\e""#);
        assert_eq!(echo.args, strings(&[r#"a"b$c\d\e"#]));
    }

    // --- Flags and subcommands ------------------------------------------------------------------------------------

    #[test]
    fn flags_are_normalised() {
        assert_eq!(only("rm -rf x").flags, strings(&["-r", "-f"]));
        assert_eq!(only("rm -r -f x").flags, strings(&["-r", "-f"]));
        assert_eq!(only("rm -r -r -rf x").flags, strings(&["-r", "-f"]));
        assert_eq!(
            only("rm --recursive --force x").flags,
            strings(&["--recursive", "--force"])
        );
        let curl = only("curl --output=x -o y url");
        assert_eq!(curl.flags, strings(&["--output", "-o"]));
        assert_eq!(curl.positionals, strings(&["y", "url"]));
        assert_eq!(only("head -n5 f").flags, strings(&["-n"]));
        let kill = only("kill -9 1234");
        assert_eq!(kill.flags, strings(&["-9"]));
        assert_eq!(kill.positionals, strings(&["1234"]));
        assert_eq!(
            only("terraform apply -auto-approve -var=a=b").flags,
            strings(&["-auto-approve", "-var"])
        );
    }

    #[test]
    fn nothing_is_a_flag_after_double_dash() {
        let rm = only("rm -- -rf");
        assert!(rm.flags.is_empty());
        assert_eq!(rm.positionals, strings(&["-rf"]));
        assert_eq!(only("cat - x").positionals, strings(&["-", "x"]));
    }

    #[test]
    fn subcommands_skip_global_option_values() {
        for (src, sub) in [
            ("git -C repo push -f", "push"),
            (
                "git -c user.name=x --git-dir .git --work-tree . --namespace n commit",
                "commit",
            ),
            ("git --no-pager log", "log"),
            ("kubectl -n prod delete pod x", "delete"),
            (
                "kubectl --namespace prod --context c --kubeconfig k apply -f x",
                "apply",
            ),
            ("kubectl --context=prod get pods", "get"),
            ("helm -n x uninstall y", "uninstall"),
            ("docker -H tcp://h run --rm x", "run"),
            ("npm run build", "run"),
        ] {
            assert_eq!(only(src).subcommand.as_deref(), Some(sub), "{src}");
        }
        let git = only("git -C repo push -f");
        assert_eq!(git.flags, strings(&["-C", "-f"]));
        assert_eq!(only("ls -la").subcommand, None);
        assert_eq!(only("git --version").subcommand, None);
    }

    // --- Errors -----------------------------------------------------------------------------------------------

    #[test]
    fn parse_errors_are_reported() {
        for src in [
            r#"echo "abc"#,
            "a && && b",
            "if true; then",
            "echo $(",
            "a |",
            ")",
            "echo 'x",
        ] {
            let r = read(src);
            assert!(r.error.is_some(), "{src}");
            assert!(r.commands.is_empty(), "{src}");
        }
    }

    #[test]
    fn unparseable_shell_string_yields_the_shell() {
        let r = read(r#"sh -c 'echo "abc'"#);
        assert!(
            r.error
                .as_deref()
                .is_some_and(|e| e.starts_with("cannot parse"))
        );
        assert_eq!(program_names(&r), strings(&["sh"]));
        assert_eq!(r.commands[0].flags, strings(&["-c"]));
    }

    #[test]
    fn parser_panics_become_errors() {
        let r = read("echo 99999999999999999999>x");
        assert!(r.error.is_some());
        let r = read("echo ~+999999999999999999999");
        assert!(r.error.is_some());
        assert!(r.commands[0].dynamic);
    }

    #[test]
    fn empty_input_reads_nothing() {
        assert_eq!(read(""), ShellReading::default());
        assert_eq!(read("  # just a comment\n"), ShellReading::default());
    }

    // --- Display text ------------------------------------------------------------------------------------------

    #[test]
    fn text_quotes_arguments_that_need_it() {
        assert_eq!(
            only(r#"echo "a b" c 'it'"'"'s' ''"#).text,
            r#"echo 'a b' c 'it'\''s' ''"#
        );
        let long = only(&format!("echo {}", "x ".repeat(300)));
        assert_eq!(long.text.chars().count(), MAX_TEXT_CHARS);
        assert!(long.text.ends_with('…'));
    }

    // --- argv -----------------------------------------------------------------------------------------------

    #[test]
    fn argv_unwraps_wrappers() {
        let r = argv(&["sudo", "rm", "-rf", "/"]);
        assert_eq!(r.error, None);
        assert_eq!(program_names(&r), strings(&["rm"]));
        assert_eq!(r.commands[0].wrappers, strings(&["sudo"]));
        let r = argv(&["bash", "-c", "rm -rf /"]);
        assert_eq!(program_names(&r), strings(&["rm"]));
        let r = argv(&["sh", "-c", "curl x | sh"]);
        assert_eq!(program_names(&r), strings(&["curl", "sh"]));
        let r = argv(&["/usr/bin/env", "FOO=1", "/bin/rm", "x"]);
        assert_eq!(r.commands[0].program_path.as_deref(), Some("/bin/rm"));
        assert_eq!(
            r.commands[0].assignments,
            vec![("FOO".to_owned(), "1".to_owned())]
        );
    }

    #[test]
    fn argv_words_are_not_shell_syntax() {
        let r = argv(&["echo", "$HOME", "a;b", "$(rm x)"]);
        assert_eq!(program_names(&r), strings(&["echo"]));
        let echo = &r.commands[0];
        assert!(!echo.dynamic);
        assert_eq!(echo.args, strings(&["$HOME", "a;b", "$(rm x)"]));
        let star = &argv(&["*", "x"]).commands[0];
        assert_eq!(star.program.as_deref(), Some("*"));
        let r = argv(&[]);
        assert!(r.error.is_some());
        assert!(r.commands.is_empty());
    }

    // --- Properties -----------------------------------------------------------------------------------------

    const INTERNAL: &str = INTERNAL_ERROR;

    /// Program names that are neither wrappers nor keywords.
    fn program_name() -> impl Strategy<Value = String> {
        "[a-z]{1,6}".prop_map(|s| format!("cmd_{s}"))
    }

    fn simple_command() -> impl Strategy<Value = (String, String)> {
        (
            program_name(),
            prop::collection::vec("-?[a-z0-9./]{1,6}", 0..4),
        )
            .prop_map(|(program, args)| {
                let text = std::iter::once(program.clone())
                    .chain(args)
                    .collect::<Vec<_>>()
                    .join(" ");
                (program, text)
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn arbitrary_strings_never_panic(src in any::<String>()) {
            let r = read_command(&src);
            prop_assert_ne!(r.error.as_deref(), Some(INTERNAL));
        }

        #[test]
        fn shell_like_strings_never_panic(src in r#"[a-z $(){}\[\]'"`\\|&;<>\n#~*?=!0-9@%+,.:/-]{0,80}"#) {
            let r = read_command(&src);
            prop_assert_ne!(r.error.as_deref(), Some(INTERNAL));
        }

        #[test]
        fn shell_keywords_never_panic(
            parts in prop::collection::vec(
                prop::sample::select(vec![
                    "if ", "then ", "fi ", "case x in ", "a) ", ";; ", "esac ", "while ", "do ", "done ",
                    "for i in 1; ", "{ ", "} ", "( ", ") ", "$(", "`", "bash -c '", "'", "\"", "eval ", "sudo ",
                    "<<E\n", "\nE\n", "$((", "))", "[[ ", " ]] ", "find . -exec ", " \\; ", "xargs ", "env -S ",
                    "a ", "; ", "&& ", "| ", "& ", "\n",
                ]),
                0..40,
            )
        ) {
            let src: String = parts.concat();
            let r = read_command(&src);
            prop_assert_ne!(r.error.as_deref(), Some(INTERNAL));
        }

        #[test]
        fn arbitrary_argv_never_panics(words in prop::collection::vec(any::<String>(), 0..6)) {
            let r = read_argv(&words);
            prop_assert_ne!(r.error.as_deref(), Some(INTERNAL));
        }

        #[test]
        fn wrapper_argv_never_panics(
            wrappers in prop::collection::vec(
                prop::sample::select(vec![
                    "sudo", "-u", "env", "-S", "-i", "bash", "-c", "xargs", "-I", "find", "-exec", ";", "+",
                    "{}", "timeout", "nice", "-n", "watch", "flock", "eval", "su", "trap", "busybox", "--",
                    "rm -rf /", "a | b", "'", "A=1",
                ]),
                0..10,
            )
        ) {
            let words: Vec<String> = wrappers.iter().map(|w| (*w).to_owned()).collect();
            let r = read_argv(&words);
            prop_assert_ne!(r.error.as_deref(), Some(INTERNAL));
        }

        #[test]
        fn unwrapping_never_loses_a_command(
            commands in prop::collection::vec((simple_command(), any::<bool>()), 1..8),
            joiners in prop::collection::vec(prop::sample::select(vec!["; ", " && ", " | ", " || ", "\n"]), 8),
            wrap_in_shell in any::<bool>(),
        ) {
            let mut src = String::new();
            for (i, ((_, text), sudo)) in commands.iter().enumerate() {
                if i > 0 {
                    src.push_str(joiners[i - 1]);
                }
                if *sudo {
                    src.push_str("sudo ");
                }
                src.push_str(text);
            }
            if wrap_in_shell {
                src = format!("bash -c '{src}'");
            }
            let r = read_command(&src);
            prop_assert_eq!(r.error.as_deref(), None);
            let expected: Vec<String> = commands.iter().map(|((program, _), _)| program.clone()).collect();
            prop_assert_eq!(program_names(&r), expected);
        }
    }

    #[test]
    fn heredocs_with_unusual_delimiters_are_refused_not_parsed() {
        // The last one made brush-parser allocate 3 GB (found by `cargo fuzz run shell_reading`).
        for src in [
            "echo $(cat << |#",
            "cat << $( ) ",
            "cat <<",
            "x <<- |",
            "cat <<''",
            "<<<$\n:[Z[<<\"\"\"\"\t",
        ] {
            let r = read_command(src);
            assert!(r.error.is_some(), "{src}");
        }
        assert!(read_command("cat <<'EOF'\nhi\nEOF").error.is_none());
        assert!(read_command("cat <<< \"$(date)\"").error.is_none());
        assert!(read_command("bash <<-EOF\nls\nEOF").error.is_none());
    }
}
