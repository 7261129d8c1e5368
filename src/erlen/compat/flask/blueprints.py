"""``flask.blueprints``."""

from erlen.app.blueprints import Blueprint, BlueprintSetupState

__all__ = ["Blueprint", "BlueprintSetupState"]
