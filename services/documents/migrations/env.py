from alembic import context

from zikao_documents.models import SCHEMA, metadata
from zikao_kit.migrations import run_env

run_env(context, metadata, SCHEMA)
