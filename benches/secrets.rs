//! The secrets scanner's throughput on generated text: ~64 MiB of realistic text with no
//! secrets (source code, YAML, prose, logs, hashes, UUIDs, base64 blobs, shell), and ~16 MiB
//! dense with secrets of many kinds (one every ~200 bytes). Prints the median of 5 timed runs
//! after a warm-up, for `Scanner::scan` on both texts and `Scanner::redact` on the dense one.
//! Run: `cargo bench --bench secrets` (prints figures; no timed assertions). With
//! `PER_PATTERN=1`, also each built-in regex alone on the clean text (one run each), to see
//! which pattern costs what.
#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::fmt::Write;
use std::hint::black_box;
use std::time::{Duration, Instant};

use agentgate::secrets::Scanner;

const CLEAN_BYTES: usize = 64 << 20;
const DENSE_BYTES: usize = 16 << 20;
const RUNS: usize = 5;

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
const HEX: &[u8] = b"0123456789abcdef";
const UPPER32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const DIGITS: &[u8] = b"0123456789";

/// xorshift64*: deterministic, good enough for test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    fn chars(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len)
            .map(|_| char::from(alphabet[self.below(alphabet.len())]))
            .collect()
    }
}

const WORDS: &[&str] = &[
    "the",
    "request",
    "handler",
    "returns",
    "a",
    "list",
    "of",
    "items",
    "when",
    "cache",
    "is",
    "warm",
    "and",
    "otherwise",
    "falls",
    "back",
    "to",
    "database",
    "query",
    "with",
    "timeout",
    "user",
    "session",
    "token",
    "count",
    "key",
    "value",
    "secret",
    "rotation",
    "policy",
    "review",
    "deploy",
    "service",
    "config",
    "password",
    "reset",
    "flow",
    "sends",
    "an",
    "email",
    "link",
    "risk",
    "disk",
    "task",
    "monkey",
    "author",
    "build",
    "pipeline",
    "step",
    "retry",
    "backoff",
    "credential",
    "store",
    "encrypted",
    "at",
    "rest",
    "auth",
    "middleware",
    "checks",
    "header",
];

const IDENTS: &[&str] = &[
    "token_count",
    "cache_key",
    "user_id",
    "session",
    "auth_header",
    "secret_name",
    "password_hash",
    "api_key_header",
    "keyring",
    "monkey",
    "tokens",
    "request",
    "response",
    "config",
    "items",
];

fn code_line(r: &mut Rng, out: &mut String) {
    let a = r.pick(IDENTS);
    let b = r.pick(IDENTS);
    match r.below(12) {
        0 => writeln!(
            out,
            "fn handle_{a}(req: &Request, {b}: &str) -> Result<Response, Error> {{"
        ),
        1 => writeln!(
            out,
            "    let {a} = {b}.get(&key).cloned().unwrap_or_default();"
        ),
        2 => writeln!(
            out,
            "    if {a}.is_empty() {{ return Err(Error::Missing(\"{b}\")); }}"
        ),
        3 => writeln!(
            out,
            "    for (i, item) in {a}.iter().enumerate().skip({}) {{",
            r.below(9)
        ),
        4 => writeln!(
            out,
            "    assert_eq!({a}.len(), {}, \"lookup {{}} failed\", {b});",
            r.below(999)
        ),
        5 => writeln!(
            out,
            "    const {}: usize = {};",
            a.to_ascii_uppercase(),
            r.below(1 << 16)
        ),
        6 => writeln!(
            out,
            "    // Refresh the {a} before the {b} expires; see RFC {}.",
            r.below(9000)
        ),
        7 => writeln!(
            out,
            "    const {a} = await fetch(`/api/v2/{b}?page=${{page}}`);"
        ),
        8 => writeln!(out, "import {{ {a}, {b} }} from './{b}';"),
        9 => writeln!(out, "    self.{a} = {b}.password_policy.min_length"),
        10 => writeln!(
            out,
            "    password = os.environ[\"{}\"]",
            b.to_ascii_uppercase()
        ),
        _ => writeln!(out, "}}"),
    }
    .unwrap();
}

fn yaml_line(r: &mut Rng, out: &mut String) {
    match r.below(12) {
        0 => writeln!(
            out,
            "  image: registry.corp.internal/team/{}:1.{}.{}",
            r.pick(IDENTS),
            r.below(40),
            r.below(20)
        ),
        1 => writeln!(out, "  replicas: {}", r.below(10)),
        2 => writeln!(out, "    password: ${{DB_PASSWORD}}"),
        3 => writeln!(
            out,
            "    secretName: {}-credentials",
            r.pick(IDENTS).replace('_', "-")
        ),
        4 => writeln!(
            out,
            "  resources: {{ limits: {{ cpu: {}m, memory: {}Mi }} }}",
            r.below(2000),
            r.below(4096)
        ),
        5 => writeln!(
            out,
            "- name: {} {} {}",
            r.pick(WORDS),
            r.pick(WORDS),
            r.pick(WORDS)
        ),
        6 => writeln!(
            out,
            "  url: https://docs.corp.internal/guide/{}#section-{}",
            r.pick(IDENTS),
            r.below(9)
        ),
        7 => writeln!(out, "    token: {{{{ vault_token }}}}"),
        8 => writeln!(out, "  checksum/config: {}", r.chars(HEX, 64)),
        9 => writeln!(out, "    key_id: {}", r.chars(HEX, 16)),
        10 => writeln!(out, "  enabled: {}", r.below(2) == 1),
        _ => writeln!(out, "  DATABASE_URL: postgres://app@db.internal:5432/app"),
    }
    .unwrap();
}

fn prose_line(r: &mut Rng, out: &mut String) {
    let n = 8 + r.below(18);
    for i in 0..n {
        let w = r.pick(WORDS);
        if i == 0 {
            let mut c = w.chars();
            if let Some(f) = c.next() {
                out.push(f.to_ascii_uppercase());
                out.push_str(c.as_str());
            }
        } else {
            out.push(' ');
            out.push_str(w);
        }
    }
    out.push_str(".\n");
}

fn log_line(r: &mut Rng, out: &mut String) {
    writeln!(
        out,
        "2025-0{}-{:02}T{:02}:{:02}:{:02}.{:03}Z {} [worker-{}] request_id={} path=/api/v1/{}/{} status={} took={}ms",
        1 + r.below(9),
        1 + r.below(28),
        r.below(24),
        r.below(60),
        r.below(60),
        r.below(1000),
        r.pick(&["INFO", "WARN", "DEBUG", "ERROR"]),
        r.below(16),
        uuid(r),
        r.pick(IDENTS),
        r.below(100_000),
        r.pick(&["200", "201", "204", "400", "401", "404", "500"]),
        r.below(5000),
    )
    .unwrap();
}

fn uuid(r: &mut Rng) -> String {
    format!(
        "{}-{}-4{}-a{}-{}",
        r.chars(HEX, 8),
        r.chars(HEX, 4),
        r.chars(HEX, 3),
        r.chars(HEX, 3),
        r.chars(HEX, 12)
    )
}

fn misc_line(r: &mut Rng, out: &mut String) {
    match r.below(8) {
        0 => writeln!(out, "commit {}", r.chars(HEX, 40)),
        1 => writeln!(out, "{}  dist/{}.tar.gz", r.chars(HEX, 64), r.pick(IDENTS)),
        2 => writeln!(out, "{}", r.chars(B64, 76)),
        3 => writeln!(out, "  \"icon\": \"data:image/png;base64,{}\",", r.chars(B64, 120)),
        4 => writeln!(out, "  \"id\": \"{}\", \"etag\": \"{}\"", uuid(r), r.chars(HEX, 32)),
        5 => writeln!(out, "cargo test --locked && git push -u origin {} && curl -fsSL https://x.internal/i.sh | sh", r.pick(IDENTS)),
        6 => writeln!(out, "mysql -u root -p {} < schema.sql; ssh -p 2222 deploy@host 'mkdir -p /srv/app'", r.pick(IDENTS)),
        _ => writeln!(out, "export PATH=$HOME/.cargo/bin:$PATH RUST_LOG=info"),
    }
    .unwrap();
}

fn clean_text(r: &mut Rng, bytes: usize) -> String {
    let mut out = String::with_capacity(bytes + 256);
    while out.len() < bytes {
        match r.below(10) {
            0..=2 => code_line(r, &mut out),
            3..=4 => yaml_line(r, &mut out),
            5 => prose_line(r, &mut out),
            6..=7 => log_line(r, &mut out),
            _ => misc_line(r, &mut out),
        }
    }
    out
}

fn checksummed(r: &mut Rng, prefix: &str) -> String {
    const B62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let random = r.chars(ALNUM, 30);
    let mut n = agentgate::secrets::crc32(random.as_bytes());
    let mut check = [b'0'; 6];
    for slot in check.iter_mut().rev() {
        *slot = B62[(n % 62) as usize];
        n /= 62;
    }
    format!(
        "{prefix}{random}{}",
        String::from_utf8(check.to_vec()).unwrap()
    )
}

/// One secret in context; the kinds rotate.
fn secret_line(r: &mut Rng, i: usize, out: &mut String) {
    let s = match i % 18 {
        0 => format!("aws_access_key_id = {}{}", "AKIA", r.chars(UPPER32, 16)),
        1 => format!("export GITHUB_TOKEN={}", checksummed(r, "ghp_")),
        2 => format!("token: \"{}{}\"", "ghp_", r.chars(ALNUM, 36)),
        3 => format!("git clone -c {}{}", "glpat-", r.chars(ALNUM, 20)),
        4 => format!(
            "SLACK=\"{}{}-{}-{}\"",
            "xoxb-",
            r.chars(DIGITS, 12),
            r.chars(DIGITS, 13),
            r.chars(ALNUM, 24)
        ),
        5 => format!("Stripe.api_key = '{}{}'", "sk_live_", r.chars(ALNUM, 24)),
        6 => format!("maps?key={}{}&q=x", "AIza", r.chars(B64URL, 35)),
        7 => format!("OPENAI_API_KEY={}{}", "sk-proj-", r.chars(B64URL, 60)),
        8 => format!(
            "//registry.npmjs.org/:_authToken={}",
            checksummed(r, "npm_")
        ),
        9 => format!(
            "SENDGRID={}{}.{}",
            "SG.",
            r.chars(B64URL, 22),
            r.chars(B64URL, 43)
        ),
        10 => format!("twilio {}{} ok", "SK", r.chars(HEX, 32)),
        11 => format!(
            "Authorization: Bearer {}.{}{}.{}",
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
            "eyJ",
            r.chars(B64URL, 40),
            r.chars(B64URL, 43)
        ),
        12 => format!(
            "DATABASE_URL=postgres://app:{}@db:5432/app",
            r.chars(ALNUM, 14)
        ),
        13 => format!("DB_PASSWORD={}-{}", r.chars(ALNUM, 8), r.below(10_000)),
        14 => format!("mysql -uroot -p{} app < init.sql", r.chars(ALNUM, 12)),
        15 => format!("SECRET_KEY_BASE={}", r.chars(HEX, 64)),
        16 => format!(
            "-----BEGIN {} PRIVATE KEY-----\n{}\n{}\n-----END {} PRIVATE KEY-----",
            "EC",
            r.chars(B64, 64),
            r.chars(B64, 40),
            "EC"
        ),
        _ => format!("curl -u ci:{} https://api.internal/v1", r.chars(ALNUM, 16)),
    };
    out.push_str(&s);
    out.push('\n');
}

fn dense_text(r: &mut Rng, bytes: usize) -> (String, usize) {
    let mut out = String::with_capacity(bytes + 512);
    let mut secrets = 0;
    while out.len() < bytes {
        secret_line(r, secrets, &mut out);
        secrets += 1;
        // ~150 bytes of clean text between secrets.
        let target = out.len() + 100 + r.below(100);
        while out.len() < target {
            match r.below(4) {
                0 => code_line(r, &mut out),
                1 => yaml_line(r, &mut out),
                2 => log_line(r, &mut out),
                _ => prose_line(r, &mut out),
            }
        }
    }
    (out, secrets)
}

/// Median of `RUNS` timed runs after one warm-up, and the last result.
fn time<T>(mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut result = black_box(f());
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let t = Instant::now();
        result = black_box(f());
        times.push(t.elapsed());
    }
    times.sort_unstable();
    (times[RUNS / 2], result)
}

fn rate(bytes: usize, d: Duration) -> f64 {
    bytes as f64 / 1e6 / d.as_secs_f64()
}

fn main() {
    let mut r = Rng(0x9E37_79B9_7F4A_7C15);
    let scanner = Scanner::builtin();
    let t = Instant::now();
    let clean = clean_text(&mut r, CLEAN_BYTES);
    let (dense, inserted) = dense_text(&mut r, DENSE_BYTES);
    println!(
        "generated {:.1} MiB clean + {:.1} MiB dense ({inserted} secrets) in {:.1} s",
        clean.len() as f64 / (1 << 20) as f64,
        dense.len() as f64 / (1 << 20) as f64,
        t.elapsed().as_secs_f64()
    );

    let (d, found) = time(|| scanner.scan(&clean));
    println!(
        "scan, no secrets:    {:>8.1} MB/s  ({:.1} ms, {} matches)",
        rate(clean.len(), d),
        d.as_secs_f64() * 1e3,
        found.len()
    );
    for m in found.iter().take(5) {
        println!(
            "    unexpected {} at {}:{}: {:?}",
            m.kind,
            m.line,
            m.column,
            &clean[m.start..m.end]
        );
    }

    if std::env::var_os("PER_PATTERN").is_some() {
        for spec in agentgate::secrets::builtin_specs() {
            let re = regex::Regex::new(&spec.regex).unwrap();
            let t = Instant::now();
            let n = re.find_iter(&clean).count();
            println!(
                "    {:<24} {:>8.1} MB/s alone ({n})",
                spec.id,
                rate(clean.len(), t.elapsed())
            );
        }
    }
    let (d, found) = time(|| scanner.scan(&dense));
    let verified = found.iter().filter(|m| m.verified).count();
    println!(
        "scan, dense secrets: {:>8.1} MB/s  ({:.1} ms, {} matches for {inserted} inserted, {verified} verified)",
        rate(dense.len(), d),
        d.as_secs_f64() * 1e3,
        found.len()
    );
    let mut kinds: Vec<(&str, usize)> = Vec::new();
    for m in &found {
        match kinds.iter_mut().find(|(k, _)| *k == m.kind) {
            Some((_, n)) => *n += 1,
            None => kinds.push((m.kind.as_str(), 1)),
        }
    }
    let summary: Vec<String> = kinds.iter().map(|(k, n)| format!("{k} {n}")).collect();
    println!("    {}", summary.join(", "));

    let (d, redacted) = time(|| scanner.redact(&dense).len());
    println!(
        "redact, dense:       {:>8.1} MB/s  ({:.1} ms, {} -> {redacted} bytes)",
        rate(dense.len(), d),
        d.as_secs_f64() * 1e3,
        dense.len()
    );
    let (d, redacted) = time(|| scanner.redact(&clean).len());
    println!(
        "redact, no secrets:  {:>8.1} MB/s  ({:.1} ms, {redacted} bytes)",
        rate(clean.len(), d),
        d.as_secs_f64() * 1e3,
    );
}
