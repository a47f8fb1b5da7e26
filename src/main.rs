//! `healthprobe`: parse, probe, report, exit (or, with `-- COMMAND`, become it).
//!
//! On Linux the process starts at C's `main` rather than std's, for the reasons in
//! `healthprobe::sys::process`; that entry and the allocator are `sys`'s, as all the
//! crate's `unsafe` code is (macOS and Windows start at std's: `sys/portable/`).
// Linux's `sys` starts at C's `main`; the portable variant at std's (`sys/portable/`).
#![cfg_attr(not(portable), no_main)]
#![deny(unsafe_code)]

use std::ffi::{OsString, c_int};

use healthprobe::cli::{self, Command, flags};
use healthprobe::judge::verdict::{Category, Verdict};
use healthprobe::probe;
use healthprobe::report::{self, Format, Verbosity};
use healthprobe::sys::process::{self, Then, Variables};
use healthprobe::{exec, install};

healthprobe::entry!(run, flags::VARIABLES);

fn run(argv: Vec<OsString>, variables: &Variables) -> Then {
    let env = |name: &str| variables.get(name);
    let (text, code, then) = match cli::parse(argv, &env, &variables.names()) {
        Ok(Command::Help(help)) => return Then::Exit(print(&help)),
        Ok(Command::Version) => return Then::Exit(print(&cli::help::version())),
        Ok(Command::Install { path, parents }) => match install::install(&path, parents) {
            Ok(line) => return Then::Exit(print(&line)),
            Err(reason) => {
                let verdict = Verdict::config_error(reason);
                let code = verdict.category.exit_code();
                (
                    report::render(&verdict, Format::Text, Verbosity::Normal),
                    code,
                    None,
                )
            }
        },
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
                    return Then::Exit(unstartable.code);
                }
            }
            let verdict = probe::run(&plan);
            let mut code = verdict.category.exit_code();
            let mut then = None;
            let verdict = match (plan.exec, verdict.category) {
                (Some(command), Category::Healthy) => {
                    match exec::find(&command[0], env("PATH").as_deref()) {
                        Ok(path) => {
                            then = Some(become_command(path, command, plan.format));
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
    then.unwrap_or(Then::Exit(code))
}

/// Becoming the command found at `path`, once healthy; should `execve` refuse it (rare,
/// since `exec::find` found it runnable: a foreign binary, E2BIG), the healthy report is
/// out already, so this one follows it.
fn become_command(path: std::path::PathBuf, command: Vec<OsString>, format: Format) -> Then {
    let named = path.clone();
    let failed = Box::new(move |error: &std::io::Error| {
        let failed = exec::failed(&named, error);
        report::write_after(&Verdict::config_error(failed.reason), format);
        failed.code
    });
    Then::Become {
        path,
        command,
        failed,
    }
}

fn print(text: &str) -> c_int {
    report::write(text);
    0
}
