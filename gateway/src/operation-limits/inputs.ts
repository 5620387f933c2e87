import { visit, type DocumentNode } from 'graphql';

/** The lists and nesting in an operation's inputs. */
export interface InputsMeasure {
  /** The longest list, and where it is. */
  longest: { length: number; where: string } | null;
  /** List items in all the inputs together. */
  items: number;
  /** The deepest nesting of lists and input objects in the variables. */
  depth: number;
}

/** The list literals of a document: a fact of its text, measured once per document (see measureInputs). */
export interface ListLiterals {
  longest: InputsMeasure['longest'];
  items: number;
}

/**
 * Measures an operation's inputs: the variables the client sent (JSON, before any coercion) and the document's
 * list literals (`literals`, from measureListLiterals). Twenty thousand values in one list variable once stalled
 * a subgraph for every tenant; a variable nested a hundred thousand arrays deep would overflow any recursive
 * reader. Walked without recursion, so that measuring cannot itself be the overflow.
 */
export function measureInputs(literals: ListLiterals, variables: Readonly<Record<string, unknown>>): InputsMeasure {
  const measured: InputsMeasure = { longest: null, items: 0, depth: 0 };
  // Breadth first, in the order the client sent them: of two equally long lists, the first sent is named.
  const pending: Array<{ value: unknown; path: string; depth: number }> = Object.entries(variables).map(([name, value]) => ({ value, path: `$${name}`, depth: 0 }));
  for (let next = 0; next < pending.length; next++) {
    const { value, path, depth } = pending[next];
    if (typeof value !== 'object' || value === null) continue;
    measured.depth = Math.max(measured.depth, depth + 1);
    if (Array.isArray(value)) {
      measured.items += value.length;
      if (!measured.longest || value.length > measured.longest.length) measured.longest = { length: value.length, where: `variable ${path}` };
      for (const item of value) pending.push({ value: item, path: `${path}[]`, depth: depth + 1 });
    } else {
      for (const [key, item] of Object.entries(value)) pending.push({ value: item, path: `${path}.${key}`, depth: depth + 1 });
    }
  }
  measured.items += literals.items;
  if (literals.longest && (!measured.longest || literals.longest.length > measured.longest.length)) measured.longest = literals.longest;
  return measured;
}

/** The document's list literals: how many items they hold together, and the longest (the first of equals). */
export function measureListLiterals(document: DocumentNode): ListLiterals {
  const measured: ListLiterals = { longest: null, items: 0 };
  const argumentNames: string[] = [];
  visit(document, {
    Argument: {
      enter: (node) => void argumentNames.push(node.name.value),
      leave: () => void argumentNames.pop(),
    },
    ListValue(node) {
      const length = node.values.length;
      measured.items += length;
      if (!measured.longest || length > measured.longest.length) measured.longest = { length, where: `argument "${argumentNames.at(-1) ?? '(default value)'}"` };
    },
  });
  return measured;
}
