"""Governed updates: approvals bound to content, four-eyes from git, freshness, translation drift, audit trail."""
