//! Strict YAML (and JSON, which is read as YAML 1.2) deserialization shared by plans and policies.
//! It owns the parser settings and turning parser errors into positioned diagnostics; not the schemas.

use serde::de::DeserializeOwned;
use serde_saphyr::{Budget, DuplicateKeyPolicy, MergeKeyPolicy, Options};

use crate::error::Diagnostic;

/// Deepest nesting accepted in a plan or policy document.
pub const MAX_DEPTH: usize = 64;

/// Parse `text` (named `origin` in messages) into `T`, refusing duplicate keys, unknown tags,
/// YAML 1.1 booleans (`yes`, `on`), alias bombs and nesting deeper than [`MAX_DEPTH`].
pub fn from_str<T: DeserializeOwned>(text: &str, origin: &str) -> Result<T, Diagnostic> {
    let mut budget = Budget::default();
    budget.max_depth = MAX_DEPTH;
    budget.max_documents = 1;
    budget.max_nodes = 5_000_000;
    budget.max_events = 10_000_000;
    budget.max_total_scalar_bytes = 256 * 1024 * 1024;
    let mut options = Options::default();
    options.budget = Some(budget);
    options.duplicate_keys = DuplicateKeyPolicy::Error;
    // `<<` merges make one mapping read differently from how it evaluates: refuse them.
    options.merge_keys = MergeKeyPolicy::Error;
    options.strict_booleans = true;
    options.reject_unsupported_tags = true;
    options.with_snippet = false;
    serde_saphyr::from_str_with_options(text, options).map_err(|e| diagnostic(&e, origin))
}

fn diagnostic(error: &serde_saphyr::Error, origin: &str) -> Diagnostic {
    let message = clean_message(&error.to_string());
    match error.location() {
        Some(loc) if loc.line() > 0 => {
            Diagnostic::new(origin, message).at(loc.line(), loc.column())
        }
        _ => Diagnostic::new(origin, message),
    }
}

/// serde-saphyr appends " at line X column Y" to some messages; the diagnostic already says where.
fn clean_message(message: &str) -> String {
    let first = message.lines().next().unwrap_or(message).trim();
    let first = match first.rfind(" at line ") {
        Some(i) => &first[..i],
        None => first,
    };
    if first.contains("budget breached") {
        return format!(
            "document too large or too deeply nested (limits: depth {MAX_DEPTH}, one YAML document, no alias expansion bombs)"
        );
    }
    // The parser suggests its own settings; the user cannot change them.
    let first = first.split(" (set ").next().unwrap_or(first);
    let first = first.split("; set ").next().unwrap_or(first);
    first.trim_end_matches([';', ',', ' ']).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Doc {
        name: String,
        #[serde(default)]
        flag: bool,
        #[serde(default)]
        map: Option<serde_json::Value>,
    }

    #[test]
    fn refuses_duplicate_keys_with_position() {
        let e = from_str::<Doc>("name: a\nname: b\n", "x.yaml").unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        assert!(e.message.contains("duplicate"), "{e}");
        let e = from_str::<Doc>("name: a\nmap: {k: 1, k: 2}\n", "x.yaml").unwrap_err();
        assert!(e.message.contains("duplicate"), "{e}");
        let e = from_str::<Doc>("{\"name\": \"a\", \"map\": {\"k\": 1, \"k\": 2}}", "x.json")
            .unwrap_err();
        assert!(e.message.contains("duplicate"), "{e}");
    }

    #[test]
    fn refuses_unknown_fields_yaml11_booleans_and_tags() {
        let e = from_str::<Doc>("name: a\nnmae: b\n", "x.yaml").unwrap_err();
        assert!(e.message.contains("unknown field"), "{e}");
        assert_eq!(e.line, Some(2));
        assert!(from_str::<Doc>("name: a\nflag: yes\n", "x.yaml").is_err());
        assert!(from_str::<Doc>("name: !custom a\n", "x.yaml").is_err());
    }

    #[test]
    fn refuses_deep_nesting_and_alias_bombs() {
        let deep = format!("name: a\nmap: {}{}\n", "[".repeat(200), "]".repeat(200));
        assert!(from_str::<Doc>(&deep, "x.yaml").is_err());
        let mut bomb = String::from("name: a\nmap:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for (prev, next) in ["a", "b", "c", "d", "e", "f", "g", "h"]
            .windows(2)
            .map(|w| (w[0], w[1]))
        {
            bomb.push_str(&format!("  {next}: &{next} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        }
        assert!(from_str::<Doc>(&bomb, "x.yaml").is_err());
    }

    #[test]
    fn reads_json_as_yaml() {
        let d: Doc = from_str(
            "{\"name\": \"a\\/b\\u00e9\", \"flag\": true,\n\t\"map\": {\"n\": 98.70}}",
            "x.json",
        )
        .unwrap();
        assert_eq!(d.name, "a/bé");
        assert!(d.flag);
    }
}
