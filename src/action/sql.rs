//! PLACEHOLDER replaced by the SQL reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dialect { #[default] Sqlite, Postgres, MySql, Generic }
impl std::str::FromStr for Dialect { type Err = String; fn from_str(s: &str) -> Result<Self, String> { match s { "sqlite" => Ok(Self::Sqlite), "postgres" => Ok(Self::Postgres), "mysql" => Ok(Self::MySql), "generic" => Ok(Self::Generic), _ => Err("sqlite, postgres, mysql, generic".into()) } } }
impl Dialect { pub fn name(self) -> &'static str { "sqlite" } }
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlStatement { pub kind: String, pub tables: Vec<String>, pub has_where: bool, pub where_always_true: bool, pub tier: u8, pub why: String, pub text: String }
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SqlReading { pub statements: Vec<SqlStatement>, pub error: Option<String> }
impl SqlReading { pub fn tier(&self) -> u8 { self.statements.iter().map(|s| s.tier).max().unwrap_or(3) } }
pub fn read_sql(src: &str, _d: Dialect) -> SqlReading { SqlReading { statements: vec![SqlStatement { kind: "other".into(), tables: vec![], has_where: false, where_always_true: false, tier: 3, why: "placeholder".into(), text: src.into() }], error: None } }
pub fn count_query(_s: &str, _d: Dialect) -> Option<String> { None }
