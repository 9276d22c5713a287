from alembic import context

from zikao_kit.migrations import run_env
from zikao_records.models import SCHEMA, metadata

run_env(context, metadata, SCHEMA)
