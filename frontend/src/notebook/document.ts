/**
 * The shared notebook document (owned by the server, edited through Yjs).
 *
 * cells: id -> Y.Map{id, cell_type, source: Y.Text, metadata, position, outputs?, execution_count?}
 * Cells are ordered by (position, id).
 * outputs: Y.Array of nbformat outputs; a stream output is a Y.Map whose `text` is a
 * Y.Text that the server extends as the kernel prints (as jupyter_ydoc shapes it),
 * every other output a plain JSON value.
 */
import * as Y from "yjs";

export type CellType = "code" | "markdown" | "raw";
export type CellMap = Y.Map<unknown>;

export interface RunInfo {
  by?: string;
  queued?: string | number;
  started?: string | number;
  finished?: string | number;
  seconds?: number;
  status?: string;
  interrupted?: { by?: string; at?: string | number };
  restarted?: { by?: string; at?: string | number };
  /** Whether the outputs still match: fresh, edited, stale or never_ran (the server marks it). */
  state?: string;
  stale_because?: Array<{ name: string; cell_id: string | null; why: string }>;
  /** The kernel session the run was in. */
  session?: string;
  /** Where the names it read came from: "kernel" (reported) or "source" (read from the source). */
  names?: string;
}

export interface KernelInput {
  cell_id: string;
  prompt: string;
  password: boolean;
}

/** A deleted cell, kept so that `z` can put it back. */
export interface CellSnapshot {
  id: string;
  cell_type: CellType;
  source: string;
  metadata: Record<string, unknown>;
  outputs?: unknown[];
  execution_count?: number | null;
  index: number;
}

const STEP = 1024;

/**
 * The origin of this page's structural changes (cells inserted, deleted, moved, merged,
 * split, retyped): notebook undo tracks these and nothing else, so undoing never reverts
 * someone else's change, nor text typed in an editor (each editor has its own undo).
 */
export const STRUCTURE = Symbol("structure");

function plain(value: unknown): unknown {
  if (value instanceof Y.AbstractType) return value.toJSON();
  return value;
}

/** An output as nbformat has it (plain JSON), whatever its shape in the document. */
export function outputJson(item: unknown): Record<string, unknown> {
  const value = plain(item);
  return value && typeof value === "object" ? (value as Record<string, unknown>) : {};
}

/** The shared text of a stream output, or null for any other output. */
export function streamText(item: unknown): Y.Text | null {
  if (!(item instanceof Y.Map) || item.get("output_type") !== "stream") return null;
  const text = item.get("text");
  return text instanceof Y.Text ? text : null;
}

/** nbformat outputs as the document holds them: streams around shared text. */
function sharedOutputs(outputs: unknown[]): unknown[] {
  return outputs.map((output) => {
    const o = outputJson(output);
    if (o["output_type"] !== "stream") return output;
    const text = o["text"];
    const joined = Array.isArray(text) ? text.join("") : typeof text === "string" ? text : "";
    return new Y.Map<unknown>(Object.entries({ ...o, text: new Y.Text(joined) }));
  });
}

export function newCellId(): string {
  const bytes = new Uint8Array(6);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export class NotebookDocument {
  readonly cells: Y.Map<CellMap>;
  readonly meta: Y.Map<unknown>;
  readonly kernel: Y.Map<unknown>;
  /** What the server tells everyone (notices.ts): not part of the notebook file. */
  readonly room: Y.Map<unknown>;
  /** Each code cell's mark now ({state, stale_because}): the server writes it here, apart
   * from the cell's metadata, and the file has it in the cell's run record. */
  readonly marks: Y.Map<unknown>;

  constructor(readonly ydoc: Y.Doc) {
    this.cells = ydoc.getMap<CellMap>("cells");
    this.meta = ydoc.getMap("meta");
    this.kernel = ydoc.getMap("kernel");
    this.room = ydoc.getMap("room");
    this.marks = ydoc.getMap("marks");
  }

  /** The server's notice under `key` as plain JSON, or null. */
  notice(key: string): unknown {
    return plain(this.room.get(key)) ?? null;
  }

  get(id: string): CellMap | undefined {
    const c = this.cells.get(id);
    return c instanceof Y.Map ? c : undefined;
  }

  position(id: string): number {
    const p = this.get(id)?.get("position");
    return typeof p === "number" ? p : 0;
  }

  /** Cell ids ordered by (position, id). */
  orderedIds(): string[] {
    const entries: Array<[number, string]> = [];
    this.cells.forEach((cell, id) => {
      if (!(cell instanceof Y.Map)) return;
      const p = cell.get("position");
      entries.push([typeof p === "number" ? p : 0, id]);
    });
    entries.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    return entries.map((e) => e[1]);
  }

  cellType(id: string): CellType {
    const t = this.get(id)?.get("cell_type");
    return t === "markdown" || t === "raw" ? t : "code";
  }

  source(id: string): Y.Text | undefined {
    const s = this.get(id)?.get("source");
    return s instanceof Y.Text ? s : undefined;
  }

  metadata(id: string): Record<string, unknown> {
    const m = plain(this.get(id)?.get("metadata"));
    return m && typeof m === "object" ? (m as Record<string, unknown>) : {};
  }

  /** The cell's run record, with its mark now where the server has one. */
  runInfo(id: string): RunInfo | null {
    const info = this.metadata(id)["interlace"];
    const record = info && typeof info === "object" ? (info as RunInfo) : null;
    const mark = this.marks.get(id);
    if (!record || !mark || typeof mark !== "object") return record;
    const { state, stale_because } = mark as RunInfo;
    return { ...record, state, stale_because };
  }

  executionCount(id: string): number | null {
    const n = this.get(id)?.get("execution_count");
    return typeof n === "number" ? n : null;
  }

  outputs(id: string): Y.Array<unknown> | undefined {
    const o = this.get(id)?.get("outputs");
    return o instanceof Y.Array ? o : undefined;
  }

  outputList(id: string): Array<Record<string, unknown>> {
    const o = this.outputs(id);
    if (!o) return [];
    return o.toArray().map(outputJson);
  }

  /** The kernel the notebook's metadata names (`metadata.kernelspec`): name and display name. */
  kernelspec(): { name: string; display_name: string } | null {
    const metadata = plain(this.meta.get("metadata"));
    const spec = metadata && typeof metadata === "object" ? (metadata as Record<string, unknown>)["kernelspec"] : null;
    if (!spec || typeof spec !== "object") return null;
    const { name, display_name } = spec as Record<string, unknown>;
    if (typeof name !== "string" || !name) return null;
    return { name, display_name: typeof display_name === "string" && display_name ? display_name : name };
  }

  /** Whether a run that succeeds runs the cells it made stale (`metadata.interlace.reactive`). */
  reactive(): boolean {
    const metadata = plain(this.meta.get("metadata"));
    const settings = metadata && typeof metadata === "object" ? (metadata as Record<string, unknown>)["interlace"] : null;
    return !!settings && typeof settings === "object" && (settings as Record<string, unknown>)["reactive"] === true;
  }

  /** Turn reactive mode on or off, for everyone on the notebook (saved with it). */
  setReactive(on: boolean): void {
    const found = plain(this.meta.get("metadata"));
    const metadata = found && typeof found === "object" ? { ...(found as Record<string, unknown>) } : {};
    const settings = metadata["interlace"];
    metadata["interlace"] = { ...(settings && typeof settings === "object" ? settings : {}), reactive: on };
    this.meta.set("metadata", metadata);
  }

  /** The kernel session runs go to now (a restart starts another), or null without a kernel. */
  kernelSession(): string | null {
    const s = this.kernel.get("session");
    return typeof s === "string" ? s : null;
  }

  kernelState(): string {
    const s = this.kernel.get("state");
    return typeof s === "string" ? s : "none";
  }

  kernelInput(): KernelInput | null {
    const v = plain(this.kernel.get("input"));
    if (!v || typeof v !== "object") return null;
    const o = v as Record<string, unknown>;
    if (typeof o["cell_id"] !== "string") return null;
    return { cell_id: o["cell_id"], prompt: typeof o["prompt"] === "string" ? o["prompt"] : "", password: o["password"] === true };
  }

  /** The position for a cell inserted at `index` of `order` (which must not contain the cell). */
  private positionAt(order: string[], index: number): number {
    const prev = index > 0 ? order[index - 1] : undefined;
    const next = index < order.length ? order[index] : undefined;
    if (prev === undefined && next === undefined) return STEP;
    if (prev === undefined) return this.position(next!) - STEP;
    if (next === undefined) return this.position(prev) + STEP;
    return (this.position(prev) + this.position(next)) / 2;
  }

  /** Spread positions out again when two neighbours got too close to bisect. */
  private ensureGap(order: string[], index: number): void {
    const prev = index > 0 ? order[index - 1] : undefined;
    const next = index < order.length ? order[index] : undefined;
    if (prev === undefined || next === undefined) return;
    const a = this.position(prev);
    const b = this.position(next);
    if (b - a > 1e-6 && (a + b) / 2 !== a && (a + b) / 2 !== b) return;
    order.forEach((id, i) => this.get(id)?.set("position", (i + 1) * STEP));
  }

  /** A markdown or raw cell's attachments (name → mime type → base64), or undefined. */
  attachments(id: string): Record<string, unknown> | undefined {
    const found = plain(this.get(id)?.get("attachments"));
    return found && typeof found === "object" ? (found as Record<string, unknown>) : undefined;
  }

  /** Attach a file to a cell under a name not taken yet; returns the name given. */
  attach(id: string, name: string, mime: string, base64: string): string {
    const cell = this.get(id);
    const current = { ...(this.attachments(id) ?? {}) };
    const dot = name.lastIndexOf(".");
    const [stem, suffix] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ""];
    let given = name;
    for (let n = 1; given in current; n++) given = `${stem}-${n}${suffix}`;
    current[given] = { [mime]: base64 };
    cell?.set("attachments", current);
    return given;
  }

  /** Undo and redo of this page's structural changes (see {@link STRUCTURE}). */
  undoManager(): Y.UndoManager {
    return new Y.UndoManager(this.cells, { trackedOrigins: new Set([STRUCTURE]), captureTimeout: 0 });
  }

  /** Several structural changes as one step of undo. */
  structural(change: () => void): void {
    this.ydoc.transact(change, STRUCTURE);
  }

  /** Insert a new cell at `index` in the current order; returns its id. */
  insertCell(index: number, type: CellType = "code", source = "", extra?: Partial<CellSnapshot>): string {
    let id = extra?.id && !this.cells.has(extra.id) ? extra.id : newCellId();
    while (this.cells.has(id)) id = newCellId();
    this.structural(() => {
      const order = this.orderedIds();
      const at = Math.max(0, Math.min(index, order.length));
      this.ensureGap(order, at);
      const cell = new Y.Map<unknown>();
      cell.set("id", id);
      cell.set("cell_type", type);
      cell.set("source", new Y.Text(source));
      cell.set("metadata", extra?.metadata ?? {});
      cell.set("position", this.positionAt(order, at));
      if (type === "code") {
        const outputs = new Y.Array<unknown>();
        if (extra?.outputs?.length) outputs.push(sharedOutputs(extra.outputs));
        cell.set("outputs", outputs);
        cell.set("execution_count", extra?.execution_count ?? null);
      }
      this.cells.set(id, cell);
    });
    return id;
  }

  /** Move cells, keeping their order, to `index` of the order the other cells make. */
  moveCellsTo(ids: string[], index: number): void {
    const moving = this.orderedIds().filter((id) => ids.includes(id));
    this.structural(() => {
      const rest = this.orderedIds().filter((id) => !moving.includes(id));
      let at = Math.max(0, Math.min(index, rest.length));
      for (const id of moving) {
        this.ensureGap(rest, at);
        this.get(id)?.set("position", this.positionAt(rest, at));
        rest.splice(at, 0, id);
        at += 1;
      }
    });
  }

  /** Delete a cell and return a snapshot of it (for undo). */
  deleteCell(id: string): CellSnapshot | null {
    const snapshot = this.snapshot(id);
    if (snapshot) this.structural(() => this.cells.delete(id));
    return snapshot;
  }

  /** The cell as plain JSON (for the clipboard, or to put it back). */
  snapshot(id: string): CellSnapshot | null {
    if (!this.get(id)) return null;
    const type = this.cellType(id);
    const snapshot: CellSnapshot = {
      id,
      cell_type: type,
      source: this.source(id)?.toString() ?? "",
      metadata: this.metadata(id),
      index: this.orderedIds().indexOf(id),
    };
    if (type === "code") {
      snapshot.outputs = this.outputList(id);
      snapshot.execution_count = this.executionCount(id);
    }
    return snapshot;
  }

  /**
   * Merge cells into the first of them (in notebook order): their sources joined by a
   * blank line, the first's type kept, the others deleted, outputs cleared as JupyterLab
   * does. Returns the merged cell's id.
   */
  mergeCells(ids: string[]): string | null {
    const order = this.orderedIds().filter((id) => ids.includes(id));
    const [first, ...rest] = order;
    if (first === undefined || rest.length === 0) return first ?? null;
    const appended = rest.map((id) => `\n\n${this.source(id)?.toString() ?? ""}`).join("");
    this.structural(() => {
      // Appended, not rewritten: the first cell's text and cursors in it stay as they are.
      const text = this.source(first);
      text?.insert(text.length, appended);
      for (const id of rest) this.cells.delete(id);
      this.clearOutputs([first]);
    });
    return first;
  }

  /** Split a cell at `offset` of its source: the rest goes into a new cell below, of the same
   * type; the blank lines at the cut go. */
  splitCell(id: string, offset: number): string | null {
    const text = this.source(id);
    if (!text) return null;
    const source = text.toString();
    const cut = source.slice(0, offset).replace(/\n+$/, "").length;
    const tail = source.slice(offset).replace(/^\n+/, "");
    let created: string | null = null;
    this.structural(() => {
      text.delete(cut, text.length - cut); // only what goes below: the head keeps its cursors
      created = this.insertCell(this.orderedIds().indexOf(id) + 1, this.cellType(id), tail);
    });
    return created;
  }

  setCellType(id: string, type: CellType): void {
    const cell = this.get(id);
    if (!cell || this.cellType(id) === type) return;
    this.structural(() => {
      cell.set("cell_type", type);
      if (type === "code") {
        if (!(cell.get("outputs") instanceof Y.Array)) cell.set("outputs", new Y.Array<unknown>());
        if (!cell.has("execution_count")) cell.set("execution_count", null);
      }
    });
  }

  /**
   * Whether a cell's input or outputs are collapsed: `metadata.jupyter.source_hidden` and
   * `outputs_hidden`, as JupyterLab saves them (outputs also by classic's `collapsed`).
   */
  hidden(id: string, part: "source" | "outputs"): boolean {
    const metadata = this.metadata(id);
    const jupyter = metadata["jupyter"];
    const marked = !!jupyter && typeof jupyter === "object" && (jupyter as Record<string, unknown>)[`${part}_hidden`] === true;
    return marked || (part === "outputs" && metadata["collapsed"] === true);
  }

  /** Collapse or expand the cells' input or outputs, for everyone (saved with the notebook). */
  setHidden(ids: string[], part: "source" | "outputs", hidden: boolean): void {
    this.ydoc.transact(() => {
      for (const id of ids) {
        const cell = this.get(id);
        if (!cell || this.hidden(id, part) === hidden) continue;
        const metadata = this.metadata(id);
        const found = metadata["jupyter"];
        const jupyter = found && typeof found === "object" ? { ...(found as Record<string, unknown>) } : {};
        if (hidden) jupyter[`${part}_hidden`] = true;
        else delete jupyter[`${part}_hidden`];
        if (Object.keys(jupyter).length) metadata["jupyter"] = jupyter;
        else delete metadata["jupyter"];
        if (part === "outputs") {
          if (hidden) metadata["collapsed"] = true;
          else delete metadata["collapsed"];
        }
        cell.set("metadata", metadata);
      }
    });
  }

  /** Clear outputs (shared with everyone): empty the outputs array, execution_count = null. */
  clearOutputs(ids: string[]): void {
    this.ydoc.transact(() => {
      for (const id of ids) {
        const cell = this.get(id);
        if (!cell || this.cellType(id) !== "code") continue;
        const outputs = this.outputs(id);
        if (outputs && outputs.length) outputs.delete(0, outputs.length);
        if (cell.get("execution_count") !== null) cell.set("execution_count", null);
        const metadata = this.metadata(id);
        if ("interlace" in metadata) {
          // The run record describes the outputs: it goes with them.
          delete metadata["interlace"];
          cell.set("metadata", metadata);
        }
      }
    });
  }
}
