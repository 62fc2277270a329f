// A small HTTP load balancer for the cluster profile: one address in front of several API processes,
// round robin. A request goes to the next backend that accepts the connection, and a read (GET, HEAD) is
// asked of the next one when its backend dies before answering, so a dead API process costs readers
// nothing; a change whose backend dies mid-request gets a 503 shaped like the API's own (it may have been
// applied: retry with the same Idempotency-Key). Loopback only by default.
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

/**
 * Listen on host:port and spread requests over `backends` (ports on 127.0.0.1).
 * Returns { close() } once listening.
 */
export function startBalancer({ host = '127.0.0.1', port, backends }) {
  let next = 0;
  const server = http.createServer((req, res) => {
    const changes = req.method !== 'GET' && req.method !== 'HEAD';
    const order = backends.map((_, i) => backends[(next + i) % backends.length]);
    next = (next + 1) % backends.length;
    const attempt = (i) => {
      if (i >= order.length) return unavailable(res, false); // nobody accepted: nothing was sent anywhere
      const upstream = http.request({ host: '127.0.0.1', port: order[i], method: req.method, path: req.url, headers: { ...req.headers, 'x-forwarded-for': req.socket.remoteAddress }, agent: false });
      let sent = false;
      const forward = () => {
        if (sent) return;
        sent = true;
        req.pipe(upstream);
      };
      // A fresh connection each time (loopback: cheap), and the body held back until a backend has accepted it, so a refused connection can go elsewhere.
      upstream.once('socket', (socket) => (socket.connecting ? socket.once('connect', forward) : forward()));
      upstream.once('response', (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.once('error', (err) => {
        // Nothing sent (refused), or a read that may simply be asked again (the process died as it accepted):
        // the next backend. A change that reached a dying process may have been applied: the caller decides.
        if (!res.headersSent && (!sent || !changes)) return attempt(i + 1);
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
