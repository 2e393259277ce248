// The JSON API, by relative URL (api/v1/...), so the UI works under any base path. Changes carry the
// CSRF token the login handed out; a 401 anywhere means the login has ended.
let csrf = null;
let onLoggedOut = () => {};

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code);
    this.status = status;
    this.code = code;
  }
}

/**
 * Says why this login opens a sensitive session. In a POST body, never in a URL (URLs end up in web
 * server logs): the server keeps it for this login and audits it with every view and playback.
 */
export function giveAccessReason(sessionId, reason) {
  return api(`sessions/${encodeURIComponent(sessionId)}/access`, { method: 'POST', body: { reason } });
}

export function setCsrf(token) {
  csrf = token;
}

/** Called when any request (other than a login attempt) answers 401. */
export function whenLoggedOut(fn) {
  onLoggedOut = fn;
}

/**
 * api('sessions', {query: {...}}) / api('sessions/3/notes', {method: 'POST', body: {...}}).
 * Resolves to the parsed JSON (null for 204); rejects with an ApiError.
 */
export async function api(path, { method = 'GET', body, query, login = false } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  let url = `api/v1/${path}`;
  if (query) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v != null && v !== '') q.set(k, v);
    const s = q.toString();
    if (s) url += `?${s}`;
  }
  let r;
  try {
    r = await fetch(url, {
      method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, 'network', e.message);
  }
  let data = null;
  if (r.status !== 204) {
    try {
      data = await r.json();
    } catch (e) {
      data = null;
    }
  }
  if (!r.ok) {
    const err = new ApiError(r.status, (data && data.error) || `http_${r.status}`, data && data.message);
    if (r.status === 401 && !login) onLoggedOut(err);
    throw err;
  }
  return data;
}

export function mediaUrl(sessionId, download = false) {
  // No reason here even for a sensitive session: the one given by giveAccessReason serves this login.
  return `api/v1/sessions/${encodeURIComponent(sessionId)}/media${download ? '?download=1' : ''}`;
}
