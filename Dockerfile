# syntax=docker/dockerfile:1
# haystack-sim: one compiled Bun executable in a slim Debian image.
# Build:  docker build -t haystack-sim .
# Run:    docker run -p 8080:8080 -v hs-data:/data haystack-sim          (embedded database in /data)
#         docker run -p 8080:8080 -e DATABASE_URL=postgres://… haystack-sim

# --- build: install pinned dependencies, check, compile ---------------------------------------
FROM oven/bun:1.4.5-debian AS build
WORKDIR /src
COPY package.json bun.lock bunfig.toml tsconfig.json ./
RUN bun install --frozen-lockfile
COPY src ./src
COPY views ./views
COPY public ./public
COPY schema ./schema
RUN bun run build

# --- runtime: glibc + CA certificates; the executable needs no node_modules --------------------
FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 haystack \
 && useradd --system --uid 10001 --gid haystack --home-dir /data --shell /usr/sbin/nologin haystack \
 && mkdir -p /data && chown haystack:haystack /data
COPY --from=build /src/dist/haystack-sim /usr/local/bin/haystack-sim
USER haystack
WORKDIR /data
ENV PORT=8080 HOST=0.0.0.0 DATA_DIR=/data LOG_FORMAT=json
EXPOSE 8080
VOLUME ["/data"]
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD curl -fsS "http://127.0.0.1:${PORT}/health" || exit 1
# SIGTERM is handled: in-flight requests finish, simulators stop, databases close, exit 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/haystack-sim"]
CMD ["serve"]
