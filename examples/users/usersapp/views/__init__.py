"""The app's blueprints: ``account`` (sign in and out), ``users`` (pages) and ``api`` (JSON)."""
