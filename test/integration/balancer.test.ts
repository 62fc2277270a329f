import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error: plain .mjs helpers without type declarations
import { startBalancer } from '../../scripts/lib/balancer.mjs';
// @ts-expect-error: plain .mjs helpers without type declarations
import { freePort } from '../../scripts/lib/services.mjs';

// The cluster profile's balancer in front of stand-in API processes on loopback: one that answers, and one that
// dies mid-request the way a kill -9 of an API process looks from outside (the connection closes, no answer).

interface Backend {
  port: number;
  seen: { method: string; key: string | undefined; body: string }[];
  close(): Promise<void>;
}
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
});

const bodyOf = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });

async function backend(behaviour: 'answers' | 'dies'): Promise<Backend> {
  const seen: Backend['seen'] = [];
  const server: Server = createServer(async (req, res) => {
    const body = await bodyOf(req);
    const key = req.headers['idempotency-key'];
    seen.push({ method: req.method!, key: typeof key === 'string' ? key : undefined, body });
    if (behaviour === 'dies') return req.socket.destroy();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ answeredBy: 'the live process', body }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const b = {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
  open.push(b);
  return b;
}

async function balancer(backends: number[]) {
  const port = await freePort();
  const b = await startBalancer({ port, backends });
  open.push(b);
  return `http://127.0.0.1:${port}`;
}

const post = (url: string, body: unknown, key?: string) =>
  fetch(`${url}/api/v1/tasks/t1/report`, { method: 'POST', headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) }, body: JSON.stringify(body) });

describe('the cluster balancer', () => {
  it('answers 503 with Retry-After, in the API’s error shape, when no API process is up', async () => {
    const url = await balancer([await freePort(), await freePort()]);
    for (const res of [await fetch(`${url}/api/v1/tasks`), await post(url, { value: 4 }, 'k-none-up')]) {
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('2');
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('unavailable');
      // Nothing reached any process: the caller is told to retry, not that the change may have been applied.
      expect(body.error.message).toContain('retry shortly');
    }
  });

  it('sends a keyed change again, with the same key and body, to the other API process when its own dies mid-request', async () => {
    const dying = await backend('dies');
    const live = await backend('answers');
    const url = await balancer([dying.port, live.port]);
    // Round robin: of two requests one goes first to the dying process.
    const answers = await Promise.all([post(url, { value: 4 }, 'k-1'), post(url, { value: 5 }, 'k-2')]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(((await answers[0]!.json()) as { body: string }).body).toBe('{"value":4}');
    expect(((await answers[1]!.json()) as { body: string }).body).toBe('{"value":5}');
    expect(dying.seen.length).toBe(1);
    const resent = dying.seen[0]!;
    // The live process got the very request the dying one had: same key, same body.
    expect(live.seen).toContainEqual(resent);
    expect(live.seen).toHaveLength(2);
  });

  it('answers 503 "may have been applied" for a change without a key whose process dies mid-request, and sends it nowhere else', async () => {
    const dying = await backend('dies');
    const live = await backend('answers');
    const url = await balancer([dying.port, live.port]);
    const answers = await Promise.all([post(url, { value: 4 }), post(url, { value: 5 })]);
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, 503]);
    const refused = answers.find((a) => a.status === 503)!;
    expect(refused.headers.get('retry-after')).toBe('2');
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('may or may not have been applied: retry with the same Idempotency-Key');
    expect(dying.seen).toHaveLength(1);
    expect(live.seen).toHaveLength(1);
  });

  it('asks the other process again for a read whose process dies', async () => {
    const dying = await backend('dies');
    const live = await backend('answers');
    const url = await balancer([dying.port, live.port]);
    const answers = await Promise.all([fetch(`${url}/api/v1/tasks`), fetch(`${url}/api/v1/tasks`)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(dying.seen).toHaveLength(1);
  });
});
