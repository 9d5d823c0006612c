/**
 * Find and replace across the whole notebook (Ctrl-F in either mode): every cell's source,
 * and optionally the text of code cells' outputs, with the match count, next and previous
 * (Enter, Shift-Enter), replace and replace all. Replacing edits the shared sources, so
 * everyone sees it; outputs are only searched.
 */
import { h } from "../dom";
import type { NotebookDocument } from "./document";

export interface Match {
  cellId: string;
  /** Where: the source (with offsets), or the outputs (found in their text). */
  in: "source" | "outputs";
  from: number;
  to: number;
}

export interface FindOptions {
  caseSensitive: boolean;
  outputs: boolean;
}

/** Past this, a search stops counting: the bar says "1000+". */
const MAX_MATCHES = 1000;

function occurrences(text: string, query: string, caseSensitive: boolean): Array<[number, number]> {
  const found: Array<[number, number]> = [];
  const haystack = caseSensitive ? text : text.toLowerCase();
  const needle = caseSensitive ? query : query.toLowerCase();
  for (let at = haystack.indexOf(needle); at >= 0 && found.length < MAX_MATCHES; at = haystack.indexOf(needle, at + needle.length)) {
    found.push([at, at + needle.length]);
  }
  return found;
}

function outputText(doc: NotebookDocument, id: string): string {
  return doc
    .outputList(id)
    .map((o) => {
      const data = o["data"] && typeof o["data"] === "object" ? (o["data"] as Record<string, unknown>) : {};
      const text = o["text"] ?? data["text/plain"] ?? (Array.isArray(o["traceback"]) ? o["traceback"].join("\n") : "");
      return Array.isArray(text) ? text.join("") : String(text);
    })
    .join("\n");
}

/** Every match in notebook order (at most {@link MAX_MATCHES}). */
export function findMatches(doc: NotebookDocument, query: string, options: FindOptions): Match[] {
  if (!query) return [];
  const matches: Match[] = [];
  for (const id of doc.orderedIds()) {
    const source = doc.source(id)?.toString() ?? "";
    for (const [from, to] of occurrences(source, query, options.caseSensitive)) matches.push({ cellId: id, in: "source", from, to });
    if (options.outputs && doc.cellType(id) === "code") {
      for (const [from, to] of occurrences(outputText(doc, id), query, options.caseSensitive)) matches.push({ cellId: id, in: "outputs", from, to });
    }
    if (matches.length >= MAX_MATCHES) return matches.slice(0, MAX_MATCHES);
  }
  return matches;
}

/** Replace matches in the sources (from the last, so earlier offsets stay right), in one change. */
export function replaceMatches(doc: NotebookDocument, matches: Match[], replacement: string): number {
  // Matches come in notebook order, each cell's from its start: reversed, each cell's last first.
  const inSources = matches.filter((m) => m.in === "source").reverse();
  doc.ydoc.transact(() => {
    for (const match of inSources) {
      const text = doc.source(match.cellId);
      if (!text) continue;
      text.delete(match.from, match.to - match.from);
      text.insert(match.from, replacement);
    }
  });
  return inSources.length;
}

export interface FindHost {
  readonly doc: NotebookDocument;
  /** Show a match: select its cell and, in a source, select the text. */
  show(match: Match): void;
  closed(): void;
}

export class FindBar {
  readonly el: HTMLElement;
  private readonly query: HTMLInputElement;
  private readonly replacement: HTMLInputElement;
  private readonly count: HTMLElement;
  private readonly caseSensitive: HTMLInputElement;
  private readonly outputs: HTMLInputElement;
  private matches: Match[] = [];
  private current = -1;

  constructor(private readonly host: FindHost) {
    this.query = h("input", { type: "search", class: "find-input", "data-testid": "find-input", placeholder: "Find", "aria-label": "Find" });
    this.replacement = h("input", { type: "text", class: "find-input", "data-testid": "replace-input", placeholder: "Replace", "aria-label": "Replace with" });
    this.count = h("span", { class: "find-count", "data-testid": "find-count", "aria-live": "polite" });
    this.caseSensitive = h("input", { type: "checkbox", "data-testid": "find-case" });
    this.outputs = h("input", { type: "checkbox", "data-testid": "find-outputs" });
    const button = (testId: string, label: string, title: string, run: () => void): HTMLButtonElement => {
      const b = h("button", { type: "button", class: "btn", "data-testid": testId, title }, label);
      b.addEventListener("click", run);
      return b;
    };
    this.el = h(
      "div",
      { class: "find-bar", role: "search", "data-testid": "find-bar" },
      this.query,
      this.count,
      button("find-previous", "↑", "Previous match (Shift-Enter)", () => this.step(-1)),
      button("find-next", "↓", "Next match (Enter)", () => this.step(1)),
      h("label", { class: "find-option" }, this.caseSensitive, "Aa"),
      h("label", { class: "find-option" }, this.outputs, "in outputs"),
      this.replacement,
      button("replace", "Replace", "Replace this match", () => this.replaceCurrent()),
      button("replace-all", "Replace all", "Replace every match in the sources", () => this.replaceAll()),
      button("find-close", "✕", "Close (Escape)", () => this.close()),
    );
    this.query.addEventListener("input", () => this.search(0));
    this.caseSensitive.addEventListener("change", () => this.search(0));
    this.outputs.addEventListener("change", () => this.search(0));
    this.el.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape") this.close();
      else if (ev.key === "Enter" && ev.target === this.query) this.step(ev.shiftKey ? -1 : 1);
      else if (ev.key === "Enter" && ev.target === this.replacement) this.replaceCurrent();
      else return;
      ev.preventDefault();
      ev.stopPropagation();
    });
    // The notebook's own keys stay out of the bar.
    this.el.addEventListener("keydown", (ev) => ev.stopPropagation());
  }

  focus(initial?: string): void {
    if (initial) this.query.value = initial;
    this.query.focus();
    this.query.select();
    this.search(0);
  }

  private search(from: number): void {
    this.matches = findMatches(this.host.doc, this.query.value, { caseSensitive: this.caseSensitive.checked, outputs: this.outputs.checked });
    this.current = this.matches.length ? Math.min(from, this.matches.length - 1) : -1;
    this.showCurrent();
  }

  private step(delta: number): void {
    if (!this.matches.length) return;
    this.current = (this.current + delta + this.matches.length) % this.matches.length;
    this.showCurrent();
  }

  private showCurrent(): void {
    const total = this.matches.length >= MAX_MATCHES ? `${MAX_MATCHES}+` : String(this.matches.length);
    this.count.textContent = this.query.value ? (this.matches.length ? `${this.current + 1} of ${total}` : "no matches") : "";
    const match = this.matches[this.current];
    if (match) this.host.show(match);
  }

  private replaceCurrent(): void {
    this.search(this.current); // offsets as the sources are now: someone may have typed since
    const match = this.matches[this.current];
    if (!match || match.in !== "source") return;
    replaceMatches(this.host.doc, [match], this.replacement.value);
    this.search(this.current);
  }

  private replaceAll(): void {
    this.search(0);
    replaceMatches(this.host.doc, this.matches, this.replacement.value);
    this.search(0);
  }

  close(): void {
    this.el.remove();
    this.host.closed();
  }
}
