# groupbot in a container: the bot on WeChat through a wechaty gateway (compose.yaml), its
# console on 127.0.0.1:8080 inside the container for the health check. docs/deploy.md
FROM python:3.11-slim AS build
RUN python -m venv /opt/groupbot
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot bot
COPY handlers handlers
RUN /opt/groupbot/bin/pip install --no-cache-dir --disable-pip-version-check .
# the segmenter's dictionary cache (bot/segment.py), made once here: every start reads it
# instead of parsing jieba's dict.txt (0.6 s of CPU); checked, and made again if stale
ENV XDG_CACHE_HOME=/opt/groupbot/cache
RUN /opt/groupbot/bin/python -c "from bot.segment import dictionary; dictionary()" \
    && chmod -R a+rX /opt/groupbot/cache

FROM python:3.11-slim
# a fixed uid, so a host directory mounted on /app/data can be given to it
RUN useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin groupbot
WORKDIR /app
COPY --from=build /opt/groupbot /opt/groupbot
COPY config config
COPY content content
# the database (config/bot.yaml: storage ../data/groupbot.db); compose mounts a volume here
RUN mkdir data && chown groupbot:groupbot data
ENV PATH=/opt/groupbot/bin:$PATH PYTHONUNBUFFERED=1 XDG_CACHE_HOME=/opt/groupbot/cache
# the pinyin of the shipped word lists (bot/banned.py's pinyin.json, beside the dictionary
# cache), read here: a start, which may not write the cache, reads it instead of starting
# pypinyin (0.2 s of CPU); words added to a mounted content/ are read at each start
RUN groupbot check --config /app/config > /dev/null \
    && chmod a+r /opt/groupbot/cache/groupbot/pinyin.json
USER groupbot
VOLUME ["/app/data"]
# unhealthy while the console is down or /healthz answers 503 (WeChat disconnected)
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4)"]
CMD ["groupbot", "run", "--config", "/app/config"]
