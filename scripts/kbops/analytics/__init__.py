"""analytics: see DESIGN.md."""
