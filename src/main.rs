//! The `agentgate` binary: parse, run, exit with the code of SPEC section 5.

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(agentgate::cli::main().code())
}
