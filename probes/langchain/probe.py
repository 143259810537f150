"""gtdocs probe of the "LangChain" runbook.

Configures `langchain-openai`'s `ChatOpenAI` and `OpenAIEmbeddings` exactly
as the runbook's `config` says and makes the one call the route names, the
way the route's `integration` text tells users to: the chain's own classes
for chat and embeddings, plain HTTP next to the chain for the model list
and GT's own routes.
"""

from gtdocs_probe import MODEL, config, gt_routes, run
from langchain_openai import ChatOpenAI, OpenAIEmbeddings

chat_base = config["ChatOpenAI.base_url (Python)"]
embed_base = config["OpenAIEmbeddings.base_url"]
api_key = config["ChatOpenAI.api_key"]

run(
    gt_routes(chat_base, api_key)
    | {
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
    }
)
