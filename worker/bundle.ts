// The workflow bundle: built from workflows/index.ts at start in development and tests (1–2 s, once
// per process), or loaded from a file prebuilt by `npm run build` in production.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';

// From source (tsx) the entry is index.ts; from a compiled build it is index.js.
export const workflowsPath = [new URL('../workflows/index.ts', import.meta.url), new URL('../workflows/index.js', import.meta.url)]
  .map((url) => fileURLToPath(url))
  .find((path) => existsSync(path))!;

let bundled: Promise<WorkflowBundleWithSourceMap> | undefined;

export function loadWorkflowBundle(prebuiltPath = process.env.WORKFLOW_BUNDLE_PATH): Promise<WorkflowBundleWithSourceMap> | { codePath: string } {
  if (prebuiltPath && existsSync(prebuiltPath)) return { codePath: prebuiltPath };
  bundled ??= bundleWorkflowCode({ workflowsPath, logger: quietBundlerLogger });
  return bundled;
}

// The bundler reports each build at INFO; only its warnings are worth a line.
const quietBundlerLogger = {
  log() {},
  trace() {},
  debug() {},
  info() {},
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};
