# syntax=docker/dockerfile:1
# LLMGW in a container: Node 24 runs the TypeScript sources directly (type stripping), so the
# image is the production dependencies plus server/, gen/, mock/ (the demo upstream) and the built
# dashboard (web/dist, served at /ui).

# --- dependencies: production only, from the lockfile, install scripts off ---
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# --- the dashboard: built with the dev dependencies (esbuild, Preact, uPlot); only web/dist is kept ---
FROM node:24-slim AS web
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY gen ./gen
COPY sdk ./sdk
COPY web ./web
RUN node web/build.ts

# --- runtime ---
FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY gen ./gen
COPY mock ./mock
COPY server ./server
COPY --from=web /app/web/dist ./web/dist
# The embedded state (SQLite ledger, keys, audit) lives in /data; mount a volume there.
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
# The image's own non-root user (uid 1000).
USER node
EXPOSE 8080
# V8's heap sizing, as `npm start` sets it: a young generation of at most 32 MB per semi-space and a 512 MB
# old generation, which keeps RSS flat under steady load (docs/deploying.md, "Memory"). Raise
# --max-old-space-size with overload.max_in_flight or for large caches:
#   docker run -e NODE_OPTIONS="--max-semi-space-size=32 --max-old-space-size=1536" ...
ENV NODE_OPTIONS="--max-semi-space-size=32 --max-old-space-size=512"
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "server/cli.ts"]
# With no --config, serve answers from the built-in mock upstream (a smoke test). Give it a config:
#   docker run -v $PWD/llmgw.yaml:/etc/llmgw/config.yaml llmgw serve --config /etc/llmgw/config.yaml ...
CMD ["serve", "--host", "0.0.0.0", "--port", "8080", "--workers", "auto"]
