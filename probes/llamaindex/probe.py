"""gtdocs probe of the "LlamaIndex" runbook.

Configures LlamaIndex's `OpenAILike` LLM and `OpenAIEmbedding` exactly as
the runbook's `config` says (the key from OPENAI_API_KEY, as the runbook
names it) and makes the one call the route names, the way the route's
`integration` text tells users to: the LLM and embedding classes for chat
and embeddings, plain HTTP from the host application for the model list
and GT's own routes.
"""

import os

from gtdocs_probe import MODEL, config, gt_routes, run

llm_base = config["OpenAI.api_base / OpenAILike.api_base"]
embed_base = config["OpenAIEmbedding.api_base"]
os.environ["OPENAI_API_KEY"] = api_key = config["OPENAI_API_KEY"]


def chat():
    from llama_index.core.llms import ChatMessage
    from llama_index.llms.openai_like import OpenAILike

    llm = OpenAILike(model=MODEL, api_base=llm_base, is_chat_model=True, max_retries=0, timeout=10)
    llm.chat([ChatMessage(role="user", content="ping")])


def embed():
    from llama_index.embeddings.openai import OpenAIEmbedding

    embedding = OpenAIEmbedding(model_name=MODEL, api_base=embed_base, max_retries=0, timeout=10)
    embedding.get_text_embedding("ping")


run(gt_routes(llm_base, api_key) | {"POST /v1/chat/completions": chat, "POST /v1/embeddings": embed})
