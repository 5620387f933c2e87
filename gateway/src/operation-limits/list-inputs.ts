import { visit, type DocumentNode } from 'graphql';

/** The largest list an operation's inputs hold, and how many list items they hold in all. */
export interface ListInputs {
  longest: { length: number; where: string } | null;
  items: number;
}

/**
 * Measures the lists in an operation's inputs: in the variables the client sent (JSON, before any coercion) and
 * in the document's literals. Twenty thousand values in one list variable once stalled a subgraph for every
 * tenant; these are bounded per list and in total before anything else reads them.
 */
export function measureListInputs(document: DocumentNode, variables: Readonly<Record<string, unknown>>): ListInputs {
  const measured: ListInputs = { longest: null, items: 0 };
  const record = (length: number, where: () => string) => {
    measured.items += length;
    if (!measured.longest || length > measured.longest.length) measured.longest = { length, where: where() };
  };
  const walk = (value: unknown, path: string) => {
    if (Array.isArray(value)) {
      record(value.length, () => `variable ${path}`);
      value.forEach((item) => walk(item, `${path}[]`));
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) walk(item, `${path}.${key}`);
    }
  };
  for (const [name, value] of Object.entries(variables)) walk(value, `$${name}`);

  const argumentNames: string[] = [];
  visit(document, {
    Argument: {
      enter: (node) => void argumentNames.push(node.name.value),
      leave: () => void argumentNames.pop(),
    },
    ListValue(node) {
      record(node.values.length, () => `argument "${argumentNames.at(-1) ?? '(default value)'}"`);
    },
  });
  return measured;
}
