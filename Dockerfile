# syntax=docker/dockerfile:1
# The production image: every role (`--role api|bot|worker`) and the operator CLI run from it.
# docs/operations.md says how compose.yaml runs it; test/runtime/compose.test.ts keeps both honest.

# The exact Node release package.json pins as the npm package `node`. In development npm puts that
# package's binary first on PATH; the image has its own Node instead, the same release, from the
# official image, so the package's install script (a ~190 MB download of a second Node) never runs.
ARG NODE_VERSION=24.21.0

FROM node:${NODE_VERSION}-bookworm-slim AS base
WORKDIR /app

# All dependencies, for the build. --ignore-scripts skips the one install script package.json
# approves (the `node` package's download, see above); npm already skips the unapproved ones.
FROM base AS deps
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund && rm -f node_modules/.bin/node

# `npm run build` generates the Prisma client, compiles src/ to dist/src/ and copies the migrations
# to dist/prisma/migrations, where the migration runner looks for them (src/db/migrate.ts).
FROM deps AS build
COPY . .
RUN npm run build

# Production dependencies only. npm also installs the optional peers of @prisma/client (the Prisma
# CLI and TypeScript, with the CLI's own dependencies); scripts/prune-dev-only.mjs removes them.
FROM base AS prod-deps
COPY package.json package-lock.json ./
COPY scripts/prune-dev-only.mjs ./scripts/
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
  && rm -rf node_modules/node node_modules/.bin/node \
  && node scripts/prune-dev-only.mjs

FROM base AS runtime
# tini is PID 1: Linux drops a signal without a handler sent to PID 1, and node has none while it
# loads its modules (from its first line on, the process takes SIGTERM, even mid start-up). tini
# forwards SIGTERM to node, reaps children and passes node's exit status on.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
# Inside a container every listener binds all interfaces (the container network is the boundary);
# outside one the defaults stay 127.0.0.1 (src/config.ts).
ENV NODE_ENV=production \
  HOST=0.0.0.0 \
  SLACK_HOST=0.0.0.0 \
  TELEGRAM_WEBHOOK_HOST=0.0.0.0
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/src/main.js"]
