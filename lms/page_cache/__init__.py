"""Page cache."""
