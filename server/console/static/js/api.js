// The API client every page uses: the key pasted once (localStorage) sent as a Bearer token on
// every call, OpenAI error envelopes turned into Errors, a 401 turned into "paste a key", uploads
// with progress (XMLHttpRequest) and downloads of a file's content saved under a name.

const KEY = "hanlin.apiKey";
const authListeners = [];

export class APIError extends Error {
  constructor(status, message, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function getKey() {
  return localStorage.getItem(KEY) || "";
}

export function setKey(value) {
  if (value) localStorage.setItem(KEY, value);
  else localStorage.removeItem(KEY);
}

/** `fn(message)` runs whenever the server answers 401 (no key, or a wrong one). */
export function onAuthNeeded(fn) {
  authListeners.push(fn);
}

/** A path relative to the page ("v1/models"), so the console also works under a proxy prefix. */
export function url(path) {
  return new URL(path, document.baseURI).href;
}

export function authHeaders(extra = {}) {
  const key = getKey();
  return key ? { ...extra, Authorization: `Bearer ${key}` } : { ...extra };
}

async function failure(response) {
  let message = `${response.status} ${response.statusText}`, code;
  try {
    const body = await response.json();
    if (body && body.error) ({ message, code } = body.error);
  } catch { /* not JSON: keep the status line */ }
  if (response.status === 401) authListeners.forEach((fn) => fn(message));
  return new APIError(response.status, message, code);
}

/** fetch with the key; throws APIError unless 2xx. The Response is returned unread. */
export async function request(path, { method = "GET", body, signal, headers = {} } = {}) {
  const init = { method, signal, headers: authHeaders(headers) };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["content-type"] = "application/json";
  }
  const response = await fetch(url(path), init);
  if (!response.ok) throw await failure(response);
  return response;
}

export async function api(path, options) {
  return (await request(path, options)).json();
}

/** Every item of a cursor-paged list (`data`, `has_more`, items with `id`), up to `max`. */
export async function listAll(path, { limit = 100, max = 1000 } = {}) {
  const items = [];
  let after = null;
  for (;;) {
    const sep = path.includes("?") ? "&" : "?";
    const page = await api(`${path}${sep}limit=${limit}${after ? `&after=${encodeURIComponent(after)}` : ""}`);
    items.push(...page.data);
    if (!page.has_more || !page.data.length || items.length >= max) return items;
    after = page.data[page.data.length - 1].id;
  }
}

/** POST a multipart form with upload progress: onProgress(loaded, total). Resolves to the JSON. */
export function upload(path, form, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url(path));
    for (const [name, value] of Object.entries(authHeaders())) xhr.setRequestHeader(name, value);
    xhr.responseType = "json";
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : 0);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) return resolve(xhr.response);
      const error = xhr.response && xhr.response.error;
      const message = error ? error.message : `${xhr.status} ${xhr.statusText}`;
      if (xhr.status === 401) authListeners.forEach((fn) => fn(message));
      reject(new APIError(xhr.status, message, error && error.code));
    };
    xhr.onerror = () => reject(new APIError(0, "The upload failed: the server could not be reached."));
    xhr.send(form);
  });
}

/** Fetch a File's content with the key and hand it to the browser as a download. */
export async function download(fileId, filename) {
  const blob = await (await request(`v1/files/${encodeURIComponent(fileId)}/content`)).blob();
  const href = URL.createObjectURL(blob);
  const a = Object.assign(document.createElement("a"), { href, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}
