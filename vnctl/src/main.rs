//! `vnctl`: see the library for the command tree and behaviour.

use std::process::ExitCode;

fn main() -> ExitCode {
    let status = vnctl::main_with(
        std::env::args_os(),
        |name| std::env::var(name).ok(),
        std::env::var_os("HOME").map(Into::into),
        &mut std::io::stdin().lock(),
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    );
    ExitCode::from(u8::try_from(status).unwrap_or(1))
}
