import createClient from 'openapi-fetch';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];
export type Task = Schemas['Task'];
export type Me = Schemas['User'];
export type Light = Task['light'];

const sessionKey = 'jianjia.session';

export interface Session {
  token: string;
  expiresAt: string;
  user: Me;
}

export function loadSession(): Session | null {
  try {
    const s = JSON.parse(localStorage.getItem(sessionKey) ?? 'null') as Session | null;
    return s && Date.parse(s.expiresAt) > Date.now() ? s : null;
  } catch {
    return null;
  }
}
export const saveSession = (s: Session) => localStorage.setItem(sessionKey, JSON.stringify(s));
export const clearSession = () => localStorage.removeItem(sessionKey);

/** A refusal from the API: its message, and the field it names when it names one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** The request never got an answer: the network is down or the server is unreachable. */
export class OfflineError extends Error {}

/** Called when the API says the token is no longer good; the app sends the person to log in again. */
let onUnauthorized: () => void = () => {};
export const setUnauthorizedHandler = (f: () => void) => (onUnauthorized = f);

/** A fresh key for an action that must apply once. */
export const newIdempotencyKey = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`);

/** The typed client for /api/v1, generated from the API's OpenAPI document (schema.d.ts). */
export const api = createClient<paths>({ baseUrl: location.origin });
/**
 * Every change the app asks for carries an Idempotency-Key. The same request sent again after it got no answer
 * (a lost connection) carries the same key, so it applies at most once; any request that got an answer, or a
 * changed one, gets a new key (the API refuses a key reused for a different request).
 */
const unanswered = new Map<string, string>(); // request signature → key
const signatureOf = new Map<string, string>(); // openapi-fetch request id → signature
api.use({
  async onRequest({ request, id }) {
    const s = loadSession();
    if (s) request.headers.set('authorization', `Bearer ${s.token}`);
    if (request.method !== 'GET' && !request.headers.has('idempotency-key') && !request.url.endsWith('/auth/login')) {
      const signature = `${request.method} ${request.url}\n${await request.clone().text()}`;
      const key = unanswered.get(signature) ?? newIdempotencyKey();
      unanswered.set(signature, key);
      signatureOf.set(id, signature);
      request.headers.set('idempotency-key', key);
    }
    return request;
  },
  onResponse({ id }) {
    const signature = signatureOf.get(id);
    if (signature !== undefined) unanswered.delete(signature);
    signatureOf.delete(id);
  },
});

type Result<T> = { data?: T; error?: unknown; response: Response };

/** Await an openapi-fetch call: the data, or an ApiError / OfflineError a screen can show. */
export async function must<T>(call: Promise<Result<T>>): Promise<T> {
  let result: Result<T>;
  try {
    result = await call;
  } catch (err) {
    throw new OfflineError(err instanceof Error ? err.message : String(err));
  }
  if (result.response.ok) return result.data as T;
  const body = result.error as { error?: { code?: string; message?: string; field?: string } } | undefined;
  if (result.response.status === 401 && loadSession()) {
    clearSession();
    onUnauthorized();
  }
  throw new ApiError(result.response.status, body?.error?.code ?? 'error', body?.error?.message ?? result.response.statusText, body?.error?.field);
}


/** Upload evidence with progress (fetch cannot report upload progress). */
export function uploadFile(file: File, onProgress: (percent: number) => void): Promise<Schemas['Upload']> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/v1/uploads');
    const s = loadSession();
    if (s) xhr.setRequestHeader('authorization', `Bearer ${s.token}`);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(Math.round((e.loaded / e.total) * 100));
    xhr.onerror = () => reject(new OfflineError('upload interrupted'));
    xhr.onload = () => {
      let body: any = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // not JSON
      }
      if (xhr.status === 201) return resolve(body);
      reject(new ApiError(xhr.status, body?.error?.code ?? 'error', body?.error?.message ?? xhr.statusText, body?.error?.field));
    };
    const form = new FormData();
    form.set('file', file);
    xhr.send(form);
  });
}

/** An uploaded file as a local object URL for preview (the API serves it only with the bearer token). */
export async function evidenceUrl(id: string): Promise<{ url: string; type: string }> {
  const s = loadSession();
  const res = await fetch(`/api/v1/uploads/${id}/content`, { headers: s ? { authorization: `Bearer ${s.token}` } : {} });
  if (!res.ok) throw new ApiError(res.status, 'error', res.statusText);
  const blob = await res.blob();
  return { url: URL.createObjectURL(blob), type: blob.type };
}

export async function login(loginName: string, password: string): Promise<Session> {
  const data = await must(api.POST('/api/v1/auth/login', { body: { login: loginName, password } }));
  const session = { token: data.token, expiresAt: data.expiresAt, user: data.user };
  saveSession(session);
  return session;
}
