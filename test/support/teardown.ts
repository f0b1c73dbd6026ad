// Shared resources (pools, the worker, servers) register how to close them; test/run.ts closes them
// all after the last suite, in reverse order of creation.
const teardowns: Array<() => Promise<void> | void> = [];

export function onTeardown(close: () => Promise<void> | void): void {
  teardowns.push(close);
}

export async function runTeardowns(): Promise<void> {
  for (const close of teardowns.reverse()) {
    try {
      await close();
    } catch (error) {
      console.error('teardown failed:', error);
    }
  }
}
