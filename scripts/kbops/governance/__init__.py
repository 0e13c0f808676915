"""governance: see DESIGN.md."""
