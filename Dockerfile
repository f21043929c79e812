# The reference backend (backend/) as a container: Node 20, the callrisk
# package built from source in a build stage, a non-root user, SQLite data on
# a volume (/data), a health check on /healthz. Docker or Podman:
#   docker build -t callrisk .            podman build --format docker -t callrisk .
#   docker run -p 8000:8000 -v callrisk-data:/data callrisk
# compose.yaml runs it beside PostgreSQL. The base images are build
# arguments with the usual public defaults; tests/container/test_container.sh
# builds it from local Debian images made with debootstrap.
ARG WASM_BUILD_IMAGE=docker.io/library/debian:bookworm
ARG NODE_IMAGE=docker.io/library/node:20-bookworm
ARG RUNTIME_IMAGE=docker.io/library/node:20-bookworm-slim

# callrisk.wasm from the C core with Debian's Emscripten (the emscripten
# preset, as scripts/build-wasm.sh builds it), the package's JS as it ships
# (scripts/bundle-js.mjs, with the Node Emscripten brings), and the tree the
# app needs.
FROM ${WASM_BUILD_IMAGE} AS wasm
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends cmake ninja-build emscripten \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake --preset emscripten >/dev/null && cmake --build --preset emscripten \
 && mkdir -p /out/js/dist /out/backend \
 && node scripts/bundle-js.mjs \
 && cp package.json /out/ && cp js/*.js js/*.d.ts /out/js/ && cp js/dist/callrisk.js build/emscripten/callrisk.wasm /out/js/dist/ \
 && cp -r dashboard /out/ && cp -r backend/package.json backend/package-lock.json backend/src /out/backend/

# The backend's dependencies (the package itself from ..); better-sqlite3
# compiles against this image's Node.
FROM ${NODE_IMAGE} AS deps
COPY --from=wasm /out /app
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/* \
 && cd /app/backend && npm ci --omit=dev --no-audit --no-fund --nodedir="$(dirname "$(dirname "$(command -v node)")")"

FROM ${RUNTIME_IMAGE}
COPY --from=deps /app /app
RUN install -d -o node -g node /data
WORKDIR /app
USER node
ENV HOST=0.0.0.0 PORT=8000 CALLRISK_DB=/data/callrisk.db NODE_ENV=production
VOLUME /data
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "backend/src/server.js"]
