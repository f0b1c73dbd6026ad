# One image for the four APIs and the worker; compose picks the command per service.
# Build stage: install everything, compile TypeScript, prebuild the workflow bundle, drop dev packages.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# (Straight to the bundler: the npm scripts go through scripts/with-tools.sh, the dev machine's bootstrap.)
RUN npm run build \
 && node --import tsx scripts/build-workflow-bundle.ts dist/workflow-bundle.js \
 && npm prune --omit=dev

# Run stage: compiled code only, as an unprivileged user.
FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    STORAGE_ROOT=/data/storage \
    WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js
WORKDIR /app
RUN groupadd --system --gid 10001 qhitz \
 && useradd --system --uid 10001 --gid qhitz --home-dir /app --shell /usr/sbin/nologin qhitz \
 && mkdir -p /data/storage && chown qhitz:qhitz /data/storage
COPY --from=build --chown=qhitz:qhitz /app/package.json ./package.json
COPY --from=build --chown=qhitz:qhitz /app/node_modules ./node_modules
COPY --from=build --chown=qhitz:qhitz /app/dist ./dist
USER qhitz
EXPOSE 5000 5001 5002 5003 9464
CMD ["node", "dist/api/auth/main.js"]
