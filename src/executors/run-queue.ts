/**
 * A first-in first-out queue with O(1) `push` and `shift` (an array read from a moving head, compacted
 * now and then), for the thousands of submissions a burst of due jobs can queue at once.
 *
 * @example
 * const queue = new RunQueue<string>()
 * queue.push('a'); queue.shift() // 'a'
 */
export class RunQueue<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}
