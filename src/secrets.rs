//! Secrets: this module owns finding secrets in what an agent proposes and redacting them everywhere.
//! It does not decide tiers or deny anything: the policy engine turns these matches into findings.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, MatchKind};
use regex::{CaptureLocations, Regex, RegexSet};

/// A pattern: built in, or custom from a policy file.
#[derive(Debug, Clone)]
pub struct PatternSpec {
    /// Stable id; the policy engine derives the rule id `secret-<id>` from it. Built-in ids
    /// are kebab-case; custom ids may be lower-case letters, digits, `-`, `_` and `.`,
    /// starting with a letter or digit.
    pub id: String,
    /// The regex. A capture group named `secret` marks the secret value when the match
    /// also contains surrounding context (a variable name, quotes, a URL scheme).
    pub regex: String,
    /// One line for `policy explain` and the docs.
    pub description: String,
    /// Literal prefilter, ASCII case-insensitive: the pattern only runs on text containing
    /// one of these. Empty means the pattern always runs.
    pub keywords: Vec<String>,
}

/// One secret found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretMatch {
    /// The pattern id.
    pub kind: String,
    /// Byte offset where the secret value starts (the value itself, not the surrounding name).
    pub start: usize,
    /// Byte offset just past the secret value.
    pub end: usize,
    /// 1-based line of `start`.
    pub line: usize,
    /// 1-based column of `start`, counted in chars.
    pub column: usize,
    /// Whether the provider's own checksum holds for the value (GitHub `ghp_`/`gho_`/`ghu_`/
    /// `ghs_`/`ghr_` and npm `npm_` tokens carry a CRC32 of their random part): such a
    /// match is almost certainly a real token. `false` for kinds without a checksum, and for
    /// token-shaped values whose checksum fails (still reported: the token may come from
    /// another generation of the format, or be mangled but still usable).
    pub verified: bool,
}

/// Whether values under this key (an env variable, a header, a JSON field) are credentials
/// whatever they look like: `DB_PASSWORD`, `MYSQL_PWD`, `clientSecret`, `X-Api-Key`, `Cookie`.
pub fn sensitive_key(key: &str) -> bool {
    const WORDS: [&str; 14] = [
        "password",
        "passwd",
        "pwd",
        "secret",
        "token",
        "apikey",
        "privatekey",
        "accesskey",
        "credential",
        "authoriz",
        "authkey",
        "cookie",
        "session",
        "passphrase",
    ];
    // `auth` alone is a word of its own (`X-Auth`, `auth_header`), not the start of `author`.
    if key
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|part| part.eq_ignore_ascii_case("auth"))
    {
        return true;
    }
    let folded: String = key
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    WORDS.iter().any(|w| folded.contains(w))
}

#[cfg(test)]
mod sensitive_key_tests {
    #[test]
    fn credential_keys_in_any_spelling() {
        for k in [
            "DB_PASSWORD",
            "MYSQL_PWD",
            "clientSecret",
            "accessToken",
            "privateKey",
            "X-Api-Key",
            "Authorization",
            "Cookie",
            "PGPASSWORD",
            "aws_access_key_id",
        ] {
            assert!(super::sensitive_key(k), "{k}");
        }
        for k in [
            "path",
            "content",
            "RUST_LOG",
            "HOME",
            "author_name",
            "Accept",
            "count",
        ] {
            assert!(!super::sensitive_key(k), "{k}");
        }
    }
}

/// The largest index `<= max` that is a character boundary of `s` (`str::floor_char_boundary`,
/// stable only after this crate's MSRV).
pub fn char_floor(s: &str, max: usize) -> usize {
    let mut end = max.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    end
}

/// A copy of `value` with everything under a [`sensitive_key`] replaced by a marker: the value of
/// `{"password": 12345678}` or `{"token": ["x"]}` is a credential whatever the scan says of it.
pub fn hide_sensitive_fields(value: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = if sensitive_key(k) && !v.is_null() {
                        Value::String(redaction_marker("sensitive-key"))
                    } else {
                        hide_sensitive_fields(v)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(hide_sensitive_fields).collect()),
        other => other.clone(),
    }
}

/// The text that replaces a secret of kind `kind` in redacted output: `[REDACTED:<kind>]`.
pub fn redaction_marker(kind: &str) -> String {
    format!("[REDACTED:{kind}]")
}

/// Shannon entropy of `s` in bits per byte (0 for the empty string).
///
/// Used by the built-in patterns to tell random tokens from words, identifiers and
/// placeholders: random base64 scores above ~4, random hex above ~3.5, English words
/// and repeated characters lower.
pub fn shannon_entropy(s: &str) -> f64 {
    // H = log2(n) - (1/n) * sum(c * log2(c)) over the byte counts c; c * log2(c) comes
    // from a table for small counts, so short values cost two log2 calls.
    const TABLE_LEN: usize = 64;
    static C_LOG2_C: OnceLock<[f64; TABLE_LEN]> = OnceLock::new();
    if s.is_empty() {
        return 0.0;
    }
    let table = C_LOG2_C.get_or_init(|| {
        let mut t = [0.0; TABLE_LEN];
        for (c, slot) in t.iter_mut().enumerate().skip(1) {
            let c = c as f64;
            *slot = c * c.log2();
        }
        t
    });
    let mut counts = [0u32; 256];
    for &b in s.as_bytes() {
        counts[usize::from(b)] += 1;
    }
    let n = s.len() as f64;
    let sum: f64 = counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            table.get(c as usize).copied().unwrap_or_else(|| {
                let c = f64::from(c);
                c * c.log2()
            })
        })
        .sum();
    (n.log2() - sum / n).max(0.0)
}

/// How a pattern is searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// Led by a distinctive case-sensitive literal (`AKIA`, `ghp_`, `eyJ`...). All such
    /// patterns form one `RegexSet` used as a gate: when it finds nothing (the usual case)
    /// none of them runs; otherwise each runs on the whole text, found quickly by the
    /// regex's own literal prefilter. Their keywords are documentation only.
    Gated,
    /// Runs on the whole text on its own: it would disable the gate's prefilter (a
    /// case-insensitive prefix, or many short literals), but its own literals (`://`, the
    /// command names) keep it fast alone.
    Direct,
    /// A name followed by a value (`password = ...`). A keyword pass finds the
    /// identifiers containing a keyword; when `:` or `=` follows one (or a space after a
    /// `--flag`), the regex runs anchored at the identifier's start, to the end of the line
    /// (see [`AnchoredForms`] for the one assertion that sees a different context there).
    Named,
    /// PEM private key blocks: gated like `Gated`; the regex finds the BEGIN line, code
    /// finds the matching END line.
    PemBlock,
    /// Custom patterns: on the whole text when one of their keywords occurs (ASCII
    /// case-insensitive), or always when they have none.
    Custom,
}

/// Post-filter attached to a built-in pattern: given the whole regex match and the byte
/// range of the secret inside it, returns the range to report (possibly narrowed), or
/// `None` when the value is a placeholder, a word, a reference or too regular to be a secret.
type Check = fn(&str, usize, usize) -> Option<(usize, usize)>;

/// Provider checksum attached to a built-in pattern: given the secret value, whether its
/// embedded checksum holds. A value that passes is reported (verified) without running the
/// [`Check`]: the checksum says more than any heuristic on its letters.
type Checksum = fn(&str) -> bool;

struct Builtin {
    id: &'static str,
    description: &'static str,
    regex: &'static str,
    keywords: &'static [&'static str],
    scope: Scope,
    check: Option<Check>,
    checksum: Option<Checksum>,
}

/// The built-in patterns. Order matters only for ties: when two patterns report the very
/// same range, the earlier (more specific) one names it.
const BUILTINS: &[Builtin] = &[
    Builtin {
        id: "aws-access-key-id",
        description: "AWS access key id (AKIA/ASIA/ABIA/ACCA + 16 base32 chars)",
        regex: r"(?-u:\b)(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}(?-u:\b)",
        keywords: &["akia", "asia", "abia", "acca"],
        scope: Scope::Gated,
        check: Some(check_aws_key_id),
        checksum: None,
    },
    Builtin {
        id: "aws-secret-access-key",
        description: "AWS secret access key: 40-char base64 value assigned to aws_secret_access_key, \
                      secret_access_key, SecretAccessKey or AWS_SECRET",
        regex: r#"(?i-u:[a-z0-9_.-]*(?:(?:aws[_.-]?)?secret[_.-]?access[_.-]?key|aws[_.-]?secret(?:[_.-]?key)?))["']?[ \t]*(?::=|=>|=|:)[ \t]*["']?(?P<secret>[A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|(?m:$))"#,
        keywords: &["secret"],
        scope: Scope::Named,
        check: Some(check_aws_secret),
        checksum: None,
    },
    Builtin {
        id: "github-token",
        description: "GitHub token (ghp_/gho_/ghu_/ghs_/ghr_ + 36, github_pat_ + 82); the 36 are 30 \
                      random chars and their CRC32, which is verified",
        regex: r"(?-u:\b)(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{82})(?-u:\b)",
        keywords: &["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"],
        scope: Scope::Gated,
        check: Some(check_token),
        checksum: Some(base62_crc32_token),
    },
    Builtin {
        id: "gitlab-token",
        description: "GitLab personal access token (glpat-...)",
        regex: r"(?-u:\b)glpat-[A-Za-z0-9_-]{20,}",
        keywords: &["glpat-"],
        scope: Scope::Gated,
        check: Some(check_token),
        checksum: None,
    },
    Builtin {
        id: "slack-token",
        description: "Slack token (xoxb-/xoxp-/xoxa-/xoxr-/xoxs-...)",
        regex: r"(?-u:\b)xox[baprs]-[0-9A-Za-z-]{10,}",
        keywords: &["xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-"],
        scope: Scope::Gated,
        check: Some(check_token_with_digit),
        checksum: None,
    },
    Builtin {
        id: "slack-webhook",
        description: "Slack incoming webhook URL (https://hooks.slack.com/services/T.../B.../...)",
        regex: r"https://hooks\.slack\.com/services/T[A-Z0-9]{6,}/B[A-Z0-9]{6,}/[A-Za-z0-9]{20,}",
        keywords: &["hooks.slack.com"],
        scope: Scope::Gated,
        check: Some(check_slack_webhook),
        checksum: None,
    },
    Builtin {
        id: "stripe-secret-key",
        description: "Stripe live secret or restricted key (sk_live_/rk_live_)",
        regex: r"(?-u:\b)[rs]k_live_[A-Za-z0-9]{24,}",
        keywords: &["sk_live_", "rk_live_"],
        scope: Scope::Gated,
        check: Some(check_token),
        checksum: None,
    },
    Builtin {
        id: "stripe-test-key",
        description: "Stripe test secret or restricted key (sk_test_/rk_test_)",
        regex: r"(?-u:\b)[rs]k_test_[A-Za-z0-9]{24,}",
        keywords: &["sk_test_", "rk_test_"],
        scope: Scope::Gated,
        check: Some(check_token),
        checksum: None,
    },
    Builtin {
        id: "google-api-key",
        description: "Google API key (AIza + 35 chars)",
        regex: r"(?-u:\b)(?P<secret>AIza[0-9A-Za-z_-]{35})(?:[^0-9A-Za-z_-]|(?m:$))",
        keywords: &["aiza"],
        scope: Scope::Gated,
        check: Some(check_token),
        checksum: None,
    },
    Builtin {
        id: "openai-api-key",
        description: "OpenAI API key (sk-proj-/sk-svcacct-/sk-admin-..., legacy sk- + 48 alphanumerics)",
        regex: r"(?-u:\b)(?P<secret>sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,}|sk-[A-Za-z0-9]{48})(?:[^A-Za-z0-9_-]|(?m:$))",
        keywords: &["sk-"],
        scope: Scope::Gated,
        check: Some(check_token_with_digit),
        checksum: None,
    },
    Builtin {
        id: "anthropic-api-key",
        description: "Anthropic API key (sk-ant-api03-..., sk-ant-admin01-...)",
        regex: r"(?-u:\b)sk-ant-[a-z]{3,8}[0-9]{0,3}-[A-Za-z0-9_-]{32,}",
        keywords: &["sk-ant-"],
        scope: Scope::Gated,
        check: Some(check_token),
        checksum: None,
    },
    Builtin {
        id: "npm-token",
        description: "npm access token (npm_ + 36: 30 random chars and their CRC32, which is verified)",
        regex: r"(?-u:\b)(?P<secret>npm_[A-Za-z0-9]{36})(?:[^A-Za-z0-9_]|(?m:$))",
        keywords: &["npm_"],
        scope: Scope::Gated,
        check: Some(check_token),
        checksum: Some(base62_crc32_token),
    },
    Builtin {
        id: "pypi-token",
        description: "PyPI / TestPyPI upload token (pypi-AgEIcHlwaS5vcmc...)",
        regex: r"(?-u:\b)pypi-Ag(?:EIcHlwaS5vcmc|ENdGVzdC5weXBpLm9yZw)[A-Za-z0-9_-]{50,}",
        keywords: &["pypi-ageichlwas5vcmc", "pypi-agendgvzdc5wexbplm9yzw"],
        scope: Scope::Gated,
        check: Some(check_token),
        checksum: None,
    },
    Builtin {
        id: "sendgrid-api-key",
        description: "SendGrid API key (SG.<22>.<43>)",
        regex: r"(?-u:\b)(?P<secret>SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})(?:[^A-Za-z0-9_-]|(?m:$))",
        keywords: &["sg."],
        scope: Scope::Gated,
        check: Some(check_token),
        checksum: None,
    },
    Builtin {
        id: "twilio-api-key",
        description: "Twilio API key (SK + 32 hex)",
        regex: r"(?-u:\b)SK[0-9a-fA-F]{32}(?-u:\b)",
        keywords: &["sk"],
        scope: Scope::Gated,
        check: Some(check_token),
        checksum: None,
    },
    Builtin {
        id: "private-key",
        description: "PEM private key block (RSA, EC, DSA, OpenSSH, encrypted, PGP), BEGIN through the \
                      matching END line, or to the end of the text when END is missing",
        regex: r"-----BEGIN (?:(?:RSA|EC|DSA|OPENSSH|ENCRYPTED|PGP) )?PRIVATE KEY(?: BLOCK)?-----",
        keywords: &["private key"],
        scope: Scope::PemBlock,
        check: None,
        checksum: None,
    },
    Builtin {
        id: "jwt",
        description: "JSON Web Token (three base64url segments, header and payload starting eyJ)",
        regex: r"(?-u:\b)eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{16,}",
        keywords: &["eyj"],
        scope: Scope::Gated,
        check: Some(check_token),
        checksum: None,
    },
    Builtin {
        id: "connection-string",
        description: "Password in a URL's userinfo (postgres, mysql, mongodb, redis, amqp, mssql, ftp, \
                      http(s), ssh, git, ldap, smb, socks, ws... scheme://user:password@host); the \
                      password is the secret",
        regex: r#"(?i-u:\b(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mssql|sqlserver|s?ftp|https?|ssh|git|svn|ldaps?|smb|socks[45]h?|wss?|nats|mqtts?|smtps?|imaps?|clickhouse)://)[^:/?#@\t\n\x0B\x0C\r "'`]*:(?P<secret>[^/?#\t\n\x0B\x0C\r "'`]+)@[^@/?#:\t\n\x0B\x0C\r "'`]+"#,
        keywords: &["://"],
        scope: Scope::Direct,
        check: Some(check_connection_password),
        checksum: None,
    },
    Builtin {
        id: "password-assignment",
        description: "Literal value assigned to password, passwd, pwd, secret, client_secret, api_key, \
                      access_token, auth_token, token, private_key (name = value, name: value, \
                      \"name\": \"value\", NAME=value, --name value); skips placeholders, references, identifiers, \
                      paths, prose, and all-letter values (under 16 chars, or unquoted)",
        regex: r#"(?:(?:^|[^A-Za-z0-9_.-])(?i-u:--[a-z0-9_-]*(?:passw(?:or)?d|pwd|secret(?:[_-]?key)?|api[_-]?key|private[_-]?key|token))(?:=|[ \t]+)|(?i-u:[a-z0-9_.-]*(?:passw(?:or)?d|pwd|secret(?:[_-]?key)?|api[_-]?key|private[_-]?key|token)["']?(?:[ \t]*:[ \t]*[&a-z_][a-z0-9_.:&'<>\[\]|]*[ \t]+=|[ \t]*(?::=|=>|=|:))))[ \t]*(?P<secret>"(?:[^"\\\r\n]|\\.)*"|'(?:[^'\\\r\n]|\\.)*'|[^\t\n\x0B\x0C\r "'`;&|,()<>{}\[\]]+)"#,
        keywords: &[
            "passw",
            "pwd",
            "secret",
            "api_key",
            "api-key",
            "apikey",
            "private_key",
            "private-key",
            "privatekey",
            "token",
        ],
        scope: Scope::Named,
        check: Some(check_assignment),
        checksum: None,
    },
    Builtin {
        id: "cli-password",
        description: "Password given on a command line: mysql/mariadb -pPASS or --password=PASS, \
                      sshpass -p, curl -u/--user/-U/--proxy-user user:PASS, docker/podman/helm... \
                      login -p/--password, redis-cli -a, ldapsearch... -w, sqlcmd -P, openssl \
                      -pass pass:PASS, and PGPASSWORD=, MYSQL_PWD=, SSHPASS=, REDISCLI_AUTH=; skips \
                      shell expansions ($VAR, `...`), placeholders, toy words and values under 3 chars",
        // Each branch: the command name, any arguments (backslash-newline continuations
        // included, not past `;`, `&`, `|` or the end of the line), then the flag; the value
        // follows, quoted or not. Lazy: the first such flag of the command.
        regex: r#"(?-u:\b)(?:(?:mysql[a-z]*|mariadb[a-z-]*)(?-u:\b)(?:(?:[ \t]|\\\r?\n)+[^\s;&|]+)*?(?:[ \t]|\\\r?\n)+(?:-p|--password=)|sshpass(?-u:\b)(?:(?:[ \t]|\\\r?\n)+[^\s;&|]+)*?(?:[ \t]|\\\r?\n)+-p[ \t]*|curl(?-u:\b)(?:(?:[ \t]|\\\r?\n)+[^\s;&|]+)*?(?:[ \t]|\\\r?\n)+(?:-[uU][ \t]*|--(?:proxy-)?user(?:=|[ \t]+))|(?:docker|podman|nerdctl|buildah|skopeo|helm|oras|crane)(?-u:\b)(?:(?:[ \t]|\\\r?\n)+[^\s;&|]+)*?(?:[ \t]|\\\r?\n)+login(?:(?:[ \t]|\\\r?\n)+[^\s;&|]+)*?(?:[ \t]|\\\r?\n)+(?:-p[ \t]*|--password(?:=|[ \t]+))|redis-cli(?-u:\b)(?:(?:[ \t]|\\\r?\n)+[^\s;&|]+)*?(?:[ \t]|\\\r?\n)+(?:-a|--pass)[ \t]+|ldap(?:search|modify|add|delete|whoami|passwd|compare|modrdn|exop)(?-u:\b)(?:(?:[ \t]|\\\r?\n)+[^\s;&|]+)*?(?:[ \t]|\\\r?\n)+-w[ \t]*|sqlcmd(?-u:\b)(?:(?:[ \t]|\\\r?\n)+[^\s;&|]+)*?(?:[ \t]|\\\r?\n)+-P[ \t]*|openssl(?-u:\b)(?:(?:[ \t]|\\\r?\n)+[^\s;&|]+)*?(?:[ \t]|\\\r?\n)+-pass(?:in|out)?[ \t]+pass:|(?:PGPASSWORD|MYSQL_PWD|SSHPASS|REDISCLI_AUTH)=)(?P<secret>"(?:[^"\\\r\n]|\\.)*"|'(?:[^'\\\r\n]|\\.)*'|[^\s"'`;&|()<>\-][^\s"'`;&|()<>]*)"#,
        keywords: &[
            "mysql",
            "mariadb",
            "sshpass",
            "curl",
            "docker",
            "podman",
            "nerdctl",
            "buildah",
            "skopeo",
            "helm",
            "oras",
            "crane",
            "redis-cli",
            "ldap",
            "sqlcmd",
            "openssl",
            "pgpassword",
            "mysql_pwd",
            "rediscli_auth",
        ],
        scope: Scope::Direct,
        check: Some(check_cli_password),
        checksum: None,
    },
    Builtin {
        id: "generic-high-entropy",
        description: "High-entropy value (20+ base64/hex chars, > 3.5 bits/char, hex > 3.0) assigned to a \
                      name containing key, secret, token, passwd, password, credential or auth",
        regex: r#"(?i-u:[a-z0-9_.-]*(?:key|secret|token|passw|credential|auth)[a-z0-9_.-]*)["']?[ \t]*(?::=|=>|=|:)[ \t]*["']?(?:(?i-u:bearer|basic|token)[ \t]+)?(?P<secret>[A-Za-z0-9+/_-]{20,}={0,2})(?:["'`,;)\]}&<>| \t\r]|(?m:$))"#,
        keywords: &["key", "secret", "token", "passw", "credential", "auth"],
        scope: Scope::Named,
        check: Some(check_generic),
        checksum: None,
    },
];

/// The built-in pattern specs, in priority order.
pub fn builtin_specs() -> Vec<PatternSpec> {
    BUILTINS
        .iter()
        .map(|b| PatternSpec {
            id: b.id.to_owned(),
            regex: b.regex.to_owned(),
            description: b.description.to_owned(),
            keywords: b.keywords.iter().map(|k| (*k).to_owned()).collect(),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Post-filters
// ---------------------------------------------------------------------------------------------

/// Values made only of masking characters (`xxxxxxxx`, `********`, `....`).
fn is_masked(v: &str) -> bool {
    !v.is_empty()
        && v.chars()
            .all(|c| matches!(c, 'x' | 'X' | '*' | '.' | '•' | '#' | '-' | '_'))
}

/// Placeholders and references that are not secrets themselves: masks, `changeme`,
/// `example`, `placeholder`, `your_...`, `<...>`, `${...}`, `$VAR`, `{{...}}`, `{name}`,
/// `%s`, YAML tags (`!vault`), `vault:`/`env:`/`secret:`/`op://`/`arn:` references,
/// `***`, `REDACTED` and redaction markers.
fn is_placeholder(v: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "$",
        "<",
        "{",
        "%",
        "!",
        "your",
        "[redacted",
        "vault:",
        "env:",
        "secret:",
        "secrets:",
        "op://",
        "arn:",
        "ref+",
        "***",
    ];
    const CONTAINS: &[&str] = &[
        "changeme",
        "change_me",
        "change-me",
        "replaceme",
        "replace_me",
        "example",
        "placeholder",
        "redacted",
        "dummy",
        "xxxx",
        "****",
        "${",
        "{{",
    ];
    if is_masked(v) {
        return true;
    }
    let bytes = v.as_bytes();
    PREFIXES.iter().any(|p| {
        bytes
            .get(..p.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(p.as_bytes()))
    }) || CONTAINS
        .iter()
        .any(|c| contains_ignore_ascii_case(bytes, c.as_bytes()))
}

/// Identifier-like values: split on `_ - . : /`, at least two and at least half of the
/// segments are words (3+ letters; lowercase only when `lowercase_words`). Catches `refresh_token`,
/// `API_KEY_2`, `config/production/settings2`, `my-service-account-2024`.
fn is_word_like(v: &str, lowercase_words: bool) -> bool {
    let segments: Vec<&str> = v
        .split(['_', '-', '.', ':', '/'])
        .filter(|s| !s.is_empty())
        .collect();
    if segments.len() < 2 {
        return false;
    }
    let words = segments
        .iter()
        .filter(|s| {
            s.len() >= 3
                && s.bytes().all(|b| {
                    if lowercase_words {
                        b.is_ascii_lowercase()
                    } else {
                        b.is_ascii_alphabetic()
                    }
                })
        })
        .count();
    words >= 2 && words * 2 >= segments.len()
}

/// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320: zlib's, `binascii.crc32`'s).
/// Bitwise: the checksummed parts are 30 bytes, a table would not pay for itself.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xEDB8_8320 & (crc & 1).wrapping_neg());
        }
    }
    !crc
}

/// Value of a base62 digit in the GMP ("lexicographic") alphabet `0-9A-Za-z`.
fn base62_digit(b: u8) -> Option<u64> {
    match b {
        b'0'..=b'9' => Some(u64::from(b - b'0')),
        b'A'..=b'Z' => Some(u64::from(b - b'A') + 10),
        b'a'..=b'z' => Some(u64::from(b - b'a') + 36),
        _ => None,
    }
}

/// The checksum of GitHub's 2021 token format (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`) and of
/// npm's, which copies it: a 4-char prefix, 30 random base62 chars, then 6 chars that are the
/// CRC-32 of those 30 chars alone (not of the prefix), in base62 with the alphabet `0-9A-Za-z`,
/// left-padded with `0`. Checked against the format's public descriptions and examples (the
/// scheme over `prefix + random` does not hold for them).
fn base62_crc32_token(token: &str) -> bool {
    let bytes = token.as_bytes();
    if bytes.len() != 40 || bytes.get(3) != Some(&b'_') {
        return false;
    }
    let (Some(random), Some(check)) = (bytes.get(4..34), bytes.get(34..)) else {
        return false;
    };
    let mut value = 0u64;
    for &b in check {
        let Some(digit) = base62_digit(b) else {
            return false;
        };
        value = value * 62 + digit;
    }
    random.iter().all(u8::is_ascii_alphanumeric) && value == u64::from(crc32(random))
}

fn check_token(full: &str, s: usize, e: usize) -> Option<(usize, usize)> {
    let v = full.get(s..e)?;
    (shannon_entropy(v) >= 3.0 && !is_masked(v)).then_some((s, e))
}

fn check_token_with_digit(full: &str, s: usize, e: usize) -> Option<(usize, usize)> {
    let v = full.get(s..e)?;
    if !v.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    check_token(full, s, e)
}

/// AWS access key ids: at least 6 distinct chars among the 16 after the prefix. Random ids
/// have about 12 (fewer than 6: under one in a million); `AKIAAAAAAAAAAAAAAAAA` has 1. An
/// entropy threshold over the whole id ([`check_token`]) dropped about one real id in a few
/// thousand, the prefix repeating `A`.
fn check_aws_key_id(full: &str, s: usize, e: usize) -> Option<(usize, usize)> {
    let random = full.get(s..e)?.as_bytes().get(4..)?;
    let mut seen = 0u64;
    for &b in random {
        seen |= 1 << (b % 64);
    }
    (seen.count_ones() >= 6).then_some((s, e))
}

fn check_aws_secret(full: &str, s: usize, e: usize) -> Option<(usize, usize)> {
    let v = full.get(s..e)?;
    (shannon_entropy(v) >= 3.5).then_some((s, e))
}

fn check_slack_webhook(full: &str, s: usize, e: usize) -> Option<(usize, usize)> {
    let v = full.get(s..e)?;
    let last = v.rsplit('/').next().unwrap_or(v);
    (shannon_entropy(last) >= 3.0 && !is_masked(last)).then_some((s, e))
}

/// Connection-string passwords: at least 3 chars, not a placeholder, not a toy word
/// (`password`, `pass`, `foo`, `bar`...), not equal to the user name (`guest:guest`,
/// `postgres:postgres` are well-known local defaults, not secrets), and not on a
/// documentation host (RFC 2606: `example.com`, `*.example`, `*.test`, `*.invalid`).
fn check_connection_password(full: &str, s: usize, e: usize) -> Option<(usize, usize)> {
    const WORDS: &[&str] = &[
        "password", "passwd", "pass", "pwd", "secret", "pw", "foo", "bar", "baz", "xyz",
    ];
    const DOC_HOSTS: &[&str] = &[
        "example.com",
        "example.org",
        "example.net",
        ".example",
        ".test",
        ".invalid",
    ];
    let pw = full.get(s..e)?;
    let user = full
        .find("://")
        .and_then(|i| full.get(i + 3..s.saturating_sub(1)))
        .unwrap_or("");
    let host = full.rsplit('@').next().unwrap_or("").to_ascii_lowercase();
    let doc_host = host == "example" || DOC_HOSTS.iter().any(|d| host.ends_with(d));
    let plausible = pw.chars().count() >= 3
        && !is_placeholder(pw)
        && !WORDS.iter().any(|w| pw.eq_ignore_ascii_case(w))
        && pw != user
        && !doc_host;
    plausible.then_some((s, e))
}

/// Command-line passwords (`cli-password`): strips the quotes from the reported range, keeps
/// only the password of a `user:password` credential (`curl -u`; none without a colon: curl
/// prompts), and rejects shell expansions (`$VAR`, `${VAR}`, `$(...)`, backticks, outside
/// single quotes: the secret is elsewhere), placeholders, toy words, values under 3 chars
/// and a password equal to the user name (as for connection strings).
fn check_cli_password(full: &str, s: usize, e: usize) -> Option<(usize, usize)> {
    const WORDS: &[&str] = &[
        "password", "passwd", "pass", "pwd", "secret", "pw", "foo", "bar", "baz", "xyz",
    ];
    let flag = full.get(..s)?.trim_end_matches([' ', '\t', '=']);
    let bytes = full.get(s..e)?.as_bytes();
    let quote = match (bytes.first(), bytes.last()) {
        (Some(&q @ (b'"' | b'\'')), Some(&last)) if bytes.len() >= 2 && last == q => Some(q),
        _ => None,
    };
    let (mut vs, ve) = if quote.is_some() {
        (s + 1, e - 1)
    } else {
        (s, e)
    };
    let value = full.get(vs..ve)?;
    if quote != Some(b'\'') && value.contains(['$', '`']) {
        return None;
    }
    if ["-u", "-U", "--user", "--proxy-user"]
        .iter()
        .any(|f| flag.ends_with(f))
    {
        let (user, pw) = value.split_once(':')?;
        if user == pw {
            return None;
        }
        vs += user.len() + 1;
    }
    let pw = full.get(vs..ve)?;
    let plausible = pw.chars().count() >= 3
        && !is_placeholder(pw)
        && !WORDS.iter().any(|w| pw.eq_ignore_ascii_case(w));
    plausible.then_some((vs, ve))
}

/// Names that hold public or derived values, not secrets: `public_key`, `pubkey`,
/// `key_id`, `fingerprint`, `checksum`, `password_hash`/`passwordHash`, `*_sha256`,
/// `digest`. `prefix` is the match before the value; its first identifier is the name.
fn name_is_not_secret(prefix: &str) -> bool {
    const PUBLIC: &[&str] = &[
        "public",
        "pubkey",
        "pub_key",
        "publishable",
        "key_id",
        "keyid",
        "fingerprint",
        "checksum",
        "digest",
        "sha1",
        "sha256",
        "sha512",
        "md5",
        "hash_",
        "hash-",
        "hash.",
        "hashed",
    ];
    let name: Vec<u8> = prefix
        .bytes()
        .skip_while(|&b| !is_ident_byte(b))
        .take_while(|&b| is_ident_byte(b))
        .map(|b| b.to_ascii_lowercase())
        .collect();
    name.ends_with(b"hash")
        || PUBLIC
            .iter()
            .any(|p| contains_ignore_ascii_case(&name, p.as_bytes()))
}

/// `name = value` assignments: strips the quotes from the reported range and rejects
/// values that are not literal secrets. The rules, in order:
/// * the name does not hold a public or derived value (`public_api_key`, `token_hash`);
/// * at least 8 chars;
/// * no placeholder or reference (see [`is_placeholder`]);
/// * no whitespace (quoted prose such as messages and labels; passphrases with spaces are
///   left to the other patterns);
/// * quoted templates (`"{}"`, `"{name}"`, `"%s"`) are skipped;
/// * all-letter values: skipped when shorter than 16 chars (words such as `required`,
///   `Password`, `disabled`, `SecretString`), and skipped at any length when unquoted
///   (an unquoted letters-only value is an identifier, type name or keyword in code);
/// * unquoted identifiers and paths: letters with `_ . - :` separators and no digit
///   (`self.password`, `process.env.TOKEN`), word-like segments (`API_KEY_2`), absolute
///   or relative paths (`PWD=/home/user`);
/// * quoted lowercase identifiers (`"refresh_token"`, `"auth.password.label"`).
fn check_assignment(full: &str, s: usize, e: usize) -> Option<(usize, usize)> {
    if name_is_not_secret(full.get(..s)?) {
        return None;
    }
    let raw = full.get(s..e)?;
    let bytes = raw.as_bytes();
    let quoted = bytes.len() >= 2
        && matches!(bytes.first(), Some(b'"' | b'\''))
        && bytes.first() == bytes.last();
    let (vs, ve) = if quoted { (s + 1, e - 1) } else { (s, e) };
    let v = full.get(vs..ve)?;
    plausible_assigned_secret(v, quoted).then_some((vs, ve))
}

fn plausible_assigned_secret(v: &str, quoted: bool) -> bool {
    if v.chars().count() < 8 || is_placeholder(v) || v.chars().any(char::is_whitespace) {
        return false;
    }
    if quoted && ((v.contains('{') && v.contains('}')) || v.contains("%s") || v.contains("%d")) {
        return false;
    }
    let letters_only = v.bytes().all(|b| b.is_ascii_alphabetic());
    if letters_only && (!quoted || v.len() < 16) {
        return false;
    }
    let has_digit = v.bytes().any(|b| b.is_ascii_digit());
    let identifier_chars = v
        .bytes()
        .all(|b| b.is_ascii_alphabetic() || matches!(b, b'_' | b'.' | b'-' | b':'));
    if quoted {
        if identifier_chars && !letters_only && !v.bytes().any(|b| b.is_ascii_uppercase()) {
            return false;
        }
        return !is_word_like(v, true);
    }
    if identifier_chars && !has_digit {
        return false;
    }
    let path_like =
        (v.starts_with('/') || v.starts_with("~/") || v.starts_with("./") || v.starts_with("../"))
            && v.bytes().all(|b| {
                b.is_ascii_alphanumeric() || matches!(b, b'/' | b'.' | b'_' | b'-' | b'~')
            });
    !path_like && !is_word_like(v, false)
}

/// Generic high-entropy values: entropy above 3.5 bits/char (3.0 for hex), at least one
/// digit, not masked, not identifier- or path-like, not under a public/derived name.
fn check_generic(full: &str, s: usize, e: usize) -> Option<(usize, usize)> {
    if name_is_not_secret(full.get(..s)?) {
        return None;
    }
    let v = full.get(s..e)?;
    let core = v.trim_end_matches('=');
    let is_hex = core.bytes().all(|b| b.is_ascii_hexdigit());
    let threshold = if is_hex { 3.0 } else { 3.5 };
    let plausible = shannon_entropy(core) > threshold
        && core.bytes().any(|b| b.is_ascii_digit())
        && !is_placeholder(core)
        && !is_word_like(core, true);
    plausible.then_some((s, e))
}

/// Whether what follows a PEM BEGIN line looks like key material: optional whitespace and
/// (possibly escaped) newlines, then either an RFC 1421 header line (`Proc-Type: ...`,
/// `Version: ...`) or at least 16 base64 characters. Rejects code that merely mentions
/// the header (`"-----BEGIN PRIVATE KEY-----";`) and elided examples (`...`).
fn pem_body_plausible(after: &str) -> bool {
    let mut rest = after;
    loop {
        let t = rest.trim_start_matches([' ', '\t', '\r', '\n']);
        match t.strip_prefix("\\r\\n").or_else(|| t.strip_prefix("\\n")) {
            Some(r) => rest = r,
            None => {
                rest = t;
                break;
            }
        }
    }
    let cut = (0..=rest.len().min(40))
        .rev()
        .find(|&i| rest.is_char_boundary(i))
        .unwrap_or(0);
    let head = rest.get(..cut).unwrap_or("");
    if let Some(colon) = head.find(": ") {
        let name = &head[..colon];
        if !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return true;
        }
    }
    rest.bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
        .take(16)
        .count()
        >= 16
}

// ---------------------------------------------------------------------------------------------
// Scanner
// ---------------------------------------------------------------------------------------------

#[derive(Clone)]
struct Compiled {
    id: String,
    description: String,
    regex: Regex,
    /// For `Scope::Named` patterns, run from an identifier's start.
    anchored: Option<AnchoredForms>,
    secret_group: Option<usize>,
    /// Lowercase keywords.
    keywords: Vec<String>,
    scope: Scope,
    check: Option<Check>,
    checksum: Option<Checksum>,
}

/// An anchored regex and its `secret` group.
#[derive(Clone)]
struct Anchored {
    regex: Regex,
    secret_group: Option<usize>,
}

impl Anchored {
    fn new(body: &str) -> Option<Anchored> {
        let regex = Regex::new(&format!("^(?:{body})")).ok()?;
        let secret_group = regex.capture_names().position(|n| n == Some("secret"));
        Some(Anchored {
            regex,
            secret_group,
        })
    }

    /// The match at the start of `hay`, as (whole, value) ranges in `hay`.
    fn captures(
        &self,
        locs: &mut CaptureLocations,
        hay: &str,
    ) -> Option<((usize, usize), (usize, usize))> {
        // The DFA alone answers most calls; capture extraction only runs on a match.
        if !self.regex.is_match(hay) {
            return None;
        }
        let whole = self.regex.captures_read(locs, hay)?;
        let whole = (whole.start(), whole.end());
        let value = self.secret_group.and_then(|g| locs.get(g)).unwrap_or(whole);
        Some((whole, value))
    }
}

/// Name prefix of the marker groups of [`AnchoredForms::at_start`].
const START_MARK: &str = "agentgate_text_start";

/// A `Scope::Named` regex prepared to run on `text[w..line_end]`, `w` an identifier's start.
///
/// Slicing changes what one assertion sees: `^` (`\A`) holds at `w` in the slice, but in the
/// whole text only at offset 0. `password-assignment` uses it in `(?:^|[^A-Za-z0-9_.-])--flag`:
/// at an identifier that follows a non-identifier byte the slice's `^` stands for that byte,
/// which is what the whole-text regex sees when its search reaches the byte. But when the
/// previous (rejected) match of the same regex ended exactly at `w` (`password: str =''` then
/// `--password => value`), the byte is consumed, the flag branch cannot match there, and the
/// whole text gets the other reading (`--password` a name, `=>` its separator), with another
/// value. So when the anchored match went through `^`, the match without it is taken too.
#[derive(Clone)]
struct AnchoredForms {
    /// `^(?:regex)`, each text-start assertion of the regex followed by an empty group named
    /// `START_MARK<n>`, which is set when the match went through the assertion.
    at_start: Anchored,
    /// The marker groups of `at_start`.
    start_marks: Vec<usize>,
    /// `^(?:regex)` with its text-start assertions never holding: the match the whole-text
    /// regex finds at `w` (`w > 0`) when its search starts there. `None`: the regex has none.
    inside: Option<Anchored>,
}

impl AnchoredForms {
    fn build(regex: &str) -> Option<AnchoredForms> {
        use regex_syntax::hir::{Capture, Hir, Look};
        let hir = regex_syntax::parse(regex).ok()?;
        if !hir.properties().look_set().contains(Look::Start) {
            return Some(AnchoredForms {
                at_start: Anchored::new(regex)?,
                start_marks: Vec::new(),
                inside: None,
            });
        }
        let mut n = 0u32;
        let marked = map_text_start(hir.clone(), &mut || {
            n += 1;
            Hir::concat(vec![
                Hir::look(Look::Start),
                Hir::capture(Capture {
                    index: 0,
                    name: Some(format!("{START_MARK}{n}").into()),
                    sub: Box::new(Hir::empty()),
                }),
            ])
        });
        let at_start = Anchored::new(&marked.to_string())?;
        let start_marks = at_start
            .regex
            .capture_names()
            .enumerate()
            .filter(|(_, name)| name.is_some_and(|n| n.starts_with(START_MARK)))
            .map(|(g, _)| g)
            .collect();
        let inside = Anchored::new(&map_text_start(hir, &mut Hir::fail).to_string())?;
        Some(AnchoredForms {
            at_start,
            start_marks,
            inside: Some(inside),
        })
    }
}

/// `hir` with each text-start assertion (`^`, `\A`) replaced by `replace()`.
fn map_text_start(
    hir: regex_syntax::hir::Hir,
    replace: &mut dyn FnMut() -> regex_syntax::hir::Hir,
) -> regex_syntax::hir::Hir {
    use regex_syntax::hir::{Capture, Hir, HirKind, Look, Repetition};
    let mut map_all = |subs: Vec<Hir>| -> Vec<Hir> {
        subs.into_iter()
            .map(|h| map_text_start(h, &mut *replace))
            .collect()
    };
    match hir.into_kind() {
        HirKind::Look(Look::Start) => replace(),
        HirKind::Look(look) => Hir::look(look),
        HirKind::Empty => Hir::empty(),
        HirKind::Literal(literal) => Hir::literal(literal.0),
        HirKind::Class(class) => Hir::class(class),
        HirKind::Repetition(r) => Hir::repetition(Repetition {
            sub: Box::new(map_text_start(*r.sub, replace)),
            ..r
        }),
        HirKind::Capture(c) => Hir::capture(Capture {
            sub: Box::new(map_text_start(*c.sub, replace)),
            ..c
        }),
        HirKind::Concat(subs) => Hir::concat(map_all(subs)),
        HirKind::Alternation(subs) => Hir::alternation(map_all(subs)),
    }
}

/// The keyword pass for `Scope::Named` patterns: their keywords, minimised (a keyword
/// containing another is dropped) and matched case-sensitively on ASCII-lowercased chunks
/// of the text, which lets Aho-Corasick use its SIMD (Teddy) prefilter.
#[derive(Clone)]
struct NamedPass {
    automaton: AhoCorasick,
    /// Longest keyword length minus one: how far chunks overlap.
    overlap: usize,
    /// The `Scope::Named` patterns.
    patterns: Vec<usize>,
}

/// Bytes of text lowercased at a time by the keyword pass.
const CHUNK: usize = 64 * 1024;

impl NamedPass {
    fn build(patterns: &[Compiled]) -> Option<NamedPass> {
        let named: Vec<usize> = patterns
            .iter()
            .enumerate()
            .filter(|(_, p)| p.scope == Scope::Named)
            .map(|(i, _)| i)
            .collect();
        let mut keywords: Vec<&str> = named
            .iter()
            .filter_map(|&i| patterns.get(i))
            .flat_map(|p| p.keywords.iter().map(String::as_str))
            .filter(|k| !k.is_empty())
            .collect();
        keywords.sort_unstable();
        keywords.dedup();
        let minimal: Vec<&str> = keywords
            .iter()
            .copied()
            .filter(|k| !keywords.iter().any(|other| other != k && k.contains(other)))
            .collect();
        if named.is_empty()
            || minimal.is_empty()
            || named.iter().any(|&i| {
                patterns
                    .get(i)
                    .is_none_or(|p| p.anchored.is_none() || p.keywords.is_empty())
            })
        {
            return None;
        }
        let overlap = minimal
            .iter()
            .map(|k| k.len())
            .max()
            .unwrap_or(1)
            .saturating_sub(1);
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&minimal)
            .ok()?;
        Some(NamedPass {
            automaton,
            overlap,
            patterns: named,
        })
    }
}

/// Aho-Corasick over the keywords of the custom patterns, ASCII case-insensitive, overlapping.
#[derive(Clone)]
struct CustomPass {
    automaton: AhoCorasick,
    /// For each keyword, the patterns it enables.
    targets: Vec<Vec<usize>>,
}

impl CustomPass {
    fn build(patterns: &[Compiled]) -> Result<Option<CustomPass>, String> {
        let mut slots: HashMap<&str, usize> = HashMap::new();
        let mut keywords: Vec<&str> = Vec::new();
        let mut targets: Vec<Vec<usize>> = Vec::new();
        for (i, pattern) in patterns
            .iter()
            .enumerate()
            .filter(|(_, p)| p.scope == Scope::Custom)
        {
            for keyword in pattern.keywords.iter().filter(|k| !k.is_empty()) {
                let slot = *slots.entry(keyword.as_str()).or_insert_with(|| {
                    keywords.push(keyword.as_str());
                    targets.push(Vec::new());
                    keywords.len() - 1
                });
                if let Some(list) = targets.get_mut(slot)
                    && !list.contains(&i)
                {
                    list.push(i);
                }
            }
        }
        if keywords.is_empty() {
            return Ok(None);
        }
        let automaton = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&keywords)
            .map_err(|e| format!("custom secret pattern keywords: {e}"))?;
        Ok(Some(CustomPass { automaton, targets }))
    }
}

/// A match before line/column are computed.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: usize,
    end: usize,
    pattern: usize,
    /// The pattern's provider checksum holds (see [`SecretMatch::verified`]).
    verified: bool,
}

/// The compiled patterns: built in, plus custom ones from a policy.
///
/// Scanning: one `RegexSet` gate over the literal-led built-ins (their regexes then run
/// only if it matched), the connection-string regex on its own, a keyword pass that
/// runs the name-based built-ins only at identifiers followed by `:`/`=`, and the custom
/// patterns behind their own keywords.
#[derive(Clone)]
pub struct Scanner {
    patterns: Vec<Compiled>,
    /// Gate over the `Gated` and `PemBlock` patterns; `None`: they always run.
    gate: Option<RegexSet>,
    /// `None`: the `Named` patterns run unanchored on the whole text.
    named: Option<NamedPass>,
    /// `None`: no custom pattern has keywords.
    custom: Option<CustomPass>,
}

impl fmt::Debug for Scanner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scanner")
            .field(
                "patterns",
                &self
                    .patterns
                    .iter()
                    .map(|p| p.id.as_str())
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

fn compile_builtin(b: &Builtin) -> Option<Compiled> {
    let regex = Regex::new(b.regex).ok()?;
    let anchored = match b.scope {
        Scope::Named => Some(AnchoredForms::build(b.regex)?),
        _ => None,
    };
    let secret_group = regex.capture_names().position(|n| n == Some("secret"));
    Some(Compiled {
        id: b.id.to_owned(),
        description: b.description.to_owned(),
        regex,
        anchored,
        secret_group,
        keywords: b.keywords.iter().map(|k| k.to_ascii_lowercase()).collect(),
        scope: b.scope,
        check: b.check,
        checksum: b.checksum,
    })
}

fn build_gate(patterns: &[Compiled]) -> Option<RegexSet> {
    RegexSet::new(
        patterns
            .iter()
            .filter(|p| matches!(p.scope, Scope::Gated | Scope::PemBlock))
            .map(|p| p.regex.as_str()),
    )
    .ok()
}

/// Custom pattern ids: lower-case letters, digits, `-`, `_` and `.`, starting with a letter
/// or digit, at most 100 chars (the policy files' id rule; built-in ids are kebab-case).
fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 100
        && id.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')
        })
        && id.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
}

fn marker_regex() -> Option<&'static Regex> {
    static MARKER: OnceLock<Option<Regex>> = OnceLock::new();
    MARKER
        .get_or_init(|| Regex::new(r"\[REDACTED(?::[a-z0-9][a-z0-9_.-]{0,99})?\]").ok())
        .as_ref()
}

/// Identifier bytes, for the name-based patterns: `[A-Za-z0-9_.-]`.
fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')
}

/// The identifier run around `bytes[start..end]`.
fn word_bounds(bytes: &[u8], start: usize, end: usize) -> (usize, usize) {
    let w = bytes.get(..start).map_or(start, |b| {
        b.iter()
            .rposition(|&c| !is_ident_byte(c))
            .map_or(0, |p| p + 1)
    });
    let e = bytes.get(end..).map_or(end, |b| {
        b.iter()
            .position(|&c| !is_ident_byte(c))
            .map_or(bytes.len(), |p| end + p)
    });
    (w, e)
}

/// Necessary condition for a name-based match on identifier `bytes[w..e]`: an optional
/// closing quote, blanks, `:` or `=` (or `:=`, `=>`), blanks, then something that can start
/// a value the patterns accept; or, for a `--flag`, blanks then such a value. Both readings
/// are tried: a flag's value may start with `:` or `=` (`--token :x`), and `==` is `=` then
/// a value starting with `=`.
fn separator_follows(bytes: &[u8], w: usize, e: usize) -> bool {
    if bytes.get(w..w + 2) == Some(b"--".as_slice())
        && matches!(bytes.get(e), Some(b' ' | b'\t'))
        && value_may_start(bytes, skip_blanks(bytes, e))
    {
        return true;
    }
    let mut i = e;
    if matches!(bytes.get(i), Some(b'"' | b'\'')) {
        i += 1;
    }
    i = skip_blanks(bytes, i);
    let second = match bytes.get(i) {
        Some(b':') => b'=',
        Some(b'=') => b'>',
        _ => return false,
    };
    i += 1;
    if bytes.get(i) == Some(&second) {
        i += 1;
    }
    value_may_start(bytes, skip_blanks(bytes, i))
}

fn skip_blanks(bytes: &[u8], mut i: usize) -> usize {
    while matches!(bytes.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    i
}

/// Whether `bytes[i..]` can start a value (or a type annotation): not the end of the line,
/// not a reference or structure (`$`, `{`, `<`, `(`, `[`, ...), not an empty or `${`-like
/// quoted string. Values starting so are rejected by the patterns or their post-filters.
fn value_may_start(bytes: &[u8], i: usize) -> bool {
    match bytes.get(i) {
        None
        | Some(
            b'\n' | b'\r' | b'$' | b'{' | b'<' | b'(' | b'[' | b';' | b',' | b')' | b'}' | b']'
            | b'|' | b'`',
        ) => false,
        Some(&quote @ (b'"' | b'\'')) => match bytes.get(i + 1) {
            None | Some(b'$' | b'{' | b'<' | b'\n' | b'\r') => false,
            Some(&c) => c != quote,
        },
        Some(_) => true,
    }
}

fn contains_ignore_ascii_case(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty()
        && haystack.len() >= needle.len()
        && haystack
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
}

impl Scanner {
    /// The built-in patterns only, compiled once per process.
    pub fn builtin() -> &'static Scanner {
        static BUILTIN: OnceLock<Scanner> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            let patterns: Vec<Compiled> = BUILTINS.iter().filter_map(compile_builtin).collect();
            let gate = build_gate(&patterns);
            let named = NamedPass::build(&patterns);
            Scanner {
                patterns,
                gate,
                named,
                custom: None,
            }
        })
    }

    /// Built-in plus custom patterns; error names the custom pattern id and the regex error.
    ///
    /// Custom ids follow the policy id rule (see [`PatternSpec::id`]) and must differ from
    /// every other id. A custom regex may
    /// mark the secret with a group named `secret`; it runs on the whole text when one of
    /// its keywords occurs (ASCII case-insensitive), or always when it has none.
    pub fn with_custom(custom: &[PatternSpec]) -> Result<Scanner, String> {
        let base = Scanner::builtin();
        let mut patterns = base.patterns.clone();
        for spec in custom {
            let id = spec.id.as_str();
            if !is_valid_id(id) {
                return Err(format!(
                    "secret pattern `{id}`: ids are lower-case letters, digits, `-`, `_` and `.`, \
                     starting with a letter or digit"
                ));
            }
            if patterns.iter().any(|p| p.id == id) {
                return Err(format!(
                    "secret pattern `{id}`: id already used by another pattern"
                ));
            }
            let regex = Regex::new(&spec.regex)
                .map_err(|e| format!("secret pattern `{id}`: invalid regex: {e}"))?;
            if regex.is_match("") {
                return Err(format!(
                    "secret pattern `{id}`: regex matches the empty string"
                ));
            }
            let secret_group = regex.capture_names().position(|n| n == Some("secret"));
            patterns.push(Compiled {
                id: id.to_owned(),
                description: spec.description.clone(),
                regex,
                anchored: None,
                secret_group,
                keywords: spec
                    .keywords
                    .iter()
                    .map(|k| k.trim().to_ascii_lowercase())
                    .filter(|k| !k.is_empty())
                    .collect(),
                scope: Scope::Custom,
                check: None,
                checksum: None,
            });
        }
        let custom = CustomPass::build(&patterns)?;
        Ok(Scanner {
            patterns,
            gate: base.gate.clone(),
            named: base.named.clone(),
            custom,
        })
    }

    /// Every occurrence (not only the first of a kind), sorted by start, overlapping matches
    /// merged (the longer/earlier wins).
    ///
    /// Overlapping matches become one match covering the union of their ranges (so that
    /// redaction leaves no fragment); it carries the kind of the longest of them, and on
    /// equal length the earlier one, then the earlier pattern.
    pub fn scan(&self, text: &str) -> Vec<SecretMatch> {
        let spans = self.spans(text);
        self.locate(text, &spans)
    }

    /// `text` redacted whole, then cut to at most `max` bytes on a character boundary: a secret
    /// straddling the cut is redacted before the cut, so no fragment of it is kept.
    pub fn redact_bounded(&self, text: &str, max: usize) -> String {
        let mut redacted = self.redact(text).into_owned();
        redacted.truncate(char_floor(&redacted, max));
        redacted
    }

    /// The text with every occurrence replaced by `[REDACTED:<kind>]`. Borrowed when nothing matched.
    ///
    /// Redaction is idempotent: replacing a secret changes the context of its neighbours
    /// (a token glued to a PEM block only ends at a word boundary once the block is a
    /// marker), so the redacted text is scanned again until nothing matches. Each pass
    /// turns at least one char outside markers into a marker, so this ends; it is capped.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        const MAX_PASSES: usize = 16;
        let spans = self.spans(text);
        if spans.is_empty() {
            return Cow::Borrowed(text);
        }
        let mut out = self.replace(text, &spans);
        for _ in 1..MAX_PASSES {
            let spans = self.spans(&out);
            if spans.is_empty() {
                break;
            }
            out = self.replace(&out, &spans);
        }
        Cow::Owned(out)
    }

    /// Whether the text contains at least one secret.
    pub fn contains_secret(&self, text: &str) -> bool {
        !self.spans(text).is_empty()
    }

    /// The patterns, for `policy explain` and docs: (id, description).
    pub fn patterns(&self) -> Vec<(&str, &str)> {
        self.patterns
            .iter()
            .map(|p| (p.id.as_str(), p.description.as_str()))
            .collect()
    }

    fn replace(&self, text: &str, spans: &[Span]) -> String {
        let mut out = String::with_capacity(text.len() + spans.len() * 16);
        let mut last = 0;
        for span in spans {
            out.push_str(text.get(last..span.start).unwrap_or(""));
            out.push_str("[REDACTED:");
            out.push_str(
                self.patterns
                    .get(span.pattern)
                    .map_or("secret", |p| p.id.as_str()),
            );
            out.push(']');
            last = span.end;
        }
        out.push_str(text.get(last..).unwrap_or(""));
        out
    }

    /// Merged, sorted byte ranges of every secret.
    fn spans(&self, text: &str) -> Vec<Span> {
        let mut spans = Vec::new();
        if text.is_empty() {
            return spans;
        }
        let gate_open = self.gate.as_ref().is_none_or(|g| g.is_match(text));
        let mut custom_enabled = vec![false; self.patterns.len()];
        if let Some(pass) = &self.custom {
            for hit in pass.automaton.find_overlapping_iter(text) {
                for &i in pass
                    .targets
                    .get(hit.pattern().as_usize())
                    .map_or(&[][..], Vec::as_slice)
                {
                    if let Some(enabled) = custom_enabled.get_mut(i) {
                        *enabled = true;
                    }
                }
            }
        }
        for (i, pattern) in self.patterns.iter().enumerate() {
            let run = match pattern.scope {
                Scope::Gated | Scope::PemBlock => gate_open,
                Scope::Direct => true,
                Scope::Named => self.named.is_none(),
                Scope::Custom => {
                    pattern.keywords.is_empty() || custom_enabled.get(i).copied().unwrap_or(true)
                }
            };
            if run {
                self.search(i, text, &mut spans);
            }
        }
        if let Some(pass) = &self.named {
            self.named_pass(pass, text, &mut spans);
        }
        drop_marker_spans(text, &mut spans);
        merge(spans)
    }

    /// Keyword pass for the name-based patterns (see [`Scope::Named`]).
    fn named_pass(&self, pass: &NamedPass, text: &str, out: &mut Vec<Span>) {
        let bytes = text.as_bytes();
        let mut lower: Vec<u8> = Vec::with_capacity(bytes.len().min(CHUNK) + pass.overlap);
        let mut pos = 0;
        let mut word_end = 0;
        let mut locations: Vec<CaptureLocations> = pass
            .patterns
            .iter()
            .filter_map(|&i| self.patterns.get(i))
            .filter_map(|p| {
                p.anchored
                    .as_ref()
                    .map(|a| a.at_start.regex.capture_locations())
            })
            .collect();
        while pos < bytes.len() {
            let end = (pos + CHUNK).min(bytes.len());
            let from = pos.saturating_sub(pass.overlap);
            lower.clear();
            lower.extend(
                bytes
                    .get(from..end)
                    .unwrap_or(&[])
                    .iter()
                    .map(u8::to_ascii_lowercase),
            );
            for hit in pass.automaton.find_iter(lower.as_slice()) {
                let (start, stop) = (from + hit.start(), from + hit.end());
                if stop <= pos || start < word_end {
                    continue;
                }
                let (w, e) = word_bounds(bytes, start, stop);
                word_end = e;
                if !separator_follows(bytes, w, e) {
                    continue;
                }
                let word = bytes.get(w..e).unwrap_or(&[]);
                let line_end = bytes
                    .get(e..)
                    .and_then(|b| b.iter().position(|&c| c == b'\n'))
                    .map_or(bytes.len(), |p| e + p);
                for (&i, locs) in pass.patterns.iter().zip(locations.iter_mut()) {
                    let Some(pattern) = self.patterns.get(i) else {
                        continue;
                    };
                    if pattern
                        .keywords
                        .iter()
                        .any(|k| contains_ignore_ascii_case(word, k.as_bytes()))
                    {
                        self.search_anchored(i, locs, text, w, line_end, out);
                    }
                }
            }
            pos = end;
        }
    }

    /// Runs pattern `i`'s regex on the whole text, pushing every match.
    fn search(&self, i: usize, text: &str, out: &mut Vec<Span>) {
        let Some(pattern) = self.patterns.get(i) else {
            return;
        };
        let regex = &pattern.regex;
        if pattern.scope == Scope::PemBlock {
            pem_blocks(regex, text, i, out);
            return;
        }
        if pattern.secret_group.is_none() {
            // No capture extraction needed: the lazy DFA alone gives the ranges.
            for m in regex.find_iter(text) {
                let range = (m.start(), m.end());
                push_checked(pattern, i, text, range, range, out);
            }
            return;
        }
        for caps in regex.captures_iter(text) {
            let Some(whole) = caps.get(0) else { continue };
            let value = pattern
                .secret_group
                .and_then(|g| caps.get(g))
                .map_or((whole.start(), whole.end()), |m| (m.start(), m.end()));
            push_checked(pattern, i, text, (whole.start(), whole.end()), value, out);
        }
    }

    /// Runs pattern `i`'s anchored regex on `text[from..to]`, pushing its match if any, and,
    /// when that match went through a text-start assertion and `from > 0`, the match that
    /// does without it (see [`AnchoredForms`]).
    fn search_anchored(
        &self,
        i: usize,
        locs: &mut CaptureLocations,
        text: &str,
        from: usize,
        to: usize,
        out: &mut Vec<Span>,
    ) {
        let Some(pattern) = self.patterns.get(i) else {
            return;
        };
        let Some(forms) = &pattern.anchored else {
            return;
        };
        let Some(hay) = text.get(from..to) else {
            return;
        };
        let push = |out: &mut Vec<Span>, (whole, value): ((usize, usize), (usize, usize))| {
            push_checked(
                pattern,
                i,
                text,
                (from + whole.0, from + whole.1),
                (from + value.0, from + value.1),
                out,
            );
        };
        let Some(found) = forms.at_start.captures(locs, hay) else {
            return;
        };
        push(out, found);
        if from == 0 || !forms.start_marks.iter().any(|&g| locs.get(g).is_some()) {
            return;
        }
        let Some(inside) = &forms.inside else {
            return;
        };
        let mut inside_locs = inside.regex.capture_locations();
        if let Some(found) = inside.captures(&mut inside_locs, hay) {
            push(out, found);
        }
    }

    /// Adds 1-based line and char column to merged spans (one pass over the text).
    fn locate(&self, text: &str, spans: &[Span]) -> Vec<SecretMatch> {
        let bytes = text.as_bytes();
        let mut out = Vec::with_capacity(spans.len());
        let (mut line, mut cursor) = (1usize, 0usize);
        let (mut column, mut column_at) = (1usize, 0usize);
        for span in spans {
            let segment = bytes.get(cursor..span.start).unwrap_or(&[]);
            let newlines = segment.iter().filter(|&&b| b == b'\n').count();
            if newlines > 0 {
                line += newlines;
                column_at = cursor
                    + segment
                        .iter()
                        .rposition(|&b| b == b'\n')
                        .map_or(0, |p| p + 1);
                column = 1;
            }
            column += text
                .get(column_at..span.start)
                .map_or(0, |s| s.chars().count());
            column_at = span.start;
            cursor = span.start;
            out.push(SecretMatch {
                kind: self
                    .patterns
                    .get(span.pattern)
                    .map_or_else(String::new, |p| p.id.clone()),
                start: span.start,
                end: span.end,
                line,
                column,
                verified: span.verified,
            });
        }
        out
    }
}

/// Applies the pattern's post-filter to a match (`whole`, with the secret at `value`, both
/// absolute byte ranges) and records the resulting span.
fn push_checked(
    pattern: &Compiled,
    i: usize,
    text: &str,
    whole: (usize, usize),
    value: (usize, usize),
    out: &mut Vec<Span>,
) {
    let (mut start, mut end) = value;
    let verified = pattern
        .checksum
        .is_some_and(|holds| text.get(start..end).is_some_and(holds));
    if let Some(check) = pattern.check.filter(|_| !verified) {
        let Some(full) = text.get(whole.0..whole.1) else {
            return;
        };
        let Some((s, e)) = check(
            full,
            start.saturating_sub(whole.0),
            end.saturating_sub(whole.0),
        ) else {
            return;
        };
        start = whole.0 + s;
        end = whole.0 + e;
    }
    if start < end && text.is_char_boundary(start) && text.is_char_boundary(end) {
        out.push(Span {
            start,
            end,
            pattern: i,
            verified,
        });
    }
}

/// PEM private key blocks in `hay`: each BEGIN line through the END line with the same
/// label, or to the end when END is missing.
fn pem_blocks(header: &Regex, hay: &str, pattern: usize, out: &mut Vec<Span>) {
    let mut pos = 0;
    while let Some(m) = header.find_at(hay, pos) {
        let after = hay.get(m.end()..).unwrap_or("");
        if !pem_body_plausible(after) {
            pos = m.end();
            continue;
        }
        let label = m
            .as_str()
            .strip_prefix("-----BEGIN ")
            .and_then(|s| s.strip_suffix("-----"))
            .unwrap_or("PRIVATE KEY");
        let end_line = format!("-----END {label}-----");
        let end = after
            .find(&end_line)
            .map_or(hay.len(), |i| m.end() + i + end_line.len());
        out.push(Span {
            start: m.start(),
            end,
            pattern,
            verified: false,
        });
        pos = end;
        if pos >= hay.len() {
            break;
        }
    }
}

/// Drops matches that start inside an existing redaction marker (trimming those that run
/// past it), so that redacting redacted text changes nothing.
fn drop_marker_spans(text: &str, spans: &mut Vec<Span>) {
    if spans.is_empty() || !text.contains("[REDACTED") {
        return;
    }
    let Some(marker) = marker_regex() else { return };
    let markers: Vec<(usize, usize)> = marker
        .find_iter(text)
        .map(|m| (m.start(), m.end()))
        .collect();
    spans.retain_mut(|span| {
        let idx = markers.partition_point(|&(s, _)| s <= span.start);
        let Some(&(_, marker_end)) = idx.checked_sub(1).and_then(|k| markers.get(k)) else {
            return true;
        };
        if span.start >= marker_end {
            return true;
        }
        if span.end <= marker_end {
            return false;
        }
        span.start = marker_end;
        true
    });
}

/// Sorts spans and merges overlapping ones into their union; the merged span carries the
/// pattern (and verified flag) of its longest member (earliest start, then earliest pattern,
/// on ties).
fn merge(mut spans: Vec<Span>) -> Vec<Span> {
    spans.sort_unstable_by(|a, b| {
        a.start
            .cmp(&b.start)
            .then(b.end.cmp(&a.end))
            .then(a.pattern.cmp(&b.pattern))
    });
    let mut out: Vec<Span> = Vec::with_capacity(spans.len());
    let mut best = 0usize;
    for span in spans {
        if let Some(current) = out.last_mut()
            && span.start < current.end
        {
            let len = span.end - span.start;
            if len > best {
                best = len;
                current.pattern = span.pattern;
                current.verified = span.verified;
            }
            current.end = current.end.max(span.end);
            continue;
        }
        best = span.end - span.start;
        out.push(span);
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // Test secrets are assembled at run time from a deterministic generator, so that this
    // file contains no literal token that secret scanners (ours included) would flag.

    const UPPER32: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    const ALNUM: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    const B64: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const B64URL: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    const HEX: &str = "0123456789abcdef";

    fn rnd(seed: u64, alphabet: &str, len: usize) -> String {
        let chars: Vec<char> = alphabet.chars().collect();
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                chars[(x % chars.len() as u64) as usize]
            })
            .collect()
    }

    fn aws_key_id(seed: u64) -> String {
        format!("{}{}", "AKIA", rnd(seed, UPPER32, 16))
    }
    fn aws_secret(seed: u64) -> String {
        rnd(seed, &B64[..63], 40).replace('+', "/")
    }
    fn github(seed: u64) -> String {
        format!("{}{}", "ghp_", rnd(seed, ALNUM, 36))
    }
    fn github_pat(seed: u64) -> String {
        format!(
            "{}{}_{}",
            "github_pat_",
            rnd(seed, ALNUM, 22),
            rnd(seed + 1, ALNUM, 59)
        )
    }
    fn gitlab(seed: u64) -> String {
        format!("{}{}", "glpat-", rnd(seed, ALNUM, 20))
    }
    fn slack(seed: u64) -> String {
        format!(
            "{}{}-{}-{}",
            "xoxb-",
            rnd(seed, "0123456789", 12),
            rnd(seed + 1, "0123456789", 13),
            rnd(seed + 2, ALNUM, 24)
        )
    }
    fn slack_webhook(seed: u64) -> String {
        format!(
            "https://hooks.slack.com/services/T{}/B{}/{}",
            rnd(seed, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 8),
            rnd(seed + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 10),
            rnd(seed + 2, ALNUM, 24)
        )
    }
    fn stripe_live(seed: u64) -> String {
        format!("{}{}", "sk_live_", rnd(seed, ALNUM, 24))
    }
    fn stripe_test(seed: u64) -> String {
        format!("{}{}", "sk_test_", rnd(seed, ALNUM, 24))
    }
    fn google(seed: u64) -> String {
        format!("{}{}", "AIza", rnd(seed, B64URL, 35))
    }
    fn openai_proj(seed: u64) -> String {
        format!("{}{}", "sk-proj-", rnd(seed, B64URL, 60))
    }
    fn openai_legacy(seed: u64) -> String {
        format!("{}{}", "sk-", rnd(seed, ALNUM, 48))
    }
    fn anthropic(seed: u64) -> String {
        format!("{}{}AA", "sk-ant-api03-", rnd(seed, B64URL, 93))
    }
    fn npm(seed: u64) -> String {
        format!("{}{}", "npm_", rnd(seed, ALNUM, 36))
    }
    fn pypi(seed: u64) -> String {
        format!("{}{}", "pypi-AgEIcHlwaS5vcmc", rnd(seed, B64URL, 70))
    }
    fn sendgrid(seed: u64) -> String {
        format!(
            "{}{}.{}",
            "SG.",
            rnd(seed, B64URL, 22),
            rnd(seed + 1, B64URL, 43)
        )
    }
    fn twilio(seed: u64) -> String {
        format!("{}{}", "SK", rnd(seed, HEX, 32))
    }
    fn jwt(seed: u64) -> String {
        format!(
            "{}.{}{}.{}",
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
            "eyJ",
            rnd(seed, B64URL, 40),
            rnd(seed + 1, B64URL, 43)
        )
    }
    fn pem(seed: u64, label: &str) -> String {
        let body: Vec<String> = (0..5).map(|i| rnd(seed + i, B64, 64)).collect();
        format!(
            "-----BEGIN {label}-----\n{}\n-----END {label}-----",
            body.join("\n")
        )
    }

    fn scanner() -> &'static Scanner {
        Scanner::builtin()
    }

    fn is_kebab_case(id: &str) -> bool {
        id.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
    }

    /// Asserts that `secret` (which occurs once in `text`) is found exactly as one match of
    /// `kind`, and that redaction removes it and keeps everything else.
    fn assert_found(text: &str, secret: &str, kind: &str) {
        let start = text.find(secret).expect("secret in text");
        let spec = builtin_specs()
            .into_iter()
            .find(|s| s.id == kind)
            .expect("known kind");
        let lower = text.to_ascii_lowercase();
        assert!(
            spec.keywords
                .iter()
                .any(|k| lower.contains(&k.to_ascii_lowercase())),
            "no keyword of {kind} in {text:?}"
        );
        let matches = scanner().scan(text);
        assert!(
            matches
                .iter()
                .any(|m| m.kind == kind && m.start == start && m.end == start + secret.len()),
            "expected {kind} at {start}..{} in {text:?}, got {matches:?}",
            start + secret.len()
        );
        let redacted = scanner().redact(text);
        assert!(!redacted.contains(secret), "secret left in {redacted:?}");
        let expected = format!(
            "{}{}{}",
            &text[..start],
            redaction_marker(kind),
            &text[start + secret.len()..]
        );
        assert_eq!(redacted, expected);
    }

    fn assert_clean(text: &str) {
        let matches = scanner().scan(text);
        assert!(
            matches.is_empty(),
            "unexpected matches in {text:?}: {matches:?}"
        );
        assert!(matches!(scanner().redact(text), Cow::Borrowed(_)));
    }

    fn kinds(text: &str) -> Vec<String> {
        scanner().scan(text).into_iter().map(|m| m.kind).collect()
    }

    #[test]
    fn builtin_regexes_all_compile() {
        for spec in builtin_specs() {
            assert!(
                Regex::new(&spec.regex).is_ok(),
                "{} does not compile",
                spec.id
            );
            assert!(is_kebab_case(&spec.id), "{} is not kebab-case", spec.id);
            assert!(!spec.keywords.is_empty(), "{} has no keywords", spec.id);
        }
        assert_eq!(scanner().patterns().len(), builtin_specs().len());
        assert!(scanner().gate.is_some());
        assert!(scanner().named.is_some());
        assert!(marker_regex().is_some());
    }

    #[test]
    fn builtin_pattern_list() {
        let ids: Vec<&str> = scanner().patterns().into_iter().map(|(id, _)| id).collect();
        for id in [
            "aws-access-key-id",
            "aws-secret-access-key",
            "github-token",
            "gitlab-token",
            "slack-token",
            "slack-webhook",
            "stripe-secret-key",
            "stripe-test-key",
            "google-api-key",
            "openai-api-key",
            "anthropic-api-key",
            "npm-token",
            "pypi-token",
            "sendgrid-api-key",
            "twilio-api-key",
            "private-key",
            "jwt",
            "connection-string",
            "password-assignment",
            "generic-high-entropy",
        ] {
            assert!(ids.contains(&id), "missing {id}");
        }
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), ids.len(), "duplicate ids");
        assert!(scanner().patterns().iter().all(|(_, d)| !d.is_empty()));
    }

    #[test]
    fn entropy() {
        assert_eq!(shannon_entropy(""), 0.0);
        assert_eq!(shannon_entropy("aaaaaaaa"), 0.0);
        assert!((shannon_entropy("ab") - 1.0).abs() < 1e-9);
        assert!((shannon_entropy("abcd") - 2.0).abs() < 1e-9);
        assert!((shannon_entropy("0123456789abcdef") - 4.0).abs() < 1e-9);
        assert!(shannon_entropy(&rnd(7, HEX, 64)) > 3.5);
        assert!(shannon_entropy(&rnd(7, B64, 40)) > 4.5);
        assert!(shannon_entropy("passwordpassword") < 3.0);
    }

    #[test]
    fn aws_access_key_id() {
        let key = aws_key_id(1);
        assert_found(
            &format!("aws_access_key_id = {key}\n"),
            &key,
            "aws-access-key-id",
        );
        let example = ["AKIA", "IOSFODNN7EXAMPLE"].concat();
        assert_found(&format!("id: {example}"), &example, "aws-access-key-id");
        assert_clean("key: AKIAEXAMPLE");
        assert_clean(&format!("key: {}", ["AKIA", "iosfodnn7example"].concat()));
        assert_clean(&format!("x{key}"));
        assert_clean("AKIAAAAAAAAAAAAAAAAA");
        assert_clean(&["AKIA", "ABABABABABABABAB"].concat());
        // Random ids whose entropy is under 3 bits/char (the prefix repeats `A`): still found.
        for id in [
            ["AKIA", "ABKAPCIBA7QYAA7L"].concat(),
            ["AKIA", "OWII6AOEIZOK33I3"].concat(),
        ] {
            assert!(shannon_entropy(&id) < 3.0);
            assert_found(
                &format!("aws_access_key_id = {id}\n"),
                &id,
                "aws-access-key-id",
            );
        }
    }

    #[test]
    fn aws_secret_access_key() {
        let secret = aws_secret(2);
        assert_found(
            &format!("aws_secret_access_key = {secret}\n"),
            &secret,
            "aws-secret-access-key",
        );
        assert_found(
            &format!("export AWS_SECRET_ACCESS_KEY=\"{secret}\""),
            &secret,
            "aws-secret-access-key",
        );
        assert_found(
            &format!("{{\"SecretAccessKey\": \"{secret}\"}}"),
            &secret,
            "aws-secret-access-key",
        );
        assert_found(
            &format!("AWS_SECRET: {secret}"),
            &secret,
            "aws-secret-access-key",
        );
        assert_clean("aws_secret_access_key = ${AWS_SECRET_ACCESS_KEY}");
        assert_clean(&format!("value {secret} alone"));
        assert_clean(&format!("aws_secret_access_key = {}", "a".repeat(40)));
    }

    #[test]
    fn github_token() {
        let token = github(3);
        assert_found(&format!("GITHUB_TOKEN={token}"), &token, "github-token");
        let pat = github_pat(4);
        assert_eq!(pat.len(), 93);
        assert_found(&format!("token: \"{pat}\""), &pat, "github-token");
        assert_clean("ghp_abc123");
        assert_clean(&format!("ghp_{}", "x".repeat(36)));
        assert_clean(&format!("ghp_{}", rnd(3, ALNUM, 35)));
    }

    #[test]
    fn gitlab_token() {
        let token = gitlab(5);
        assert_found(
            &format!("git clone https://oauth2@gitlab.com -c {token}"),
            &token,
            "gitlab-token",
        );
        assert_clean("glpat-short123");
    }

    #[test]
    fn slack_token_and_webhook() {
        let token = slack(6);
        assert_found(&format!("SLACK=\"{token}\""), &token, "slack-token");
        assert_clean("SLACK_BOT_TOKEN: xoxb-your-bot-token-here");
        assert_clean("xoxb-123");
        let hook = slack_webhook(7);
        assert_found(
            &format!("curl -X POST {hook} -d @msg.json"),
            &hook,
            "slack-webhook",
        );
        assert_clean(&format!(
            "url: https://hooks.slack.com/services/T00000000/B00000000/{}",
            "X".repeat(24)
        ));
        assert_clean("see https://hooks.slack.com/services/ for details");
    }

    #[test]
    fn stripe_keys() {
        let live = stripe_live(8);
        assert_found(
            &format!("Stripe.api_key = '{live}'"),
            &live,
            "stripe-secret-key",
        );
        let restricted = format!("{}{}", "rk_live_", rnd(9, ALNUM, 30));
        assert_found(
            &format!("key {restricted}"),
            &restricted,
            "stripe-secret-key",
        );
        let test = stripe_test(10);
        assert_found(&format!("STRIPE={test}"), &test, "stripe-test-key");
        assert_clean("sk_live_abc");
        assert_clean("pk_live_1234567890abcdefghijklmn is public");
    }

    #[test]
    fn google_api_key() {
        let key = google(11);
        assert_found(&format!("maps?key={key}&q=x"), &key, "google-api-key");
        assert_clean("AIzaSyShort123");
        assert_clean(&format!("{key}ABCDEF"));
    }

    #[test]
    fn openai_api_key() {
        let key = openai_proj(12);
        assert_found(&format!("OPENAI_API_KEY={key}"), &key, "openai-api-key");
        let legacy = openai_legacy(13);
        assert_found(
            &format!("Authorization: Bearer {legacy}"),
            &legacy,
            "openai-api-key",
        );
        assert_clean("pip install scikit-learn sk-learn task-runner disk-usage");
        assert_clean("sk-proj-some-long-project-name-here");
        assert_clean("sk-1234");
    }

    #[test]
    fn anthropic_api_key() {
        let key = anthropic(14);
        assert_found(
            &format!("export ANTHROPIC_API_KEY={key}"),
            &key,
            "anthropic-api-key",
        );
        assert_eq!(kinds(&key), vec!["anthropic-api-key".to_owned()]);
        assert_clean("sk-ant-api03-short");
    }

    #[test]
    fn npm_and_pypi_tokens() {
        let npm = npm(15);
        assert_found(
            &format!("//registry.npmjs.org/:_authToken={npm}\n"),
            &npm,
            "npm-token",
        );
        assert_clean("npm_config_registry=https://registry.npmjs.org");
        let pypi = pypi(16);
        assert_found(&format!("password = {pypi}"), &pypi, "pypi-token");
        assert_clean("username = __token__\nprefix pypi-AgEIcHlwaS5vcmc only");
    }

    #[test]
    fn sendgrid_and_twilio() {
        let key = sendgrid(17);
        assert_found(&format!("SENDGRID={key}"), &key, "sendgrid-api-key");
        assert_clean("msg.len() SG.abc.def");
        let tw = twilio(18);
        assert_found(&format!("twilio {tw} ok"), &tw, "twilio-api-key");
        assert_clean(&format!("md5 {}", rnd(18, HEX, 32)));
        assert_clean(&format!("SK{}", rnd(18, HEX, 31)));
        assert_clean("task skip ask disk SKU-1234");
    }

    #[test]
    fn private_key_blocks() {
        let rsa = pem(19, "RSA PRIVATE KEY");
        let text = format!("config:\n  key: |\n{rsa}\nafter: true\n");
        assert_found(&text, &rsa, "private-key");
        let redacted = scanner().redact(&text);
        assert_eq!(
            redacted,
            "config:\n  key: |\n[REDACTED:private-key]\nafter: true\n"
        );
        for line in rsa.lines() {
            assert!(!redacted.contains(line));
        }
        for label in [
            "PRIVATE KEY",
            "EC PRIVATE KEY",
            "OPENSSH PRIVATE KEY",
            "ENCRYPTED PRIVATE KEY",
            "DSA PRIVATE KEY",
        ] {
            let block = pem(20, label);
            assert_found(&format!("x\n{block}\ny"), &block, "private-key");
        }
        let pgp = format!(
            "-----BEGIN PGP PRIVATE KEY BLOCK-----\nVersion: GnuPG v2\n\n{}\n-----END PGP PRIVATE KEY BLOCK-----",
            rnd(21, B64, 64)
        );
        assert_found(&format!("{pgp}\n"), &pgp, "private-key");
        // No END line: to the end of the text.
        let truncated = format!(
            "-----BEGIN RSA PRIVATE KEY-----\n{}\n{}",
            rnd(22, B64, 64),
            rnd(23, B64, 30)
        );
        let text = format!("cat <<EOF\n{truncated}");
        let m = scanner().scan(&text);
        assert_eq!(m.len(), 1);
        assert_eq!((m[0].start, m[0].end, m[0].line), (10, text.len(), 2));
        // JSON-escaped, on one line.
        let escaped = format!(
            "-----BEGIN PRIVATE KEY-----\\n{}\\n{}\\n-----END PRIVATE KEY-----\\n",
            rnd(24, B64, 64),
            rnd(25, B64, 20)
        );
        let json =
            format!("{{\"type\": \"service_account\", \"private_key\": \"{escaped}\", \"x\": 1}}");
        let redacted = scanner().redact(&json);
        assert!(!redacted.contains(&rnd(24, B64, 64)));
        assert!(redacted.ends_with("\", \"x\": 1}"), "{redacted}");
        // Look-alikes.
        assert_clean(&format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----",
            rnd(26, B64, 64)
        ));
        assert_clean("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----");
        assert_clean("const HEADER: &str = \"-----BEGIN PRIVATE KEY-----\";\nfn parse() {}\n");
        assert_clean("-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----");
    }

    #[test]
    fn jwt_tokens() {
        let token = jwt(27);
        assert_found(&format!("Authorization: Bearer {token}\n"), &token, "jwt");
        assert_clean("prefix eyJhbGciOi alone");
        assert_clean("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.");
    }

    #[test]
    fn connection_strings() {
        assert_found(
            "DATABASE_URL=postgres://app:s3cr3tPass@db:5432/app",
            "s3cr3tPass",
            "connection-string",
        );
        assert_found(
            "mongodb+srv://admin:Tr0ub4dor@cluster0.mongodb.net/db",
            "Tr0ub4dor",
            "connection-string",
        );
        assert_found(
            "redis://:hunter42@cache:6379/0",
            "hunter42",
            "connection-string",
        );
        assert_found(
            "amqps://svc:p@ss:w0rd@mq.internal/vhost",
            "p@ss:w0rd",
            "connection-string",
        );
        assert_found(
            "git remote add origin https://deploy:r4nd0mT0k3n@git.corp.internal/x.git",
            "r4nd0mT0k3n",
            "connection-string",
        );
        assert_found(
            "jdbc:sqlserver://sa:Yuk0nPass1@sql:1433",
            "Yuk0nPass1",
            "connection-string",
        );
        assert_found(
            "git clone ssh://deploy:S3cr3tPw@git.corp.internal/repo.git",
            "S3cr3tPw",
            "connection-string",
        );
        assert_found(
            "curl -x socks5h://proxy:pr0xyPw@proxy.corp:1080 https://x.internal",
            "pr0xyPw",
            "connection-string",
        );
        assert_found(
            "ldapsearch -H ldaps://cn=admin:LdapPw1@ldap.corp -b dc=corp",
            "LdapPw1",
            "connection-string",
        );
        let text = "url: postgres://app:s3cr3tPass@db/app";
        assert_eq!(
            scanner().redact(text),
            "url: postgres://app:[REDACTED:connection-string]@db/app"
        );
        assert_clean("postgres://user@host/db");
        assert_clean("postgres://user:${DB_PASSWORD}@host/db");
        assert_clean("mysql://root:password@localhost/test");
        assert_clean("amqp://guest:guest@localhost:5672");
        assert_clean("mongodb://user:<password>@cluster0.example.net");
        assert_clean("format!(\"postgres://{user}:{password}@{host}\")");
        assert_clean("https://example.com/a:b@c and http://host:8080/path");
        assert_clean("new URL('https://abc:xyz@example.com') http://u:s3cr3t@db.test/x");
        assert_clean("redis://foo:bar@somehost:6379/0");
    }

    #[test]
    fn password_assignments() {
        let text = r#"password = "hunter2hunter2""#;
        assert_eq!(
            scanner().redact(text),
            r#"password = "[REDACTED:password-assignment]""#
        );
        let cases = [
            ("DB_PASSWORD=hunter2hunter2", "hunter2hunter2"),
            ("export MYSQL_ROOT_PASSWORD='S3cure!Pass'", "S3cure!Pass"),
            (
                "{\"password\": \"Tr0ub4dor&3\", \"user\": \"bob\"}",
                "Tr0ub4dor&3",
            ),
            ("db:\n  password: s3cr3t-v4lue\n", "s3cr3t-v4lue"),
            (
                "mysql -u root --password=hunter2hunter2 db",
                "hunter2hunter2",
            ),
            ("psql --db-password \"p4ss-w0rd!\" -h x", "p4ss-w0rd!"),
            ("client_secret: 8f1c2d9e4b7a", "8f1c2d9e4b7a"),
            ("api_key = 'k3y-1234-abcd'", "k3y-1234-abcd"),
            ("ACCESS_TOKEN=abc123def456", "abc123def456"),
            ("token: str = \"t0k3n-v4lu3\"", "t0k3n-v4lu3"),
            ("let secret: &str = \"s3cr3t-v4lue\";", "s3cr3t-v4lue"),
            ("$conn->passwd => 'qwerty123456';", "qwerty123456"),
            ("private_key := \"pk-1234567890\"", "pk-1234567890"),
            (
                "password = \"correcthorsebatterystaple\"",
                "correcthorsebatterystaple",
            ),
            ("Server=db;Password=p4ssw0rd!;User Id=sa", "p4ssw0rd!"),
        ];
        for (text, secret) in cases {
            assert_found(text, secret, "password-assignment");
        }
        for text in [
            "password: changeme",
            "password = ${DB_PASSWORD}",
            "password: $DB_PASSWORD",
            "password: <your-password>",
            "password: \"********\"",
            "password: xxxxxxxxxx",
            "password = \"{{ vault_db_password }}\"",
            "token: ${{ secrets.GITHUB_TOKEN }}",
            "password = vault:secret/data/db#password",
            "password: env:DB_PASSWORD",
            "password: secret:db-password",
            "password: REDACTED",
            "password: [REDACTED:password-assignment]",
            "password = \"[REDACTED:password-assignment]\"",
            "password: your_password_here",
            "password = \"example-password-1\"",
            "password: placeholder123",
            "password = self.password",
            "password = os.getenv(\"DB_PASSWORD\")",
            "token: CancellationToken,",
            "password: Option<SecretString>,",
            "password: required",
            "\"password\": \"Password\"",
            "\"password\": \"Password must be at least 8 characters\"",
            "\"token\": \"refresh_token\"",
            "\"password\": \"auth.password.label\"",
            "api_key = API_KEY_2",
            "PWD=/home/user/project",
            "password_min_length = 12345678",
            "password = \"short\"",
            "let token = \"{}\";",
            "password: !vault |",
            "token = f\"Bearer {token}\"",
        ] {
            assert_clean(text);
        }
    }

    #[test]
    fn generic_high_entropy() {
        let hex = rnd(28, HEX, 64);
        assert_found(
            &format!("SECRET_KEY_BASE={hex}\n"),
            &hex,
            "generic-high-entropy",
        );
        let b64 = rnd(29, B64URL, 32);
        assert_found(
            &format!("x-auth-header: \"Bearer {b64}\""),
            &b64,
            "generic-high-entropy",
        );
        let cred = rnd(30, B64, 44);
        assert_found(
            &format!("<credential value=\"{cred}\"/>")
                .replace("credential value", "credential_value"),
            &cred,
            "generic-high-entropy",
        );
        // a 40-char hex commit id alone, or under a name without key/secret/token
        let sha = rnd(31, HEX, 40);
        assert_clean(&format!("{sha}\n"));
        assert_clean(&format!("commit: {sha}"));
        assert_clean(&format!("cache_key: {}", "a".repeat(32)));
        assert_clean("key_path: config/production/settings2");
        assert_clean("monkey_name: my-service-account-2024");
        assert_clean("auth_url: https://login.example.com/oauth2/authorize");
        assert_clean(&format!("const pubkey256 = '{}=';", rnd(32, B64, 43)));
        assert_clean(&format!("signing_key_sha256: {}", rnd(33, HEX, 64)));
        assert_clean(&format!("public_api_key = \"pk-{}\"", rnd(34, ALNUM, 24)));
        assert_clean(&format!("\"passwordHash\": \"{}\"", rnd(35, B64, 40)));
        let vault = format!("hvs.{}", rnd(36, ALNUM, 24));
        assert_found(
            &format!("HASHICORP_VAULT_TOKEN={vault}"),
            &vault,
            "password-assignment",
        );
    }

    /// Base62 (`0-9A-Za-z`) of `n`, left-padded with `0` to 6 chars.
    fn base62_6(mut n: u32) -> String {
        const DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        let mut out = [b'0'; 6];
        for slot in out.iter_mut().rev() {
            *slot = DIGITS[(n % 62) as usize];
            n /= 62;
        }
        String::from_utf8(out.to_vec()).unwrap()
    }

    /// `prefix` + `random` + the CRC-32 of `random` in base62: a well-formed GitHub/npm token.
    fn with_checksum(prefix: &str, random: &str) -> String {
        format!("{prefix}{random}{}", base62_6(crc32(random.as_bytes())))
    }

    #[test]
    fn crc32_reference_values() {
        assert_eq!(crc32(b""), 0);
        assert_eq!(crc32(b"a"), 0xE8B7_BE43);
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(
            crc32(b"The quick brown fox jumps over the lazy dog"),
            0x414F_A339
        );
        assert_eq!(base62_6(0), "000000");
        assert_eq!(base62_6(u32::MAX), "4gfFC3");
    }

    #[test]
    fn provider_checksum_scheme() {
        // The example token of the format's public description (base62-token, "GitHub Token
        // Breakdown"): the checksum covers the 30 random chars, not the prefix.
        let random = ["zQWBuTSOoRi4", "A9spHcVY5ncnsDkxkJ"].concat();
        let example = ["ghp_", &random, "0mLq17"].concat();
        assert_eq!(base62_6(crc32(random.as_bytes())), "0mLq17");
        assert_ne!(
            base62_6(crc32(["ghp_", &random].concat().as_bytes())),
            "0mLq17"
        );
        assert!(base62_crc32_token(&example));
        let m = scanner().scan(&format!("GH_TOKEN={example}"));
        assert_eq!(m.len(), 1);
        assert_eq!((m[0].kind.as_str(), m[0].verified), ("github-token", true));
        // Padding: a checksum below 62^5 starts with `0`.
        let padded = (0u64..)
            .map(|seed| rnd(seed, ALNUM, 30))
            .find(|r| crc32(r.as_bytes()) < 62u32.pow(5))
            .unwrap();
        assert!(base62_crc32_token(&with_checksum("gho_", &padded)));
        // Malformed.
        for bad in [
            "",
            "ghp_",
            &example[..39],
            &format!("{example}0"),
            &example.replace('_', "-"),
            &format!("{}!{}", &example[..10], &example[11..]),
        ] {
            assert!(!base62_crc32_token(bad), "{bad}");
        }
    }

    #[test]
    fn checksummed_tokens_are_verified() {
        for (i, (prefix, kind)) in [
            ("ghp_", "github-token"),
            ("gho_", "github-token"),
            ("ghu_", "github-token"),
            ("ghs_", "github-token"),
            ("ghr_", "github-token"),
            ("npm_", "npm-token"),
        ]
        .into_iter()
        .enumerate()
        {
            let random = rnd(700 + i as u64, ALNUM, 30);
            let valid = with_checksum(prefix, &random);
            assert!(base62_crc32_token(&valid));
            // Wrong checksum: one char off, still token-shaped.
            let last = valid.as_bytes()[39];
            let other = if last == b'a' { 'b' } else { 'a' };
            let wrong = format!("{}{other}", &valid[..39]);
            assert!(!base62_crc32_token(&wrong));
            let text = format!("A={valid}\nB={wrong}\n");
            let m = scanner().scan(&text);
            assert_eq!(m.len(), 2, "{prefix}: {m:?}");
            assert_eq!((m[0].kind.as_str(), m[0].verified), (kind, true));
            assert_eq!((m[1].kind.as_str(), m[1].verified), (kind, false));
            assert_eq!(&text[m[0].start..m[0].end], valid);
            assert_eq!(&text[m[1].start..m[1].end], wrong);
            assert_eq!(m[1].line, 2);
            assert_found(&format!("token: \"{valid}\""), &valid, kind);
        }
        // A random 36-char tail: unverified (the odds of a valid CRC are 2^-32).
        let m = scanner().scan(&github(3));
        assert_eq!(m.len(), 1);
        assert!(!m[0].verified);
        // Fine-grained PATs and other kinds carry no checksum.
        let m = scanner().scan(&format!("{} {}", github_pat(4), aws_key_id(5)));
        assert_eq!(m.len(), 2);
        assert!(m.iter().all(|m| !m.verified));
    }

    #[test]
    fn checksum_overrides_the_heuristic_filters() {
        // Low diversity and placeholder-looking: dropped by the filters unless the checksum holds.
        for random in ["a".repeat(30), "x".repeat(30), "ab".repeat(15)] {
            for prefix in ["ghp_", "npm_"] {
                let valid = with_checksum(prefix, &random);
                assert!(check_token(&valid, 0, valid.len()).is_none(), "{valid}");
                let m = scanner().scan(&format!("x {valid} y"));
                assert_eq!(m.len(), 1, "{valid}");
                assert!(m[0].verified);
                let wrong = format!("{prefix}{random}{}", "a".repeat(6));
                assert!(!base62_crc32_token(&wrong));
                assert_clean(&format!("x {wrong} y"));
            }
        }
    }

    #[test]
    fn cli_passwords() {
        let cases = [
            ("mysql -u root -pS3cretPassw0rd mydb", "S3cretPassw0rd"),
            (
                "mysqldump -uroot -p'S3cret!' --all-databases > dump.sql",
                "S3cret!",
            ),
            ("mysql --password=abc123 -h db", "abc123"),
            ("mariadb -h db -pZx9q -e 'select 1'", "Zx9q"),
            ("curl -u user:p4ssw0rd https://api.internal/x", "p4ssw0rd"),
            ("curl --user admin:hunter2 https://x.internal", "hunter2"),
            (
                "curl -s -X POST https://x.internal -u 'deploy:S3cr3t' -d @f",
                "S3cr3t",
            ),
            ("curl --user=bob:pa55 https://x.internal", "pa55"),
            ("curl -ubob:pa55w https://x.internal", "pa55w"),
            (
                "curl -x http://proxy:3128 -U proxyuser:pr0xyPw https://x.internal",
                "pr0xyPw",
            ),
            (
                "curl \\\n  -H 'Accept: application/json' \\\n  -u ci:Tok3nValue \\\n  https://x.internal",
                "Tok3nValue",
            ),
            ("sshpass -p 'Sup3r$ecret' ssh deploy@host", "Sup3r$ecret"),
            ("sshpass -pS3cret ssh host", "S3cret"),
            ("docker login -u ci -p dckr4Pass registry.corp", "dckr4Pass"),
            (
                "podman login quay.io --username ci --password=Qu4yPw",
                "Qu4yPw",
            ),
            ("redis-cli -h cache -a R3disPass ping", "R3disPass"),
            (
                "ldapsearch -x -D cn=admin,dc=corp -w LdapPw1 -b dc=corp",
                "LdapPw1",
            ),
            ("sqlcmd -S db -U sa -P \"Yuk0n!900\"", "Yuk0n!900"),
            (
                "openssl rsa -in key.pem -passin pass:K3yPass -out plain.pem",
                "K3yPass",
            ),
            ("PGPASSWORD=pgpw123 psql -h db -U app", "pgpw123"),
            ("MYSQL_PWD=abc123 mysql -u root", "abc123"),
            ("SSHPASS=hunter2 sshpass -e ssh host", "hunter2"),
            ("cd /srv && mysql -uapp -pQ7wErTy app < init.sql", "Q7wErTy"),
        ];
        for (text, secret) in cases {
            assert_found(text, secret, "cli-password");
        }
        // Long enough for a `name = value` assignment: reported once, under that kind.
        assert_found(
            "PGPASSWORD=s3cr3t-pass-2024 psql -h db",
            "s3cr3t-pass-2024",
            "password-assignment",
        );
        assert_found(
            "mysql -u root --password=hunter2hunter2 db",
            "hunter2hunter2",
            "password-assignment",
        );
        // Two commands on one line, two passwords.
        let text = "mysql -uroot -pF1rstPw db; curl -u u:S3condPw https://x.internal";
        let m = scanner().scan(text);
        assert_eq!(m.len(), 2, "{m:?}");
        assert_eq!(&text[m[0].start..m[0].end], "F1rstPw");
        assert_eq!(&text[m[1].start..m[1].end], "S3condPw");
        assert_eq!(m[1].column, text.find("S3condPw").unwrap() + 1);
        for text in [
            "mysql -p",
            "mysql -u root -p",
            "mysql -u root -p mydb",
            "mysql -u root -p\nSHOW DATABASES;",
            "mysql -h db -P 3306 -u app",
            "mysql -u root -p\"$MYSQL_ROOT_PASSWORD\" db",
            "mysql -u root -p${MYSQL_ROOT_PASSWORD}",
            "mysql -u root -p<password>",
            "# run mysql with -pYOURPASSWORD",
            "mysql -uroot -ppassword",
            "mysql://root@localhost/db -p x",
            "curl -u \"$USER:$PASS\" https://x.internal",
            "curl -u $CREDENTIALS https://x.internal",
            "curl -u user https://x.internal",
            "curl -u user: https://x.internal",
            "curl -u guest:guest https://x.internal",
            "curl -u \"ci:$(cat /run/secrets/pw)\" https://x.internal",
            "curl -u ci:`cat pw` https://x.internal",
            "curl --user-agent 'Mozilla/5.0 (X11; Linux x86_64)' https://x.internal",
            "curl -u user:${TOKEN} https://x.internal",
            "sshpass -f ~/.pw ssh host",
            "sshpass -e ssh host",
            "ssh -p 2222 host",
            "mkdir -p /tmp/x && cp -pr a b",
            "docker run -p 8080:80 nginx",
            "docker login -u ci --password-stdin < pw.txt",
            "docker login -u ci -p $REGISTRY_PASSWORD registry.corp",
            "redis-cli -h cache ping",
            "ldapsearch -x -W -D cn=admin,dc=corp",
            "openssl rsa -passin env:KEY_PW -in k.pem",
            "openssl rsa -passin file:pw.txt -in k.pem",
            "PGPASSWORD=$PGPW psql -h db",
            "PGPASSWORD=x psql -h db",
            "psql -U app -h db -p 5432",
            "git push -u origin main",
            "sort -u list.txt | uniq -c",
            "Use curl or wget; the user is prompted for a password.",
        ] {
            assert_clean(text);
        }
    }

    #[test]
    fn overlapping_matches_merge() {
        // Same range: the more specific pattern names it.
        let token = github(32);
        assert_eq!(
            kinds(&format!("token = \"{token}\"")),
            vec!["github-token".to_owned()]
        );
        // Nested: the union is redacted under the longer match's kind.
        let key = openai_legacy(33);
        let text = format!("password = \"prefix-{key}\"");
        let m = scanner().scan(&text);
        assert_eq!(m.len(), 1, "{m:?}");
        assert_eq!(m[0].kind, "password-assignment");
        assert_eq!(
            scanner().redact(&text),
            "password = \"[REDACTED:password-assignment]\""
        );
        // Partial overlap: union of the ranges.
        let merged = merge(vec![
            Span {
                start: 0,
                end: 10,
                pattern: 3,
                verified: false,
            },
            Span {
                start: 5,
                end: 30,
                pattern: 7,
                verified: false,
            },
            Span {
                start: 40,
                end: 45,
                pattern: 1,
                verified: false,
            },
        ]);
        assert_eq!(merged.len(), 2);
        assert_eq!(
            (merged[0].start, merged[0].end, merged[0].pattern),
            (0, 30, 7)
        );
        assert_eq!(
            (merged[1].start, merged[1].end, merged[1].pattern),
            (40, 45, 1)
        );
    }

    #[test]
    fn hundred_occurrences_each_reported() {
        type Gen = fn(u64) -> String;
        let gens: &[(&str, Gen)] = &[
            ("aws-access-key-id", aws_key_id),
            ("github-token", github),
            ("slack-token", slack),
            ("google-api-key", google),
            ("openai-api-key", openai_proj),
            ("npm-token", npm),
            ("sendgrid-api-key", sendgrid),
            ("twilio-api-key", twilio),
            ("jwt", jwt),
        ];
        for &(kind, generate) in gens {
            // One per line, at varying columns, with some non-ASCII before the secret.
            let mut text = String::new();
            let mut expected = Vec::new();
            for i in 0..100u64 {
                let secret = generate(1000 + i);
                let prefix = format!("é{} v{i} = ", "·".repeat((i % 7) as usize));
                expected.push((i as usize + 1, prefix.chars().count() + 1, secret.clone()));
                text.push_str(&prefix);
                text.push_str(&secret);
                text.push('\n');
            }
            let matches = scanner().scan(&text);
            assert_eq!(matches.len(), 100, "{kind}: {matches:?}");
            for (m, (line, column, secret)) in matches.iter().zip(&expected) {
                assert_eq!(m.kind, kind);
                assert_eq!((m.line, m.column), (*line, *column), "{kind}");
                assert_eq!(&text[m.start..m.end], secret);
            }
            let redacted = scanner().redact(&text);
            assert_eq!(redacted.matches(&redaction_marker(kind)).count(), 100);
            // All on one line.
            let secrets: Vec<String> = (0..100).map(|i| generate(5000 + i)).collect();
            let line = format!("x {}", secrets.join(" , "));
            let matches = scanner().scan(&line);
            assert_eq!(matches.len(), 100, "{kind} one line");
            let mut column = 3;
            for (m, secret) in matches.iter().zip(&secrets) {
                assert_eq!((m.line, m.column), (1, column));
                column += secret.chars().count() + 3;
            }
        }
        // Checksum-valid tokens: each verified, at its place.
        let tokens: Vec<String> = (0..100)
            .map(|i| with_checksum("ghp_", &rnd(9000 + i, ALNUM, 30)))
            .collect();
        let text: String = tokens
            .iter()
            .enumerate()
            .map(|(i, t)| format!("{}{t}\n", " ".repeat(i % 5)))
            .collect();
        let matches = scanner().scan(&text);
        assert_eq!(matches.len(), 100);
        for (i, (m, t)) in matches.iter().zip(&tokens).enumerate() {
            assert!(m.verified);
            assert_eq!((m.line, m.column), (i + 1, i % 5 + 1));
            assert_eq!(&text[m.start..m.end], t);
        }
        // Command-line passwords, several per line.
        let text: String = (0..50)
            .map(|i| format!("mysql -uroot -pPw{i:04}x db; curl -u ci:Tk{i:04}y https://h\n"))
            .collect();
        let matches = scanner().scan(&text);
        assert_eq!(matches.len(), 100, "{matches:?}");
        for (k, m) in matches.iter().enumerate() {
            assert_eq!(m.kind, "cli-password");
            assert_eq!(m.line, k / 2 + 1);
            assert_eq!(m.column, if k % 2 == 0 { 16 } else { 39 });
        }
        // Names with values, and private key blocks.
        let text: String = (0..100)
            .map(|i| format!("DB{i}_PASSWORD=v4lue-{i:04}-x\n"))
            .collect();
        assert_eq!(scanner().scan(&text).len(), 100);
        let text: String = (0..100)
            .map(|i| format!("postgres://u:pw{i:05}@h/db\n"))
            .collect();
        assert_eq!(scanner().scan(&text).len(), 100);
        let text: String = (0..100)
            .map(|i| format!("{}\n", pem(i, "EC PRIVATE KEY")))
            .collect();
        let matches = scanner().scan(&text);
        assert_eq!(matches.len(), 100);
        assert!(
            matches
                .iter()
                .enumerate()
                .all(|(i, m)| m.line == i * 7 + 1 && m.column == 1)
        );
    }

    #[test]
    fn redaction_keeps_context_and_is_idempotent() {
        let gh = github(40);
        let aws = aws_key_id(41);
        let text = format!(
            "#!/bin/sh\nexport GH={gh}\ncurl -H 'X-Key: {aws}' https://api.example.com\necho done ✓\n"
        );
        let once = scanner().redact(&text).into_owned();
        assert_eq!(
            once,
            "#!/bin/sh\nexport GH=[REDACTED:github-token]\ncurl -H 'X-Key: [REDACTED:aws-access-key-id]' https://api.example.com\necho done ✓\n"
        );
        for secret in [&gh, &aws] {
            assert!(!once.contains(secret.as_str()));
            assert!(!once.contains(&secret[secret.len() - 8..]));
        }
        assert_eq!(scanner().redact(&once), once);
        assert!(matches!(scanner().redact(&once), Cow::Borrowed(_)));
        assert!(
            scanner()
                .scan("[REDACTED:password-assignment] [REDACTED:private-key]")
                .is_empty()
        );
        assert!(!scanner().contains_secret(&once));
        assert!(scanner().contains_secret(&text));
        assert!(scanner().scan("").is_empty());
    }

    #[test]
    fn custom_patterns() {
        let spec = PatternSpec {
            id: "acme-token".into(),
            regex: r"acme_tok=(?P<secret>[a-z0-9]{16})".into(),
            description: "ACME internal token".into(),
            keywords: vec!["ACME_TOK".into()],
        };
        let scanner = Scanner::with_custom(std::slice::from_ref(&spec)).unwrap();
        assert!(
            scanner
                .patterns()
                .contains(&("acme-token", "ACME internal token"))
        );
        assert_eq!(scanner.patterns().len(), builtin_specs().len() + 1);
        let gh = github(42);
        let text = format!("a acme_tok=0123456789abcdef b\nc {gh}");
        let m = scanner.scan(&text);
        assert_eq!(m.len(), 2);
        assert_eq!(
            (m[0].kind.as_str(), m[0].start, m[0].end),
            ("acme-token", 11, 27)
        );
        assert_eq!(m[1].kind, "github-token");
        assert_eq!(
            scanner.redact(&text),
            "a acme_tok=[REDACTED:acme-token] b\nc [REDACTED:github-token]"
        );
        assert_eq!(
            scanner.redact(&scanner.redact(&text)),
            scanner.redact(&text)
        );
        // Keywords gate the pattern; without keywords it always runs, whole match redacted.
        let always = PatternSpec {
            id: "internal-host".into(),
            regex: r"db\d+\.corp\b".into(),
            description: String::new(),
            keywords: vec![],
        };
        let scanner = Scanner::with_custom(&[always]).unwrap();
        assert_eq!(
            scanner.redact("ssh db12.corp"),
            "ssh [REDACTED:internal-host]"
        );
        // Errors name the id.
        let bad = PatternSpec {
            regex: "acme_(".into(),
            ..spec.clone()
        };
        let err = Scanner::with_custom(&[bad]).unwrap_err();
        assert!(err.contains("acme-token") && err.contains("regex"), "{err}");
        let dotted = PatternSpec {
            id: "acme_token.v2".into(),
            ..spec.clone()
        };
        let scanner = Scanner::with_custom(&[dotted]).unwrap();
        let once = scanner.redact("x acme_tok=0123456789abcdef y").into_owned();
        assert_eq!(once, "x acme_tok=[REDACTED:acme_token.v2] y");
        assert_eq!(scanner.redact(&once), once);
        let bad_id = PatternSpec {
            id: "Acme Token".into(),
            ..spec.clone()
        };
        assert!(
            Scanner::with_custom(&[bad_id])
                .unwrap_err()
                .contains("Acme Token")
        );
        let dup = PatternSpec {
            id: "jwt".into(),
            ..spec.clone()
        };
        assert!(Scanner::with_custom(&[dup]).unwrap_err().contains("jwt"));
        let empty = PatternSpec {
            id: "empty-match".into(),
            regex: "x*".into(),
            ..spec
        };
        assert!(
            Scanner::with_custom(&[empty])
                .unwrap_err()
                .contains("empty-match")
        );
    }

    #[test]
    fn custom_keywords_gate_the_pattern() {
        let spec = PatternSpec {
            id: "acme-account".into(),
            regex: r"\b[0-9]{16}\b".into(),
            description: "ACME account number".into(),
            keywords: vec!["acme".into()],
        };
        let scanner = Scanner::with_custom(&[spec]).unwrap();
        assert!(scanner.scan("order 1234567890123456").is_empty());
        let m = scanner.scan("Acme order 1234567890123456");
        assert_eq!(m.len(), 1);
        assert_eq!(
            (m[0].kind.as_str(), m[0].start, m[0].line, m[0].column),
            ("acme-account", 11, 1, 12)
        );
    }

    #[test]
    fn crlf_and_unicode_text() {
        let text = "user=bob\r\nDB_PASSWORD=hunter2hunter2\r\nnext=1\r\n";
        assert_eq!(
            scanner().redact(text),
            "user=bob\r\nDB_PASSWORD=[REDACTED:password-assignment]\r\nnext=1\r\n"
        );
        let gh = github(60);
        let text = format!("# überprüfen 🔑\nclé = «{gh}»\n");
        let m = scanner().scan(&text);
        assert_eq!(m.len(), 1);
        assert_eq!((m[0].line, m[0].column), (2, 8));
        assert_eq!(&text[m[0].start..m[0].end], gh);
    }

    #[test]
    fn scanner_is_shareable() {
        fn assert_send_sync<T: Send + Sync + Clone + std::fmt::Debug>() {}
        assert_send_sync::<Scanner>();
        assert!(format!("{:?}", scanner()).contains("github-token"));
    }

    #[test]
    fn redact_borrows_clean_text() {
        let text = "fn main() {\n    let key = map.get(&name);\n    show(&key);\n}\n";
        assert!(matches!(scanner().redact(text), Cow::Borrowed(t) if t == text));
    }

    fn fragment() -> impl Strategy<Value = String> {
        prop_oneof![
            (0u64..50).prop_map(github),
            (0u64..50).prop_map(aws_key_id),
            (0u64..50).prop_map(jwt),
            (0u64..50).prop_map(slack),
            (0u64..50).prop_map(openai_legacy),
            (0u64..50).prop_map(twilio),
            (0u64..50).prop_map(|s| pem(s, "RSA PRIVATE KEY")),
            Just("-----BEGIN PRIVATE KEY-----\n".to_owned()),
            Just("-----END PRIVATE KEY-----".to_owned()),
            Just("password".to_owned()),
            Just("DB_PASSWORD=".to_owned()),
            Just("api_key: ".to_owned()),
            Just("secret_key = ".to_owned()),
            Just("--token ".to_owned()),
            Just("postgres://u:".to_owned()),
            Just("@host/db".to_owned()),
            Just("[REDACTED:github-token]".to_owned()),
            Just("[REDACTED:".to_owned()),
            Just("]".to_owned()),
            Just("\"".to_owned()),
            Just("'".to_owned()),
            Just("\n".to_owned()),
            Just(" = ".to_owned()),
            Just(": ".to_owned()),
            "[a-zA-Z0-9+/=_.:@-]{0,24}",
            "\\PC{0,6}",
        ]
    }

    fn composed() -> impl Strategy<Value = String> {
        prop::collection::vec(fragment(), 0..16).prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn scan_never_panics_and_ranges_are_valid(text in any::<String>()) {
            let matches = scanner().scan(&text);
            let mut previous_end = 0;
            for m in &matches {
                prop_assert!(m.start < m.end && m.end <= text.len());
                prop_assert!(text.is_char_boundary(m.start) && text.is_char_boundary(m.end));
                prop_assert!(m.start >= previous_end);
                prop_assert!(m.line >= 1 && m.column >= 1);
                previous_end = m.end;
            }
        }

        #[test]
        fn composed_text_ranges_are_valid(text in composed()) {
            let matches = scanner().scan(&text);
            let mut previous_end = 0;
            for m in &matches {
                prop_assert!(m.start < m.end && m.end <= text.len());
                prop_assert!(text.is_char_boundary(m.start) && text.is_char_boundary(m.end));
                prop_assert!(m.start >= previous_end);
                let line = text[..m.start].matches('\n').count() + 1;
                let line_start = text[..m.start].rfind('\n').map_or(0, |i| i + 1);
                prop_assert_eq!(m.line, line);
                prop_assert_eq!(m.column, text[line_start..m.start].chars().count() + 1);
                previous_end = m.end;
            }
        }

        #[test]
        fn redaction_is_idempotent(text in composed()) {
            let once = scanner().redact(&text).into_owned();
            let twice = scanner().redact(&once).into_owned();
            prop_assert_eq!(&twice, &once);
        }

        #[test]
        fn redaction_is_idempotent_on_arbitrary_text(text in any::<String>()) {
            let once = scanner().redact(&text).into_owned();
            prop_assert_eq!(scanner().redact(&once).into_owned(), once);
        }

        #[test]
        fn redaction_removes_embedded_tokens(seed in 0u64..10_000, before in "[ a-z=:\n]{0,10}", after in "[ ,;\n]{0,5}") {
            let token = github(seed);
            let text = format!("{before} {token}{after}");
            let redacted = scanner().redact(&text);
            prop_assert!(!redacted.contains(&token));
        }
    }

    /// The plain reference: every pattern's regex on the whole text, no gate, no keyword pass.
    fn reference() -> Scanner {
        Scanner {
            patterns: scanner().patterns.clone(),
            gate: None,
            named: None,
            custom: None,
        }
    }

    fn named_fragment() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("password".to_owned()),
            Just("DB_PASSWORD".to_owned()),
            Just("aws_secret_access_key".to_owned()),
            Just("client_secret".to_owned()),
            Just("SECRET_KEY_BASE".to_owned()),
            Just("x-auth-token".to_owned()),
            Just("--password".to_owned()),
            Just("--db-token".to_owned()),
            Just("api_key".to_owned()),
            Just("monkey".to_owned()),
            Just("credentials".to_owned()),
            Just(": str =".to_owned()),
            Just("=".to_owned()),
            Just(":".to_owned()),
            Just(" = ".to_owned()),
            Just(": ".to_owned()),
            Just(" => ".to_owned()),
            Just(" ".to_owned()),
            Just("\"".to_owned()),
            Just("'".to_owned()),
            Just("\n".to_owned()),
            Just("${X}".to_owned()),
            Just("Bearer ".to_owned()),
            (0u64..40).prop_map(|s| rnd(s, HEX, 40)),
            (0u64..40).prop_map(|s| rnd(s, B64, 40)),
            (0u64..40).prop_map(|s| rnd(s, ALNUM, 12)),
            "[a-zA-Z0-9+/=_.:@!-]{0,16}",
            "\\PC{0,4}",
        ]
    }

    fn assert_covers_reference(text: &str) -> Result<(), TestCaseError> {
        let fast = scanner().spans(text);
        let slow = reference().spans(text);
        for span in &slow {
            prop_assert!(
                fast.iter()
                    .any(|f| f.start <= span.start && span.end <= f.end),
                "reference span {:?} ({:?}) not covered in {:?}: {:?}",
                span,
                &text[span.start..span.end],
                text,
                fast
            );
        }
        Ok(())
    }

    #[test]
    fn reference_scanner_agrees_on_examples() {
        let gh = github(50);
        let text = format!(
            "DB_PASSWORD=hunter2hunter2\nx--password notaflag1\ntoken = \"{gh}\"\n{}\n",
            pem(51, "RSA PRIVATE KEY")
        );
        let fast: Vec<(usize, usize)> = scanner()
            .spans(&text)
            .iter()
            .map(|s| (s.start, s.end))
            .collect();
        let slow: Vec<(usize, usize)> = reference()
            .spans(&text)
            .iter()
            .map(|s| (s.start, s.end))
            .collect();
        assert_eq!(fast, slow);
        assert_eq!(fast.len(), 3);
    }

    fn found(text: &str) -> Vec<&str> {
        scanner()
            .scan(text)
            .iter()
            .map(|m| &text[m.start..m.end])
            .collect()
    }

    /// Shrunk from `fast_path_covers_reference_on_names`: a rejected match that ends right
    /// before a `--flag` leaves the whole-text regex no byte before the `--`, so it reads the
    /// flag as a name with a separator; the anchored regex, whose `^` holds there, read it
    /// as a flag whose value is the separator, rejected, and missed the secret. Then cases
    /// where `separator_follows` ruled out the reading the reference takes.
    #[test]
    fn fast_path_finds_the_reference_readings_of_flags_and_separators() {
        for (text, secret) in [
            // The shrunk case: `password: str =''` is rejected (empty value).
            (
                "password: str =''--password => 3jaon4KOBRWz",
                "3jaon4KOBRWz",
            ),
            // The first name is never searched (empty quotes fail `separator_follows`).
            ("password=''--password => 3jaon4KOBRWz", "3jaon4KOBRWz"),
            // Other keywords and separators, two names before the flag.
            ("api_key=\"x\"--secret = Zq8vN3kLp0wR", "Zq8vN3kLp0wR"),
            (
                "a=1 secret: str = ''--api-key => 9fJ2kLm4Qx8z",
                "9fJ2kLm4Qx8z",
            ),
            (
                "pwd: str ='', token=''--db-token : 7Hq2xLw9Kp4z",
                "7Hq2xLw9Kp4z",
            ),
            // A flag whose value starts with `:` (`separator_follows` saw only the `name:`
            // reading, then a `$`); `==` is `=` and a value starting with `=`.
            ("--password :$--password", ":$--password"),
            ("x --token :$zQ81kd0Lx7", ":$zQ81kd0Lx7"),
            ("password==$abcdefgh12", "=$abcdefgh12"),
            // The flag reading's value (`:A1B2C3D4E5`) is accepted, but it is not the one
            // the whole text finds.
            (
                "token='x'--password :A1B2C3D4E5 = abc12345678xyz",
                "abc12345678xyz",
            ),
        ] {
            assert_covers_reference(text).unwrap();
            let found = found(text);
            assert!(found.contains(&secret), "{text:?}: {found:?}");
        }
        // After a blank the whole text reads a flag, like the anchored regex; the reading as
        // a name is reported too (the whole text takes `=` for the value and finds nothing).
        assert_eq!(found("x --password = abc12345678"), ["abc12345678"]);
        assert_eq!(found("x --password hunter2hunter2"), ["hunter2hunter2"]);
        assert_eq!(found("--password = abc12345678"), Vec::<&str>::new());
    }

    #[test]
    fn named_regexes_see_the_same_context_in_a_line() {
        use regex_syntax::hir::{Look, LookSet};
        // The keyword pass runs them on `text[w..line_end]`: the only assertions they may use
        // are `^`, which `AnchoredForms` deals with, and `(?m:$)`, which holds at `line_end`
        // in the slice as in the whole text.
        let allowed = LookSet::empty().insert(Look::Start).insert(Look::EndLF);
        for b in BUILTINS.iter().filter(|b| b.scope == Scope::Named) {
            let looks = regex_syntax::parse(b.regex)
                .unwrap()
                .properties()
                .look_set();
            assert!(looks.subtract(allowed).is_empty(), "{}: {looks:?}", b.id);
            assert!(!b.regex.contains(START_MARK));
        }
        let forms = scanner()
            .patterns
            .iter()
            .find(|p| p.id == "password-assignment")
            .and_then(|p| p.anchored.as_ref())
            .unwrap();
        assert_eq!(forms.start_marks.len(), 1);
        assert!(forms.inside.is_some());
    }

    proptest! {
        #[test]
        fn fast_path_covers_reference_on_names(parts in prop::collection::vec(named_fragment(), 0..24)) {
            assert_covers_reference(&parts.concat())?;
        }

        #[test]
        fn fast_path_covers_reference_on_mixed(text in composed()) {
            assert_covers_reference(&text)?;
        }

        #[test]
        fn marked_anchored_regexes_match_as_written(parts in prop::collection::vec(named_fragment(), 0..12)) {
            let text = parts.concat();
            let bytes = text.as_bytes();
            let starts = (0..text.len()).filter(|&w| {
                text.is_char_boundary(w) && (w == 0 || !is_ident_byte(bytes[w - 1]))
            });
            let named: Vec<(&Compiled, Anchored)> = scanner()
                .patterns
                .iter()
                .filter(|p| p.scope == Scope::Named)
                .map(|p| (p, Anchored::new(p.regex.as_str()).unwrap()))
                .collect();
            for w in starts {
                for (p, plain) in &named {
                    let marked = &p.anchored.as_ref().unwrap().at_start;
                    let mut a = plain.regex.capture_locations();
                    let mut b = marked.regex.capture_locations();
                    prop_assert_eq!(
                        plain.captures(&mut a, &text[w..]),
                        marked.captures(&mut b, &text[w..]),
                        "{} at {} in {:?}", p.id, w, text
                    );
                }
            }
        }
    }
}
