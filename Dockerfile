FROM python:3.13-slim-bookworm
# WeasyPrint needs Pango; gettext compiles the translations.
RUN apt-get update && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core gettext \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /srv/kyte/app
COPY pyproject.toml README.md ./
COPY kyte kyte
COPY accounts accounts
COPY billing billing
RUN pip install --no-cache-dir .
COPY . .
ENV DJANGO_SETTINGS_MODULE=kyte.settings PYTHONUNBUFFERED=1
RUN useradd --create-home kyte && mkdir -p /srv/kyte/var /srv/kyte/media && chown -R kyte /srv/kyte
USER kyte
EXPOSE 8000
