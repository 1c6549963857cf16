from alembic import context

from services.evaluation.adapters.tables import metadata
from services.runtime.migrate import run_env

run_env(context, metadata)
