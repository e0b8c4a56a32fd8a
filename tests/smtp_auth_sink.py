"""An SMTP sink that accepts mail only after AUTH with one user and password (for the SMTP
password test in tests/api/smtp.rs). Usage: smtp_auth_sink.py PORT MAILDIR USER PASSWORD.
Plain-text AUTH is allowed here because it only ever listens on 127.0.0.1 in a test."""
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import AuthResult, LoginPassword

port, maildir, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]


def authenticate(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
    # handled=False: aiosmtpd then answers 535 itself (with the default it answers nothing).
    return AuthResult(success=ok, handled=False)


controller = Controller(
    Mailbox(maildir),
    hostname="127.0.0.1",
    port=port,
    authenticator=authenticate,
    auth_required=True,
    auth_require_tls=False,
)
controller.start()
while True:
    time.sleep(3600)
