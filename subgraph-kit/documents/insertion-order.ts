/**
 * The order documents were inserted in, which is the order of an unsorted find and how a sort breaks ties. An
 * updated document takes the place of the one it replaces.
 */
export class InsertionOrder<T extends object> {
  private readonly ordinals = new WeakMap<T, number>();
  private inserted = 0;

  add(doc: T): void {
    this.ordinals.set(doc, this.inserted++);
  }

  replace(old: T, updated: T): void {
    this.ordinals.set(updated, this.of(old));
  }

  of(doc: T): number {
    return this.ordinals.get(doc) ?? 0;
  }
}
