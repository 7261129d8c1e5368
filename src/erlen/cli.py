"""``erlen.cli``, the public path of :mod:`erlen.adapters.cli`.

The ``erlen`` command: ``run``, ``routes``, ``shell`` and the app's own commands.
Import from here: the module behind it is where the layers put it, and may move.
"""

from .adapters.cli import *

__all__ = [
    "AppGroup",
    "ErlenGroup",
    "NoAppException",
    "ScriptInfo",
    "cli",
    "find_app_by_string",
    "find_best_app",
    "get_version",
    "load_dotenv",
    "locate_app",
    "main",
    "pass_script_info",
    "prepare_import",
    "routes_command",
    "run_command",
    "shell_command",
    "with_appcontext",
]
