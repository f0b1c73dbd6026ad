// Workflows of the cloud task queue.
export {};
