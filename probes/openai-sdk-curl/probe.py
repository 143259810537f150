"""gtdocs probe of the "OpenAI SDK / curl" runbook.

Configures the official `openai` Python package exactly as the runbook's
`config` says (GTDOCS_PROBE_CONFIG: each field's value, filled in by gtdocs
for its GT API stand-in) and makes the one call GTDOCS_PROBE_ROUTE names,
the way the route's `integration` text tells users to: through the SDK for
the OpenAI routes, as plain HTTP (as curl sends it) for GT's own;
gtdocs records which path each request reached.
"""

import openai
from gtdocs_probe import config, plain, run, upload

base_url = config["OPENAI_BASE_URL / baseURL"]
api_key = config["OPENAI_API_KEY / apiKey"]
model = config["model (chat body)"]

client = openai.OpenAI(base_url=base_url, api_key=api_key, max_retries=0, timeout=10)
# A second of silence as a WAV file: what a transcription uploads.
WAV = (
    b"RIFF" + (36 + 16000).to_bytes(4, "little") + b"WAVEfmt "
    + (16).to_bytes(4, "little") + (1).to_bytes(2, "little") + (1).to_bytes(2, "little")
    + (8000).to_bytes(4, "little") + (16000).to_bytes(4, "little")
    + (2).to_bytes(2, "little") + (16).to_bytes(2, "little")
    + b"data" + (16000).to_bytes(4, "little") + bytes(16000)
)


calls = {
    "GET /v1/models": lambda: client.models.list(),
    "POST /v1/chat/completions": lambda: client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": "ping"}]
    ),
    "POST /v1/embeddings": lambda: client.embeddings.create(model=model, input="ping"),
    "POST /v1/audio/transcriptions": lambda: client.audio.transcriptions.create(
        model=model, file=("probe.wav", WAV, "audio/wav")
    ),
    "POST /v1/audio/speech": lambda: client.audio.speech.create(
        model=model, voice="alloy", input="ping"
    ).read(),
    "POST /v1/images/generations": lambda: client.images.generate(model=model, prompt="ping"),
    # GT's own routes: plain HTTP to `{base}/...`, as the runbook says.
    "POST /v1/conversations/files": lambda: upload(
        base_url, api_key, "/conversations/files", [("X-GT-Conversation-Id", "conv_probe")]
    ),
    "POST /v1/datasets/{id}/files": lambda: upload(base_url, api_key, "/datasets/ds_probe/files"),
    "GET /v1/files/{id}": lambda: plain(base_url, api_key, "GET", "/files/file_probe"),
}

run(calls)
