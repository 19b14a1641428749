#!/bin/sh
# Sending audit lines to Vigil with util-linux logger (paths and ports of the default config).

# UDP, RFC 5424 header:
logger --server 127.0.0.1 --port 5514 --udp --rfc5424 -t backoffice \
  '{"user":"john.smith","action":"update","entity_type":"customer","entity_id":"CUST-12345","changes":[{"field":"credit_limit","old":1000,"new":5000}]}'

# TCP with octet counting:
logger --server 127.0.0.1 --port 5514 --tcp --octet-count -t backoffice '{"user":"mary","action":"login","ip":"192.0.2.10"}'

# The Unix datagram socket (like /dev/log); Vigil records the sender's uid, pid and executable:
logger -u ./var/log.sock -t cron 'backup finished'

# Or Vigil's own client, which speaks every listener:
# vigil send --to tcp://127.0.0.1:5514 '{"user":"john","action":"export","records":5000}'
