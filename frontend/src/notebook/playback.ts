/** The read-only playback view: timeline, what happened, who was there, and the notebook right after that event. */
import { ApiError, notebookPageUrl, reportError } from "../api";
import { button, h } from "../dom";
import { renderMarkdown, renderOutput } from "../render/index";
import { getUser, who } from "../user";
import { freshness, freshnessMark, freshnessReason, runInfoText } from "./cell";
import type { RunInfo } from "./document";
import { HistoryClient, describeEvent, formatWallClock, shortCellName, type CellNamer, type HistoryEvent, type HistoryState, type NbCell } from "./history";
import { Timeline, type SeekKind } from "./timeline";

export interface PlaybackHost {
  exit(): void;
}

const DRAG_DEBOUNCE_MS = 50;
const PALETTE = ["#d9480f", "#1971c2", "#2f9e44", "#ae3ec9", "#e8590c", "#0c8599", "#c2255c", "#5f3dc4"];

function colorFor(name: string): string {
  let hash = 0;
  for (let i = 0; i < name.length; i++) hash = (hash * 31 + name.charCodeAt(i)) | 0;
  return PALETTE[Math.abs(hash) % PALETTE.length]!;
}

const sourceText = (s: NbCell["source"]): string => (Array.isArray(s) ? s.join("") : typeof s === "string" ? s : "");

/**
 * One cell, read-only: prompt, source (rendered for markdown), run info, outputs.
 *
 * Always drawn untrusted: a past version was never signed (only what is saved is), and the
 * log it comes from lies under the root, so it travels with the directory.
 */
export function renderPlaybackCell(cell: NbCell): HTMLElement {
  const trusted = false;
  const type = cell.cell_type || "code";
  const source = sourceText(cell.source);
  const code = type === "code";
  const info = cell.metadata?.["interlace"];
  const runInfo = code && info && typeof info === "object" ? (info as RunInfo) : null;
  const n = cell.execution_count;
  const prompt = h("div", { class: "prompt" }, code ? (typeof n === "number" ? `[${n}]` : "[ ]") : "");
  let input: HTMLElement;
  if (type === "markdown") {
    input = h("div", { class: "source markdown-view" });
    try {
      input.append(source.trim() ? renderMarkdown(source, { trusted, attachments: cell.attachments }) : h("div", { class: "markdown-rendered md-empty" }, "Empty markdown cell"));
    } catch (err) {
      input.append(h("pre", { class: "markdown-rendered render-error" }, String(err)));
    }
  } else {
    input = h("pre", { class: "source" }, source);
  }
  const infoText = runInfoText(runInfo);
  // The mark as it was stored at that moment: there is no kernel session to compare with.
  const state = code ? freshness(runInfo, typeof n === "number") : null;
  const mark = freshnessMark(state, state ? freshnessReason(runInfo, state, shortCellName) : "");
  const runInfoEl = h("div", { class: `run-info status-${runInfo?.status || "none"}` }, h("span", { class: "run-text" }, infoText), mark);
  runInfoEl.hidden = infoText === "" && mark.hidden;
  const outputs = h("div", { class: "outputs" });
  for (const output of code && Array.isArray(cell.outputs) ? cell.outputs : []) {
    try {
      outputs.append(renderOutput(output, { trusted }));
    } catch (err) {
      outputs.append(h("pre", { class: "output render-error" }, `Could not render output: ${String(err)}`));
    }
  }
  const el = h(
    "div",
    { class: "cell playback-cell", "data-cell-id": cell.id ?? "", "data-cell-type": type, "data-status": runInfo?.status ?? "" },
    h("div", { class: "cell-gutter" }, prompt),
    h("div", { class: "cell-main" }, h("div", { class: "cell-input" }, input), runInfoEl, outputs),
  );
  el.classList.toggle("rendered", type === "markdown");
  el.classList.toggle("has-outputs", outputs.childElementCount > 0);
  if (state) el.dataset.freshness = state;
  return el;
}

export class PlaybackView {
  readonly el: HTMLElement;
  private readonly client: HistoryClient;
  private readonly timeline: Timeline;
  private readonly info: HTMLElement;
  private readonly present: HTMLElement;
  private readonly notebookEl: HTMLElement;
  private readonly forkButton: HTMLButtonElement;
  private events: HistoryEvent[] = [];
  private shown: HistoryState | null = null;
  /** The cells on screen by content, so a step re-renders only the cells that changed. */
  private cellEls = new Map<string, HTMLElement>();
  /** Bumped on every seek: a response for an older one is dropped. */
  private token = 0;
  private debounce: number | undefined;
  private pendingDrag: (() => void) | null = null;
  private destroyed = false;

  constructor(
    readonly path: string,
    host: PlaybackHost,
  ) {
    this.client = new HistoryClient(path);
    this.timeline = new Timeline(this);
    this.info = h("div", { class: "event-info", "data-testid": "event-info", "aria-live": "polite" });
    this.present = h("div", { class: "presence playback-present", "data-testid": "playback-present", title: "Who was there" });
    this.notebookEl = h("div", { class: "notebook playback-notebook", "data-testid": "playback-notebook" }, h("div", { class: "notebook-loading" }, "Loading history…"));
    this.forkButton = button("fork", "Fork from here", "Create a new notebook from the state at this point", () => this.fork());
    this.forkButton.disabled = true;
    const exit = button("exit-history", "← Back to live", "Return to the live notebook", () => host.exit());
    exit.classList.add("exit-history");
    this.el = h(
      "div",
      { class: "playback", "data-testid": "playback" },
      h(
        "div",
        { class: "notebook-toolbar playback-toolbar", role: "toolbar" },
        exit,
        h("span", { class: "toolbar-sep", "aria-hidden": "true" }),
        this.timeline.el,
        h("span", { class: "toolbar-sep", "aria-hidden": "true" }),
        this.forkButton,
      ),
      h("div", { class: "playback-status" }, this.info, h("span", { class: "playback-present-label" }, "present:"), this.present),
      h("div", { class: "notebook-scroll" }, this.notebookEl),
    );
  }

  /** Fetch the event list and show the latest state. */
  async start(): Promise<void> {
    let list;
    try {
      list = await this.client.events();
    } catch (err) {
      if (this.destroyed) return;
      const why = err instanceof ApiError && err.status === 404 ? "this server does not record history" : err instanceof Error ? err.message : String(err);
      this.showMessage(`History is not available: ${why}`);
      return;
    }
    if (this.destroyed) return;
    this.events = list.events;
    if (this.events.length === 0) {
      this.showMessage(list.enabled ? "Nothing has been recorded for this notebook yet." : "History recording is off for this notebook.");
      this.timeline.setEvents([], 0);
      return;
    }
    const last = this.events.length - 1;
    this.timeline.setEvents(this.events, last);
    await this.seek(last, "step");
  }

  private showMessage(text: string): void {
    this.info.textContent = "";
    this.notebookEl.replaceChildren(h("div", { class: "notebook-loading playback-message", "data-testid": "playback-message" }, text));
  }

  // ---- TimelineHost ---------------------------------------------------------------

  seek(index: number, how: SeekKind): Promise<void> {
    const token = ++this.token;
    this.describe(index);
    this.forkButton.disabled = this.events[index] === undefined;
    window.clearTimeout(this.debounce);
    this.pendingDrag?.();
    this.pendingDrag = null;
    if (how !== "drag") return this.load(index, token, how);
    return new Promise<void>((resolve) => {
      this.pendingDrag = resolve;
      this.debounce = window.setTimeout(() => {
        this.pendingDrag = null;
        void this.load(index, token, how).then(resolve);
      }, DRAG_DEBOUNCE_MS);
    });
  }

  private async load(index: number, token: number, how: SeekKind): Promise<void> {
    const ev = this.events[index];
    if (!ev) return;
    this.notebookEl.classList.add("loading");
    let state: HistoryState;
    try {
      state = await this.client.state(ev.seq);
    } catch (err) {
      if (token !== this.token || this.destroyed) return;
      this.notebookEl.classList.remove("loading");
      reportError(err);
      return;
    }
    if (token !== this.token || this.destroyed) return;
    this.notebookEl.classList.remove("loading");
    this.render(state);
    this.describe(index);
    // warm the neighbours: playing and stepping forward are the common moves
    const next = this.events[index + 1];
    if (next) this.client.prefetch(next.seq);
    const prev = this.events[index - 1];
    if (prev && how !== "play") this.client.prefetch(prev.seq);
  }

  // ---- rendering --------------------------------------------------------------------

  private cellNamer(): CellNamer {
    const cells = this.shown?.notebook.cells ?? [];
    return (id) => {
      const i = cells.findIndex((c) => c.id === id);
      return i >= 0 ? `cell ${i + 1}` : shortCellName(id);
    };
  }

  private describe(index: number): void {
    const ev = this.events[index];
    if (!ev) {
      this.info.replaceChildren();
      return;
    }
    this.info.dataset.seq = String(ev.seq);
    this.info.dataset.kind = ev.kind;
    this.info.replaceChildren(
      h("span", { class: "event-what" }, describeEvent(ev, this.cellNamer())),
      h("span", { class: "event-time" }, formatWallClock(ev.at)),
      h("span", { class: "event-index" }, `event ${index + 1} of ${this.events.length}`),
    );
  }

  private render(state: HistoryState): void {
    this.shown = state;
    const previous = this.cellEls;
    this.cellEls = new Map();
    const cells = state.notebook.cells.map((c) => {
      const key = JSON.stringify([c.id, c.cell_type, c.source, c.execution_count, c.metadata?.["interlace"], c.outputs]);
      const el = previous.get(key) ?? renderPlaybackCell(c);
      previous.delete(key);
      this.cellEls.set(key, el);
      return el;
    });
    this.notebookEl.replaceChildren(...(cells.length ? cells : [h("div", { class: "notebook-loading" }, "(no cells)")]));
    this.notebookEl.dataset.seq = String(state.seq);
    const me = who();
    this.present.replaceChildren(
      ...state.present.map((name) => {
        const el = h("span", { class: name === me ? "peer self" : "peer", title: name }, name);
        el.style.setProperty("--peer-color", name === me ? getUser().color : colorFor(name));
        return el;
      }),
    );
  }

  // ---- fork ---------------------------------------------------------------------------

  private fork(): void {
    const ev = this.events[this.timeline.index];
    if (!ev) return;
    this.forkButton.disabled = true;
    this.client
      .fork(ev.seq)
      .then((path) => {
        location.assign(notebookPageUrl(path));
      })
      .catch((err: unknown) => {
        this.forkButton.disabled = false;
        reportError(err);
      });
  }

  destroy(): void {
    this.destroyed = true;
    this.token++;
    window.clearTimeout(this.debounce);
    this.pendingDrag?.();
    this.pendingDrag = null;
    this.timeline.destroy();
    this.el.remove();
  }
}
