//! `cargo bench`: the per-probe cost of healthprobe beside its peers, in one run.
//!
//! One loopback server (nginx when installed, else an in-process one) serves `/health`;
//! every tool probes it, interleaved A B C … A B C … after a warm-up, beside two references:
//! a do-nothing static binary (the process-start floor) and a bare C socket probe (the
//! network floor: process start plus the kernel's TCP work). Per run: wall time and
//! user+sys CPU of the child alone (`tests/support/launch.c time`, fork to wait4), peak
//! RSS of the child alone (`launch.c rss`, VmHWM at exit via ptrace), and the system calls
//! of one healthy probe (`strace -f -c`). Prints a markdown table of medians with the
//! p10–p90 spread, and healthprobe/peer ratios of the medians.
//!
//! `BENCH_RUNS` sets the interleaved rounds (default 200). Peers that are not installed
//! are skipped with a note: `apt-get install busybox-static nginx-light curl nodejs strace
//! musl-tools`.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

// The tests' support, of which the bench uses a part.
#[allow(dead_code)]
#[path = "../tests/support/mod.rs"]
mod support;

const RSS_RUNS: usize = 30;
/// The row of a gRPC health check of the same nginx, compared with the HTTP row.
const GRPC_ROW: &str = "healthprobe, grpc:// (nginx, HTTP/2)";
const WARM_UP: usize = 10;

struct Tool {
    name: &'static str,
    argv: Vec<String>,
    wall_us: Vec<f64>,
    cpu_us: Vec<f64>,
    rss_kib: Vec<f64>,
    syscalls: Option<u64>,
}

fn main() {
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench");
    std::fs::create_dir_all(&work).unwrap();
    let launcher = build_launcher(&work);
    let floor = build_floor(&work);
    let ca = write_certificates(&work);
    let (url, https, grpc, _server) = start_server(&work);
    let probe = env!("CARGO_BIN_EXE_healthprobe").to_string();

    let mut tools = vec![tool(
        "healthprobe",
        vec![probe.clone(), "-q".into(), url.clone()],
    )];
    match grpc {
        Some(grpc) => tools.push(tool(GRPC_ROW, vec![probe.clone(), "-q".into(), grpc])),
        None => eprintln!("no grpc:// row: the in-process server speaks HTTP/1.1 only"),
    }
    match https {
        Some(https) => {
            let tls = support::tls_binary().display().to_string();
            let args = vec![tls, "-q".into(), "--cacert".into(), ca, https];
            tools.push(tool("healthprobe --features tls, https://", args));
        }
        None => eprintln!("no https row: the in-process server speaks plain HTTP only"),
    }
    let mut skipped = Vec::new();
    let mut peer = |name: &'static str, program: &str, args: Vec<String>| match which(program) {
        Some(path) => tools.push(tool(name, [vec![path], args].concat())),
        None => skipped.push(format!("{name} ({program} not installed)")),
    };
    peer(
        "busybox wget --spider",
        "busybox",
        vec!["wget".into(), "-q".into(), "--spider".into(), url.clone()],
    );
    peer(
        "curl -f",
        "curl",
        vec!["-fsS".into(), "-o".into(), "/dev/null".into(), url.clone()],
    );
    let script =
        format!("require('http').get('{url}', r => process.exit(r.statusCode === 200 ? 0 : 1))");
    peer("node one-liner", "node", vec!["-e".into(), script]);
    tools.push(tool("do-nothing floor", vec![floor.display().to_string()]));
    match build_bare_probe(&work) {
        Some(bare) => {
            let port = url.rsplit(':').next().unwrap().split('/').next().unwrap();
            let args = vec![bare, "127.0.0.1".into(), port.into(), "/health".into()];
            tools.push(tool("bare socket probe (C, network floor)", args));
        }
        None => skipped.push("bare socket probe (cc -static failed: no static libc)".into()),
    }

    for tool in &mut tools {
        for _ in 0..WARM_UP {
            time_once(&launcher, tool);
        }
        tool.wall_us.clear();
        tool.cpu_us.clear();
    }
    for _ in 0..runs {
        for tool in &mut tools {
            time_once(&launcher, tool);
        }
    }
    for _ in 0..RSS_RUNS {
        for tool in &mut tools {
            let out = launch(&launcher, "rss", &tool.argv);
            tool.rss_kib.push(out[0]);
        }
    }
    for tool in &mut tools {
        let argv: Vec<&str> = tool.argv.iter().map(String::as_str).collect();
        tool.syscalls = support::strace_summary(&argv, None, &work.join("strace.txt"))
            .map(|summary| support::strace_calls(&summary, "total"));
    }
    report(&tools, &skipped, runs, &probe, &floor);
}

fn tool(name: &'static str, argv: Vec<String>) -> Tool {
    Tool {
        name,
        argv,
        wall_us: Vec::new(),
        cpu_us: Vec::new(),
        rss_kib: Vec::new(),
        syscalls: None,
    }
}

fn time_once(launcher: &Path, tool: &mut Tool) {
    let out = launch(launcher, "time", &tool.argv);
    tool.wall_us.push(out[0] / 1000.0);
    tool.cpu_us.push(out[1] + out[2]);
}

/// Runs the launcher; every probe must be healthy, or the numbers would mean nothing.
fn launch(launcher: &Path, mode: &str, argv: &[String]) -> Vec<f64> {
    let out = Command::new(launcher)
        .arg(mode)
        .args(argv)
        .output()
        .expect("launcher runs");
    let fields: Vec<f64> = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(|f| f.parse().unwrap())
        .collect();
    let n = fields.len();
    assert!(
        n >= 3 && fields[n - 2] == 0.0 && fields[n - 1] == 0.0,
        "{argv:?} was not healthy: {fields:?}"
    );
    fields
}

fn build_launcher(work: &Path) -> PathBuf {
    support::compile_c(
        "cc",
        &["-O2"],
        "tests/support/launch.c",
        &work.join("launch"),
    )
    .expect("the launcher needs a C compiler (cc)")
}

/// The floor: a package of its own holding `benches/support/floor.rs`, with this crate's
/// `[profile.release]` copied in, built by cargo under this repository, so that it gets
/// the same toolchain and the same std (`.cargo/config.toml`) as healthprobe.
fn build_floor(work: &Path) -> PathBuf {
    let dir = work.join("floor-package");
    let manifest = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .expect("Cargo.toml reads");
    let profile = manifest
        .split("\n[")
        .find(|section| section.starts_with("profile.release]"))
        .expect("Cargo.toml has [profile.release]");
    let source = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/support/floor.rs");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"floor\"\nedition = \"2024\"\n\n[[bin]]\nname = \"floor\"\n\
             path = \"{source}\"\n\n[workspace]\n\n[{profile}"
        ),
    )
    .unwrap();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let ok = Command::new(cargo)
        .current_dir(&dir)
        .args(["build", "--release", "--quiet", "--target-dir", "target"])
        .status();
    assert!(ok.is_ok_and(|s| s.success()), "cargo builds the floor");
    dir.join("target/x86_64-unknown-linux-musl/release/floor")
}

/// The network floor (`benches/support/bare_probe.c`), static like the other binaries:
/// on musl like healthprobe when musl-gcc is there (Debian's musl-tools), else on glibc,
/// whose start-up costs more.
fn build_bare_probe(work: &Path) -> Option<String> {
    let compiler = which("musl-gcc").unwrap_or_else(|| "cc".into());
    let source = "benches/support/bare_probe.c";
    let out = support::compile_c(
        &compiler,
        &["-O2", "-static"],
        source,
        &work.join("bare_probe"),
    )?;
    eprintln!("bare socket probe built by {compiler}");
    Some(out.display().to_string())
}

/// Keeps the server alive for the run.
enum Server {
    Nginx(Child),
    InProcess,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Server::Nginx(child) = self {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A CA and a server certificate for 127.0.0.1, for nginx's https listener. Returns the
/// CA file's path.
fn write_certificates(work: &Path) -> String {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&key, &ca)
        .unwrap();
    std::fs::write(work.join("server.pem"), cert.pem()).unwrap();
    std::fs::write(work.join("server.key"), key.serialize_pem()).unwrap();
    std::fs::write(work.join("ca.pem"), ca.pem()).unwrap();
    work.join("ca.pem").display().to_string()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Plain and (with nginx) TLS URLs of `/health`, and (with nginx) a gRPC health target.
fn start_server(work: &Path) -> (String, Option<String>, Option<String>, Server) {
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/health");
    if let Some(nginx) = which("nginx") {
        let tls_port = free_port();
        let https = format!("https://127.0.0.1:{tls_port}/health");
        let h2_port = free_port();
        let grpc = format!("grpc://127.0.0.1:{h2_port}");
        // The health answer, SERVING, as a file nginx serves over cleartext HTTP/2 with
        // grpc-status 0 in the trailers: a gRPC server's answer at nginx's cost. nginx
        // refuses POST for a file (405); error_page turns that into the file itself.
        let answer = work.join("grpc/grpc.health.v1.Health");
        std::fs::create_dir_all(&answer).unwrap();
        std::fs::write(answer.join("Check"), [0, 0, 0, 0, 2, 0x08, 1]).unwrap();
        let dir = work.display();
        let conf = format!(
            "daemon off; master_process off; worker_processes 1; pid {dir}/nginx.pid;
             error_log {dir}/nginx-error.log;
             events {{ worker_connections 512; }}
             http {{
               access_log off;
               client_body_temp_path {dir}/body; proxy_temp_path {dir}/proxy;
               fastcgi_temp_path {dir}/fastcgi; uwsgi_temp_path {dir}/uwsgi; scgi_temp_path {dir}/scgi;
               server {{
                 listen 127.0.0.1:{port};
                 listen 127.0.0.1:{tls_port} ssl;
                 ssl_certificate {dir}/server.pem; ssl_certificate_key {dir}/server.key;
                 location = /health {{ default_type application/json; return 200 '{{\"status\":\"ok\"}}'; }}
               }}
               server {{
                 listen 127.0.0.1:{h2_port} http2;
                 location = /grpc.health.v1.Health/Check {{
                   root {dir}/grpc; default_type application/grpc;
                   add_trailer grpc-status 0 always; error_page 405 =200 $uri;
                 }}
               }}
             }}"
        );
        std::fs::write(work.join("nginx.conf"), conf).unwrap();
        let child = Command::new(nginx)
            .arg("-p")
            .arg(work)
            .arg("-e")
            .arg(work.join("nginx-error.log"))
            .arg("-c")
            .arg(work.join("nginx.conf"))
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let server = Server::Nginx(child);
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "nginx did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        eprintln!("server: nginx on {url}, {https} and {grpc}");
        return (url, Some(https), Some(grpc), server);
    }
    let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut buf = [0u8; 2048];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\nConnection: close\r\n\r\n{\"status\":\"ok\"}",
            );
        }
    });
    eprintln!("server: in-process (nginx not installed) on {url}");
    (url, None, None, Server::InProcess)
}

fn which(program: &str) -> Option<String> {
    support::which(program).map(|p| p.display().to_string())
}

fn percentile(values: &[f64], p: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn cell(values: &[f64], unit: &str) -> String {
    format!(
        "{:.0} {unit} ({:.0}–{:.0})",
        percentile(values, 0.5),
        percentile(values, 0.1),
        percentile(values, 0.9)
    )
}

fn ratio(ours: &[f64], theirs: &[f64]) -> String {
    format!("{:.2}", percentile(ours, 0.5) / percentile(theirs, 0.5))
}

fn report(tools: &[Tool], skipped: &[String], runs: usize, probe: &str, floor: &Path) {
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_default();
    println!(
        "\n{runs} interleaved runs per tool after {WARM_UP} warm-up runs; RSS over {RSS_RUNS} runs; {cpu}, {} cores\n",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0)
    );
    println!(
        "| tool | wall, median (p10–p90) | user+sys CPU | peak RSS | syscalls | healthprobe/tool: wall | CPU | RSS |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let ours = &tools[0];
    for tool in tools {
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            tool.name,
            cell(&tool.wall_us, "µs"),
            cell(&tool.cpu_us, "µs"),
            cell(&tool.rss_kib, "KiB"),
            tool.syscalls.map_or("-".to_string(), |n| n.to_string()),
            ratio(&ours.wall_us, &tool.wall_us),
            ratio(&ours.cpu_us, &tool.cpu_us),
            ratio(&ours.rss_kib, &tool.rss_kib),
        );
    }
    if let Some(grpc) = tools.iter().find(|t| t.name == GRPC_ROW) {
        println!(
            "\ngrpc:// / http:// of the same nginx: wall {}, CPU {}",
            ratio(&grpc.wall_us, &ours.wall_us),
            ratio(&grpc.cpu_us, &ours.cpu_us)
        );
    }
    for s in skipped {
        println!("\nskipped: {s}");
    }
    println!(
        "\nbinary sizes: healthprobe {} bytes, floor {} bytes",
        size(Path::new(probe)),
        size(floor)
    );
}
