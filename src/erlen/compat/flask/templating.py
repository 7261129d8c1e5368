"""``flask.templating``."""

from erlen.app.templating import (
    DispatchingLoader,
    Environment,
    render_template,
    render_template_string,
    stream_template,
    stream_template_string,
)

__all__ = [
    "DispatchingLoader",
    "Environment",
    "render_template",
    "render_template_string",
    "stream_template",
    "stream_template_string",
]
