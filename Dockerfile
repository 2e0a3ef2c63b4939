# The agent-os worker image (used by docker-compose.yml).
FROM node:20.18.1-bookworm-slim AS build
# A C compiler for the filesystem provider's openat2 addon (native/, built by `npm run build`).
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json ./
COPY native ./native
COPY scripts/build-native.js ./scripts/
COPY src ./src
COPY test ./test
COPY bench ./bench
COPY examples ./examples
RUN npm run build && test -f dist/native/fs-openat2.node && npm prune --omit=dev

FROM node:20.18.1-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends git ca-certificates && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
USER node
ENTRYPOINT ["node", "dist/src/cli/main.js"]
