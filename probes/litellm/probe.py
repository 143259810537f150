"""gtdocs probe of the "LiteLLM" runbook.

Configures LiteLLM's `Router` (what the proxy builds from its config's
`model_list`) exactly as the runbook's `config` says (GTDOCS_PROBE_CONFIG,
filled in by gtdocs for its GT API stand-in) and makes the one call
GTDOCS_PROBE_ROUTE names, the way the route's `integration` text tells
users to: the router for chat and embeddings, LiteLLM's own check of the
provider's model list, plain HTTP (the "separate HTTP job") for GT's own
routes. Exits 0 when the call succeeded.
"""

import json
import os
import sys
import urllib.request

# LiteLLM reads its model price map from GitHub at import unless told to
# use the copy it ships: a probe makes no request to any outside host.
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
os.environ["LITELLM_TELEMETRY"] = "False"

import litellm  # noqa: E402

config = json.loads(os.environ["GTDOCS_PROBE_CONFIG"])
route = os.environ["GTDOCS_PROBE_ROUTE"]
api_base = config["model_list[].litellm_params.api_base"]
api_key = config["model_list[].litellm_params.api_key"]
MODEL = "published-agent-alias"
PARAMS = {"model": f"openai/{MODEL}", "api_base": api_base, "api_key": api_key}


def router():
    return litellm.Router(
        model_list=[{"model_name": MODEL, "litellm_params": PARAMS}],
        num_retries=0,
        timeout=10,
    )


def plain(method, path, body=None, headers=()):
    """Plain HTTP to `{api_base}{path}` with the bearer key."""
    request = urllib.request.Request(api_base + path, data=body, method=method)
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


def models():
    found = litellm.get_valid_models(
        check_provider_endpoint=True, custom_llm_provider="openai", api_base=api_base, api_key=api_key
    )
    if not found:
        raise RuntimeError("LiteLLM found no model at the provider's endpoint")


# The routes' paths below the configured base: the same form the base has.
V1 = "" if api_base.rstrip("/").endswith("/v1") else "/v1"

calls = {
    "GET /v1/models": models,
    "POST /v1/chat/completions": lambda: router().completion(
        model=MODEL, messages=[{"role": "user", "content": "ping"}]
    ),
    "POST /v1/embeddings": lambda: router().embedding(model=MODEL, input=["ping"]),
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
