// Runs async operations one at a time, in call order. The herder's state changes go through one
// queue so that a pause racing a restart, or a delete racing a create, cannot interleave.

export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn, fn);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
