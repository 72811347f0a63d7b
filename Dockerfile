# ipgate's container image: `ipgate serve` as a non-root user on a read-only root filesystem.
# Build: docker build -t ipgate .   (or: podman build -t ipgate .)
# Base: any image with Node.js >= 20, /usr/bin/env and npm (at /usr/local/lib/node_modules/npm, as in the
# official node images), e.g. --build-arg BASE=node:22-bookworm-slim. The contract (config path, state
# volume, signals, user id) is described in docs/deploy/container.md.
ARG BASE=node:20-bookworm-slim

FROM ${BASE} AS build
WORKDIR /build
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
COPY bin bin
COPY src src
COPY ui ui
COPY scripts/build-ui.ts scripts/build-ui.ts
# Only the product is compiled (tests and benchmarks stay out) and the dashboard bundled (dist/ui), then the
# dev dependencies are dropped.
RUN npx tsc -p tsconfig.build.json \
 && node dist/scripts/build-ui.js \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error \
 && mkdir -p /out/opt/ipgate /out/usr/local/bin /out/var/lib/ipgate /out/etc/ipgate \
 && cp -R package.json bin node_modules /out/opt/ipgate/ \
 && mkdir -p /out/opt/ipgate/dist && cp -R dist/src dist/ui /out/opt/ipgate/dist/ \
 && ln -s /opt/ipgate/bin/ipgate.js /out/usr/local/bin/ipgate

FROM ${BASE}
ENV NODE_ENV=production
COPY --from=build /out/opt/ipgate /opt/ipgate
COPY --from=build /out/usr/local/bin/ /usr/local/bin/
COPY --from=build /out/etc/ipgate /etc/ipgate
# The state volume (store file, last-known-good cache, source cache) is the only place ipgate writes.
COPY --from=build --chown=65532:65532 /out/var/lib/ipgate /var/lib/ipgate
VOLUME ["/var/lib/ipgate"]
USER 65532:65532
WORKDIR /var/lib/ipgate
EXPOSE 6443 9090
STOPSIGNAL SIGTERM
LABEL org.opencontainers.image.title="ipgate" \
      org.opencontainers.image.description="Let only authorized IP ranges reach a Kubernetes API server" \
      org.opencontainers.image.licenses="Apache-2.0"
ENTRYPOINT ["ipgate"]
CMD ["serve", "--config", "/etc/ipgate/ipgate.yaml"]
