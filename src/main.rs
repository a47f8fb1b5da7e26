//! `healthprobe`: parse, probe, report, exit.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use healthprobe::arena::Arena;
use healthprobe::args::{self, Command, Verbosity};
use healthprobe::{probe, report, verdict::Verdict};

/// See `arena`: no system call per allocation, fewer pages touched.
#[global_allocator]
static ALLOCATOR: Arena = Arena::new();

fn main() -> ExitCode {
    let env = |name: &str| std::env::var_os(name);
    let (verdict, text) = match args::parse(std::env::args_os().skip(1).collect(), &env) {
        Ok(Command::Help) => return print(args::HELP),
        Ok(Command::Version) => {
            return print(concat!("healthprobe ", env!("CARGO_PKG_VERSION"), "\n"));
        }
        Ok(Command::Probe(settings)) => {
            let verdict = probe(&settings);
            let text = report::render(
                &verdict,
                settings.format,
                settings.verbosity,
                &settings.headers,
            );
            (verdict, text)
        }
        Err(rejected) => {
            let verdict = Verdict::config_error(rejected.reason);
            let text = report::render(&verdict, rejected.format, Verbosity::Normal, &[]);
            (verdict, text)
        }
    };
    report::write(&text);
    verdict.category.exit_code()
}

fn print(text: &str) -> ExitCode {
    report::write(text);
    ExitCode::SUCCESS
}
