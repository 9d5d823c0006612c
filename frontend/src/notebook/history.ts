/** The notebook's recorded history: the event list, states by seq (LRU-cached), fork, event descriptions. */
import { encodePath, getJSON, postJSON } from "../api";

export interface HistoryEvent {
  seq: number;
  at: number;
  actor: string;
  kind: string;
  data: Record<string, unknown>;
}

export interface HistoryList {
  enabled: boolean;
  events: HistoryEvent[];
}

/** An nbformat v4 cell as the server sends it. */
export interface NbCell {
  id?: string;
  cell_type: string;
  source: string | string[];
  metadata?: Record<string, unknown>;
  outputs?: Array<Record<string, unknown>>;
  execution_count?: number | null;
  attachments?: Record<string, unknown>;
}

export interface HistoryState {
  seq: number;
  at: number;
  notebook: { cells: NbCell[]; metadata?: Record<string, unknown> };
  present: string[];
}

/** A tiny least-recently-used map. */
class Lru<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly limit: number) {}

  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.limit) {
      const oldest = this.map.keys().next();
      if (oldest.done) break;
      this.map.delete(oldest.value);
    }
  }

  delete(key: K): void {
    this.map.delete(key);
  }
}

export class HistoryClient {
  private readonly base: string;
  /** Promises, so that a state asked for twice while in flight is fetched once. */
  private readonly states = new Lru<number, Promise<HistoryState>>(64);

  constructor(readonly path: string) {
    this.base = `/api/notebooks/${encodePath(path)}`;
  }

  async events(): Promise<HistoryList> {
    const r = await getJSON<Partial<HistoryList>>(`${this.base}/history`);
    const events = Array.isArray(r.events) ? r.events.filter((e) => e && typeof e.seq === "number") : [];
    events.sort((a, b) => a.seq - b.seq);
    return { enabled: r.enabled !== false, events: events.map((e) => ({ ...e, data: e.data && typeof e.data === "object" ? e.data : {} })) };
  }

  /** The notebook right after event `seq` (cached). */
  state(seq: number): Promise<HistoryState> {
    const cached = this.states.get(seq);
    if (cached) return cached;
    const p = getJSON<HistoryState>(`${this.base}/history/${seq}`).then((s) => ({
      seq: typeof s.seq === "number" ? s.seq : seq,
      at: s.at,
      notebook: { ...s.notebook, cells: Array.isArray(s.notebook?.cells) ? s.notebook.cells : [] },
      present: Array.isArray(s.present) ? s.present : [],
    }));
    this.states.set(seq, p);
    p.catch(() => this.states.delete(seq));
    return p;
  }

  /** Warm the cache without caring about the result. */
  prefetch(seq: number): void {
    this.state(seq).catch(() => undefined);
  }

  /** Create a new notebook from the state after `seq`; returns its path. */
  async fork(seq: number): Promise<string> {
    const r = await postJSON<{ path?: string }>(`${this.base}/fork`, { seq });
    if (!r || typeof r.path !== "string") throw new Error("The server did not say where the fork is");
    return r.path;
  }
}

// ---- descriptions ---------------------------------------------------------------

const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);

/** How to name a cell in a description ("cell 3" when its position is known). */
export type CellNamer = (id: string) => string;

export const shortCellName: CellNamer = (id) => `cell ${id.length > 8 ? id.slice(0, 8) : id}`;

/** "alice edited", "alice ran cell 2 (ok)", "kernel restarted by bob", "carol joined". */
export function describeEvent(ev: HistoryEvent, cellName: CellNamer = shortCellName): string {
  const who = ev.actor || "someone";
  const d = ev.data;
  const cell = str(d["cell_id"]);
  const named = cell ? cellName(cell) : "a cell";
  switch (ev.kind) {
    case "opened":
      return `${who} opened the notebook`;
    case "edit":
    case "created":
    case "deleted":
    case "moved": {
      const cells = Array.isArray(d["cells"]) ? d["cells"].filter((c): c is string => typeof c === "string") : [];
      const verb = ev.kind === "edit" ? "edited" : ev.kind;
      if (cells.length === 1) return `${who} ${verb} ${cellName(cells[0]!)}`;
      return cells.length > 1 ? `${who} ${verb} ${cells.length} cells` : `${who} ${verb}`;
    }
    case "output":
      return cell ? `output in ${named} (${who}'s run)` : `output from ${who}'s run`;
    case "kernel": {
      const state = str(d["state"]) ?? str(d["status"]);
      return state ? `kernel ${state}` : "kernel status changed";
    }
    case "queued": {
      const cells = Array.isArray(d["cells"]) ? d["cells"].filter((c): c is string => typeof c === "string") : [];
      if (cells.length === 1) return `${who} queued ${cellName(cells[0]!)}`;
      return `${who} queued ${cells.length} cells`;
    }
    case "started":
      return `${who} started ${named}`;
    case "finished": {
      const status = str(d["status"]) ?? "done";
      const n = typeof d["execution_count"] === "number" ? ` [${d["execution_count"]}]` : "";
      const secs = typeof d["seconds"] === "number" ? `, ${formatSeconds(d["seconds"])}` : "";
      return `${who} ran ${named}${n} (${status}${secs})`;
    }
    case "interrupted":
      return `kernel interrupted by ${who}`;
    case "restarted":
      return `kernel restarted by ${who}`;
    case "died":
      return cell ? `kernel died while running ${named}` : "kernel died";
    case "joined":
      return `${who} joined`;
    case "left":
      return `${who} left`;
    case "rendered":
      return `${who} rendered ${named}`;
    case "saved":
      return `${who} saved`;
    default:
      return `${who}: ${ev.kind}`;
  }
}

export function formatSeconds(s: number): string {
  if (s < 10) return `${s.toFixed(2)} s`;
  if (s < 120) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

export function formatWallClock(at: number): string {
  const d = new Date(at > 1e12 ? at : at * 1000);
  return Number.isNaN(d.getTime()) ? "" : d.toLocaleString();
}

/** A mark for the strip under the timeline: runs and errors. */
export function eventMark(ev: HistoryEvent): "run" | "error" | "kernel" | null {
  if (ev.kind === "finished") {
    const status = str(ev.data["status"]);
    return status && status !== "ok" ? "error" : "run";
  }
  if (ev.kind === "died" || ev.kind === "restarted" || ev.kind === "interrupted") return "kernel";
  return null;
}
