FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DEBUG=0
WORKDIR /app

# The pinned, hashed tree first, then the project itself without resolving again.
COPY pyproject.toml README.md requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock \
    && pip install --no-cache-dir --no-deps -e .

COPY . .
# Collecting static files needs keys, not the production ones.
RUN SECRET_KEY=collectstatic ALLOWED_HOSTS=localhost \
    INTEGRATIONS_ENCRYPTION_KEYS=ZGV2LW9ubHktbXNwLW1hdHVyaXR5LWludGVncmF0aW8= \
    python manage.py collectstatic --noinput

RUN useradd --system --uid 1000 app && chown -R app /app
USER app
EXPOSE 8000
CMD ["gunicorn", "msp_maturity.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-", "--logger-class", "core.gunicorn_logging.RedactingLogger"]
