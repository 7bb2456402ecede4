# The app under gunicorn (povertycase/entrypoint.sh), as a user without privileges.
# docker-compose.yml adds PostgreSQL and the one-off `migrate`; settings come from the
# environment (.env.example).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
RUN groupadd --system --gid 10001 povertycase \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin povertycase
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
# Collected once, with the storage the app serves them with (DEBUG off: WhiteNoise's manifest
# storage). Loading the settings needs a SECRET_KEY: a throwaway one, made for this command
# and kept in no layer; the real key comes from the environment at run time.
RUN DEBUG=false SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    /app/povertycase/entrypoint.sh collectstatic
USER 10001:10001
# gunicorn's worker heartbeat file on tmpfs: on the container's disk it can stall workers.
ENV GUNICORN_CMD_ARGS="--worker-tmp-dir /dev/shm"
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["/app/povertycase/entrypoint.sh", "healthcheck"]
ENTRYPOINT ["/app/povertycase/entrypoint.sh"]
CMD ["serve"]
