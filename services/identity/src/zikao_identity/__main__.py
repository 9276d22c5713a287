import sys

from zikao_identity.cli import COMMANDS
from zikao_kit.cli import main

sys.exit(main(COMMANDS))
