# syntax=docker/dockerfile:1
# Lotwise api and matcher: one recipe, the app chosen by the APP build argument. Build context: the repository
# root (docker compose build api matcher, or `docker build --build-arg APP=matcher -t lotwise-matcher .`).
# The dashboard has its own: web/Dockerfile.

ARG NODE_IMAGE=node:24-bookworm-slim

# ---- build: the whole workspace toolchain, to run `nx build $APP` (webpack bundle + generated package.json)
FROM ${NODE_IMAGE} AS build
ARG APP
RUN case "$APP" in api|matcher) ;; *) echo "APP must be api or matcher, got '$APP'" >&2; exit 1 ;; esac
WORKDIR /workspace
ENV NX_DAEMON=false NX_NO_CLOUD=true CI=true
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY nx.json tsconfig.base.json ./
COPY tools/webpack ./tools/webpack
COPY libs ./libs
COPY ${APP} ./${APP}
RUN npx nx build ${APP} --outputStyle=static --skip-nx-cache

# ---- runtime: the bundle and only the production dependencies it imports
FROM ${NODE_IMAGE} AS runtime
ARG APP
ENV NODE_ENV=production
# Heap limits: package.json config.appNodeOptions (npm start and the bench use the same; an ops test compares).
ENV NODE_OPTIONS="--max-old-space-size=160 --max-semi-space-size=8"
WORKDIR /app
# dist/$APP/package.json and package-lock.json list exactly what main.js requires (pinned, from the root lock).
COPY --from=build /workspace/dist/${APP}/package.json /workspace/dist/${APP}/package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /workspace/dist/${APP}/ ./
USER node
# The api listens on PORT (3001); the matcher serves only its health probes on MATCHER_HTTP_PORT (3002).
EXPOSE 3001 3002
# kafkajs 2.2.4 sets negative timeouts, which Node 24 warns about on every connection (harmless).
CMD ["node", "--enable-source-maps", "--disable-warning=TimeoutNegativeWarning", "main.js"]
