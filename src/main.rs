//! `healthprobe`: parse, probe, report, exit.
//!
//! The process starts at C's `main` rather than std's, for the reasons in
//! `healthprobe::sys::process`.
#![no_main]

use std::ffi::{OsString, c_char, c_int};

use healthprobe::cli::{self, Command, flags};
use healthprobe::judge::verdict::Verdict;
use healthprobe::probe;
use healthprobe::report::{self, Format, Verbosity};
use healthprobe::sys::{arena::Arena, process};

/// See `healthprobe::sys::arena`: no system call per allocation, fewer pages touched. The
/// section name lets `link/arena.ld` place it after every other static.
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
            process::variables(envp, flags::VARIABLES),
        );
        process::clear_environment();
        kept
    };
    process::exit(run(argv, &variables))
}

fn run(argv: Vec<OsString>, variables: &process::Variables) -> c_int {
    let env = |name: &str| variables.get(name);
    let (verdict, text) = match cli::parse(argv, &env, &variables.names()) {
        Ok(Command::Help(help)) => return print(&help),
        Ok(Command::Version) => {
            return print(concat!("healthprobe ", env!("CARGO_PKG_VERSION"), "\n"));
        }
        Ok(Command::Probe(plan)) => {
            process::report_in_json(plan.format == Format::Json);
            let verdict = probe::run(&plan);
            let text = report::render(&verdict, plan.format, plan.verbosity);
            (verdict, text)
        }
        Err(rejected) => {
            process::report_in_json(rejected.format == Format::Json);
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
