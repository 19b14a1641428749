#!/usr/bin/env python3
"""Writes N realistic audit lines (RFC 5424 header + JSON payload) to stdout."""
import json, random, sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
rng = random.Random(42)
actors = [f"user{i:04d}" for i in range(500)] + ["john.smith", "mary.jones", "admin"]
actions = ["view"] * 6 + ["update"] * 3 + ["create", "delete", "login", "login_failed", "logout", "export"]
entities = ["customer", "order", "product", "invoice", "settings"]
apps = ["backoffice", "erp", "shop-admin"]
out = sys.stdout
buf = []
for i in range(n):
    sec = i // 1000
    ts = f"2026-11-22T{(sec // 3600) % 24:02d}:{(sec // 60) % 60:02d}:{sec % 60:02d}.{i % 1000:03d}Z"
    action = rng.choice(actions)
    entity = rng.choice(entities)
    payload = {
        "user": rng.choice(actors),
        "action": action,
        "entity_type": entity,
        "entity_id": f"{entity[:4].upper()}-{rng.randint(1, 200000)}",
        "ip": f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
        "session": f"s{rng.randint(1, 50000):06x}",
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0",
    }
    if action == "update":
        payload["changes"] = [{"field": "credit_limit", "old": rng.randint(0, 9999), "new": rng.randint(0, 9999)}]
    if action == "export":
        payload["records"] = rng.randint(1, 20000)
    payload["message"] = f"{payload['user']} {action} {entity} {payload['entity_id']}"
    buf.append(f"<134>1 {ts} web{i % 4:02d} {rng.choice(apps)} {1000 + i % 50} audit - {json.dumps(payload, separators=(',', ':'))}\n")
    if len(buf) >= 10000:
        out.write("".join(buf)); buf.clear()
out.write("".join(buf))
