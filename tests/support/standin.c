/* A stand-in for a Node service, for images built FROM scratch (tests/docker.rs): static,
 * so it needs no base image, which no registry here could supply. It listens on $PORT
 * (3000 without it) and does, connection by connection, what /state/mode says:
 *   "200", "503", "404"  answer every path with that status;
 *   "hang"               accept and never answer (a hung event loop);
 *   "down"               close the listening socket: the service stopped, its container
 *                        still running; any other word opens it again.
 * /state/ready, if present, overrides the status for /health/ready (a database that is
 * not there yet). The test changes the files on the host, through a bind mount.
 * SIGTERM ends it at once with exit 0, as a Node service's handler does: as PID 1 of a
 * container, a process without a handler ignores docker stop's SIGTERM.
 * `standin worker` is a worker with no port instead: it touches /tmp/heartbeat every
 * 200 ms, as a queue consumer does after each job (making /tmp, which a FROM scratch image
 * lacks). */
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

static void read_word(const char *path, char *out, size_t size) {
    out[0] = '\0';
    FILE *file = fopen(path, "r");
    if (!file) return;
    if (!fgets(out, (int)size, file)) out[0] = '\0';
    fclose(file);
    out[strcspn(out, " \r\n")] = '\0';
}

static int listen_on(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, 64) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static const char *reason(const char *status) {
    if (!strcmp(status, "200")) return "OK";
    if (!strcmp(status, "404")) return "Not Found";
    return "Service Unavailable";
}

static void answer(int conn) {
    char request[4096];
    struct timeval wait = {.tv_sec = 2};
    setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
    ssize_t got = read(conn, request, sizeof request - 1);
    if (got <= 0) return;
    request[got] = '\0';
    char status[32];
    read_word("/state/mode", status, sizeof status);
    if (!strncmp(request, "GET /health/ready ", 18)) {
        char ready[32];
        read_word("/state/ready", ready, sizeof ready);
        if (ready[0]) strcpy(status, ready);
    }
    char reply[256];
    int len = snprintf(reply, sizeof reply,
                       "HTTP/1.1 %s %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                       status, reason(status));
    if (write(conn, reply, (size_t)len) < 0) return;
}

static void stop(int signum) {
    (void)signum;
    _exit(0);
}

static int worker(void) {
    signal(SIGTERM, stop);
    mkdir("/tmp", 01777);
    for (;;) {
        FILE *beat = fopen("/tmp/heartbeat", "w");
        if (beat) fclose(beat);
        usleep(200 * 1000);
    }
}

int main(int argc, char **argv) {
    if (argc > 1 && !strcmp(argv[1], "worker")) return worker();
    const char *port = getenv("PORT");
    int listener = -1;
    int hung[64];
    int hung_count = 0;
    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, stop);
    for (;;) {
        char mode[32];
        read_word("/state/mode", mode, sizeof mode);
        if (strcmp(mode, "hang") != 0) {
            while (hung_count > 0) close(hung[--hung_count]);
        }
        if (!strcmp(mode, "down")) {
            if (listener >= 0) close(listener);
            listener = -1;
            usleep(50000);
            continue;
        }
        if (listener < 0 && (listener = listen_on(port ? atoi(port) : 3000)) < 0) {
            usleep(50000);
            continue;
        }
        struct pollfd ready = {.fd = listener, .events = POLLIN};
        if (poll(&ready, 1, 50) <= 0) continue;
        int conn = accept(listener, NULL, NULL);
        if (conn < 0) continue;
        if (!strcmp(mode, "hang") && hung_count < 64) {
            hung[hung_count++] = conn;
            continue;
        }
        answer(conn);
        close(conn);
    }
}
