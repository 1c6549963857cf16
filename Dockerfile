# syntax=docker/dockerfile:1
# The one image of every tgpl service; compose and kubernetes choose the process:
#   python -m services.intake | services.assignment | services.evaluation | services.reporting
#   tgpl streams ensure ...   (the operator's one-shot jobs)
# The base is pinned by version. For a production build pin its digest too, e.g.
#   docker buildx imagetools inspect python:3.11.14-slim-bookworm   ->  python:3.11.14-slim-bookworm@sha256:...
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/tgpl
WORKDIR /src
COPY pyproject.toml README.md ./
COPY shared ./shared
COPY services ./services
COPY deploy ./deploy
# A regular (not editable) install: migrations, rules, templates and the demo reference data are
# package data; every dependency has a wheel for this platform, so no compiler is needed.
RUN /opt/tgpl/bin/pip install . \
 && /opt/tgpl/bin/python -c "import services.intake.bootstrap, services.assignment.bootstrap, services.evaluation.bootstrap, services.reporting.bootstrap, deploy.cli"

FROM ${PYTHON_IMAGE}
RUN groupadd --system --gid 10001 tgpl \
 && useradd --system --uid 10001 --gid tgpl --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin tgpl
COPY --from=build /opt/tgpl /opt/tgpl
ENV PATH=/opt/tgpl/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    TGPL_DATA_DIR=/tmp/tgpl
WORKDIR /tmp
USER 10001:10001
# intake (staff UI and API), assignment, evaluation, reporting: each service's default port
EXPOSE 8000 8001 8002 8003
CMD ["python", "-m", "services.intake"]
