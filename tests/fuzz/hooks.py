"""Schemathesis hooks for scripts/fuzz.ts: sign what is sent, so the fuzz reaches past the signature check.

The signed routes verify the exact bytes before parsing, so the hook serializes the generated body
itself, sends those bytes (a body passed in `kwargs` replaces the generated one) and signs them as
the SSO and the edge do: `X-SCIM-Signature: sha256=<hex HMAC-SHA256>`. FUZZ_WEBHOOK_SECRET signs
/api/v1/scim/webhook, FUZZ_INGEST_SECRET /api/v1/scim/events. A webhook body's valid timestamp is
moved to now, or the replay window would refuse nearly every generated one; an invalid one is left
as generated, so negative cases stay negative. ADMIN_TOKEN is sent with `-H` by scripts/fuzz.ts.
"""

import hashlib
import hmac
import json
import os
import re
from datetime import datetime, timezone

import schemathesis

SECRETS = {
    "/api/v1/scim/webhook": os.environ.get("FUZZ_WEBHOOK_SECRET", ""),
    "/api/v1/scim/events": os.environ.get("FUZZ_INGEST_SECRET", ""),
}
# zod's z.iso.datetime({ offset: true }), loosely: a generated timestamp the route would accept.
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@schemathesis.hook
def before_call(context, case, kwargs):
    secret = SECRETS.get(case.operation.path)
    if not secret or case.body is None or type(case.body).__name__ == "NotSet":
        return
    body = case.body
    if case.operation.path == "/api/v1/scim/webhook" and isinstance(body, dict):
        stamp = body.get("timestamp")
        if isinstance(stamp, str) and ISO.match(stamp):
            body["timestamp"] = _now()
    raw = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
    kwargs["data"] = raw
    digest = hmac.new(secret.encode("utf-8"), raw, hashlib.sha256).hexdigest()
    if case.headers is None:
        case.headers = {}
    case.headers["X-SCIM-Signature"] = f"sha256={digest}"
