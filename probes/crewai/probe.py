"""gtdocs probe of the "CrewAI" runbook.

Sets the environment variables the runbook's `config` and setup name,
builds CrewAI's `LLM` for the published alias as a crew's agents do, and
makes the one call the route names, the way the route's `integration` text
tells users to: the LLM for chat, a plain HTTP call (a manual check, a
custom crew tool) for the model list and GT's own routes.
"""

import os

# CrewAI sends telemetry and checks PyPI for a newer version unless told
# not to: a probe makes no request to any outside host.
for name in ("CREWAI_DISABLE_TELEMETRY", "CREWAI_DISABLE_TRACKING", "CREWAI_DISABLE_VERSION_CHECK", "OTEL_SDK_DISABLED"):
    os.environ[name] = "true"
os.environ["CREWAI_TRACING_ENABLED"] = "false"

from gtdocs_probe import config, gt_routes, run  # noqa: E402

base = config["OPENAI_API_BASE / OPENAI_BASE_URL"]
api_key = config["OPENAI_API_KEY"]
model = config["Agent LLM model"]
# The runbook's setup exports OPENAI_API_BASE (CrewAI reads OPENAI_BASE_URL
# first, when set).
os.environ["OPENAI_API_BASE"] = base
os.environ["OPENAI_API_KEY"] = api_key


def chat():
    from crewai import LLM

    LLM(model=model, max_retries=0, timeout=10).call("ping")


run(gt_routes(base, api_key) | {"POST /v1/chat/completions": chat})
