//! The shipped policy pack, compiled into the binary from the repository's `policies/` folder.
//! A test keeps this list and the folder in step.

use super::PolicyFile;

/// Policy files, by repository path.
pub const POLICY_FILES: &[(&str, &str)] = &[
    (
        "policies/content.yaml",
        include_str!("../../policies/content.yaml"),
    ),
    (
        "policies/files.yaml",
        include_str!("../../policies/files.yaml"),
    ),
    (
        "policies/limits.yaml",
        include_str!("../../policies/limits.yaml"),
    ),
    (
        "policies/network.yaml",
        include_str!("../../policies/network.yaml"),
    ),
    (
        "policies/shell.yaml",
        include_str!("../../policies/shell.yaml"),
    ),
    ("policies/sql.yaml", include_str!("../../policies/sql.yaml")),
    (
        "policies/surfaces.yaml",
        include_str!("../../policies/surfaces.yaml"),
    ),
    (
        "policies/terraform.yaml",
        include_str!("../../policies/terraform.yaml"),
    ),
];

/// Fixture plans with expected decisions, run by `agentgate policy test`.
pub const TEST_FILES: &[(&str, &str)] = &[(
    "policies/tests/decisions.yaml",
    include_str!("../../policies/tests/decisions.yaml"),
)];

pub fn files() -> Vec<PolicyFile> {
    POLICY_FILES
        .iter()
        .map(|(name, text)| PolicyFile {
            name: (*name).into(),
            text: (*text).into(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(dir: &str) -> Vec<String> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut names: Vec<String> = std::fs::read_dir(root.join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .map(|p| format!("{dir}/{}", p.file_name().unwrap().to_string_lossy()))
            .collect();
        names.sort();
        names
    }

    #[test]
    fn embedded_sets_all_build() {
        // The embedded pack builds its regex and glob sets on first use: every one must build.
        let set = crate::policy::PolicySet::embedded().unwrap();
        set.slots.build_all().unwrap();
    }

    #[test]
    fn embedded_examples_all_pass() {
        let set = crate::policy::PolicySet::embedded().unwrap();
        let failed: Vec<_> = set
            .example_results()
            .into_iter()
            .filter(|r| !r.passed())
            .collect();
        assert!(failed.is_empty(), "{failed:#?}");
        assert!(set.example_results().len() > 200);
    }

    #[test]
    fn embedded_pack_is_the_policies_folder() {
        let mut embedded: Vec<String> = POLICY_FILES.iter().map(|(n, _)| n.to_string()).collect();
        embedded.sort();
        assert_eq!(
            embedded,
            listed("policies"),
            "update src/policy/embedded.rs"
        );
        let mut tests: Vec<String> = TEST_FILES.iter().map(|(n, _)| n.to_string()).collect();
        tests.sort();
        assert_eq!(
            tests,
            listed("policies/tests"),
            "update src/policy/embedded.rs"
        );
    }
}
