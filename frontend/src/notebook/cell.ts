/** One cell on screen: prompt, editor or rendered markdown, run info, outputs. */
import type { Awareness } from "y-protocols/awareness";
import * as Y from "yjs";
import { frameScheduler, h } from "../dom";
import { renderMarkdown, renderOutput } from "../render/index";
import { StreamOutput } from "../render/output";
import { outputJson, streamText, type CellType, type KernelInput, type NotebookDocument, type RunInfo } from "./document";
import { CellEditor, type EditorHooks } from "./editor";

/** What a cell needs from the notebook around it. */
export interface CellHost {
  readonly doc: NotebookDocument;
  readonly awareness: Awareness;
  trusted(): boolean;
  editorHooks(cell: CellView): EditorHooks;
  cellClicked(cell: CellView, ev: MouseEvent): void;
  cellDoubleClicked(cell: CellView, ev: MouseEvent): void;
  /** Dragging started on the cell's gutter. */
  cellDragged(cell: CellView, ev: DragEvent): void;
  positionChanged(): void;
  answerInput(cell: CellView, value: string): void;
  /** Call `upgrade` once the cell comes near the viewport (editors are created lazily). */
  whenVisible(el: HTMLElement, upgrade: () => void): void;
  /** How a cell is named to people ("cell 3"). */
  cellLabel(id: string): string;
}

const SCROLL_THRESHOLD = 1000;

function formatSeconds(s: number): string {
  if (s < 10) return `${s.toFixed(2)} s`;
  if (s < 120) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

function formatTime(v: string | number | undefined): string {
  if (v === undefined) return "";
  const d = typeof v === "number" ? new Date(v > 1e12 ? v : v * 1000) : new Date(v);
  return Number.isNaN(d.getTime()) ? String(v) : d.toLocaleString();
}

export function runInfoText(info: RunInfo | null): string {
  if (!info) return "";
  const parts: string[] = [];
  if (info.by) parts.push(info.by);
  const status = info.status ?? "";
  if (status === "queued") parts.push("queued");
  else if (status === "running") parts.push("running…");
  else {
    if (typeof info.seconds === "number") parts.push(formatSeconds(info.seconds));
    if (status === "interrupted" && info.interrupted?.by) parts.push(`interrupted by ${info.interrupted.by}`);
    else if (status === "restarted" && info.restarted?.by) parts.push(`restarted by ${info.restarted.by}`);
    else if (status) parts.push(status);
  }
  return parts.join(" · ");
}

export type Freshness = "fresh" | "edited" | "stale" | "never_ran";

const FRESHNESS: Record<Freshness, string> = {
  fresh: "fresh",
  edited: "edited",
  stale: "stale",
  never_ran: "not run in this kernel",
};

/**
 * Whether a code cell's outputs still match (null: nothing to say, e.g. while it runs).
 * `session` is the kernel session now: a run from another one never ran in it. Without it
 * (playback) the mark stored with the run is shown as it was.
 */
export function freshness(info: RunInfo | null, hasRun: boolean, session?: string | null): Freshness | null {
  if (!info || !info.finished) return hasRun && (!info || !info.status) ? "never_ran" : null;
  if (session !== undefined && info.session !== session) return "never_ran";
  const state = info.state;
  return state === "fresh" || state === "edited" || state === "stale" || state === "never_ran" ? state : null;
}

/** Why a cell has its mark, for its tooltip; `label` names another cell ("cell 3"). */
export function freshnessReason(info: RunInfo | null, state: Freshness, label: (id: string) => string): string {
  const lines: string[] = [];
  if (state === "fresh") lines.push("Fresh: nothing it read has changed since it ran");
  else if (state === "edited") lines.push("Edited: the source changed since these outputs were made");
  else if (state === "never_ran") lines.push("Not run in this kernel: these outputs come from an earlier kernel, or a restart");
  else {
    lines.push("Stale: what it read has changed since it ran");
    for (const b of info?.stale_because ?? []) {
      const where = b.cell_id ? label(b.cell_id) : "another cell";
      lines.push(b.why === "assigned again" ? `· ${b.name} was assigned again by ${where}` : `· ${b.name} comes from ${where}, which is stale`);
    }
  }
  if (info?.names === "source") lines.push("(read from the source: this kernel does not report what a cell reads)");
  return lines.join("\n");
}

/** The mark beside a code cell's run info (also in playback). */
export function freshnessMark(state: Freshness | null, title: string): HTMLElement {
  const mark = h("span", { class: "freshness", "data-testid": "freshness", "data-state": state ?? "", title }, state ? FRESHNESS[state] : "");
  mark.hidden = state === null || state === "fresh";
  return mark;
}

/** One output on screen. */
interface OutputView {
  readonly el: HTMLElement;
  dispose(): void;
}

function staticView(el: HTMLElement): OutputView {
  return { el, dispose: () => undefined };
}

/**
 * A stream output whose shared text the server extends: each change is applied
 * to what is on screen (new text appended, the last line redrawn, the head cut)
 * instead of drawing the whole stream again.
 */
class LiveStream implements OutputView {
  readonly el: HTMLElement;
  private readonly stream: StreamOutput;

  constructor(
    name: unknown,
    private readonly ytext: Y.Text,
    private readonly changing: () => void,
  ) {
    this.stream = new StreamOutput(typeof name === "string" ? name : "stdout", ytext.toString());
    this.el = this.stream.el;
    ytext.observe(this.onChange);
  }

  private readonly onChange = (event: Y.YTextEvent): void => {
    this.changing();
    this.stream.update(event.delta, () => this.ytext.toString());
    // Never expected; if what is on screen ever drifted from the document, start again.
    if (this.stream.length !== this.ytext.length) this.stream.reset(this.ytext.toString());
  };

  dispose(): void {
    this.ytext.unobserve(this.onChange);
  }
}

export class CellView {
  readonly el: HTMLElement;
  type: CellType;
  editor: CellEditor | null = null;
  editing = false;
  private readonly prompt: HTMLElement;
  private readonly editorHost: HTMLElement;
  private readonly rendered: HTMLElement;
  private readonly runInfo: HTMLElement;
  private readonly outputsEl: HTMLElement;
  /** Stand-ins for a collapsed input or outputs (made when first needed): pressing one expands it. */
  private inputFolded: HTMLButtonElement | null = null;
  private outputsFolded: HTMLButtonElement | null = null;
  private readonly inputEl: HTMLElement;
  private readonly outputsBox: HTMLElement;
  private readonly peersEl: HTMLElement;
  private stdin: HTMLElement | null = null;
  /** Plain-text stand-in for the editor until the cell is near the viewport. */
  private staticView: HTMLElement | null = null;
  private stdinKey = "";
  private ytext: Y.Text | null = null;
  private outputs: Y.Array<unknown> | null = null;
  /** What is on screen for each output in the document (kept while the output stays). */
  private views = new Map<unknown, OutputView>();
  /** Whether the outputs were scrolled to the bottom before the streams changed this frame. */
  private followBottom: boolean | null = null;
  private readonly scheduleOutputs = frameScheduler(() => this.renderOutputs());
  private readonly scheduleFit = frameScheduler(() => {
    const follow = this.followBottom ?? false;
    this.followBottom = null;
    this.fitOutputs(follow);
  });
  private readonly scheduleMarkdown = frameScheduler(() => this.renderMarkdownNow());

  constructor(
    private readonly host: CellHost,
    readonly id: string,
    private readonly ymap: Y.Map<unknown>,
  ) {
    this.type = host.doc.cellType(id);
    this.prompt = h("div", { class: "prompt" });
    this.peersEl = h("div", { class: "cell-peers" });
    this.editorHost = h("div", { class: "editor-host" });
    this.rendered = h("div", { class: "markdown-view" });
    this.runInfo = h("div", { class: "run-info" });
    this.outputsEl = h("div", { class: "outputs" });
    this.inputEl = h("div", { class: "cell-input" }, this.collapser("source", "input-collapser", "Hide the input"), this.editorHost, this.rendered);
    this.outputsBox = h("div", { class: "cell-outputs" }, this.collapser("outputs", "outputs-collapser", "Hide the outputs"), this.outputsEl);
    // The gutter is the handle for dragging the cell (and the cells selected with it).
    const gutter = h("div", { class: "cell-gutter", draggable: "true", title: "Drag to move" }, this.prompt, this.peersEl);
    this.el = h(
      "div",
      { class: "cell", "data-cell-id": id },
      gutter,
      h("div", { class: "cell-main" }, this.inputEl, this.runInfo, this.outputsBox),
    );
    gutter.addEventListener("dragstart", (ev) => host.cellDragged(this, ev));
    this.el.addEventListener("mousedown", (ev) => host.cellClicked(this, ev));
    this.el.addEventListener("dblclick", (ev) => host.cellDoubleClicked(this, ev));
    this.ymap.observe(this.onMapChange);
    this.bindText();
    this.bindOutputs();
    this.applyType();
    this.updateMeta();
    this.renderOutputs();
  }

  private readonly onMapChange = (ev: Y.YMapEvent<unknown>): void => {
    const keys = ev.keysChanged;
    if (keys.has("source")) {
      this.bindText();
      if (this.staticView) this.fillStatic();
      if (this.editor) {
        const wasFocused = this.editor.view.hasFocus;
        this.editor.destroy();
        this.editor = null;
        if (this.type !== "markdown" || this.editing) this.ensureEditor();
        if (wasFocused) (this.editor as CellEditor | null)?.focus();
      }
    }
    if (keys.has("cell_type")) this.applyType();
    if (keys.has("outputs")) this.bindOutputs();
    if (keys.has("metadata") || keys.has("execution_count") || keys.has("cell_type")) this.updateMeta();
    if (keys.has("metadata") || keys.has("outputs") || keys.has("cell_type")) this.scheduleOutputs();
    if (keys.has("attachments") && this.type === "markdown") this.scheduleMarkdown();
    if (keys.has("position")) this.host.positionChanged();
  };

  private readonly onTextChange = (): void => {
    if (this.type === "markdown" && !this.editing) this.scheduleMarkdown();
    if (this.staticView) this.scheduleStatic();
  };

  private readonly scheduleStatic = frameScheduler(() => this.fillStatic());

  /** Show the source as plain lines (same classes as CodeMirror's) until the editor is needed. */
  private showStatic(): void {
    if (this.editor || this.staticView) return;
    const content = h("div", { class: "cm-content" });
    const view = h("div", { class: "cm-editor static-editor" }, h("div", { class: "cm-scroller" }, content));
    view.addEventListener("mousedown", (ev) => {
      if (ev.button !== 0) return;
      const editor = this.ensureEditor();
      if (!editor) return;
      ev.preventDefault();
      editor.focus();
      const pos = editor.view.posAtCoords({ x: ev.clientX, y: ev.clientY });
      if (pos !== null) editor.view.dispatch({ selection: { anchor: pos } });
    });
    this.staticView = view;
    this.editorHost.append(view);
    this.fillStatic();
    this.host.whenVisible(view, () => {
      if (this.staticView === view) this.ensureEditor();
    });
  }

  private fillStatic(): void {
    const content = this.staticView?.querySelector(".cm-content");
    if (!content) return;
    const lines = (this.ytext?.toString() ?? "").split("\n");
    content.replaceChildren(...lines.map((line) => h("div", { class: "cm-line" }, line || h("br"))));
  }

  private bindText(): void {
    this.ytext?.unobserve(this.onTextChange);
    this.ytext = this.host.doc.source(this.id) ?? null;
    this.ytext?.observe(this.onTextChange);
  }

  private readonly onOutputsChange = (): void => this.scheduleOutputs();

  private bindOutputs(): void {
    const next = this.host.doc.outputs(this.id) ?? null;
    if (next === this.outputs) return;
    this.outputs?.unobserve(this.onOutputsChange);
    this.outputs = next;
    this.outputs?.observe(this.onOutputsChange);
    this.scheduleOutputs();
  }

  /** Create the editor if needed (markdown cells get one only when edited). */
  ensureEditor(): CellEditor | null {
    if (this.editor) return this.editor;
    if (!this.ytext) return null;
    this.staticView?.remove();
    this.staticView = null;
    this.editor = new CellEditor(this.editorHost, this.ytext, this.host.awareness, this.type, this.host.editorHooks(this));
    return this.editor;
  }

  private applyType(): void {
    this.type = this.host.doc.cellType(this.id);
    this.el.dataset.cellType = this.type;
    if (this.editing) this.ensureEditor();
    else if (this.type !== "markdown") this.showStatic();
    this.editor?.setType(this.type);
    this.applyRenderState();
  }

  /** Markdown cells show their rendering unless being edited. */
  private applyRenderState(): void {
    const showRendered = this.type === "markdown" && !this.editing;
    this.el.classList.toggle("rendered", showRendered);
    if (showRendered) this.renderMarkdownNow();
    else this.rendered.replaceChildren();
  }

  private renderMarkdownNow(): void {
    if (this.type !== "markdown" || this.editing) return;
    const text = this.ytext?.toString() ?? "";
    if (!text.trim()) {
      this.rendered.replaceChildren(h("div", { class: "markdown-rendered md-empty" }, "Empty markdown cell — double-click to edit"));
      return;
    }
    try {
      const attachments = this.host.doc.attachments(this.id);
      this.rendered.replaceChildren(renderMarkdown(text, { trusted: this.host.trusted(), attachments }));
    } catch (err) {
      this.rendered.replaceChildren(h("pre", { class: "markdown-rendered render-error" }, String(err)));
    }
  }

  setEditing(editing: boolean): void {
    if (this.editing === editing) return;
    this.editing = editing;
    this.el.classList.toggle("editing", editing);
    if (editing) this.ensureEditor();
    this.applyRenderState();
  }

  /** Part of a selection of several cells (the active one is also `selected`). */
  setInSelection(on: boolean): void {
    this.el.classList.toggle("in-selection", on);
  }

  /** The stand-in shown after a collapsed part: pressing it expands the part, for everyone. */
  private folded(part: "source" | "outputs", testId: string, label: string, after: HTMLElement): HTMLButtonElement {
    const folded = h("button", { type: "button", class: "folded", "data-testid": testId, title: "Show it again (for everyone on the notebook)" }, label);
    folded.addEventListener("click", () => this.host.doc.setHidden([this.id], part, false));
    after.after(folded);
    return folded;
  }

  /** The bar beside an input or the outputs: pressing it collapses that part, for everyone. */
  private collapser(part: "source" | "outputs", testId: string, title: string): HTMLButtonElement {
    // Mouse only, as JupyterLab's: keys have `o` and the palette, and Tab skips 2 bars a cell.
    const bar = h("button", { type: "button", class: "collapser", "data-testid": testId, title: `${title} (for everyone on the notebook)`, "aria-label": title, tabindex: "-1" });
    bar.addEventListener("click", () => this.host.doc.setHidden([this.id], part, true));
    return bar;
  }

  setSelected(selected: boolean): void {
    this.el.classList.toggle("selected", selected);
    if (!selected) this.setEditing(false);
  }

  /** Update prompt, status and run info from the document. */
  updateMeta(): void {
    const info = this.host.doc.runInfo(this.id);
    const status = info?.status ?? "";
    this.el.dataset.status = status;
    if (this.type === "code") {
      const n = this.host.doc.executionCount(this.id);
      this.prompt.textContent = status === "queued" || status === "running" ? "[*]" : n !== null ? `[${n}]` : "[ ]";
    } else {
      this.prompt.textContent = "";
    }
    const code = this.type === "code";
    const text = code ? runInfoText(info) : "";
    const state = code ? freshness(info, this.host.doc.executionCount(this.id) !== null, this.host.doc.kernelSession()) : null;
    const mark = freshnessMark(state, state ? freshnessReason(info, state, (id) => this.host.cellLabel(id)) : "");
    this.runInfo.replaceChildren(h("span", { class: "run-text" }, text), mark);
    this.runInfo.hidden = text === "" && mark.hidden;
    if (info) {
      const lines = [info.by ? `run by ${info.by}` : "", info.started ? `started ${formatTime(info.started)}` : "", info.finished ? `finished ${formatTime(info.finished)}` : ""];
      this.runInfo.title = lines.filter(Boolean).join("\n");
    }
    this.runInfo.className = `run-info status-${status || "none"}`;
    const inputHidden = this.host.doc.hidden(this.id, "source");
    const outputsHidden = code && this.host.doc.hidden(this.id, "outputs");
    this.el.classList.toggle("input-hidden", inputHidden);
    this.el.classList.toggle("outputs-hidden", outputsHidden);
    if (inputHidden || this.inputFolded) {
      this.inputFolded ??= this.folded("source", "input-folded", "⋯ input hidden", this.inputEl);
      this.inputFolded.hidden = !inputHidden;
    }
    if (outputsHidden || this.outputsFolded) {
      this.outputsFolded ??= this.folded("outputs", "outputs-folded", "⋯ outputs hidden", this.outputsBox);
      this.outputsFolded.hidden = !outputsHidden;
    }
    if (state) this.el.dataset.freshness = state;
    else delete this.el.dataset.freshness;
  }

  /** Put the document's outputs on screen, reusing what is there for outputs that stayed. */
  renderOutputs(): void {
    const wasAtBottom = this.followBottom ?? this.atBottom();
    this.followBottom = null;
    const items = this.type === "code" ? (this.outputs?.toArray() ?? []) : [];
    const views = new Map<unknown, OutputView>();
    const nodes: HTMLElement[] = [];
    for (const item of items) {
      const view = (!views.has(item) && this.views.get(item)) || this.outputView(item);
      if (!views.has(item)) views.set(item, view);
      nodes.push(view.el);
    }
    for (const [item, view] of this.views) if (views.get(item) !== view) view.dispose();
    this.views = views;
    if (this.stdin) nodes.push(this.stdin);
    this.outputsEl.replaceChildren(...nodes);
    this.el.classList.toggle("has-outputs", nodes.length > 0);
    this.fitOutputs(wasAtBottom);
  }

  private outputView(item: unknown): OutputView {
    const text = streamText(item);
    if (text && item instanceof Y.Map) return new LiveStream(item.get("name"), text, this.streamChanging);
    try {
      return staticView(renderOutput(outputJson(item), { trusted: this.host.trusted() }));
    } catch (err) {
      return staticView(h("pre", { class: "output render-error" }, `Could not render output: ${String(err)}`));
    }
  }

  /** A stream is about to change on screen: note whether to keep following its end. */
  private readonly streamChanging = (): void => {
    this.followBottom ??= this.atBottom();
    this.scheduleFit();
  };

  private atBottom(): boolean {
    const el = this.outputsEl;
    return el.classList.contains("scrolled") && el.scrollTop + el.clientHeight >= el.scrollHeight - 4;
  }

  /** Scroll tall outputs in a box (reads layout); stay at the bottom if they were there. */
  private fitOutputs(wasAtBottom: boolean): void {
    if (!this.el.isConnected) return;
    this.applyScrolled(this.isTall());
    if (wasAtBottom) this.outputsEl.scrollTop = this.outputsEl.scrollHeight;
  }

  private disposeOutputs(): void {
    for (const view of this.views.values()) view.dispose();
    this.views.clear();
  }

  /** Whether the outputs are taller than the scroll threshold (reads layout). */
  isTall(): boolean {
    if (!this.outputsEl.firstChild) return false;
    if (this.outputsEl.classList.contains("scrolled")) return this.outputsEl.scrollHeight > SCROLL_THRESHOLD;
    return this.outputsEl.offsetHeight > SCROLL_THRESHOLD;
  }

  applyScrolled(tall: boolean): void {
    this.outputsEl.classList.toggle("scrolled", tall);
  }

  /** Show (or remove) the stdin prompt for a pending input() call. */
  showInput(input: KernelInput | null, focus: boolean): void {
    if (!input) {
      if (this.stdin) {
        this.stdin.remove();
        this.stdin = null;
      }
      return;
    }
    const key = `${input.prompt}\u0000${input.password}`;
    const existing = this.stdin?.querySelector("input");
    if (this.stdin && this.stdinKey === key && existing && !existing.disabled) return;
    this.stdin?.remove();
    this.stdinKey = key;
    const field = h("input", {
      type: input.password ? "password" : "text",
      class: "stdin-input",
      "data-testid": "stdin-input",
      autocomplete: "off",
      spellcheck: "false",
    });
    field.addEventListener("keydown", (ev) => {
      ev.stopPropagation();
      if (ev.key === "Enter") {
        ev.preventDefault();
        field.disabled = true;
        this.host.answerInput(this, field.value);
      }
    });
    this.stdin = h("div", { class: "stdin" }, h("label", { class: "stdin-prompt" }, input.prompt), field);
    this.outputsEl.append(this.stdin);
    this.el.classList.add("has-outputs");
    if (focus) field.focus();
  }

  setPeers(peers: Array<{ name: string; color: string }>): void {
    this.peersEl.replaceChildren(
      ...peers.map((p) => {
        const dot = h("span", { class: "cell-peer", title: p.name });
        dot.style.background = p.color;
        return dot;
      }),
    );
  }

  /** Re-render everything that depends on trust (after the notebook was trusted). */
  refreshTrusted(): void {
    this.disposeOutputs();
    this.renderOutputs();
    if (this.type === "markdown" && !this.editing) this.renderMarkdownNow();
  }

  destroy(): void {
    this.ymap.unobserve(this.onMapChange);
    this.ytext?.unobserve(this.onTextChange);
    this.outputs?.unobserve(this.onOutputsChange);
    this.disposeOutputs();
    this.editor?.destroy();
    this.editor = null;
    this.el.remove();
  }
}
