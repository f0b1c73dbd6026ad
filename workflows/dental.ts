// Workflows of the dental task queue.
export {};
