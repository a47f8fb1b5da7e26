//! `healthprobe`: parse, probe, report, exit (or, with `-- COMMAND`, become it).
//!
//! The process starts at C's `main` rather than std's, for the reasons in
//! `healthprobe::sys::process`.
#![no_main]

use std::ffi::{OsString, c_char, c_int};
use std::path::PathBuf;

use healthprobe::cli::{self, Command, flags};
use healthprobe::exec;
use healthprobe::judge::verdict::{Category, Verdict};
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
    process::report_allocation_failures();
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
    let (code, then) = run(argv, &variables);
    let Some(Become {
        path,
        command,
        format,
    }) = then
    else {
        process::exit(code)
    };
    // SAFETY: `envp` is the environment the C runtime passed to this very `main`: its
    // array and strings live for the whole process (`clear_environment` replaced only
    // `environ`, the pointer libc searches).
    let error = unsafe { process::exec(&path, &command, envp) };
    // Rare, since `exec::find` found it runnable (a foreign binary, E2BIG): the healthy
    // report is out already, so this one follows it.
    let failed = exec::failed(&path, &error);
    let verdict = Verdict::config_error(failed.reason);
    report::write_after(&verdict, format);
    process::exit(failed.code)
}

/// What the process becomes once healthy (`-- COMMAND`): the file found, the command
/// line, and the report format for a failure.
struct Become {
    path: PathBuf,
    command: Vec<OsString>,
    format: Format,
}

fn run(argv: Vec<OsString>, variables: &process::Variables) -> (c_int, Option<Become>) {
    let env = |name: &str| variables.get(name);
    let (text, code, then) = match cli::parse(argv, &env, &variables.names()) {
        Ok(Command::Help(help)) => return (print(&help), None),
        Ok(Command::Version) => return (print(&cli::help::version()), None),
        Ok(Command::Probe(plan)) => {
            process::report_in_json(plan.format == Format::Json);
            if let Some(command) = &plan.exec {
                // The command's standard output is the app's own; and should execve
                // refuse the command after the healthy report, its report must still fit.
                process::report_to_stderr();
                report::reserve_for_exec_failure();
                // A command that cannot start is said at once, not after a wait for a
                // dependency that may take minutes (it is looked up again once healthy).
                if let Err(unstartable) = exec::find(&command[0], env("PATH").as_deref()) {
                    let verdict = Verdict::config_error(unstartable.reason);
                    let text = report::render(&verdict, plan.format, Verbosity::Normal);
                    report::write(&text);
                    return (unstartable.code, None);
                }
            }
            let verdict = probe::run(&plan);
            let mut code = verdict.category.exit_code();
            let mut then = None;
            let verdict = match (plan.exec, verdict.category) {
                (Some(command), Category::Healthy) => {
                    match exec::find(&command[0], env("PATH").as_deref()) {
                        Ok(path) => {
                            then = Some(Become {
                                path,
                                command,
                                format: plan.format,
                            });
                            verdict
                        }
                        Err(unstartable) => {
                            code = unstartable.code;
                            Verdict::config_error(unstartable.reason)
                        }
                    }
                }
                _ => verdict,
            };
            let text = report::render(&verdict, plan.format, plan.verbosity);
            (text, code, then)
        }
        Err(rejected) => {
            process::report_in_json(rejected.format == Format::Json);
            if rejected.exec {
                process::report_to_stderr();
            }
            let verdict = Verdict::config_error(rejected.reason);
            let text = report::render(&verdict, rejected.format, Verbosity::Normal);
            (text, verdict.category.exit_code(), None)
        }
    };
    if then.is_some() {
        process::default_termination();
    }
    report::write(&text);
    (code, then)
}

fn print(text: &str) -> c_int {
    report::write(text);
    0
}
