// Every workflow the worker runs, bundled from this file. Deterministic code only: no I/O, no clocks,
// no randomness outside @temporalio/workflow's replacements.
export * from './cloud.js';
export * from './dental.js';
export * from './media.js';
