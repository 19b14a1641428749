#!/usr/bin/python3
"""A tiny HTTP receiver for webhook tests: appends each POST as one JSON line to OUT_FILE.

usage: webhook_receiver.py PORT_FILE OUT_FILE [FAIL_FIRST_N [CERT KEY]]
Binds 127.0.0.1 on a free port and writes the port to PORT_FILE once listening; with CERT and KEY
it serves HTTPS.
"""
import http.server, json, sys

port_file, out_file = sys.argv[1], sys.argv[2]
fail_first = int(sys.argv[3]) if len(sys.argv) > 3 else 0
seen = 0

class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        global seen
        seen += 1
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if seen <= fail_first:
            self.send_response(503)
            self.end_headers()
            return
        with open(out_file, "a") as f:
            f.write(json.dumps({"path": self.path, "content_type": self.headers.get("Content-Type"),
                                "auth": self.headers.get("Authorization"), "body": body.decode()}) + "\n")
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass

server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
if len(sys.argv) > 5:
    import ssl
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(sys.argv[4], sys.argv[5])
    server.socket = context.wrap_socket(server.socket, server_side=True)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
