/** Tiny DOM helpers: no framework, just typed element creation. */

type Attrs = Record<string, string | number | boolean | null | undefined>;
type Child = Node | string | null | undefined | false;

/** Create an element: `h("button", { class: "x", "data-testid": "run" }, "Run")`. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child);
  }
  return el;
}

/** A toolbar-style button with a test id, a tooltip and a click handler. */
export function button(
  testId: string,
  label: string,
  title: string,
  onClick: (ev: MouseEvent) => void,
): HTMLButtonElement {
  const b = h("button", { type: "button", "data-testid": testId, title, class: "btn" }, label);
  b.addEventListener("click", onClick);
  return b;
}

/** Run `fn` once on the next animation frame (or after 100 ms in a hidden tab). */
export function frameScheduler(fn: () => void): () => void {
  let pending = false;
  return () => {
    if (pending) return;
    pending = true;
    let done = false;
    const run = (): void => {
      if (done) return;
      done = true;
      pending = false;
      fn();
    };
    requestAnimationFrame(run);
    setTimeout(run, 100);
  };
}

export function basename(path: string): string {
  const parts = path.split("/").filter((p) => p !== "");
  return parts.length ? parts[parts.length - 1]! : "";
}

export function dirname(path: string): string {
  const parts = path.split("/").filter((p) => p !== "");
  parts.pop();
  return parts.join("/");
}

export function joinPath(dir: string, name: string): string {
  return dir ? `${dir.replace(/\/+$/, "")}/${name}` : name;
}
