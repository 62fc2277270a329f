// A small HTTP load balancer for the cluster profile: one address in front of several API processes,
// round robin. A request goes to the next backend that accepts the connection, and a read (GET, HEAD) is
// asked of the next one when its backend dies before answering, so a dead API process costs readers
// nothing. So is a change that carries an Idempotency-Key (its body, up to 1 MiB, is held for that): the
// other API process either carries it out or returns the first result, so the caller never sees the death.
// A change without a key whose backend dies mid-request gets a 503 shaped like the API's own (it may have
// been applied: retry with the same Idempotency-Key). With no API process up, a 503 with Retry-After.
// Loopback only by default.
import http from 'node:http';

/** JSON body of a 503 shaped like the API's errors (api/errors.ts). */
function unavailable(res, changes) {
  const advice = changes
    ? 'it may or may not have been applied: retry with the same Idempotency-Key, which returns the first result if it was'
    : 'retry shortly';
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '2' });
  res.end(JSON.stringify({ error: { code: 'unavailable', message: `no API process answered; ${advice}` } }));
}

/** The largest body of a keyed change the balancer holds to send again (API bodies are JSON; uploads are bigger). */
const HELD_BODY_MAX = 1024 * 1024;

function readAll(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/**
 * Listen on host:port and spread requests over `backends` (ports on 127.0.0.1).
 * Returns { close() } once listening.
 */
export function startBalancer({ host = '127.0.0.1', port, backends }) {
  let next = 0;
  const server = http.createServer(async (req, res) => {
    const changes = req.method !== 'GET' && req.method !== 'HEAD';
    const order = backends.map((_, i) => backends[(next + i) % backends.length]);
    next = (next + 1) % backends.length;
    // A keyed change of known, modest size is read first, so it can be sent again to another backend.
    const length = Number(req.headers['content-length'] ?? NaN);
    const replayable = changes && req.headers['idempotency-key'] !== undefined && Number.isFinite(length) && length <= HELD_BODY_MAX;
    let held = null;
    if (replayable) {
      try {
        held = await readAll(req);
      } catch {
        return res.destroy(); // the caller went away
      }
    }
    let reachedOne = false; // whether some backend received the request before it died
    const attempt = (i) => {
      // Nobody answered: tell the caller whether the change may have been applied.
      if (i >= order.length) return unavailable(res, changes && reachedOne);
      const upstream = http.request({ host: '127.0.0.1', port: order[i], method: req.method, path: req.url, headers: { ...req.headers, 'x-forwarded-for': req.socket.remoteAddress }, agent: false });
      let sent = false;
      const forward = () => {
        if (sent) return;
        sent = true;
        reachedOne = true;
        if (held) upstream.end(held);
        else req.pipe(upstream);
      };
      // A fresh connection each time (loopback: cheap), and the body held back until a backend has accepted it, so a refused connection can go elsewhere.
      upstream.once('socket', (socket) => (socket.connecting ? socket.once('connect', forward) : forward()));
      upstream.once('response', (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.once('error', (err) => {
        // Nothing sent (refused), a read, or a keyed change (the next backend carries it out once or returns the
        // first result): the next backend. A change without a key that reached a dying process may have been
        // applied: the caller decides.
        if (!res.headersSent && (!sent || !changes || held)) return attempt(i + 1);
        unavailable(res, changes);
      });
    };
    attempt(0);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () =>
      resolve({
        close: () =>
          new Promise((done) => {
            server.close(() => done());
            server.closeAllConnections?.();
          }),
      }),
    );
  });
}
