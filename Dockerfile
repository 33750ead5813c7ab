# The API and worker image. tsx runs the TypeScript sources directly (no build output to keep in sync).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY src ./src
COPY queue ./queue
COPY web ./web
COPY drizzle ./drizzle
USER node
EXPOSE 3000
CMD ["node", "--import", "tsx", "src/main.ts"]
