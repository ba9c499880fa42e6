//! Any text read as a shell command string, and as an argv split on NUL bytes: the reading never
//! panics, never loses the error of a command it cannot read, and the items it gives the policy
//! engine are never empty (something is always tiered). `cargo fuzz run shell_reading`.
#![no_main]

use agentgate::action::shell::{INTERNAL_ERROR, read_argv, read_command};
use agentgate::action::{ShellOrigin, shell_items};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let reading = read_command(text);
    assert_ne!(reading.error.as_deref(), Some(INTERNAL_ERROR), "{text:?}");
    let items = shell_items(&reading, ShellOrigin::Command);
    assert!(!items.is_empty());
    // What cannot be read is never below tier 3.
    if reading.error.is_some() {
        assert!(items.iter().any(|i| i.base.value() >= 3));
    }
    let argv: Vec<String> = text.split('\0').map(str::to_owned).collect();
    let reading = read_argv(&argv);
    assert_ne!(reading.error.as_deref(), Some(INTERNAL_ERROR), "{argv:?}");
    assert!(!shell_items(&reading, ShellOrigin::Command).is_empty());
});
