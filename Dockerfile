# Hamroh: the Telegram bot in a small image.
#
#   docker build -t hamroh .
#   docker volume create hamroh-data
#   docker run -d --name hamroh --restart unless-stopped --stop-timeout 30 \
#       -e HAMROH_BOT_TOKEN=123456:ABC... -v hamroh-data:/data hamroh
#
# Webhook behind a reverse proxy instead of long polling: add
#   -e HAMROH_WEBHOOK_URL=https://bot.example.org/hook/<random> \
#   -e HAMROH_WEBHOOK_SECRET=<1-256 of A-Z a-z 0-9 _ -> -p 127.0.0.1:8443:8443
# and let the proxy forward https://bot.example.org/hook/<random> unchanged to port 8443.
#
# The web pages (hamroh web: no token, no volume, nothing stored; see README "On the web"):
#   docker run -d --name hamroh-web --restart unless-stopped -p 127.0.0.1:8080:8080 \
#       --health-cmd "hamroh web --check --port 8080" hamroh hamroh web --host 0.0.0.0 --port 8080
# and put a TLS proxy in front of 127.0.0.1:8080. The bot's heartbeat check below does
# not apply to the web: --health-cmd replaces it (GET /health answers "ok").
#
# Operations (inside the running container):
#   docker exec hamroh hamroh health                       # 0 = heartbeat fresh
#   docker exec hamroh hamroh db backup /data/backups/     # online, checked copy
#   docker exec hamroh hamroh db retention                 # runs daily anyway
#   docker stop hamroh && docker run --rm -v hamroh-data:/data hamroh \
#       hamroh db restore /data/backups/hamroh-<date>.sqlite3 && docker start hamroh
#
# Every command below also runs outside Docker; tests/ops/test_dockerfile.py checks
# the catalog compile step, the ENV and the health check against this file.

FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
# Dependencies and the package go to /install, copied whole into the final image.
RUN pip install --no-cache-dir --prefix=/install .
COPY locales ./locales
# Compile the gettext catalogs once at build time; the bot prefers a .mo that is not
# older than its .po (it could also compile the .po files in memory at every start).
RUN PYTHONPATH=/install/lib/python3.11/site-packages python -m babel.messages.frontend \
        compile -d locales -D hamroh --statistics

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HAMROH_DB_PATH=/data/hamroh.sqlite3 \
    HAMROH_HEARTBEAT_PATH=/data/heartbeat \
    HAMROH_RULES_DIR=/app/rules \
    HAMROH_LOCALES_DIR=/app/locales \
    HAMROH_LOG_FORMAT=json
# DejaVu Sans has every letter of the five locales: the timeline picture is drawn with it
# (bot/export/fonts.py looks in /usr/share/fonts/truetype/dejavu).
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
# A fixed numeric uid, so a bind-mounted host folder can be chowned to it
# (chown 10001 /srv/hamroh) and Kubernetes' runAsNonRoot can verify it.
RUN groupadd --gid 10001 hamroh \
    && useradd --no-log-init --create-home --uid 10001 --gid 10001 hamroh \
    && mkdir -p /data \
    && chown 10001:10001 /data \
    && chmod 700 /data
COPY --from=build /install /usr/local
WORKDIR /app
COPY --from=build /src/locales ./locales
COPY rules ./rules
USER 10001:10001
# The database, its backups and the heartbeat live on the volume.
VOLUME ["/data"]
# Only used in webhook mode (HAMROH_WEBHOOK_URL set); publish it to the proxy.
EXPOSE 8443
# The web pages, when the container runs `hamroh web --host 0.0.0.0 --port 8080`.
EXPOSE 8080
# PTB stops on SIGTERM: no new updates, the ones taken are finished, then exit.
STOPSIGNAL SIGTERM
# Healthy while the heartbeat (written every 30 s while the bot runs and its database
# answers) is at most HAMROH_HEARTBEAT_MAX_AGE (120 s) old.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 CMD ["hamroh", "health"]
CMD ["hamroh", "run"]
