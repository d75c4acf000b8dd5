# syntax=docker/dockerfile:1
#
# The driftwarden controller image (infra/modules/controller-service runs it on ECS Fargate).
#
#   docker build -t driftwarden .
#   docker run --rm -p 8080:8080 -e REDIS_URL=redis://host.docker.internal:6379 \
#     -e DRIFTWARDEN_CONFIG_YAML="$(cat driftwarden.yaml)" driftwarden
#
# Node 22 (LTS): Node 20, which this project's CI also runs, is past end of life. The unit and
# integration suites, the demo and the benchmark pass on both (package.json engines: 20.19+ or
# 22.12+). Pin the base image by digest in your own registry for reproducible builds;
# --build-arg NODE_IMAGE=node:20-bookworm-slim builds the old way. --platform linux/arm64 builds for Graviton
# (controller-service cpu_architecture = "ARM64").

ARG NODE_IMAGE=node:22-bookworm-slim

# ---------------------------------------------------------------------------------------
# build: install from the lockfile, compile controller, CLI and console, then drop dev dependencies
# ---------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app

# Dependencies first: this layer is reused until the lockfile changes. `npm ci` installs
# exactly package-lock.json. --ignore-scripts: no dependency needs its install script here
# (the native addons ship prebuilt binaries or are optional; HCL is parsed with WebAssembly),
# so no third-party code runs at install time.
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --ignore-scripts --no-audit --no-fund

COPY nest-cli.json tsconfig.json tsconfig.build.json ./
COPY apps ./apps
COPY libs ./libs
# nest build controller && nest build cli -> dist/apps/controller/src/main.js, dist/apps/cli/src/main.js;
# vite build -> dist/console (the web console the controller serves at /ui)
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# ---------------------------------------------------------------------------------------
# runtime: node, the compiled code and production dependencies only
# ---------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime

ENV NODE_ENV=production
WORKDIR /app

# The runtime runs `node` only: without npm, npx, corepack and yarn there is less to patch.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
      /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-*

# Owned by root and not writable by the process: the controller cannot change its own code
# (ECS also mounts the root filesystem read-only).
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The CLI (`node bin/driftwarden.js freeze status`, ...) for one-off tasks.
COPY bin ./bin

# The `node` user (uid 1000, gid 1000) of the official image; the task definition runs the
# container as 1000:1000 too.
USER node

EXPOSE 8080

# The same liveness check as the task definition: node's fetch, no curl in the image.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# --max-semi-space-size=32: a young generation of 2 x 32 MB instead of 2 x 16 MB. At saturation the
# controller's decisions in flight outlive a 16 MB one: scavenges every ~20 ms copied them over and
# over and took a quarter of its time; with 32 MB, half as many scavenges and about 10 % more
# events/s (README "Running it"). npm start and npm run bench use the same flag.
CMD ["node", "--max-semi-space-size=32", "dist/apps/controller/src/main.js"]
