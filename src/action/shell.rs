//! PLACEHOLDER replaced by the shell reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimpleCommand {
    pub program: Option<String>,
    pub program_path: Option<String>,
    pub args: Vec<String>,
    pub flags: Vec<String>,
    pub positionals: Vec<String>,
    pub subcommand: Option<String>,
    pub wrappers: Vec<String>,
    pub assignments: Vec<(String, String)>,
    pub redirects: Vec<Redirect>,
    pub dynamic: bool,
    pub dynamic_words: Vec<String>,
    pub text: String,
}
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect { pub op: String, pub fd: Option<u32>, pub target: Option<String> }
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ShellReading { pub commands: Vec<SimpleCommand>, pub error: Option<String>, pub constructs: Vec<String> }
pub fn read_command(src: &str) -> ShellReading {
    let words: Vec<String> = src.split_whitespace().map(str::to_owned).collect();
    read_argv(&words)
}
pub fn read_argv(argv: &[String]) -> ShellReading {
    let Some((p, rest)) = argv.split_first() else { return ShellReading { error: Some("empty".into()), ..Default::default() } };
    let flags: Vec<String> = rest.iter().filter(|a| a.starts_with('-')).cloned().collect();
    let positionals: Vec<String> = rest.iter().filter(|a| !a.starts_with('-')).cloned().collect();
    ShellReading { commands: vec![SimpleCommand { program: Some(p.rsplit('/').next().unwrap_or(p).to_owned()), program_path: Some(p.clone()), args: rest.to_vec(), subcommand: positionals.first().cloned(), flags, positionals, wrappers: vec![], assignments: vec![], redirects: vec![], dynamic: false, dynamic_words: vec![], text: argv.join(" ") }], error: None, constructs: vec![] }
}
