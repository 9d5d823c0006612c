/**
 * Collapsible JSON tree for `application/json` outputs.  Each object/array is
 * a `<details>` whose children are built lazily on first open, so huge
 * documents stay cheap; at most MAX_CHILDREN children are shown per node.
 */

export const MAX_CHILDREN = 1000;

function span(cls: string, text: string): HTMLSpanElement {
  const s = document.createElement('span');
  s.className = cls;
  s.textContent = text;
  return s;
}

function isContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  return typeof value === 'object' && value !== null;
}

function leaf(value: unknown): HTMLSpanElement {
  if (value === null) return span('json-null', 'null');
  switch (typeof value) {
    case 'string':
      return span('json-string', JSON.stringify(value));
    case 'number':
      return span('json-number', String(value));
    case 'boolean':
      return span('json-boolean', String(value));
    case 'bigint':
      return span('json-number', value.toString());
    default:
      return span('json-unknown', String(value));
  }
}

function summaryText(value: Record<string, unknown> | unknown[]): [string, string] {
  if (Array.isArray(value)) {
    const n = value.length;
    return ['[…]', `${n} ${n === 1 ? 'item' : 'items'}`];
  }
  const n = Object.keys(value).length;
  return ['{…}', `${n} ${n === 1 ? 'key' : 'keys'}`];
}

function keyLabel(key: string | null, isArray: boolean): HTMLSpanElement | null {
  if (key === null) return null;
  return span(isArray ? 'json-index' : 'json-key', isArray ? key : JSON.stringify(key));
}

function buildChildren(container: HTMLElement, value: Record<string, unknown> | unknown[]): void {
  const isArray = Array.isArray(value);
  const keys = isArray ? null : Object.keys(value);
  const total = isArray ? value.length : (keys as string[]).length;
  const shown = Math.min(total, MAX_CHILDREN);
  const frag = document.createDocumentFragment();
  for (let i = 0; i < shown; i++) {
    const key = isArray ? String(i) : (keys as string[])[i];
    const child = isArray ? value[i] : (value as Record<string, unknown>)[key];
    frag.append(node(key, child, isArray, false));
  }
  if (total > shown) {
    const more = document.createElement('div');
    more.className = 'json-more';
    more.textContent = `… ${total - shown} more`;
    frag.append(more);
  }
  container.append(frag);
}

function node(key: string | null, value: unknown, parentIsArray: boolean, open: boolean): HTMLElement {
  const label = keyLabel(key, parentIsArray);
  if (!isContainer(value)) {
    const row = document.createElement('div');
    row.className = 'json-leaf';
    if (label) row.append(label, span('json-colon', ': '));
    row.append(leaf(value));
    return row;
  }
  const details = document.createElement('details');
  details.className = 'json-node';
  const summary = document.createElement('summary');
  const [brackets, count] = summaryText(value);
  if (label) summary.append(label, span('json-colon', ': '));
  summary.append(span('json-brackets', brackets), ' ', span('json-count', count));
  details.append(summary);
  const children = document.createElement('div');
  children.className = 'json-children';
  details.append(children);

  let built = false;
  const build = (): void => {
    if (built) return;
    built = true;
    buildChildren(children, value);
  };
  if (open) {
    details.open = true;
    build();
  } else {
    details.addEventListener('toggle', () => {
      if (details.open) build();
    });
  }
  return details;
}

/** A `div.json-tree` showing `value`; the top level is open. */
export function renderJsonTree(value: unknown): HTMLElement {
  const root = document.createElement('div');
  root.className = 'json-tree';
  let v = value;
  if (typeof v === 'string') {
    // Some kernels send the JSON as a string.
    try {
      v = JSON.parse(v) as unknown;
    } catch {
      /* show as a string leaf */
    }
  }
  root.append(node(null, v, false, true));
  return root;
}
