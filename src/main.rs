//! `healthprobe`: parse, probe, report, exit.
//!
//! The process starts at C's `main` rather than std's, for the reasons in
//! `healthprobe::process`.
#![no_main]

use std::ffi::{OsString, c_char, c_int};

use healthprobe::args::{self, Command, Verbosity};
use healthprobe::{arena::Arena, probe, process, report, verdict::Verdict, wait};

/// See `healthprobe::arena`: no system call per allocation, fewer pages touched. The
/// section name lets `src/arena.ld` place it after every other static.
#[global_allocator]
#[unsafe(link_section = ".bss.~arena")]
static ALLOCATOR: Arena = Arena::new();

#[unsafe(no_mangle)]
extern "C" fn main(argc: c_int, argv: *const *const c_char, envp: *const *const c_char) -> c_int {
    process::ignore_sigpipe();
    process::open_standard_descriptors();
    // SAFETY: these are the arguments and the environment the C runtime passed to this
    // very `main`, and no other thread runs yet.
    let (argv, variables) = unsafe {
        let kept = (
            process::args(argc, argv),
            process::variables(envp, args::VARIABLES),
        );
        process::clear_environment();
        kept
    };
    process::exit(run(argv, &variables))
}

fn run(argv: Vec<OsString>, variables: &process::Variables) -> c_int {
    let env = |name: &str| variables.get(name);
    let (verdict, text) = match args::parse(argv, &env, &variables.names()) {
        Ok(Command::Help) => return print(args::HELP),
        Ok(Command::Version) => {
            return print(concat!("healthprobe ", env!("CARGO_PKG_VERSION"), "\n"));
        }
        Ok(Command::Probe(settings)) => {
            process::report_in_json(settings.format == args::Format::Json);
            let verdict = match settings.wait {
                Some(wait) => wait::until_healthy(&settings, wait),
                None => probe(&settings),
            };
            let text = report::render(&verdict, settings.format, settings.verbosity);
            (verdict, text)
        }
        Err(rejected) => {
            process::report_in_json(rejected.format == args::Format::Json);
            let verdict = Verdict::config_error(rejected.reason);
            let text = report::render(&verdict, rejected.format, Verbosity::Normal);
            (verdict, text)
        }
    };
    report::write(&text);
    verdict.category.exit_code()
}

fn print(text: &str) -> c_int {
    report::write(text);
    0
}
