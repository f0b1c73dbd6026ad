// Histories recorded from real runs (test/fixtures/histories/*.json) are replayed against today's
// workflow code. A change that would break workflows already running in production — a new
// activity call in the middle, a reordered timer — fails here instead of there. When a change is
// meant to be incompatible, use patched()/versioning, then record a fresh history next to the old.
import { readdirSync, readFileSync } from 'node:fs';
import { Worker } from '@temporalio/worker';
import { suite } from 'uvu';
import { loadConfig } from '../../config/index.js';
import { temporalDataConverter } from '../../temporal/data-converter.js';
import { loadWorkflowBundle } from '../../worker/bundle.js';

const folder = new URL('../fixtures/histories/', import.meta.url);
const replay = suite('recorded workflow histories replay on the current code');

for (const file of readdirSync(folder).filter((name) => name.endsWith('.json'))) {
  replay(file, async () => {
    const history = JSON.parse(readFileSync(new URL(file, folder), 'utf8'));
    const bundle = await loadWorkflowBundle();
    const workflowBundle = 'codePath' in bundle ? bundle : { code: bundle.code, sourceMap: bundle.sourceMap };
    // Throws DeterminismViolationError (or the workflow's own failure) when today's code would
    // have issued different commands than the recorded run. These histories were recorded before
    // payloads were encrypted: the worker's data converter must still read them as they are.
    const dataConverter = temporalDataConverter(loadConfig());
    await Worker.runReplayHistory({ workflowBundle, dataConverter, replayName: file }, history, file.replace(/\.json$/, ''));
  });
}

replay.run();
