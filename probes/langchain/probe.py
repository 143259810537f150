"""gtdocs probe of the "LangChain" runbook.

Configures `langchain-openai`'s `ChatOpenAI` and `OpenAIEmbeddings` exactly
as the runbook's `config` says (GTDOCS_PROBE_CONFIG, filled in by gtdocs for
its GT API stand-in) and makes the one call GTDOCS_PROBE_ROUTE names, the
way the route's `integration` text tells users to: the chain's own classes
for chat and embeddings, plain HTTP next to the chain for the model list
and GT's own routes. Exits 0 when the call succeeded.
"""

import json
import os
import sys
import urllib.request

from langchain_openai import ChatOpenAI, OpenAIEmbeddings

config = json.loads(os.environ["GTDOCS_PROBE_CONFIG"])
route = os.environ["GTDOCS_PROBE_ROUTE"]
chat_base = config["ChatOpenAI.base_url (Python)"]
embed_base = config["OpenAIEmbeddings.base_url"]
api_key = config["ChatOpenAI.api_key"]
MODEL = "published-agent-alias"


def plain(method, path, body=None, headers=()):
    """Plain HTTP to `{base}{path}` with the bearer key: the "own HTTP
    client running next to the chain" the runbook names."""
    request = urllib.request.Request(chat_base + path, data=body, method=method)
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


# The routes' paths below the configured base: the same form the base has.
V1 = "" if chat_base.rstrip("/").endswith("/v1") else "/v1"

calls = {
    "GET /v1/models": lambda: plain("GET", f"{V1}/models"),
    "POST /v1/chat/completions": lambda: ChatOpenAI(
        base_url=chat_base, api_key=api_key, model=MODEL, max_retries=0, timeout=10
    ).invoke("ping"),
    # No tokenizer download: the text is sent as it is.
    "POST /v1/embeddings": lambda: OpenAIEmbeddings(
        base_url=embed_base,
        api_key=api_key,
        model=MODEL,
        check_embedding_ctx_length=False,
        max_retries=0,
        timeout=10,
    ).embed_query("ping"),
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
