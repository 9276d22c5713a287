import sys

from zikao_kit.cli import main
from zikao_records.cli import COMMANDS

sys.exit(main(COMMANDS))
