"""A gRPC server with the standard health service, on Python's gRPC (grpcio and
grpcio-health-checking), for tests/grpc.rs.

    grpc_server.py --listen 127.0.0.1:PORT|unix:PATH [--status SERVICE=STATUS]...
                   [--no-health] [--tls CERT KEY [--client-ca CA]] [--echo-credentials]

Prints `ready` once it listens. Each line on standard input, `SERVICE STATUS` (`-` for
the empty service), sets a status. Each health call prints `metadata NAME=VALUE` for its
`x-` metadata, then `called SERVICE`. With --echo-credentials every call fails as a server
that quotes a bad token back does: UNAUTHENTICATED, "invalid credentials: " + the
`authorization` metadata in grpc-message (which gRPC percent-encodes), and a
google.rpc.Status with the same message in grpc-status-details-bin (which gRPC sends as
base64), as rich-error servers do.
"""

import argparse
import sys
import threading
from concurrent import futures

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

parser = argparse.ArgumentParser()
parser.add_argument("--listen", required=True)
parser.add_argument("--status", action="append", default=[])
parser.add_argument("--no-health", action="store_true")
parser.add_argument("--tls", nargs=2)
parser.add_argument("--client-ca")
parser.add_argument("--echo-credentials", action="store_true")
args = parser.parse_args()


class Health(health.HealthServicer):
    """The library's servicer, telling what each call carried."""

    def Check(self, request, context):
        for key, value in context.invocation_metadata():
            if key.startswith("x-"):
                print(f"metadata {key}={value}", flush=True)
        print(f"called {request.service}", flush=True)
        if args.echo_credentials:
            token = dict(context.invocation_metadata()).get("authorization", "")
            message = ("invalid credentials: " + token).encode()
            # google.rpc.Status: code (field 1, varint), message (field 2, bytes).
            details = bytes([0x08, 16, 0x12, len(message)]) + message
            context.set_trailing_metadata((("grpc-status-details-bin", details),))
            context.abort(grpc.StatusCode.UNAUTHENTICATED, message.decode())
        return super().Check(request, context)


server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
servicer = Health()
if not args.no_health:
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
for item in args.status:
    service, status = item.split("=", 1)
    servicer.set(service, health_pb2.HealthCheckResponse.ServingStatus.Value(status))

if args.tls:
    cert, key = (open(p, "rb").read() for p in args.tls)
    ca = open(args.client_ca, "rb").read() if args.client_ca else None
    credentials = grpc.ssl_server_credentials(
        [(key, cert)], root_certificates=ca, require_client_auth=ca is not None
    )
    server.add_secure_port(args.listen, credentials)
else:
    server.add_insecure_port(args.listen)
server.start()
print("ready", flush=True)


def commands():
    for line in sys.stdin:
        service, status = line.split()
        service = "" if service == "-" else service
        servicer.set(service, health_pb2.HealthCheckResponse.ServingStatus.Value(status))
        print(f"set {service} {status}", flush=True)


threading.Thread(target=commands, daemon=True).start()
server.wait_for_termination()
