# The healthprobe image: the static binary alone, at /healthprobe, for one line in any
# image's build: COPY --from=<this image> /healthprobe /usr/local/bin/healthprobe.
# Nothing is compiled here: the binary is the release artifact scripts/dist made for the
# platform being built, named by Docker's TARGETARCH and TARGETVARIANT (amd64, arm64,
# armv7, armv6, 386, ppc64le, s390x, riscv64). BuildKit sets those two.
#   scripts/dist && docker buildx build --platform linux/amd64,linux/arm64,linux/arm/v7 -t healthprobe .
#   docker buildx build --build-arg VARIANT=-tls -t healthprobe:tls .   (https:// and grpcs://)
FROM scratch
ARG TARGETARCH
ARG TARGETVARIANT
# "" for the plain build, "-tls" for the build with https:// and grpcs:// targets.
ARG VARIANT=""
# The crate's version and repository (tests/docker.rs keeps them equal to Cargo.toml's);
# the release workflow passes its tag's and its own.
ARG VERSION=0.1.0
ARG SOURCE=https://github.com/healthprobe/healthprobe
LABEL org.opencontainers.image.title="healthprobe" \
      org.opencontainers.image.description="A static container health probe with a hard deadline: HTTP, gRPC, TCP, PostgreSQL, Redis, MySQL, AMQP, NATS, memcached, MQTT (the -tls image adds https:// and grpcs://); exit 0 healthy, 1 not, one line saying why" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="MIT OR Apache-2.0"
# The classic builder sets no TARGETARCH: its error then names the file
# "…-needs-BuildKit-for-TARGETARCH" rather than "healthprobe-linux-" alone.
COPY dist/healthprobe-linux-${TARGETARCH:-needs-BuildKit-for-TARGETARCH}${TARGETVARIANT}${VARIANT} /healthprobe
# Numeric, so that Kubernetes runAsNonRoot can verify it; the probe needs no privilege.
USER 65532:65532
ENTRYPOINT ["/healthprobe"]
