import { Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { bundleOptions } from '../../lib/worker';
import { connect } from '../../db/client';
import { migrate } from '../../db/migrate';
import { ensureDefaultCatalogue } from '../../db/queries/catalogue';
import { ensureWebBuild } from '../../scripts/build-web.mjs';
import { ensureSearchAttributes } from '../../lib/search-attributes';

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabase: string;
    workflowBundle: string;
  }
}

const quietLogger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error(message: string) { console.error(message); } };

/** Once per run: a migrated template database that each test file clones in milliseconds. */
export default async function setup(project: TestProject) {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) throw new Error('TEST_DATABASE_URL is unset: run the suite with `npm test`, which provisions the servers');
  const template = `jianjia_template_${process.pid}`;
  const admin = connect(adminUrl, 1);
  await admin.unsafe(`drop database if exists ${template}`);
  await admin.unsafe(`create database ${template}`);
  const url = new URL(adminUrl);
  url.pathname = `/${template}`;
  const sql = connect(url.toString(), 1);
  await migrate(sql);
  await ensureDefaultCatalogue(sql);
  await sql.end();
  project.provide('templateDatabase', template);
  // Workflows are started with jianjia's search attributes: whichever server the run uses must know them.
  if (process.env.TEMPORAL_ADDRESS) {
    const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS });
    try {
      await ensureSearchAttributes(connection, process.env.TEMPORAL_NAMESPACE || 'default');
    } finally {
      await connection.close();
    }
  }
  // Bundled once per run: every test worker loads the same code instead of re-bundling.
  const bundle = await bundleWorkflowCode({ ...bundleOptions, logger: quietLogger });
  const bundlePath = path.join(process.env.JIANJIA_SCRATCH ?? os.tmpdir(), `workflow-bundle-${process.pid}.js`);
  writeFileSync(bundlePath, bundle.code);
  project.provide('workflowBundle', bundlePath);
  // The API serves the built browser app; the browser tests walk it. Built only when its sources changed.
  await ensureWebBuild((line) => console.log(`[web] ${line}`));
  return async () => {
    await admin.unsafe(`drop database if exists ${template} with (force)`);
    await admin.end();
  };
}
