# Dish Live images: one shared install and build, then a small target per service.
#   docker build --target dish|notifier|ws-gateway|sse-gateway|web .
# docker-compose.yml builds every target from this file; the shared stages come from the layer cache after the first.
# Plain Dockerfile syntax: works with BuildKit (which builds only the stages a target needs, each once even when
# compose builds four targets at a time) and with the legacy builder (which builds every stage above the target).

# --- manifests: only the package manifests, so that editing a source file keeps the npm ci layers cached.
FROM node:20-bookworm-slim AS manifests
WORKDIR /src
COPY . .
RUN mkdir /manifests \
 && cp package.json package-lock.json /manifests/ \
 && for d in packages/* services/* web bench; do \
      if [ -f "$d/package.json" ]; then mkdir -p "/manifests/$d" && cp "$d/package.json" "/manifests/$d/"; fi; \
    done

# --- deps: every dependency, dev included, for the TypeScript and Vite builds.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY --from=manifests /manifests/ ./
# No install scripts: root package.json denies the few packages that have one, and none is needed at run time.
RUN npm ci --ignore-scripts --no-audit --no-fund

# --- prod-deps: production dependencies of the packages and services only (not web, bench or dev tools).
# A second, filtered npm ci: `npm prune --omit=dev --workspace=...` leaves dev dependencies in place with workspaces.
# uWebSockets.js ships binaries for every platform (~90 MB); only the one this Node on this CPU loads is kept.
FROM node:20-bookworm-slim AS prod-deps
WORKDIR /app
COPY --from=manifests /manifests/ ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
      --workspace=@dish-live/protocol --workspace=@dish-live/broker --workspace=@dish-live/fanout \
      --workspace=@dish-live/client --workspace=@dish-live/local-redis --workspace=@dish-live/webhooks \
      --workspace=@dish-live/dish --workspace=@dish-live/notifier \
      --workspace=@dish-live/ws-gateway --workspace=@dish-live/sse-gateway \
 && keep="uws_linux_$(node -p process.arch)_$(node -p process.versions.modules).node" \
 && test -f "node_modules/uWebSockets.js/binaries/$keep" \
 && find node_modules/uWebSockets.js/binaries -name '*.node' ! -name "$keep" -delete

# --- build: the TypeScript project build shared by the four services.
FROM deps AS build
COPY tsconfig.base.json tsconfig.build.json ./
COPY packages packages
COPY services services
# The TypeScript half of root `npm run build` only: the dashboard is built in its own stage below.
RUN npx tsc -b tsconfig.build.json
# What the runtime images need from the build, in one place: compiled packages and services plus the broker's Lua files.
RUN mkdir -p /out \
 && for d in packages/* services/*; do if [ -d "$d/dist" ]; then mkdir -p "/out/$d" && cp -r "$d/dist" "/out/$d/"; fi; done \
 && cp -r packages/broker/lua /out/packages/broker/ \
 && find /out -name '*.tsbuildinfo' -delete

# --- web-build: the dashboard, on top of the shared build (it bundles packages/client and protocol from their dist).
FROM build AS web-build
COPY web web
RUN npm run build -w web

# --- runtime: production node_modules and compiled code, shared by the four service targets.
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=prod-deps /app/ ./
COPY --from=build /out/ ./
USER node
STOPSIGNAL SIGTERM
# Liveness only (readiness is /readyz, which compose checks); fetch is built into Node 20, and the slim image has no curl.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

FROM runtime AS dish
ENV PORT=3000
EXPOSE 3000
CMD ["node", "services/dish/dist/main.js"]

FROM runtime AS notifier
ENV PORT=3001
EXPOSE 3001
CMD ["node", "services/notifier/dist/main.js"]

FROM runtime AS ws-gateway
ENV PORT=8081
EXPOSE 8081
CMD ["node", "services/ws-gateway/dist/main.js"]

FROM runtime AS sse-gateway
ENV PORT=8082
EXPOSE 8082
CMD ["node", "services/sse-gateway/dist/main.js"]

# --- web: nginx serving the built dashboard and proxying /api, /ws and /sse to every replica.
FROM nginx:1.27-bookworm AS web
# Defaults for every variable the templates use: the image's envsubst leaves unset ones as literal ${...}.
ENV DISH_UPSTREAM=dish:3000 \
    WS_UPSTREAM=ws-gateway:8081 \
    SSE_UPSTREAM=sse-gateway:8082 \
    NGINX_RESOLVER=127.0.0.11 \
    CONFIG_API_BASE=/api \
    CONFIG_WS_URL=/ws \
    CONFIG_SSE_URL=/sse \
    CONFIG_WRITE_TOKEN_REQUIRED=true \
    CONFIG_POLL_INTERVAL_MS=1000 \
    CONFIG_CURRENCY=EUR \
    TLS_CERT_FILE=/etc/nginx/certs/tls.crt \
    TLS_KEY_FILE=/etc/nginx/certs/tls.key
# Our own main config (no `user`, pid and temp files in /tmp) so nginx runs unprivileged in the official image and the stand-in alike.
COPY deploy/nginx/nginx.conf /etc/nginx/nginx.conf
COPY deploy/nginx/templates/ /etc/nginx/templates/
COPY deploy/nginx/dish-live-entrypoint.sh deploy/nginx/content-security-policy.sh /usr/local/bin/
COPY --from=web-build /app/web/dist/ /usr/share/nginx/html/
RUN rm -f /etc/nginx/conf.d/default.conf \
 && chown www-data:www-data /etc/nginx/conf.d /var/log/nginx \
 && chmod 0755 /usr/local/bin/dish-live-entrypoint.sh /usr/local/bin/content-security-policy.sh
USER www-data
EXPOSE 8080 8443
STOPSIGNAL SIGQUIT
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8080/healthz"]
ENTRYPOINT ["/usr/local/bin/dish-live-entrypoint.sh"]
CMD ["nginx", "-g", "daemon off;"]
