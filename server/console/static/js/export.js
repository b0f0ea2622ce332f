// "Export" in the playground: the request the console would send now (conversation + settings),
// written as a curl command and as Python with the official `openai` SDK. The key stays out of
// the code: both read it from $HANLIN_API_KEY.

/** A shell word in single quotes: ' becomes '\'' */
function shellQuote(text) {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

const INLINE = 72; // a list or object this short (written on one line) stays on one line

const PYTHON = { null: "None", true: "True", false: "False", sep: ": ", step: 4 };
const JSON_TOKENS = { null: "null", true: "true", false: "false", sep: ": ", step: 2 };

function scalar(value, t) {
  if (value === null || value === undefined) return t.null;
  if (value === true) return t.true;
  if (value === false) return t.false;
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : t.null;
  return JSON.stringify(value); // a JSON string is a valid Python string literal too
}

function oneLine(value, t) {
  if (Array.isArray(value)) return `[${value.map((v) => oneLine(v, t)).join(", ")}]`;
  if (value && typeof value === "object") {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}${t.sep}${oneLine(v, t)}`).join(", ")}}`;
  }
  return scalar(value, t);
}

/** `value` written with tokens `t`, indented, short lists and objects kept on one line. */
function pretty(value, t, indent = 0) {
  const flat = oneLine(value, t);
  if (typeof value !== "object" || value === null || flat.length + indent <= INLINE) return flat;
  const inner = indent + t.step, pad = " ".repeat(inner), end = " ".repeat(indent);
  const items = Array.isArray(value)
    ? value.map((v) => pad + pretty(v, t, inner))
    : Object.entries(value).map(([k, v]) => `${pad}${JSON.stringify(k)}${t.sep}${pretty(v, t, inner)}`);
  const [open, close] = Array.isArray(value) ? ["[", "]"] : ["{", "}"];
  return `${open}\n${items.join(",\n")}\n${end}${close}`;
}

export const pythonLiteral = (value, indent = 0) => pretty(value, PYTHON, indent);

export function curlCode(baseUrl, body) {
  return [
    `curl -N ${shellQuote(`${baseUrl}/chat/completions`)} \\`,
    `  -H 'Content-Type: application/json' \\`,
    `  -H "Authorization: Bearer $HANLIN_API_KEY" \\`,
    `  -d ${shellQuote(pretty(body, JSON_TOKENS))}`,
  ].join("\n");
}

export function pythonCode(baseUrl, body) {
  const args = Object.entries(body).map(([k, v]) => `    ${k}=${pythonLiteral(v, 4)},`);
  return [
    "import os",
    "",
    "from openai import OpenAI",
    "",
    `client = OpenAI(base_url=${JSON.stringify(baseUrl)},`,
    `                api_key=os.environ.get("HANLIN_API_KEY", "unused"))`,
    "stream = client.chat.completions.create(",
    ...args,
    ")",
    "for chunk in stream:",
    "    if chunk.choices and chunk.choices[0].delta.content:",
    "        print(chunk.choices[0].delta.content, end=\"\", flush=True)",
    "    if chunk.usage:",
    "        print(f\"\\n[{chunk.usage.completion_tokens} tokens]\")",
  ].join("\n");
}
