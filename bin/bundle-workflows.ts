// Bundle the workflow code once, into the file given (default .data/workflow-bundle.js), so worker processes load it
// instead of each running webpack at start-up: a worker then starts sooner and its memory peak leaves out the bundler
// (about 140 MiB on this machine). `npm start` runs it before starting workers.
import { bundleWorkflowCode } from '@temporalio/worker';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bundleOptions } from '../lib/worker';

const out = path.resolve(process.argv[2] ?? path.join(process.env.DATA_DIR ?? '.data', 'workflow-bundle.js'));
const quiet = { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} };
const { code } = await bundleWorkflowCode({ ...bundleOptions, logger: quiet as never });
await mkdir(path.dirname(out), { recursive: true });
// Written whole, then renamed: a worker restarting meanwhile never reads half a bundle.
await writeFile(`${out}.tmp`, code);
await rename(`${out}.tmp`, out);
