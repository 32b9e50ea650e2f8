# syntax=docker/dockerfile:1
# One image per service, from this one file:
#   docker build --build-arg SERVICE=gateway -t nest-redis-platform/gateway:dev .
# Stages: prune the monorepo to SERVICE and the packages it uses (turbo prune), install from the
# pruned lockfile, build, drop dev dependencies, then copy only that into a slim runtime image
# that runs as a non-root user under tini (signals reach node; zombies are reaped).
# deploy-checks runs these steps without Docker (test/dockerfile.spec.ts the prune stage, in
# make test; test/image-rehearsal.image-spec.ts every stage, in make image-check): keep RUN
# commands relative to WORKDIR, and mark OS-level RUN lines with the comment "rehearsal: skip"
# on the line above. `make image-check` (scripts/image-check.sh) then builds it for real with
# buildah, on a base made without a registry, and runs the gateway image.

ARG NODE_IMAGE=node:24.22.3-bookworm-slim

FROM ${NODE_IMAGE} AS base
# The root package.json's packageManager version (deploy-checks' dockerfile.spec.ts checks it):
# the npm that wrote package-lock.json is the one that runs npm ci and npm prune here, not
# whichever npm the Node image happens to ship.
ARG NPM_VERSION=11.19.1
ENV TURBO_TELEMETRY_DISABLED=1 \
    DO_NOT_TRACK=1 \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false
# rehearsal: skip (replaces the image's global npm; the rehearsal uses the machine's npm)
RUN npm install --global "npm@${NPM_VERSION}" && test "$(npm --version)" = "${NPM_VERSION}"
WORKDIR /app

FROM base AS pruner
ARG SERVICE
# Same version as the root package.json's devDependency (dockerfile.spec.ts checks it).
ARG TURBO_VERSION=2.11.9
COPY . .
RUN test -n "${SERVICE}" && test -d "services/${SERVICE}" || { echo "set --build-arg SERVICE=<a folder of services/>" >&2; exit 1; }
RUN npx --yes "turbo@${TURBO_VERSION}" prune "${SERVICE}" --docker --out-dir out

FROM base AS builder
ARG SERVICE
# The dependency layer only changes when a package.json, the lockfile or a patch does. npm ci
# applies patches/ (the root package's postinstall, patch-package): see patches/README.md.
COPY --from=pruner /app/out/json/ ./
COPY --from=pruner /app/patches/ ./patches/
RUN npm ci
COPY --from=pruner /app/out/full/ ./
RUN npx --no-install turbo run build --filter="${SERVICE}..."
RUN npm prune --omit=dev
# contracts/ holds the services' contracts (@contracts/<name>); a service that uses none has no
# such folder in its pruned tree, and the runtime stage copies it either way.
RUN mkdir -p contracts

FROM ${NODE_IMAGE} AS runtime
ARG SERVICE
ENV NODE_ENV=production
# rehearsal: skip (an OS package; the rehearsal starts node directly)
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=builder /app/package.json ./package.json
COPY --from=builder /app/node_modules ./node_modules
COPY --from=builder /app/packages ./packages
COPY --from=builder /app/contracts ./contracts
COPY --from=builder /app/services/${SERVICE} ./services/${SERVICE}
WORKDIR /app/services/${SERVICE}
# A numeric, high uid no host account has; the files stay root-owned and read-only to it.
USER 10001:10001
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "--enable-source-maps", "dist/main.js"]
