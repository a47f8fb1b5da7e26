/* Runs a command and prints its peak resident set size in KiB, its exit code and the
 * signal that killed it (0 for none): "<kib> <code> <signal>".
 *
 * The peak is VmHWM read from /proc/PID/status at the moment the child exits, caught with
 * ptrace's exit event while its memory still exists. That is the high-water mark of the
 * exec'd image alone. ru_maxrss would not do: on exec Linux folds the pre-exec image's
 * high-water mark (the launcher's, or the test harness's for a direct spawn) into it. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>
#include <fcntl.h>

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

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    pid_t pid = fork();
    if (pid < 0) return 2;
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0) { dup2(null, 1); dup2(null, 2); }
        ptrace(PTRACE_TRACEME, 0, 0, 0);
        raise(SIGSTOP);
        execv(argv[1], argv + 1);
        _exit(127);
    }
    int status = 0;
    long kib = -1;
    if (waitpid(pid, &status, 0) < 0) return 2;
    ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACEEXIT | PTRACE_O_TRACEEXEC);
    ptrace(PTRACE_CONT, pid, 0, 0);
    for (;;) {
        if (waitpid(pid, &status, 0) < 0) return 2;
        if (WIFEXITED(status) || WIFSIGNALED(status)) break;
        int sig = WSTOPSIG(status);
        int event = status >> 16;
        if (event == PTRACE_EVENT_EXIT) kib = vm_hwm(pid);
        /* Pass real signals on; swallow the traps ptrace itself causes. */
        ptrace(PTRACE_CONT, pid, 0, (event || sig == SIGTRAP) ? 0 : sig);
    }
    printf("%ld %d %d\n", kib, WIFEXITED(status) ? WEXITSTATUS(status) : -1,
           WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return 0;
}
