// Waiting for something that may never answer (a frozen database, a dependency's probe): past `ms`,
// the wait ends with `late()`'s error. The work itself is not cancelled; its outcome is ignored.
export async function withTimeLimit<T>(work: T | Promise<T>, ms: number, late: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(late()), ms);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}
