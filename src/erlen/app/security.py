"""Safe-default tools: upload file names that are safe on disk, and security headers.

- :func:`secure_filename` turns a client's file name (``request.files["f"].filename``) into one
  that can be joined to a folder without leaving it or naming a device.
- :class:`SecurityHeaders` is an extension (``init_app`` pattern) that adds the response headers
  browsers use to contain a page: ``X-Content-Type-Options``, ``X-Frame-Options``,
  ``Referrer-Policy``, and on request ``Content-Security-Policy`` and HSTS.

Neither is imported by ``import erlen``; an app that wants them imports ``erlen.security``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .context import request as current_request

if TYPE_CHECKING:
    from ..core.request import Request
    from ..core.response import Response
    from .app import App

__all__ = ["secure_filename", "SecurityHeaders", "DEFAULT_SETTINGS"]

# Device names Windows opens instead of a file, whatever the extension ("nul.txt" too).
_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
     *(f"COM{n}" for n in range(10)), *(f"LPT{n}" for n in range(10))}
)  # fmt: skip
_NOT_FILENAME_CHARS = re.compile(r"[^A-Za-z0-9_.-]")
_SEPARATORS = re.compile(r"[/\\]")
#: Longest name most file systems accept (ext4, NTFS, APFS: 255).
_MAX_LENGTH = 255


def secure_filename(filename: str) -> str:
    """A version of ``filename`` that is safe to use as a single file name on any platform.

    The result holds only ASCII letters, digits, ``_``, ``-`` and ``.``: accents are dropped to
    their base letter (``"résumé.pdf"`` -> ``"resume.pdf"``), path separators and whitespace
    become ``_``, anything else is removed. Leading and trailing dots go, so the name can be
    neither hidden nor ``..``; Windows device names (``CON``, ``NUL``, ``COM1``...) get a ``_``
    prefix; a name longer than 255 characters is shortened, keeping its extension. A name with
    nothing usable left gives ``""``: the caller must then choose a name of its own.

    APPSEC: the result never contains ``/`` or ``\\``, so ``os.path.join(folder, result)`` stays
    inside ``folder``. It does not make names unique: two uploads may still collide.
    """
    text = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    # Path segments (both separators) and whitespace-separated words become "_"-joined words;
    # "." and ".." segments are dropped rather than joined into "_.._".
    words = [
        word
        for segment in _SEPARATORS.split(text)
        if segment.strip(". \t")
        for word in segment.split()
    ]
    text = _NOT_FILENAME_CHARS.sub("", "_".join(words)).strip(".")
    if not text:
        return ""
    if text.split(".", 1)[0].upper() in _WINDOWS_RESERVED:
        text = f"_{text}"
    if len(text) > _MAX_LENGTH:
        stem, dot, extension = text.rpartition(".")
        if dot and stem and len(extension) < 16:
            text = f"{stem[: _MAX_LENGTH - len(extension) - 1].rstrip('.')}.{extension}"
        else:
            text = text[:_MAX_LENGTH].rstrip(".")
    return text


#: The settings :class:`SecurityHeaders` reads from ``app.config`` and their defaults. A header
#: whose setting is None (or False for HSTS) is not sent.
DEFAULT_SETTINGS: dict[str, Any] = {
    "SECURITY_CONTENT_TYPE_OPTIONS": "nosniff",
    "SECURITY_FRAME_OPTIONS": "DENY",
    "SECURITY_REFERRER_POLICY": "strict-origin-when-cross-origin",
    "SECURITY_CONTENT_SECURITY_POLICY": None,
    "SECURITY_CONTENT_SECURITY_POLICY_REPORT_ONLY": False,
    "SECURITY_HSTS_MAX_AGE": None,
    "SECURITY_HSTS_INCLUDE_SUBDOMAINS": False,
    "SECURITY_HSTS_PRELOAD": False,
}

_FRAME_OPTIONS = ("DENY", "SAMEORIGIN")

CSPHook = Callable[["Request"], "str | None"]


class _AppHeaders:
    """The headers one app's settings ask for, rebuilt when its config changes."""

    __slots__ = ("version", "always", "csp_name", "csp", "hsts")

    def __init__(self, config: dict[str, Any], version: int) -> None:
        self.version = version
        always: list[tuple[str, str]] = []
        nosniff = config["SECURITY_CONTENT_TYPE_OPTIONS"]
        if nosniff:
            always.append(("X-Content-Type-Options", str(nosniff)))
        frame = config["SECURITY_FRAME_OPTIONS"]
        if frame:
            frame = str(frame).upper()
            if frame not in _FRAME_OPTIONS:
                raise ValueError(
                    f"SECURITY_FRAME_OPTIONS must be 'DENY', 'SAMEORIGIN' or None, not {frame!r}; "
                    "for finer control use a Content-Security-Policy frame-ancestors directive."
                )
            always.append(("X-Frame-Options", frame))
        referrer = config["SECURITY_REFERRER_POLICY"]
        if referrer:
            always.append(("Referrer-Policy", str(referrer)))
        self.always = tuple(always)
        self.csp_name = (
            "Content-Security-Policy-Report-Only"
            if config["SECURITY_CONTENT_SECURITY_POLICY_REPORT_ONLY"]
            else "Content-Security-Policy"
        )
        csp = config["SECURITY_CONTENT_SECURITY_POLICY"]
        self.csp: str | None = str(csp) if csp else None
        max_age = config["SECURITY_HSTS_MAX_AGE"]
        self.hsts: str | None = None
        if max_age is not None and max_age is not False:
            seconds = int(max_age)
            if seconds < 0:
                raise ValueError("SECURITY_HSTS_MAX_AGE must be a number of seconds >= 0, or None.")
            value = f"max-age={seconds}"
            if config["SECURITY_HSTS_INCLUDE_SUBDOMAINS"]:
                value += "; includeSubDomains"
            if config["SECURITY_HSTS_PRELOAD"]:
                value += "; preload"
            self.hsts = value


class SecurityHeaders:
    """Adds browser security headers to every response of an app.

    ::

        security = SecurityHeaders(app)            # or SecurityHeaders(), then init_app(app)

        @security.content_security_policy
        def csp(request):
            return "default-src 'self'" if request.blueprint != "docs" else None

    By default every response gets ``X-Content-Type-Options: nosniff``, ``X-Frame-Options:
    DENY`` and ``Referrer-Policy: strict-origin-when-cross-origin``. Settings (``app.config``,
    defaults in :data:`DEFAULT_SETTINGS`):

    - ``SECURITY_CONTENT_TYPE_OPTIONS``, ``SECURITY_FRAME_OPTIONS`` (``"DENY"``,
      ``"SAMEORIGIN"``), ``SECURITY_REFERRER_POLICY``: the header's value, None to leave it out.
    - ``SECURITY_CONTENT_SECURITY_POLICY``: a policy sent with every response (None: no header);
      a hook given as ``csp=`` or with :meth:`content_security_policy` decides per request
      instead (its None: no header). ``SECURITY_CONTENT_SECURITY_POLICY_REPORT_ONLY`` sends it
      as ``Content-Security-Policy-Report-Only``, to try a policy out.
    - ``SECURITY_HSTS_MAX_AGE``: seconds for ``Strict-Transport-Security``, sent on HTTPS
      requests only (None, the default: never). ``SECURITY_HSTS_INCLUDE_SUBDOMAINS`` and
      ``SECURITY_HSTS_PRELOAD`` add those flags. Behind a proxy, HTTPS is seen only with
      :class:`erlen.middleware.ProxyFix` (or the server) setting the scheme.

    A header the view (or another hook) already set is left as it is, so one page can allow
    framing with ``response.headers["X-Frame-Options"] = "SAMEORIGIN"``.
    """

    extension_key = "erlen.security"

    def __init__(self, app: App | None = None, *, csp: CSPHook | None = None) -> None:
        self.csp_hook = csp
        if app is not None:
            self.init_app(app)

    def init_app(self, app: App) -> None:
        """Add the settings' defaults to ``app.config`` and the after-request hook to ``app``."""
        for key, value in DEFAULT_SETTINGS.items():
            app.config.setdefault(key, value)
        app.extensions[self.extension_key] = self
        _AppHeaders(app.config, app.config.version)  # invalid settings fail here, at start-up
        cache: list[_AppHeaders] = []

        def add_security_headers(response: Response) -> Response:
            config = app.config
            if not cache or cache[0].version != config.version:
                cache[:] = [_AppHeaders(config, config.version)]
            self._apply(cache[0], response)
            return response

        app.after_request(add_security_headers)

    def content_security_policy(self, func: CSPHook) -> CSPHook:
        """Register ``func(request) -> policy or None`` to choose the CSP of each response."""
        self.csp_hook = func
        return func

    def _apply(self, settings: _AppHeaders, response: Response) -> None:
        headers = response.headers
        for name, value in settings.always:
            if name not in headers:
                headers[name] = value
        if settings.csp_name not in headers:
            policy = self.csp_hook(current_request) if self.csp_hook else settings.csp
            if policy:
                headers[settings.csp_name] = policy
        if (
            settings.hsts is not None
            and "Strict-Transport-Security" not in headers
            and current_request.is_secure
        ):
            # RFC 6797 section 7.2: browsers ignore HSTS received over plain HTTP.
            headers["Strict-Transport-Security"] = settings.hsts
