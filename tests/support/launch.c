/* Runs a command once and reports on that one child, with its output sent to /dev/null.
 *
 *   launch rss  CMD [ARGS]   prints "<peak KiB> <exit code> <signal>"
 *   launch time CMD [ARGS]   prints "<wall ns> <user us> <sys us> <exit code> <signal>"
 *   launch trace CMD [ARGS]  prints each address of CMD's own code that ran, once, in hex,
 *                            relative to where CMD was loaded, in the order first run
 *
 * rss: the peak is VmHWM read from /proc/PID/status at the moment the child exits, caught
 * with ptrace's exit event while its memory still exists: the high-water mark of the
 * exec'd image alone. ru_maxrss would not do: on exec Linux folds the pre-exec image's
 * high-water mark (the launcher's, or a test harness's) into it.
 * time: wall clock from fork to reaping, and the child's own CPU from wait4(); no ptrace,
 * which would slow the child. Exit code or signal is -1/0 when not applicable.
 * trace: single-steps the real binary on the real CPU (a CPU emulator would take other
 * CPU-feature paths), for scripts/hot_text.py, which links that code together. x86_64
 * only (it reads the instruction pointer by name). */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long vm_hwm(pid_t pid) {
    char path[64], line[256];
    long kib = -1;
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0) sscanf(line + 6, "%ld", &kib);
    fclose(f);
    return kib;
}

static pid_t start(char **argv, int traced) {
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) { dup2(null, 0); dup2(null, 1); dup2(null, 2); }
        if (traced) { ptrace(PTRACE_TRACEME, 0, 0, 0); raise(SIGSTOP); }
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

static int code(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : -1; }
static int sig(int status) { return WIFSIGNALED(status) ? WTERMSIG(status) : 0; }

static int rss(char **argv) {
    int status = 0;
    long kib = -1;
    pid_t pid = start(argv, 1);
    if (pid < 0 || waitpid(pid, &status, 0) < 0) return 2;
    ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACEEXIT | PTRACE_O_TRACEEXEC);
    ptrace(PTRACE_CONT, pid, 0, 0);
    for (;;) {
        if (waitpid(pid, &status, 0) < 0) return 2;
        if (WIFEXITED(status) || WIFSIGNALED(status)) break;
        int stop = WSTOPSIG(status), event = status >> 16;
        if (event == PTRACE_EVENT_EXIT) kib = vm_hwm(pid);
        /* Pass real signals on; swallow the traps ptrace itself causes. */
        ptrace(PTRACE_CONT, pid, 0, (event || stop == SIGTRAP) ? 0 : stop);
    }
    printf("%ld %d %d\n", kib, code(status), sig(status));
    return 0;
}

static long long ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int timed(char **argv) {
    int status = 0;
    struct rusage usage;
    long long began = ns();
    pid_t pid = start(argv, 0);
    if (pid < 0 || wait4(pid, &status, 0, &usage) < 0) return 2;
    long long wall = ns() - began;
    long user = usage.ru_utime.tv_sec * 1000000L + usage.ru_utime.tv_usec;
    long sys = usage.ru_stime.tv_sec * 1000000L + usage.ru_stime.tv_usec;
    printf("%lld %ld %ld %d %d\n", wall, user, sys, code(status), sig(status));
    return 0;
}

static int trace(char **argv) {
#if !defined(__x86_64__)
    (void)argv;
    fprintf(stderr, "launch trace: x86_64 only\n");
    return 2;
#else
    int status = 0;
    pid_t pid = start(argv, 1);
    if (pid < 0 || waitpid(pid, &status, 0) < 0) return 2;
    ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACEEXEC);
    ptrace(PTRACE_CONT, pid, 0, 0);
    if (waitpid(pid, &status, 0) < 0 || status >> 16 != PTRACE_EVENT_EXEC) return 2;
    /* The binary's mappings: from the first (its base) to the end of the last. */
    char path[64], line[512], exe[512];
    snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
    ssize_t n = readlink(path, exe, sizeof exe - 1);
    if (n <= 0) return 2;
    exe[n] = 0;
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    FILE *maps = fopen(path, "r");
    unsigned long base = 0, end = 0, lo, hi;
    while (maps && fgets(line, sizeof line, maps)) {
        char *name = strchr(line, '/');
        if (!name || strncmp(name, exe, strlen(exe)) != 0) continue;
        if (sscanf(line, "%lx-%lx", &lo, &hi) != 2) continue;
        if (!base) base = lo;
        end = hi;
    }
    if (maps) fclose(maps);
    if (!base) return 2;
    unsigned char *seen = calloc(end - base, 1);
    if (!seen) return 2;
    for (;;) {
        struct user_regs_struct regs;
        if (ptrace(PTRACE_GETREGS, pid, 0, &regs) == 0 && regs.rip >= base && regs.rip < end &&
            !seen[regs.rip - base]) {
            seen[regs.rip - base] = 1;
            printf("%lx\n", (unsigned long)(regs.rip - base));
        }
        int stop = WIFSTOPPED(status) ? WSTOPSIG(status) : 0;
        if (ptrace(PTRACE_SINGLESTEP, pid, 0, stop == SIGTRAP ? 0 : stop) < 0) break;
        if (waitpid(pid, &status, 0) < 0 || WIFEXITED(status) || WIFSIGNALED(status)) break;
    }
    return 0;
#endif
}

int main(int argc, char **argv) {
    if (argc < 3) return 2;
    if (strcmp(argv[1], "rss") == 0) return rss(argv + 2);
    if (strcmp(argv[1], "time") == 0) return timed(argv + 2);
    if (strcmp(argv[1], "trace") == 0) return trace(argv + 2);
    return 2;
}
