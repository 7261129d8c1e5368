"""``flask.cli``."""

from erlen.adapters.cli import (
    AppGroup,
    ErlenGroup,
    NoAppException,
    ScriptInfo,
    find_app_by_string,
    find_best_app,
    get_version,
    load_dotenv,
    locate_app,
    main,
    pass_script_info,
    prepare_import,
    routes_command,
    run_command,
    shell_command,
    with_appcontext,
)
from erlen.adapters.cli import cli as cli

FlaskGroup = ErlenGroup

__all__ = [
    "AppGroup",
    "FlaskGroup",
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
