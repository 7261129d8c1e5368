"""``flask.blueprints``."""

from erlen.blueprints import Blueprint, BlueprintSetupState

__all__ = ["Blueprint", "BlueprintSetupState"]
