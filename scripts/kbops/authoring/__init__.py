"""Authoring helpers for writers: scaffold new documents from per-type templates (`kb new`)."""
