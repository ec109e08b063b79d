# Behflow server image: the locked dependencies, then the package itself.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    BEHFLOW_HOST=0.0.0.0 \
    BEHFLOW_PORT=8765 \
    BEHFLOW_DATA_DIR=/data

WORKDIR /app
COPY requirements.lock ./
RUN pip install -r requirements.lock
COPY pyproject.toml README.md ./
COPY behflow_server ./behflow_server
COPY behflow_cli ./behflow_cli
RUN pip install --no-deps . \
    && groupadd --system --gid 10001 behflow \
    && useradd --system --uid 10001 --gid 10001 --home-dir /data behflow \
    && mkdir -p /data && chown behflow /data

# Numeric, so Kubernetes runAsNonRoot can check it; nothing in the image is writable by it but
# /data (and /tmp): the root filesystem can be mounted read-only.
USER 10001:10001
VOLUME ["/data"]
EXPOSE 8765
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8765/health').status != 200)"
# Applies pending migrations, then serves.
CMD ["python", "-m", "behflow_server"]
