// gtdocs probe of the "Vercel AI SDK" runbook.
//
// Configures the AI SDK's OpenAI provider exactly as the runbook's `config`
// says (GTDOCS_PROBE_CONFIG: its server env, filled in by gtdocs for its GT
// API stand-in) and makes the one call GTDOCS_PROBE_ROUTE names, the way
// the route's `integration` text tells users to: the Chat Completions
// provider methods (the runbook's advice) for chat and embeddings, a
// server-side fetch for the model list and GT's own routes. Exits 0 when
// the call succeeded.
import { createOpenAI } from "@ai-sdk/openai";
import { embed, generateText } from "ai";

const config = JSON.parse(process.env.GTDOCS_PROBE_CONFIG);
const route = process.env.GTDOCS_PROBE_ROUTE;
const baseURL = config["GT_API_BASE_URL (server env)"];
const apiKey = config["GT_API_KEY (server env)"];
const MODEL = "published-agent-alias";

const openai = createOpenAI({ baseURL, apiKey });
// The routes' paths below the configured base: the same form the base has.
const v1 = baseURL.replace(/\/+$/, "").endsWith("/v1") ? "" : "/v1";

async function plain(method, path, body, headers = {}) {
  const response = await fetch(baseURL + path, {
    method,
    body,
    headers: { Authorization: `Bearer ${apiKey}`, ...headers },
  });
  if (!response.ok) throw new Error(`HTTP ${response.status} from ${method} ${path}`);
  await response.arrayBuffer();
}

async function upload(path) {
  const form = new FormData();
  form.append("file", new Blob(["probe"], { type: "text/plain" }), "probe.txt");
  await plain("POST", path, form);
}

const calls = {
  "GET /v1/models": () => plain("GET", `${v1}/models`),
  "POST /v1/chat/completions": () =>
    generateText({ model: openai.chat(MODEL), prompt: "ping", maxRetries: 0 }),
  "POST /v1/embeddings": () =>
    embed({ model: openai.embedding(MODEL), value: "ping", maxRetries: 0 }),
  "POST /v1/conversations/files": () => upload(`${v1}/conversations/files`),
  "POST /v1/datasets/{id}/files": () => upload(`${v1}/datasets/ds_probe/files`),
  "GET /v1/files/{id}": () => plain("GET", `${v1}/files/file_probe`),
};

const call = calls[route];
if (!call) {
  console.error(`this probe does not call ${route}`);
  process.exit(2);
}
try {
  await call();
} catch (e) {
  // The client's own error: what a user would see.
  console.error(`${e?.name}: ${e?.message}`);
  process.exit(1);
}
