"""The URLs content links are rewritten to; the Flask app serves these paths."""

from __future__ import annotations


class ContentUrls:
    """Build the site paths of courses, steps and assets (override to change them)."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix.rstrip("/")

    def course(self, course_id: str) -> str:
        return f"{self.prefix}/courses/{course_id}"

    def step(self, course_id: str, step_id: str) -> str:
        return f"{self.prefix}/courses/{course_id}/steps/{step_id}"

    def course_asset(self, course_id: str, relpath: str) -> str:
        return f"{self.prefix}/courses/{course_id}/assets/{relpath}"

    def scenario_asset(self, scenario_id: str, relpath: str) -> str:
        return f"{self.prefix}/scenarios/{scenario_id}/assets/{relpath}"


DEFAULT_URLS = ContentUrls()
