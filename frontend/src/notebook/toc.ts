/**
 * The table of contents: the markdown headings of the notebook, nested by level, in a panel
 * beside the cells. Each heading's section (the cells up to the next heading of its level or
 * higher) is marked while one of its cells runs or is queued, and when one ended in an
 * error. Clicking a heading selects its cell and scrolls there. Redrawn at most once a frame,
 * from the shared document, so it follows everyone's edits and runs.
 */
import { frameScheduler, h } from "../dom";
import type { NotebookDocument } from "./document";

export interface Heading {
  cellId: string;
  level: number;
  text: string;
  /** What the cells of its section are doing: "running" (or queued), "error", or "". */
  state: "running" | "error" | "";
}

const HEADING = /^(#{1,6})\s+(.+?)\s*#*\s*$/;
const FENCE = /^\s*(```|~~~)/;

/** The ATX headings of a markdown source, outside code fences: (level, text). */
export function headingsOf(source: string): Array<[number, string]> {
  const found: Array<[number, string]> = [];
  let fenced = false;
  for (const line of source.split("\n")) {
    if (FENCE.test(line)) fenced = !fenced;
    const match = fenced ? null : HEADING.exec(line);
    if (match) found.push([match[1]!.length, match[2]!.replace(/[*_`]/g, "")]);
  }
  return found;
}

/** Every heading of the notebook in order, with the state of its section. */
export function headings(doc: NotebookDocument): Heading[] {
  const found: Heading[] = [];
  const open: Heading[] = []; // the headings whose sections contain the cell now
  for (const id of doc.orderedIds()) {
    if (doc.cellType(id) === "markdown") {
      for (const [level, text] of headingsOf(doc.source(id)?.toString() ?? "")) {
        while (open.length && open[open.length - 1]!.level >= level) open.pop();
        const heading: Heading = { cellId: id, level, text, state: "" };
        found.push(heading);
        open.push(heading);
      }
    } else if (doc.cellType(id) === "code") {
      const status = doc.runInfo(id)?.status;
      const state = status === "running" || status === "queued" ? "running" : status === "error" ? "error" : "";
      if (state) for (const heading of open) if (heading.state !== "running") heading.state = state;
    }
  }
  return found;
}

export class TableOfContents {
  readonly el: HTMLElement;
  private readonly list: HTMLElement;
  private readonly stop: () => void;
  private readonly schedule = frameScheduler(() => this.render());

  constructor(
    private readonly doc: NotebookDocument,
    private readonly go: (cellId: string) => void,
  ) {
    this.list = h("ol", { class: "toc-list" });
    this.el = h("nav", { class: "toc", "data-testid": "toc", "aria-label": "Table of contents" }, h("h2", { class: "toc-title" }, "Contents"), this.list);
    const changed = (): void => this.schedule();
    doc.cells.observeDeep(changed);
    this.stop = () => doc.cells.unobserveDeep(changed);
    this.render();
  }

  private render(): void {
    const found = headings(this.doc);
    if (!found.length) {
      this.list.replaceChildren(h("li", { class: "toc-empty" }, "No headings: start a markdown cell with #"));
      return;
    }
    this.list.replaceChildren(
      ...found.map((heading) => {
        const item = h(
          "button",
          { type: "button", class: "toc-item", "data-testid": "toc-item", "data-level": heading.level, "data-cell-id": heading.cellId, "data-state": heading.state },
          heading.text,
        );
        item.style.paddingLeft = `${8 + (heading.level - 1) * 14}px`;
        if (heading.state) item.title = heading.state === "running" ? "A cell in this section is running" : "A cell in this section failed";
        item.addEventListener("click", () => this.go(heading.cellId));
        return h("li", {}, item);
      }),
    );
  }

  destroy(): void {
    this.stop();
    this.el.remove();
  }
}
