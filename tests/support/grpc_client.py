"""The gRPC project's own health client (grpcio's generated grpc.health.v1 stub): the
oracle tests/grpc.rs runs beside healthprobe.

    grpc_client.py TARGET SERVICE [--tls CA [CERT KEY] [--name NAME]]

Prints the serving status's name (SERVING, NOT_SERVING, ...) or the failed call's code
(NOT_FOUND, UNIMPLEMENTED, ...).
"""

import argparse

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

parser = argparse.ArgumentParser()
parser.add_argument("target")
parser.add_argument("service")
parser.add_argument("--tls", nargs="+")
parser.add_argument("--name")
args = parser.parse_args()

if args.tls:
    ca = open(args.tls[0], "rb").read()
    cert = key = None
    if len(args.tls) == 3:
        cert, key = (open(p, "rb").read() for p in args.tls[1:])
    credentials = grpc.ssl_channel_credentials(ca, key, cert)
    options = [("grpc.ssl_target_name_override", args.name)] if args.name else []
    channel = grpc.secure_channel(args.target, credentials, options)
else:
    channel = grpc.insecure_channel(args.target)
stub = health_pb2_grpc.HealthStub(channel)
try:
    answer = stub.Check(health_pb2.HealthCheckRequest(service=args.service), timeout=5)
    print(health_pb2.HealthCheckResponse.ServingStatus.Name(answer.status))
except grpc.RpcError as error:
    print(error.code().name)
