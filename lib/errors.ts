/** A failure the caller can act on; the API maps `status` to the HTTP response. */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: 400 | 401 | 403 | 404 | 409 | 412 | 413 | 415 | 422 | 503 = 400,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (what: string) => new DomainError('not_found', `${what} not found`, 404);
export const forbidden = (message = 'your role may not do this') => new DomainError('forbidden', message, 403);
export const unauthenticated = (message = 'log in first: send Authorization: Bearer <token>') =>
  new DomainError('unauthenticated', message, 401);
export const invalid = (field: string, message: string) =>
  new DomainError('invalid', `${field}: ${message}`, 422, { field });
export const conflict = (message: string, details?: Record<string, unknown>) =>
  new DomainError('conflict', message, 409, details);
