"""gtdocs probe of the "CrewAI" runbook.

Sets the environment variables the runbook's `config` names
(GTDOCS_PROBE_CONFIG, filled in by gtdocs for its GT API stand-in), builds
CrewAI's `LLM` for the published alias as a crew's agents do, and makes
the one call GTDOCS_PROBE_ROUTE names, the way the route's `integration`
text tells users to: the LLM for chat, a plain HTTP call (a manual check,
a custom crew tool) for the model list and GT's own routes. Exits 0 when
the call succeeded.
"""

import json
import os
import sys
import urllib.request

# CrewAI sends telemetry and checks PyPI for a newer version unless told
# not to: a probe makes no request to any outside host.
for name in ("CREWAI_DISABLE_TELEMETRY", "CREWAI_DISABLE_TRACKING", "CREWAI_DISABLE_VERSION_CHECK", "OTEL_SDK_DISABLED"):
    os.environ[name] = "true"
os.environ["CREWAI_TRACING_ENABLED"] = "false"

config = json.loads(os.environ["GTDOCS_PROBE_CONFIG"])
route = os.environ["GTDOCS_PROBE_ROUTE"]
base = config["OPENAI_API_BASE / OPENAI_BASE_URL"]
api_key = config["OPENAI_API_KEY"]
model = config["Agent LLM model"]
# The runbook's setup exports OPENAI_API_BASE (CrewAI reads OPENAI_BASE_URL
# first, when set).
os.environ["OPENAI_API_BASE"] = base
os.environ["OPENAI_API_KEY"] = api_key


def plain(method, path, body=None, headers=()):
    """Plain HTTP to `{base}{path}` with the bearer key: a manual check or
    a custom crew tool."""
    request = urllib.request.Request(base + path, data=body, method=method)
    request.add_header("Authorization", f"Bearer {api_key}")
    for name, value in headers:
        request.add_header(name, value)
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


def upload(path):
    boundary = "gtdocs-probe-boundary"
    body = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="file"; filename="probe.txt"\r\n'
        "Content-Type: text/plain\r\n\r\nprobe\r\n"
        f"--{boundary}--\r\n"
    ).encode()
    plain("POST", path, body, [("Content-Type", f"multipart/form-data; boundary={boundary}")])


def chat():
    from crewai import LLM

    LLM(model=model, max_retries=0, timeout=10).call("ping")


# The routes' paths below the configured base: the same form the base has.
V1 = "" if base.rstrip("/").endswith("/v1") else "/v1"

calls = {
    "GET /v1/models": lambda: plain("GET", f"{V1}/models"),
    "POST /v1/chat/completions": chat,
    "POST /v1/conversations/files": lambda: upload(f"{V1}/conversations/files"),
    "POST /v1/datasets/{id}/files": lambda: upload(f"{V1}/datasets/ds_probe/files"),
    "GET /v1/files/{id}": lambda: plain("GET", f"{V1}/files/file_probe"),
}

call = calls.get(route)
if call is None:
    print(f"this probe does not call {route}", file=sys.stderr)
    sys.exit(2)
try:
    call()
except Exception as e:  # the client's own error: what a user would see
    print(f"{type(e).__name__}: {e}", file=sys.stderr)
    sys.exit(1)
