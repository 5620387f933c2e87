/** A small seeded generator (mulberry32): the same seed gives the same demo data on every machine. */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(min: number, maxInclusive: number): number {
    return min + Math.floor(this.next() * (maxInclusive - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** Picks by weight: pickWeighted([['A', 3], ['B', 1]]) returns A three times as often as B. */
  pickWeighted<T>(choices: ReadonlyArray<readonly [T, number]>): T {
    const total = choices.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = this.next() * total;
    for (const [value, weight] of choices) {
      roll -= weight;
      if (roll < 0) return value;
    }
    return choices[choices.length - 1][0];
  }

  /**
   * Up to `count` distinct items. Each draw picks among the items not drawn yet, by position; the positions
   * already taken are skipped in place instead of copying the pool, so a draw from 500,000 assets costs
   * what a draw from five does.
   */
  sample<T>(items: readonly T[], count: number): T[] {
    const taken: number[] = [];
    const out: T[] = [];
    while (out.length < count && taken.length < items.length) {
      let index = Math.floor(this.next() * (items.length - taken.length));
      let at = 0;
      for (; at < taken.length && taken[at] <= index; at++) index++;
      taken.splice(at, 0, index);
      out.push(items[index]);
    }
    return out;
  }
}
