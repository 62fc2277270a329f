// The browser app: build it with Vite when the build is missing or older than its sources, and print the
// gzipped JavaScript of each page (console, phone) so the budgets can be watched. Used by `npm start`,
// the test suite's global setup and `npm run build:web`.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const web = path.join(root, 'web');
const dist = path.join(web, 'dist');
const manifestFile = path.join(dist, '.vite', 'manifest.json');

/** Budgets from the brief, in gzipped bytes of JavaScript a page can load (its entry and every lazy chunk). */
export const budgets = { console: 1024 * 1024, phone: 300 * 1024 };

function newestSource(dir, newest = 0) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    newest = entry.isDirectory() ? newestSource(full, newest) : Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

/** Why the build must be made again, or null when it is up to date. */
export function staleReason() {
  if (!existsSync(manifestFile)) return 'no build yet';
  const built = statSync(manifestFile).mtimeMs;
  const sources = Math.max(newestSource(web), statSync(path.join(root, 'package-lock.json')).mtimeMs);
  return sources > built ? 'sources changed since the last build' : null;
}

/** Gzipped JavaScript and CSS each page loads, following static and lazy imports through Vite's manifest. */
export function pageSizes() {
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
  const measure = (entry) => {
    const seen = new Set();
    const files = new Set();
    const walk = (key) => {
      if (seen.has(key) || !manifest[key]) return;
      seen.add(key);
      const chunk = manifest[key];
      files.add(chunk.file);
      for (const css of chunk.css ?? []) files.add(css);
      for (const next of [...(chunk.imports ?? []), ...(chunk.dynamicImports ?? [])]) walk(next);
    };
    walk(entry);
    let js = 0;
    let css = 0;
    for (const file of files) {
      const size = gzipSync(readFileSync(path.join(dist, file)), { level: 9 }).length;
      if (file.endsWith('.js')) js += size;
      else css += size;
    }
    return { js, css, files: files.size };
  };
  return { console: measure('index.html'), phone: measure('m.html') };
}

export function printSizes(say) {
  const sizes = pageSizes();
  for (const [page, s] of Object.entries(sizes)) {
    const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
    const over = s.js > budgets[page] ? `  OVER the ${kb(budgets[page])} budget` : ` (budget ${kb(budgets[page])})`;
    say(`web ${page.padEnd(7)} JS ${kb(s.js)} gzipped${over}; CSS ${kb(s.css)} gzipped; ${s.files} files`);
  }
  return sizes;
}

/** Run `vite build`; resolves when done, rejects with the tail of its output on failure. */
export function buildWeb(say = (line) => process.stdout.write(`${line}\n`)) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', path.join(web, 'vite.config.ts'), '--logLevel', 'warn'], {
      cwd: root,
      // Always the production build of Vue and friends, even when called from the test suite (NODE_ENV=test).
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`building the web app failed (vite build, exit ${code}):\n${output.slice(-4000)}`));
      printSizes(say);
      resolve();
    });
  });
}

/** Build the app unless an up-to-date build is already there. */
export async function ensureWebBuild(say = (line) => process.stdout.write(`${line}\n`)) {
  const why = staleReason();
  if (!why) return false;
  say(`building the web app (${why})...`);
  await buildWeb(say);
  return true;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const force = process.argv.includes('--force');
  const run = force ? buildWeb() : ensureWebBuild().then((built) => built || printSizes((l) => process.stdout.write(`${l}\n`)));
  run.catch((err) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  });
}
