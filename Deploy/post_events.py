"""Posting audit events to Vigil from a Python application (standard library only).

The daemon answers after the events are committed, so a 200 means they are stored. On 429 the
client waits for Retry-After and tries again; on a connection error it retries with backoff.
"""
import json
import os
import time
import urllib.error
import urllib.request

VIGIL = os.environ.get("VIGIL", "http://127.0.0.1:8514")
TOKEN = os.environ.get("VIGIL_TOKEN")


def post_events(events, attempts=5):
    body = "\n".join(json.dumps(e, separators=(",", ":")) for e in events).encode()
    headers = {"Content-Type": "application/x-ndjson"}
    if TOKEN:
        headers["Authorization"] = "Bearer " + TOKEN
    delay = 0.5
    for attempt in range(attempts):
        request = urllib.request.Request(VIGIL + "/api/v1/events", data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            if error.code == 429:
                time.sleep(float(error.headers.get("Retry-After", delay)))
            elif error.code >= 500:
                time.sleep(delay)
            else:
                raise  # 400, 401, 413: retrying will not help
        except urllib.error.URLError:
            time.sleep(delay)
        delay = min(delay * 2, 10)
    raise RuntimeError("Vigil did not take the events after %d attempts" % attempts)


if __name__ == "__main__":
    print(post_events([
        {"user": "john.smith", "action": "update", "entity_type": "customer", "entity_id": "CUST-12345",
         "changes": [{"field": "credit_limit", "old": 1000, "new": 5000}]},
        {"user": "john.smith", "action": "export", "entity_type": "customer", "records": 1200},
    ]))
