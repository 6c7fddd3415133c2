"""Rules and writes. Views call these; these never import Flask request state."""


class ServiceError(Exception):
    """A rule was broken; the message is shown to the person who acted."""
