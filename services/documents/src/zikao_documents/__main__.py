import sys

from zikao_documents.cli import COMMANDS
from zikao_kit.cli import main

sys.exit(main(COMMANDS))
