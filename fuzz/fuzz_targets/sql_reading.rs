//! Any text read as SQL in every dialect: never panics, and what cannot be read is tier 3 at
//! least. `cargo fuzz run sql_reading`.
#![no_main]

use agentgate::action::sql::{Dialect, INTERNAL_ERROR, read_sql};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for dialect in [
        Dialect::Sqlite,
        Dialect::Postgres,
        Dialect::MySql,
        Dialect::Generic,
    ] {
        let reading = read_sql(text, dialect);
        assert_ne!(
            reading.error.as_deref(),
            Some(INTERNAL_ERROR),
            "{dialect}: {text:?}"
        );
        if reading.error.is_some() || reading.statements.is_empty() {
            assert!(reading.tier() >= 3);
        }
    }
});
