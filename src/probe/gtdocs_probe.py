"""What every Python probe script needs, put on its path by `gtdocs probe`
(`import gtdocs_probe`).

- `config`: the runbook's `config` as a user fills it in (field -> value;
  the stand-in's address for `<tenant-host>`, its key for a key's
  placeholder), and `route`: the one route to call.
- `plain` and `upload`: plain HTTP to a base URL with the bearer key, as a
  user's own code (or curl) sends it.
- `gt_routes`: the calls a runbook leaves to the user's own HTTP code: the
  model list and GT's upload and file routes, below a base URL.
- `run`: makes the route's call and exits as gtdocs reads it: 0 the call
  succeeded, 1 the client failed (its error on stderr), 2 the script has no
  call for this route.
"""

import json
import os
import sys
import urllib.request

config = json.loads(os.environ["GTDOCS_PROBE_CONFIG"])
route = os.environ["GTDOCS_PROBE_ROUTE"]

# The model every probe asks for: a published alias, as the runbooks say.
MODEL = "published-agent-alias"


def plain(base, key, method, path, body=None, headers=()):
    """Plain HTTP to `{base}{path}` with the bearer key; the answer's body
    is read and dropped, an HTTP error raised."""
    request = urllib.request.Request(base + path, data=body, method=method)
    request.add_header("Authorization", f"Bearer {key}")
    for name, value in headers:
        request.add_header(name, value)
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


def upload(base, key, path, headers=()):
    """A multipart upload of one small text file to `{base}{path}`."""
    boundary = "gtdocs-probe-boundary"
    body = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="file"; filename="probe.txt"\r\n'
        "Content-Type: text/plain\r\n\r\nprobe\r\n"
        f"--{boundary}--\r\n"
    ).encode()
    form = [("Content-Type", f"multipart/form-data; boundary={boundary}")]
    plain(base, key, "POST", path, body, form + list(headers))


def gt_routes(base, key):
    """The model list and GT's upload and file routes as plain HTTP below
    `base`, the routes' paths in the form the base has (`/v1/...` below a
    base without `/v1`, `/...` below one with it)."""
    v1 = "" if base.rstrip("/").endswith("/v1") else "/v1"
    return {
        "GET /v1/models": lambda: plain(base, key, "GET", f"{v1}/models"),
        "POST /v1/conversations/files": lambda: upload(base, key, f"{v1}/conversations/files"),
        "POST /v1/datasets/{id}/files": lambda: upload(base, key, f"{v1}/datasets/ds_probe/files"),
        "GET /v1/files/{id}": lambda: plain(base, key, "GET", f"{v1}/files/file_probe"),
    }


def run(calls):
    """Makes the call `calls` has for `route`, and exits."""
    call = calls.get(route)
    if call is None:
        print(f"this probe does not call {route}", file=sys.stderr)
        sys.exit(2)
    try:
        call()
    except Exception as e:  # the client's own error: what a user would see
        print(f"{type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
    sys.exit(0)
