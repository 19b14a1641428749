#!/usr/bin/python3
"""An SMTP server for the notifier's TLS tests (aiosmtpd), with one account for AUTH.

usage: smtp_tls_server.py MODE PORT_FILE OUT_DIR CERT KEY
MODE is starttls (STARTTLS offered and required before AUTH and MAIL), smtps (implicit TLS from the
first byte) or plain (no STARTTLS offered). AUTH PLAIN/LOGIN accepts alerts / s3cret.
Binds 127.0.0.1 on a free port and writes the port to PORT_FILE once listening. Each message is
saved to OUT_DIR/N.eml after one line "X-Test: user=USER tls=yes|no".
"""
import os, socket, ssl, sys, time
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

mode, port_file, out_dir, cert, key = sys.argv[1:6]
os.makedirs(out_dir, exist_ok=True)
context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
context.load_cert_chain(cert, key)


class Handler:
    count = 0

    async def handle_DATA(self, server, session, envelope):
        Handler.count += 1
        encrypted = server.transport.get_extra_info("ssl_object") is not None or server._tls_protocol is not None
        header = "X-Test: user=%s tls=%s\n" % (getattr(session, "test_user", "-"), "yes" if encrypted else "no")
        with open(os.path.join(out_dir, "%d.eml.tmp" % Handler.count), "w") as f:
            f.write(header + envelope.content.decode("utf-8", "replace"))
        os.rename(os.path.join(out_dir, "%d.eml.tmp" % Handler.count), os.path.join(out_dir, "%d.eml" % Handler.count))
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"alerts" and auth_data.password == b"s3cret"
    if ok:
        session.test_user = "alerts"
    return AuthResult(success=ok)


probe = socket.socket()
probe.bind(("127.0.0.1", 0))
port = probe.getsockname()[1]
probe.close()
# aiosmtpd 1.4 counts only STARTTLS as TLS for auth_require_tls, so implicit TLS must turn it off.
options = dict(authenticator=authenticator, auth_require_tls=(mode == "starttls"))
if mode == "starttls":
    controller = Controller(Handler(), hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True, **options)
elif mode == "smtps":
    controller = Controller(Handler(), hostname="127.0.0.1", port=port, ssl_context=context, **options)
else:
    controller = Controller(Handler(), hostname="127.0.0.1", port=port, **options)
controller.start()
with open(port_file + ".tmp", "w") as f:
    f.write(str(port))
os.rename(port_file + ".tmp", port_file)
while True:
    time.sleep(3600)
