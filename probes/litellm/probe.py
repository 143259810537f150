"""gtdocs probe of the "LiteLLM" runbook.

Configures LiteLLM's `Router` (what the proxy builds from its config's
`model_list`) exactly as the runbook's `config` says and makes the one call
the route names, the way the route's `integration` text tells users to:
the router for chat and embeddings, LiteLLM's own check of the provider's
model list, plain HTTP (the "separate HTTP job") for GT's own routes.
"""

import os

# LiteLLM reads its model price map from GitHub at import unless told to
# use the copy it ships: a probe makes no request to any outside host.
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
os.environ["LITELLM_TELEMETRY"] = "False"

import litellm  # noqa: E402
from gtdocs_probe import MODEL, config, gt_routes, run  # noqa: E402

api_base = config["model_list[].litellm_params.api_base"]
api_key = config["model_list[].litellm_params.api_key"]
PARAMS = {"model": f"openai/{MODEL}", "api_base": api_base, "api_key": api_key}


def router():
    return litellm.Router(
        model_list=[{"model_name": MODEL, "litellm_params": PARAMS}],
        num_retries=0,
        timeout=10,
    )


def models():
    found = litellm.get_valid_models(
        check_provider_endpoint=True, custom_llm_provider="openai", api_base=api_base, api_key=api_key
    )
    if not found:
        raise RuntimeError("LiteLLM found no model at the provider's endpoint")


run(
    gt_routes(api_base, api_key)
    | {
        "GET /v1/models": models,
        "POST /v1/chat/completions": lambda: router().completion(
            model=MODEL, messages=[{"role": "user", "content": "ping"}]
        ),
        "POST /v1/embeddings": lambda: router().embedding(model=MODEL, input=["ping"]),
    }
)
