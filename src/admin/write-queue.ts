/**
 * Writes to one profile, one at a time within this process: each write reads the profile, computes the new
 * one and stores it before the next starts, so local writers never race each other's compare-and-swap.
 * Keyed by profile name; a failed task does not block the ones queued after it.
 */
export class WriteQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
