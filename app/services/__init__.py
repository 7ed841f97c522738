"""Domain services: plain functions with keyword-only arguments; the only place with rules."""
