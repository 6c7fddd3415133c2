"""Issue 15 item 3: STARTTLS and TLS on connect for real, against aiosmtpd with a self-signed
certificate on loopback.

The STARTTLS server requires STARTTLS before it accepts mail, and the other speaks only TLS from
the first byte (port 465 style, LMS_MAIL_SECURITY=ssl), so a message that arrives went encrypted;
the certificate is trusted only through LMS_MAIL_CA_FILE, so the check of the certificate is real
too (without it, nothing is sent and the job is kept to retry).
"""
from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from lms import create_app
from lms.core.config import ConfigError
from lms.core.db import db
from lms.jobs import schedule
from lms.jobs.models import Job
from lms.mail import services as mail
from tests.conftest import _config, _free_port, mail_config

SENDER_CONTEXT = {"certificate_id": 1, "course_title": "Listening", "trainee_name": "Nightowl"}


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (its own CA), made by openssl: (certificate, key)."""
    if shutil.which("openssl") is None:
        pytest.fail("the openssl command is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True)
    return cert, key


class TlsSmtpServer:
    """aiosmtpd on loopback that refuses mail until the client has switched to TLS with STARTTLS;
    with `implicit`, one that speaks TLS from the first byte (SMTPS, as on port 465) and nothing else."""

    def __init__(self, cert: Path, key: Path, *, implicit: bool = False) -> None:
        from aiosmtpd.controller import Controller

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(cert), str(key))
        self.received: list[tuple[list[str], bool]] = []  # (recipients, whether the session was encrypted)
        self.port = _free_port()
        tls = {"ssl_context": context} if implicit else {"tls_context": context, "require_starttls": True}
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, **tls)
        self.controller.start()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        # session.ssl is set by STARTTLS; a connection that was TLS from the start has it on its transport.
        encrypted = session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None
        self.received.append((list(envelope.rcpt_tos), encrypted))
        return "250 Message accepted for delivery"

    def stop(self) -> None:
        self.controller.stop()


@pytest.fixture
def tls_server(certificate) -> Iterator[TlsSmtpServer]:
    server = TlsSmtpServer(*certificate)
    yield server
    server.stop()


@pytest.fixture
def ssl_server(certificate) -> Iterator[TlsSmtpServer]:
    server = TlsSmtpServer(*certificate, implicit=True)
    yield server
    server.stop()


def _app(database_url: str, content_dir: Path, tmp_path: Path, **settings):
    return create_app(_config(database_url, content_dir, **settings), instance_path=str(tmp_path / "instance"))


def _send_one(app) -> Job:
    """Queue one email and run the queue once, as `lms jobs run --once` does; the job if it is still kept."""
    with app.app_context():
        mail.enqueue_email(db.session, "sign_off", SENDER_CONTEXT, to_email="tess@example.org")
        db.session.commit()
        schedule.run_once(db.session)
        db.session.expire_all()
        return db.session.scalar(select(Job).where(Job.kind == mail.EMAIL_JOB))


def _tls_settings(server: TlsSmtpServer, security: str = "starttls", **extra) -> dict:
    return {**mail_config(server), "MAIL_SECURITY": security, **extra}


#: STARTTLS (port 587 style) and TLS on connect (port 465 style): the same guarantees, each against its own server.
MODES = pytest.mark.parametrize("security, server_fixture", [("starttls", "tls_server"), ("ssl", "ssl_server")])


@MODES
def test_a_trusted_ca_file_delivers_encrypted(request, database_url, content_dir, tmp_path, certificate, security,
                                              server_fixture):
    server = request.getfixturevalue(server_fixture)
    app = _app(database_url, content_dir, tmp_path,
               **_tls_settings(server, security, MAIL_CA_FILE=str(certificate[0])))
    try:
        assert _send_one(app) is None  # sent, so the job is gone
        assert server.received == [(["tess@example.org"], True)]
    finally:
        app.extensions["lms_db"].dispose()


@MODES
def test_an_untrusted_certificate_sends_nothing_and_keeps_the_job(request, database_url, content_dir, tmp_path,
                                                                  security, server_fixture):
    server = request.getfixturevalue(server_fixture)
    app = _app(database_url, content_dir, tmp_path, **_tls_settings(server, security))
    try:
        job = _send_one(app)
        assert server.received == []
        assert job is not None and job.attempts == 1 and job.last_error  # to be retried later
    finally:
        app.extensions["lms_db"].dispose()


def test_the_server_refuses_mail_without_starttls(database_url, content_dir, tmp_path, tls_server):
    """So the message of the first test could only have come encrypted."""
    app = _app(database_url, content_dir, tmp_path, **{**mail_config(tls_server), "MAIL_SECURITY": "none"})
    try:
        job = _send_one(app)
        assert tls_server.received == [] and job is not None and job.last_error
    finally:
        app.extensions["lms_db"].dispose()


def test_a_ca_file_that_is_not_there_is_refused_at_start_up(database_url, content_dir, tmp_path, tls_server):
    with pytest.raises(ConfigError, match="LMS_MAIL_CA_FILE must be a PEM file"):
        _app(database_url, content_dir, tmp_path, **_tls_settings(tls_server, MAIL_CA_FILE=str(tmp_path / "no.pem")))
    with pytest.raises(ConfigError, match="set 'starttls' or 'ssl' to use it"):
        _app(database_url, content_dir, tmp_path, **{**mail_config(tls_server), "MAIL_SECURITY": "none",
                                                     "MAIL_CA_FILE": __file__})


# -- TLS on connect (LMS_MAIL_SECURITY=ssl, port 465 style) ----------------------------------------

def test_a_tls_on_connect_server_gets_nothing_in_plain_text(database_url, content_dir, tmp_path, ssl_server):
    """So the message of the first test could only have come over TLS from the first byte."""
    app = _app(database_url, content_dir, tmp_path, **{**mail_config(ssl_server), "MAIL_SECURITY": "none",
                                                       "MAIL_TIMEOUT_SECONDS": 5})
    try:
        job = _send_one(app)
        assert ssl_server.received == [] and job is not None and job.last_error
    finally:
        app.extensions["lms_db"].dispose()
