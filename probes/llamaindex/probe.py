"""gtdocs probe of the "LlamaIndex" runbook.

Configures LlamaIndex's `OpenAILike` LLM and `OpenAIEmbedding` exactly as
the runbook's `config` says (GTDOCS_PROBE_CONFIG, filled in by gtdocs for
its GT API stand-in; the key from OPENAI_API_KEY, as the runbook names it)
and makes the one call GTDOCS_PROBE_ROUTE names, the way the route's
`integration` text tells users to: the LLM and embedding classes for chat
and embeddings, plain HTTP from the host application for the model list
and GT's own routes. Exits 0 when the call succeeded.
"""

import json
import os
import sys
import urllib.request

config = json.loads(os.environ["GTDOCS_PROBE_CONFIG"])
route = os.environ["GTDOCS_PROBE_ROUTE"]
llm_base = config["OpenAI.api_base / OpenAILike.api_base"]
embed_base = config["OpenAIEmbedding.api_base"]
os.environ["OPENAI_API_KEY"] = api_key = config["OPENAI_API_KEY"]
MODEL = "published-agent-alias"


def plain(method, path, body=None, headers=()):
    """Plain HTTP to `{base}{path}` with the bearer key: the host
    application's own calls the runbook names."""
    request = urllib.request.Request(llm_base + path, data=body, method=method)
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
    from llama_index.core.llms import ChatMessage
    from llama_index.llms.openai_like import OpenAILike

    llm = OpenAILike(
        model=MODEL, api_base=llm_base, is_chat_model=True, max_retries=0, timeout=10
    )
    llm.chat([ChatMessage(role="user", content="ping")])


def embed():
    from llama_index.embeddings.openai import OpenAIEmbedding

    OpenAIEmbedding(model_name=MODEL, api_base=embed_base, max_retries=0, timeout=10).get_text_embedding("ping")


# The routes' paths below the configured base: the same form the base has.
V1 = "" if llm_base.rstrip("/").endswith("/v1") else "/v1"

calls = {
    "GET /v1/models": lambda: plain("GET", f"{V1}/models"),
    "POST /v1/chat/completions": chat,
    "POST /v1/embeddings": embed,
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
