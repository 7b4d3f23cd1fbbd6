# syntax=docker/dockerfile:1
#
# Viva in a container: docker build -t viva . && docker run -p 8080:8080 -v viva-data:/data viva
#
# Both stages install their packages with scripts/deps.sh, so the image and a developer's machine stay in step.

FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY scripts/deps.sh scripts/deps.sh
RUN bash scripts/deps.sh docker-build
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=1 go build -trimpath -ldflags="-s -w" -o /out/viva ./cmd/viva

FROM debian:bookworm-20261110-slim
COPY scripts/deps.sh /tmp/deps.sh
RUN bash /tmp/deps.sh docker-runtime \
	&& rm -rf /var/lib/apt/lists/* /tmp/deps.sh
RUN useradd --system --uid 10001 --user-group --home-dir /data --no-create-home --shell /usr/sbin/nologin viva \
	&& mkdir -p /data \
	&& chown viva:viva /data
COPY --from=build /out/viva /usr/local/bin/viva
VOLUME /data
# Listening on 0.0.0.0 exposes every interview to whoever can reach the port: once accounts land (issue 8),
# this default will require authentication to be configured.
ENV VIVA_ADDR=0.0.0.0:8080 VIVA_DATA_DIR=/data
EXPOSE 8080
# viva healthcheck GETs /healthz on VIVA_ADDR (the image has no curl).
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 CMD ["/usr/local/bin/viva", "healthcheck"]
USER viva
ENTRYPOINT ["/usr/local/bin/viva"]
CMD ["serve"]
