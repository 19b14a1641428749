#!/bin/sh
# Posting audit events from an application or gateway over HTTP. The daemon answers only after
# the events are committed: a 200 means they are stored; retry on anything else (429 carries
# Retry-After). With `http.tokens` configured, send the source's token as a bearer token.
VIGIL=${VIGIL:-http://127.0.0.1:8514}
TOKEN=${VIGIL_TOKEN:-}

# One JSON event:
curl -sS --fail-with-body ${TOKEN:+-H "Authorization: Bearer $TOKEN"} \
  -H 'Content-Type: application/json' \
  --data '{"user":"john.smith","action":"update","entity_type":"customer","entity_id":"CUST-12345","ip":"192.0.2.10","changes":[{"field":"email","old":"a@example.com","new":"b@example.com"}]}' \
  "$VIGIL/api/v1/events"
echo

# A JSON array, or NDJSON (one event per line):
printf '%s\n' '{"user":"mary","action":"export","entity_type":"customer","records":5000}' \
              '{"user":"mary","action":"logout"}' |
  curl -sS --fail-with-body ${TOKEN:+-H "Authorization: Bearer $TOKEN"} \
    -H 'Content-Type: application/x-ndjson' --data-binary @- "$VIGIL/api/v1/events"
echo
# Answer: {"accepted":2,"rejected":0}; bad lines are listed as {"item":N,"error":"..."}.
