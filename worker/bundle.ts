// The workflow bundle: built from workflows/index.ts at start in development and tests (1–2 s, once
// per process), or loaded from a file prebuilt by `npm run build` in production.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type BundleOptions, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { failureConverterPath } from '../temporal/data-converter.js';

// From source (tsx) the entry is index.ts; from a compiled build it is index.js.
export const workflowsPath = [new URL('../workflows/index.ts', import.meta.url), new URL('../workflows/index.js', import.meta.url)]
  .map((url) => fileURLToPath(url))
  .find((path) => existsSync(path))!;

/**
 * What a bundle is built from, here and by scripts/build-workflow-bundle.ts. Workflows convert their
 * failures inside the sandbox, so the failure converter that encodes messages must be bundled with them.
 */
export const workflowBundleOptions = { workflowsPath, failureConverterPath } satisfies BundleOptions;

let bundled: Promise<WorkflowBundleWithSourceMap> | undefined;

export function loadWorkflowBundle(prebuiltPath = process.env.WORKFLOW_BUNDLE_PATH): Promise<WorkflowBundleWithSourceMap> | { codePath: string } {
  if (prebuiltPath && existsSync(prebuiltPath)) return { codePath: prebuiltPath };
  bundled ??= bundleWorkflowCode({ ...workflowBundleOptions, logger: quietBundlerLogger });
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
