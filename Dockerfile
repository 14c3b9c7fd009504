# flowops: the reconciler image. Build stage compiles TypeScript; the runtime
# stage holds production dependencies, dist/, and the schema/pipeline files
# flowops reads at run time (proto/, p4/). Runs as a non-root user.
#   docker build -t flowops .
#   docker run -v $PWD/flowops.config.yaml:/etc/flowops/flowops.config.yaml -p 8080:8080 flowops

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY proto ./proto
COPY p4 ./p4
RUN npm run build

FROM node:20-bookworm-slim AS runtime
# Relative paths in the config resolve against the config's folder, which is
# read-only here: keep the clone cache and status file in the writable volume.
ENV NODE_ENV=production \
    FLOWOPS_CONFIG=/etc/flowops/flowops.config.yaml \
    FLOWOPS_CACHE_DIR=/var/lib/flowops/git \
    FLOWOPS_STATE_FILE=/var/lib/flowops/state.json
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /src/dist ./dist
COPY bin ./bin
COPY proto ./proto
COPY p4 ./p4
# Git clone cache and status file live under /var/lib/flowops (mount a volume to keep them).
RUN mkdir -p /var/lib/flowops /etc/flowops && chown -R node:node /var/lib/flowops
USER node
WORKDIR /var/lib/flowops
# The daemon listens on loopback unless told otherwise; in a container it must listen on every interface.
ENV FLOWOPS_HTTP_LISTEN=0.0.0.0:8080
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.FLOWOPS_HEALTH_PORT||'8080')+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "/app/bin/flowops.js", "run"]
