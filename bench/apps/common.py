"""What every benchmark app shares: file locations, the template's data and the JSON format.

The apps must send byte-identical answers, so everything that shapes an answer and is not the
framework's own business lives here once.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

APPS_DIR: Final = Path(__file__).resolve().parent
TEMPLATE_DIR: Final = APPS_DIR / "templates"
STATIC_DIR: Final = APPS_DIR / "static"

#: ``GET /r0/<name>`` ... ``GET /r99/<name>``: a linear router tries 99 rules before the last.
NUMBERED_ROUTE_COUNT: Final = 100

#: Holds characters that autoescaping must change, so the equal-answers check proves that every
#: framework renders with autoescape on.
PAGE_TITLE: Final = "Erlen & friends <bench>"
PAGE_ITEMS: Final[tuple[dict[str, Any], ...]] = tuple(
    {"name": f"Item {number}", "price": number * 1.25} for number in range(1, 21)
)

HTML_UTF8: Final = "text/html; charset=utf-8"
TEXT_UTF8: Final = "text/plain; charset=utf-8"
JSON_TYPE: Final = "application/json"


def dumps_like_flask(value: Any) -> str:
    """Serialise ``value`` exactly as Flask 3.1's default JSON provider does outside debug mode.

    Compact separators, sorted keys, ASCII only and a trailing newline. Bottle, Falcon and the raw
    app are configured to use this so that every framework sends the same bytes.
    """
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=True) + "\n"


#: The typed scenarios (``asgi_inprocess.py``): a body every framework validates against the same
#: constraints (name 1 to 80 characters, price above 0, tags a list of strings).
TYPED_ITEM_BODY: Final = b'{"name": "widget", "price": 9.5, "tags": ["red", "small"]}'
