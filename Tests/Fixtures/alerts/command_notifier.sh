#!/bin/sh
# Command-notifier test program: saves the alert JSON from stdin and the alert variables.
out="$1"
cat > "$out.tmp"
printf '%s|%s|%s\n' "$VIGIL_ALERT_RULE" "$VIGIL_ALERT_SEVERITY" "$VIGIL_ALERT_GROUP" > "$out.env"
mv "$out.tmp" "$out"
