/* What a command started by `healthprobe ... -- COMMAND` received, for tests/exec.rs: its
 * PID, its arguments and its environment (each in hex, so any byte shows), the
 * descriptors open in it, and its ignored and blocked signals (the kernel's SigIgn and
 * SigBlk masks), one per line. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static void hex(const char *kind, const char *text) {
    printf("%s ", kind);
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) printf("%02x", *p);
    printf("\n");
}

int main(int argc, char **argv) {
    printf("pid %d\n", (int)getpid());
    for (int i = 0; i < argc; i++) hex("arg", argv[i]);
    for (char **e = environ; *e; e++) hex("env", *e);
    DIR *fds = opendir("/proc/self/fd");
    if (fds) {
        struct dirent *d;
        while ((d = readdir(fds))) {
            if (d->d_name[0] == '.' || atoi(d->d_name) == dirfd(fds)) continue;
            printf("fd %s\n", d->d_name);
        }
        closedir(fds);
    }
    FILE *status = fopen("/proc/self/status", "r");
    if (status) {
        char line[256];
        while (fgets(line, sizeof line, status)) {
            if (!strncmp(line, "SigIgn:\t", 8)) printf("sigign %s", line + 8);
            if (!strncmp(line, "SigBlk:\t", 8)) printf("sigblk %s", line + 8);
        }
        fclose(status);
    }
    return 0;
}
