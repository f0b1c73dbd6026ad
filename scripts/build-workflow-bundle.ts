// Production: bundle workflows/ once at image build time; the worker loads it from
// WORKFLOW_BUNDLE_PATH instead of bundling at every start (faster start, no bundler at run time).
import { writeFile } from 'node:fs/promises';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowBundleOptions } from '../worker/bundle.js';

const target = process.argv[2] ?? 'dist/workflow-bundle.js';
const { code } = await bundleWorkflowCode(workflowBundleOptions);
await writeFile(target, code);
console.log(`workflow bundle written to ${target} (${(code.length / 1024).toFixed(0)} KiB)`);
