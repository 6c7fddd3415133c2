"""A small database-backed job queue (the `jobs` table) and the worker's schedule."""
