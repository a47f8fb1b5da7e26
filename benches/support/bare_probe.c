/* The network floor: the least an HTTP probe can do. One GET over a fresh loopback TCP
 * connection (socket, connect, send, recv, close), exit 0 on a 2xx/3xx status line. No
 * arguments to parse beyond "IPV4 PORT PATH", no deadline, no checks, no report: what is
 * left of a probe's cost here is process start plus the kernel's TCP work, which every
 * probe pays. Built static by benches/probe.rs. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 4) return 2;
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2]))};
    if (inet_pton(AF_INET, argv[1], &to.sin_addr) != 1) return 2;
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0 || connect(s, (struct sockaddr *)&to, sizeof to) != 0) return 1;
    char request[512], reply[1024];
    int n = snprintf(request, sizeof request,
                     "GET %s HTTP/1.1\r\nHost: %s:%s\r\nConnection: close\r\n\r\n", argv[3],
                     argv[1], argv[2]);
    if (send(s, request, n, MSG_NOSIGNAL) != n) return 1;
    ssize_t got = recv(s, reply, sizeof reply, 0);
    close(s);
    return !(got >= 12 && memcmp(reply, "HTTP/1.", 7) == 0 && (reply[9] == '2' || reply[9] == '3'));
}
