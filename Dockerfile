# A container holding nothing but slackbot:
#
#   docker build -t slackbot .
#   docker run -e SLACK_BOT_TOKEN=xoxb-... -e SLACK_APP_TOKEN=xapp-... slackbot
#
# Built in a Debian stage (musl and BearSSL from Debian's sources, as make
# does anywhere), then only the static binary is copied into an empty
# image: no shell, no libraries, no CA bundle (the roots built into the
# binary are used; mount a bundle and set SSL_CERT_FILE to use another),
# no /etc/passwd (a numeric user).  Other architectures: make TARGET=...
# (targets.mk) and copy build/TARGET/slackbot instead.  --exec handlers
# need a shell: build FROM a small base image instead of scratch for them.
FROM debian:bookworm AS build
WORKDIR /src
COPY . .
RUN scripts/setup --build && make distclean && make slackbot

FROM scratch
COPY --from=build /src/slackbot /slackbot
USER 65534:65534
ENTRYPOINT ["/slackbot"]
CMD ["run"]
