import { Hono } from 'hono';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where Vite writes the built browser app (scripts/build-web.mjs). */
export const webDist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../web/dist');

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.json': 'application/json',
};

/** Paths the API owns: never answered with the app's page, so a wrong API URL stays a JSON 404. */
const apiOwned = /^\/(api|docs|openapi\.json|healthz|readyz|metrics)(\/|$)/;

async function fileAt(file: string) {
  try {
    const info = await stat(file);
    return info.isFile() ? file : null;
  } catch {
    return null;
  }
}

/**
 * The browser app at `/`: built files as they are (hashed assets cached for a year), and the page of the
 * app a route belongs to for any other path (`/m/...` the phone pages, everything else the console), so a
 * reload or a shared link lands on the right screen.
 */
export function webApp(dist = webDist) {
  return new Hono().get('*', async (c, next) => {
    let urlPath: string;
    try {
      urlPath = decodeURIComponent(c.req.path);
    } catch {
      return next(); // not a path the app made
    }
    if (apiOwned.test(urlPath)) return next();
    const wanted = path.resolve(dist, `.${urlPath}`);
    if (!wanted.startsWith(dist + path.sep)) return next();
    const asset = await fileAt(wanted);
    if (asset) {
      const cache = urlPath.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
      return c.body(await readFile(asset), 200, { 'content-type': types[path.extname(asset)] ?? 'application/octet-stream', 'cache-control': cache });
    }
    if (path.extname(urlPath) !== '') return next(); // a missing file is a 404, not a page
    const page = await fileAt(path.join(dist, urlPath === '/m' || urlPath.startsWith('/m/') ? 'm.html' : 'index.html'));
    if (!page) {
      return c.json({ error: { code: 'not_found', message: 'the web app is not built: run `npm run build:web` (npm start builds it)' } }, 404);
    }
    return c.body(await readFile(page), 200, { 'content-type': types['.html']!, 'cache-control': 'no-cache' });
  });
}
