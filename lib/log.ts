import pino, { type Logger } from 'pino';

/** Structured JSON logger shared by the API and the worker. */
export function createLogger(level: string, name: string): Logger {
  return pino({ level, name, base: { pid: process.pid, service: name } });
}

export type { Logger };
