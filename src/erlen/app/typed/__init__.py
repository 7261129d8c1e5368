"""Typed views: parameter markers, the compiled binder, the OpenAPI document and its pages."""
