# Container image for the service: compile in a build stage, run the compiled JS on a slimmed Alpine Node base.
#
# The Node version lives here and only here: the base tag below. test/dockerfile.test.ts checks it against
# package.json "engines", and scripts/node-parity.ts reads it to run the test suite on the same Node.
# Exact tag, never "latest" or a bare major (Node 26 is the Active LTS line). To pin the digest as well, resolve it
# in CI with `docker buildx imagetools inspect node:<tag>` or let Dependabot (docker ecosystem) add it.
# No architecture-specific steps: the same file builds linux/amd64 and linux/arm64.
FROM node:26.7.0-alpine3.24 AS node-base

# ---- build: install dev tools from the lockfile and compile TypeScript to dist/ ----
FROM node-base AS build
WORKDIR /app
# Lockfile first so the dependency layer is cached until package*.json changes.
# --ignore-scripts: no install script of any dev dependency runs during the image build.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json server.ts ./
COPY lib/ ./lib/
COPY scripts/healthcheck.ts scripts/build.mjs ./scripts/
RUN npm run build
# The runtime stage ships no node_modules, so the service must have no runtime dependencies.
RUN deps="$(npm pkg get dependencies)" \
    && if [ "$deps" != "{}" ]; then \
         echo "package.json has runtime dependencies ($deps) but the image ships no node_modules" >&2; exit 1; \
       fi

# ---- runtime: compiled dist/ and package.json, run by node as uid 1000 ----
FROM node-base AS runtime
# The base image ships npm, npx and (on some tags) yarn, corepack, C headers and a shell entrypoint script; the
# service needs none of them at run time, so they are deleted to shrink the attack surface (a path this tag does not
# ship is simply skipped by rm -f).
RUN rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
           /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-* /usr/local/include/node \
           /usr/local/bin/docker-entrypoint.sh /root/.npm /tmp/* \
    && node --version
WORKDIR /app
# Owned by root (COPY's default) and world-readable, not writable: the app user can read its code, never change it.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/dist ./dist
# Guard: fail the build if a later edit ever brings node_modules into the runtime image.
RUN if [ -e /app/node_modules ]; then echo "/app/node_modules must not exist in the runtime image" >&2; exit 1; fi

ENV NODE_ENV=production
ENV PORT=8080
EXPOSE 8080
# "node" from the base image, by number so platforms that check runAsNonRoot can verify it.
USER 1000:1000
# Values match the ECS task definition's container health check (interval 15 s, timeout 5 s, 3 retries, 10 s grace).
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 CMD ["node", "dist/scripts/healthcheck.js"]
STOPSIGNAL SIGTERM
# No entrypoint script: exec-form CMD makes node PID 1, so SIGTERM reaches the service's own drain handler.
ENTRYPOINT []
CMD ["node", "dist/server.js"]

# Build metadata last, so a new VERSION/REVISION does not invalidate any cached layer above. CI passes
# --build-arg VERSION=… --build-arg REVISION=… and SOURCE=<repository URL>; an unset one leaves its label empty.
# Labels only: the service's own APP_VERSION/APP_COMMIT come from the task definition's environment.
ARG VERSION
ARG REVISION
ARG SOURCE
LABEL org.opencontainers.image.title="hello-service" \
      org.opencontainers.image.description="Small zero-dependency node:http service" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
