# Hamroh: the Telegram bot in a small image.
#   docker build -t hamroh .
#   docker run -d --name hamroh -e HAMROH_BOT_TOKEN=123:abc -v hamroh-data:/data hamroh
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install --no-cache-dir --prefix=/install .
COPY locales ./locales
# Compile the gettext catalogs once at build time (the bot can also read .po files).
RUN PYTHONPATH=/install/lib/python3.11/site-packages python -m babel.messages.frontend compile \
        -d locales -D hamroh --statistics

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HAMROH_DB_PATH=/data/hamroh.sqlite3 \
    HAMROH_RULES_DIR=/app/rules \
    HAMROH_LOCALES_DIR=/app/locales \
    HAMROH_HEARTBEAT_PATH=/data/heartbeat
RUN useradd --create-home --uid 10001 hamroh && mkdir -p /data && chown hamroh /data
COPY --from=build /install /usr/local
WORKDIR /app
COPY --from=build /src/locales ./locales
COPY rules ./rules
USER hamroh
VOLUME ["/data"]
# Healthy while the bot's heartbeat file is fresh (written every 30 s while it runs).
HEALTHCHECK --interval=60s --timeout=10s --start-period=30s --retries=3 CMD ["hamroh", "health"]
CMD ["hamroh", "run"]
