/**
 * The API token, when the server asks for one (401): asked once in a dialog and kept in
 * sessionStorage, so it lasts for this tab and is gone when the tab closes. Every API call goes
 * through apiFetch, which sends it as `Authorization: Bearer` (never in a URL, where it would reach
 * logs and history).
 */
import { h } from './dom.ts';

const KEY = 'polypseg-api-token';
let asking: Promise<string | null> | null = null;

export function currentToken(): string | null {
  return sessionStorage.getItem(KEY);
}

export function authHeaders(): Record<string, string> {
  const token = currentToken();
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** Shows the token dialog (once, however many requests are waiting) and stores the answer. */
function askForToken(retry: boolean): Promise<string | null> {
  asking ??= new Promise<string | null>((resolve) => {
    const input = h('input', {
      type: 'password',
      id: 'api-token',
      autocomplete: 'current-password',
      required: true,
    });
    const dialog = h(
      'dialog',
      { class: 'token-dialog', 'aria-labelledby': 'api-token-title' },
      h(
        'form',
        { method: 'dialog' },
        h('h2', { id: 'api-token-title' }, 'This server needs an API token'),
        retry ? h('p', { class: 'error', role: 'alert' }, 'That token was not accepted.') : null,
        h('label', { for: 'api-token' }, 'API token'),
        input,
        h(
          'div',
          { class: 'actions' },
          h('button', { type: 'submit', class: 'button', value: 'ok' }, 'Continue'),
          h(
            'button',
            { type: 'submit', class: 'button quiet', value: 'cancel', formnovalidate: true },
            'Cancel',
          ),
        ),
      ),
    );
    dialog.addEventListener('close', () => {
      const token = dialog.returnValue === 'ok' ? input.value.trim() : '';
      dialog.remove();
      asking = null;
      if (token) sessionStorage.setItem(KEY, token);
      resolve(token || null);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
  return asking;
}

/** fetch() for the API: adds the token, and on 401 asks for it and tries again. */
export async function apiFetch(url: string, init: RequestInit = {}): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(url, { ...init, headers: { ...(init.headers as object), ...authHeaders() } });
    if (res.status !== 401) return res;
    const token = await askForToken(attempt > 0 || currentToken() !== null);
    if (!token) return res;
  }
}

/**
 * A URL a <video> or download link can use: the API path itself without a token; with one, the
 * file fetched with the token into a blob: URL (elements cannot send headers).
 */
export async function mediaUrl(path: string): Promise<string> {
  if (!currentToken()) return path;
  const res = await apiFetch(path);
  if (!res.ok) throw new Error(`could not load ${path.split('/').pop()} (HTTP ${res.status})`);
  return URL.createObjectURL(await res.blob());
}
