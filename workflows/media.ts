// Workflows of the media task queue.
export {};
