/** The notebook page: connects the shared document, shows cells, handles selection, modes and actions. */
import { WebsocketProvider } from "y-websocket";
import type { Awareness } from "y-protocols/awareness";
import * as Y from "yjs";
import { ApiError, contentsUrl, cookie, encodePath, getJSON, postJSON, reportError, showMessage, treePageUrl } from "../api";
import { basename, dirname, h } from "../dom";
import { changeSettings, settings } from "../settings";
import { notebookCommands, type NotebookActions } from "./actions";
import { CellView, type CellHost } from "./cell";
import { copiedCells, copyCells } from "./clipboard";
import { CommandChannel, type ExecuteTarget } from "./commands";
import { kernelCompletionSource } from "./completion";
import { NotebookDocument, type CellType } from "./document";
import type { EditorHooks } from "./editor";
import { closeInspect, inspectAtCursor, inspectOpen } from "./inspect";
import { KernelClient } from "./kernel";
import { pickKernel } from "./kernel-picker";
import { type InstalledKernels, installedKernels } from "../kernelspecs";
import { NoticeBar, handleResync } from "./notices";
import { installKeyboard, type KeyTarget } from "./keyboard";
import { openPalette } from "./palette";
import { PlaybackView } from "./playback";
import { Presence, type Peer } from "./presence";
import { CommandRegistry } from "./registry";
import { FindBar, type Match } from "./find";
import { TableOfContents } from "./toc";
import { Toolbar } from "./toolbar";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The drag data of cells being moved: their ids, as JSON. */
const DRAGGED = "application/x-interlace-cells";

export class NotebookView implements CellHost, KeyTarget, NotebookActions {
  readonly doc: NotebookDocument;
  /** Every command of the page: keys, toolbar and palette run them from here. */
  readonly registry = new CommandRegistry();
  readonly awareness: Awareness;
  readonly el: HTMLElement;
  /** The scrolling area around the live cells (hidden during playback). */
  readonly scroll: HTMLElement;
  /** Where the playback view goes while active. */
  readonly playbackHost: HTMLElement;
  readonly toolbar: Toolbar;
  readonly presence: Presence;
  readonly notices: NoticeBar;
  private readonly ydoc = new Y.Doc();
  private readonly provider: WebsocketProvider;
  private readonly kernel: KernelClient;
  private installed: Promise<InstalledKernels> | null = null;
  private shownSession: string | null = null;
  /** Runs, interrupts, restarts and saves: on the websocket, in order after our edits. */
  private readonly commands: CommandChannel;
  private readonly views = new Map<string, CellView>();
  private order: string[] = [];
  /** The active cell: where keys act, what is edited. */
  private selectedId: string | null = null;
  /** The other end of the selection (Shift-J/K, Shift-click): every cell between is selected. */
  private anchorId: string | null = null;
  private currentMode: "command" | "edit" = "command";
  private isTrusted = false;
  /** Undo and redo of this person's structural changes, never anyone else's. */
  private readonly undos: Y.UndoManager;
  private initialized = false;
  private playback: PlaybackView | null = null;
  private contents: TableOfContents | null = null;
  private finding: FindBar | null = null;

  constructor(readonly path: string) {
    this.doc = new NotebookDocument(this.ydoc);
    this.kernel = new KernelClient(path);
    this.undos = this.doc.undoManager();
    this.el = h("main", { class: "notebook", "data-testid": "notebook", tabindex: "-1" });
    this.el.addEventListener("dragover", this.onDragOver);
    this.el.addEventListener("drop", this.onDrop);
    this.el.addEventListener("dragleave", (ev) => {
      if (!(ev.relatedTarget instanceof Node && this.el.contains(ev.relatedTarget))) this.showDrop(null);
    });
    this.registry.add(...notebookCommands(this));
    this.toolbar = new Toolbar(this.registry);
    this.scroll = h("div", { class: "notebook-scroll" }, this.el);
    this.playbackHost = h("div", { class: "playback-host", hidden: true });
    const wsOrigin = `${location.protocol === "https:" ? "wss://" : "ws://"}${location.host}`;
    // The cookie is what authenticates; _xsrf rides along for servers that also check it on websockets.
    const xsrf = cookie("_xsrf");
    this.provider = new WebsocketProvider(`${wsOrigin}/api/collab`, encodeURI(path), this.ydoc, {
      disableBc: true,
      params: xsrf ? { _xsrf: xsrf } : {},
    });
    this.commands = new CommandChannel(this.provider);
    handleResync(this.provider, path);
    this.notices = new NoticeBar(this.doc, this.commands, path, () => this.chooseKernel());
    this.awareness = this.provider.awareness;
    this.presence = new Presence(this.awareness, (peers) => this.showPeers(peers));
    this.provider.on("status", ({ status }) => this.toolbar.setConnected(status === "connected"));
    // A websocket refused for bad credentials looks like any other drop: ask the API (shows the login banner).
    this.provider.on("connection-close", () => this.checkAuth());
    this.toolbar.setConnected(this.provider.wsconnected);
    installKeyboard(this.registry, this);
  }

  /** Check the notebook exists, load trust, wait for the first sync, then show the cells. */
  async start(): Promise<void> {
    this.el.append(h("div", { class: "notebook-loading" }, "Loading notebook…"));
    const synced = new Promise<void>((resolve) => {
      if (this.provider.synced) resolve();
      else this.provider.once("sync", () => resolve());
    });
    try {
      await getJSON(`${contentsUrl(this.path)}?content=0`);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) {
        this.fail(`Notebook not found: ${this.path}`);
        return;
      }
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
        this.fail("You need to log in to open this notebook.");
        return;
      }
      // other errors: the websocket may still work
    }
    const trust = this.kernel.trusted().catch(() => false);
    await synced;
    performance.mark("interlace-synced");
    this.isTrusted = await Promise.race([trust, sleep(3000).then(() => false)]);
    this.toolbar.setTrusted(this.isTrusted);
    this.init();
  }

  private lastAuthCheck = 0;

  private checkAuth(): void {
    const now = Date.now();
    if (now - this.lastAuthCheck < 10_000) return;
    this.lastAuthCheck = now;
    getJSON(`${contentsUrl(this.path)}?content=0`).catch(() => undefined);
  }

  private fail(message: string): void {
    this.commands.close();
    this.provider.destroy();
    this.el.replaceChildren(h("div", { class: "notebook-error", role: "alert" }, message, " ", h("a", { href: treePageUrl(dirname(this.path)) }, "Back to files")));
  }

  private init(): void {
    if (this.initialized) return;
    this.initialized = true;
    this.el.replaceChildren();
    this.doc.cells.observe((ev) => this.onCellsChange(ev));
    this.doc.kernel.observe(() => this.onKernelChange());
    this.doc.marks.observe((ev) => ev.keysChanged.forEach((id) => this.views.get(id)?.updateMeta()));
    this.doc.meta.observe(() => {
      this.showKernelName();
      this.toolbar.setReactive(this.doc.reactive());
    });
    this.toolbar.setReactive(this.doc.reactive());
    this.showKernelName();
    this.syncViews();
    if (this.order.length === 0) this.doc.insertCell(0, "code");
    this.upgradeVisible();
    const tall = this.order.map((id) => this.views.get(id)?.isTall() ?? false);
    this.order.forEach((id, i) => this.views.get(id)?.applyScrolled(tall[i] ?? false));
    const first = this.order[0];
    if (first) this.select(first, false);
    this.commandMode();
    this.onKernelChange();
    this.showPeers(this.presence.peers());
    document.body.dataset.ready = "true";
    performance.mark("interlace-ready");
  }

  // ---- document → views ------------------------------------------------------

  private onCellsChange(ev: Y.YMapEvent<Y.Map<unknown>>): void {
    const previous = this.order;
    for (const [key, change] of ev.changes.keys) {
      if (change.action === "delete" || change.action === "update") {
        this.views.get(key)?.destroy();
        this.views.delete(key);
        this.shownSelection.delete(key);
      }
    }
    this.syncViews();
    if (this.selectedId !== null && !this.views.has(this.selectedId)) {
      const idx = previous.indexOf(this.selectedId);
      const candidates = [...previous.slice(idx + 1), ...previous.slice(0, Math.max(idx, 0)).reverse()];
      const next = candidates.find((id) => this.views.has(id)) ?? this.order[0] ?? null;
      this.selectedId = null;
      if (next) this.select(next);
      this.commandMode();
    } else if (this.selectedId !== null) {
      const v = this.views.get(this.selectedId);
      if (v && !v.el.classList.contains("selected")) v.setSelected(true);
    }
    if (this.anchorId !== null && !this.views.has(this.anchorId)) this.anchorId = this.selectedId;
    this.showSelection();
    this.onKernelChange();
  }

  /** Create missing views and put all of them in document order. */
  private syncViews(): void {
    const ids = this.doc.orderedIds();
    for (const id of ids) {
      if (this.views.has(id)) continue;
      const ymap = this.doc.get(id);
      if (ymap) this.views.set(id, new CellView(this, id, ymap));
    }
    for (const [id, view] of this.views) {
      if (!this.doc.get(id)) {
        view.destroy();
        this.views.delete(id);
      }
    }
    this.order = ids.filter((id) => this.views.has(id));
    this.placeViews();
  }

  private placeViews(): void {
    const focused = document.activeElement;
    let prev: Element | null = null;
    for (const id of this.order) {
      const el = this.views.get(id)!.el;
      const expected: ChildNode | null = prev ? prev.nextSibling : this.el.firstChild;
      if (el !== expected) this.el.insertBefore(el, expected);
      prev = el;
    }
    if (focused instanceof HTMLElement && focused !== document.activeElement && this.el.contains(focused)) {
      focused.focus({ preventScroll: true });
    }
  }

  positionChanged(): void {
    this.order = this.doc.orderedIds().filter((id) => this.views.has(id));
    this.placeViews();
    this.showSelection();
  }

  private onKernelChange(): void {
    this.toolbar.setKernelState(this.doc.kernelState());
    const session = this.doc.kernelSession();
    if (session !== this.shownSession) {
      // Another kernel session: every cell's mark is measured against it now.
      this.shownSession = session;
      for (const view of this.views.values()) view.updateMeta();
    }
    const input = this.doc.kernelInput();
    for (const view of this.views.values()) {
      const mine = input !== null && view.id === input.cell_id;
      view.showInput(mine ? input : null, mine && (this.selectedId === view.id || this.order.length > 0));
    }
  }

  private showPeers(peers: Peer[]): void {
    const byCell = new Map<string, Peer[]>();
    for (const p of peers) {
      if (p.self || !p.cell) continue;
      byCell.set(p.cell, [...(byCell.get(p.cell) ?? []), p]);
    }
    for (const view of this.views.values()) view.setPeers(byCell.get(view.id) ?? []);
  }

  // ---- CellHost ----------------------------------------------------------------

  cellLabel(id: string): string {
    const index = this.order.indexOf(id);
    return index >= 0 ? `cell ${index + 1}` : "a deleted cell";
  }

  private readonly lazy = new Map<Element, () => void>();
  private readonly visibility = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        const upgrade = this.lazy.get(entry.target);
        this.lazy.delete(entry.target);
        this.visibility.unobserve(entry.target);
        upgrade?.();
      }
    },
    { rootMargin: "600px 0px" },
  );

  whenVisible(el: HTMLElement, upgrade: () => void): void {
    this.lazy.set(el, upgrade);
    this.visibility.observe(el);
  }

  /** Create the editors of the cells on screen now (the rest follow as they scroll in). */
  private upgradeVisible(): void {
    const limit = window.innerHeight + 200;
    for (const id of this.order) {
      const view = this.views.get(id);
      if (!view) continue;
      if (view.el.getBoundingClientRect().top > limit) break;
      if (view.type !== "markdown") view.ensureEditor();
    }
  }

  trusted(): boolean {
    return this.isTrusted;
  }

  editorHooks(cell: CellView): EditorHooks {
    return {
      runAndAdvance: () => this.runSelectedFrom(cell, "advance"),
      runInPlace: () => this.runSelectedFrom(cell, "stay"),
      runAndInsert: () => this.runSelectedFrom(cell, "insert"),
      escape: () => this.commandMode(),
      focused: () => {
        if (this.selectedId !== cell.id || this.selectedIds().length > 1) this.select(cell.id, false);
        this.currentMode = "edit";
        this.el.classList.add("edit-mode");
        cell.setEditing(true);
      },
      leave: (dir) => {
        const idx = this.order.indexOf(cell.id);
        const target = this.order[idx + dir];
        if (!target) return false;
        this.editMode(target, dir < 0 ? "end" : "start");
        return true;
      },
      inspect: (view) => void inspectAtCursor(view, this.kernel),
      closePopups: () => {
        if (!inspectOpen()) return false;
        closeInspect();
        return true;
      },
      completionSource: kernelCompletionSource(this.kernel, () => cell.type === "code"),
      attach: (name, mime, base64) => this.doc.attach(cell.id, name, mime, base64),
    };
  }

  cellClicked(cell: CellView, ev: MouseEvent): void {
    const target = ev.target instanceof Element ? ev.target : null;
    if (target?.closest(".cm-editor")) {
      if (this.selectedId !== cell.id) this.select(cell.id, false);
      return;
    }
    const selected = this.selectedIds();
    if (ev.shiftKey) this.select(cell.id, false, true);
    else if (selected.length > 1 && selected.includes(cell.id) && target?.closest(".cell-gutter")) {
      // Maybe the start of dragging the whole selection: a click (no drag) selects the cell alone.
      cell.el.addEventListener("click", () => this.select(cell.id, false), { once: true });
    } else if (this.selectedId !== cell.id || selected.length > 1) this.select(cell.id, false);
    if (target?.closest("input, textarea, select, button, a")) {
      this.currentMode = "command";
      this.el.classList.remove("edit-mode");
      return;
    }
    this.commandMode();
  }

  /** Drag and drop to reorder: the dragged cell, with the rest of the selection if it is in it. */
  cellDragged(cell: CellView, ev: DragEvent): void {
    const selected = this.selectedIds();
    const ids = selected.includes(cell.id) ? selected : [cell.id];
    ev.dataTransfer?.setData(DRAGGED, JSON.stringify(ids));
    if (ev.dataTransfer) ev.dataTransfer.effectAllowed = "move";
  }

  /** Where dropped cells would go: before or after the cell under the pointer. */
  private dropPlace(ev: DragEvent): { id: string; after: boolean } | null {
    const target = ev.target instanceof Element ? ev.target.closest<HTMLElement>(".cell") : null;
    const id = target?.dataset.cellId;
    if (!target || id === undefined || !this.views.has(id)) return null;
    const box = target.getBoundingClientRect();
    return { id, after: ev.clientY > box.top + box.height / 2 };
  }

  private showDrop(place: { id: string; after: boolean } | null): void {
    this.el.querySelectorAll(".drop-before, .drop-after").forEach((el) => el.classList.remove("drop-before", "drop-after"));
    if (place) this.views.get(place.id)?.el.classList.add(place.after ? "drop-after" : "drop-before");
  }

  private readonly onDragOver = (ev: DragEvent): void => {
    if (!ev.dataTransfer?.types.includes(DRAGGED)) return;
    ev.preventDefault();
    ev.dataTransfer.dropEffect = "move";
    this.showDrop(this.dropPlace(ev));
  };

  private readonly onDrop = (ev: DragEvent): void => {
    const text = ev.dataTransfer?.getData(DRAGGED);
    const place = this.dropPlace(ev);
    this.showDrop(null);
    if (!text || !place) return;
    ev.preventDefault();
    let ids: unknown;
    try {
      ids = JSON.parse(text);
    } catch {
      return;
    }
    if (!Array.isArray(ids)) return;
    const moving = ids.filter((id): id is string => typeof id === "string" && this.views.has(id));
    if (!moving.length || moving.includes(place.id)) return;
    const rest = this.order.filter((id) => !moving.includes(id));
    this.doc.moveCellsTo(moving, rest.indexOf(place.id) + (place.after ? 1 : 0));
  };

  cellDoubleClicked(cell: CellView, ev: MouseEvent): void {
    if (cell.type === "markdown" && !cell.editing) {
      ev.preventDefault();
      this.editMode(cell.id);
    }
  }

  answerInput(_cell: CellView, value: string): void {
    this.kernel.answerInput(value).catch((err: unknown) => {
      reportError(err);
      this.onKernelChange();
    });
  }

  // ---- selection and modes ---------------------------------------------------------

  mode(): "command" | "edit" {
    return this.currentMode;
  }

  /** Make `id` the active cell; `extend` keeps the anchor, selecting every cell between. */
  select(id: string, scroll = true, extend = false): void {
    const view = this.views.get(id);
    if (!view) return;
    if (this.selectedId !== null && this.selectedId !== id) this.views.get(this.selectedId)?.setSelected(false);
    this.selectedId = id;
    if (!extend || this.anchorId === null) this.anchorId = id;
    view.setSelected(true);
    this.showSelection();
    this.presence.setCell(id);
    if (scroll) view.el.scrollIntoView({ block: "nearest" });
  }

  /** The selected cells, in notebook order: from the anchor to the active cell. */
  selectedIds(): string[] {
    const active = this.selectedId;
    if (active === null) return [];
    const from = this.anchorId === null ? -1 : this.order.indexOf(this.anchorId);
    const to = this.order.indexOf(active);
    if (from < 0 || to < 0) return [active];
    return this.order.slice(Math.min(from, to), Math.max(from, to) + 1);
  }

  /** The cells shown as part of a selection of several (none when one cell is selected). */
  private shownSelection = new Set<string>();

  private showSelection(): void {
    const selected = this.selectedIds();
    const chosen = new Set(selected.length > 1 ? selected : []);
    for (const id of this.shownSelection) if (!chosen.has(id)) this.views.get(id)?.setInSelection(false);
    for (const id of chosen) if (!this.shownSelection.has(id)) this.views.get(id)?.setInSelection(true);
    this.shownSelection = chosen;
  }

  extendSelection(delta: number): void {
    const idx = this.selectedId ? this.order.indexOf(this.selectedId) : -1;
    const next = this.order[Math.max(0, Math.min(this.order.length - 1, idx + delta))];
    if (next) this.select(next, true, true);
  }

  selectAll(): void {
    const [first] = this.order;
    const last = this.order[this.order.length - 1];
    if (first === undefined || last === undefined) return;
    this.anchorId = first;
    this.select(last, false, true);
  }

  commandMode(): void {
    closeInspect();
    this.currentMode = "command";
    this.el.classList.remove("edit-mode");
    const view = this.selectedId ? this.views.get(this.selectedId) : undefined;
    if (view) {
      view.setEditing(false);
      view.editor?.blur();
    }
    this.el.focus({ preventScroll: true });
  }

  editMode(id: string, cursor: "keep" | "start" | "end" = "keep"): void {
    const view = this.views.get(id);
    if (!view) return;
    this.select(id);
    this.currentMode = "edit";
    this.el.classList.add("edit-mode");
    view.setEditing(true);
    const editor = view.ensureEditor();
    if (!editor) return;
    editor.focus();
    if (cursor === "start") editor.view.dispatch({ selection: { anchor: 0 } });
    if (cursor === "end") {
      const doc = editor.view.state.doc;
      editor.view.dispatch({ selection: { anchor: doc.line(doc.lines).from } });
    }
  }

  editSelected(): void {
    if (this.selectedId) this.editMode(this.selectedId);
  }

  selectRelative(delta: number): void {
    if (!this.order.length) return;
    const idx = this.selectedId ? this.order.indexOf(this.selectedId) : -1;
    const next = this.order[Math.max(0, Math.min(this.order.length - 1, idx + delta))];
    if (next) this.select(next);
  }

  // ---- running ----------------------------------------------------------------------

  private execute(target: ExecuteTarget): void {
    this.commands.send({ action: "execute", ...target }).catch(reportError);
  }

  private runSelectedFrom(cell: CellView, after: "advance" | "stay" | "insert"): void {
    if (this.selectedId !== cell.id) this.select(cell.id, false);
    this.runSelected(after);
  }

  private runSelected(after: "advance" | "stay" | "insert"): void {
    const ids = this.selectedIds();
    const id = ids[ids.length - 1];
    if (id === undefined) return;
    // Markdown renders here at once; the server only records it (no kernel involved).
    this.execute({ cells: ids });
    const idx = this.order.indexOf(id);
    if (after === "stay") {
      if (ids.length === 1) this.commandMode();
      return;
    }
    const next = this.order[idx + 1];
    if (after === "advance" && next) {
      this.select(next);
      this.commandMode();
      return;
    }
    const created = this.doc.insertCell(idx + 1, "code");
    this.editMode(created);
  }

  runAndAdvance(): void {
    this.runSelected("advance");
  }

  runInPlace(): void {
    this.runSelected("stay");
  }

  runAndInsert(): void {
    this.runSelected("insert");
  }

  run(): void {
    this.runSelected("advance");
  }

  runAll(): void {
    this.commandMode();
    this.execute({ all: true });
  }

  runStale(): void {
    this.commandMode();
    this.execute({ stale: true });
  }

  toggleReactive(): void {
    this.doc.setReactive(!this.doc.reactive());
  }

  runBelow(): void {
    if (!this.selectedId) return;
    this.commandMode();
    this.execute({ below: this.selectedId });
  }

  interrupt(): void {
    this.commands.send({ action: "interrupt" }).catch(reportError);
  }

  restart(): void {
    this.commands.send({ action: "restart" }).catch(reportError);
  }

  /** Restart, then run every cell (asked first: the kernel's memory is lost). */
  restartRunAll(): void {
    if (!window.confirm("Restart the kernel and run all cells? Everything the kernel holds is lost.")) return;
    this.commands
      .send({ action: "restart" })
      .then(() => this.commands.send({ action: "execute", all: true }))
      .catch(reportError);
  }

  /** Offer the installed kernels; the one chosen becomes the notebook's, for everyone. */
  chooseKernel(): void {
    this.kernels()
      .then(async ({ default: fallback, kernels }) => {
        const current = this.doc.kernelspec()?.name.toLowerCase() ?? fallback;
        const name = await pickKernel(kernels, current);
        if (name !== null && name !== current) await this.commands.send({ action: "change_kernel", kernel_name: name });
      })
      .catch(reportError);
  }

  private kernels(): Promise<InstalledKernels> {
    this.installed ??= installedKernels();
    return this.installed;
  }

  /** The kernel the metadata names, by its installed display name; marked when not installed. */
  private showKernelName(): void {
    const named = this.doc.kernelspec();
    this.kernels()
      .then(({ default: fallback, kernels }) => {
        const wanted = named?.name.toLowerCase() ?? fallback;
        const found = kernels.find((kernel) => kernel.name === wanted);
        this.toolbar.setKernelName(found?.display_name ?? named?.display_name ?? wanted, found === undefined);
      })
      .catch(() => this.toolbar.setKernelName(named?.display_name ?? "Kernel", false));
  }

  save(): void {
    this.commands
      .send({ action: "save" })
      .then(() => this.toolbar.flashSaved())
      .catch(reportError);
  }

  trust(): void {
    this.kernel
      .trust()
      .then(() => {
        this.isTrusted = true;
        this.toolbar.setTrusted(true);
        for (const view of this.views.values()) view.refreshTrusted();
        showMessage("Notebook trusted", "info");
      })
      .catch(reportError);
  }

  // ---- cell actions (on every selected cell) ---------------------------------------

  private insertAt(offset: 0 | 1, edit: boolean): void {
    const ids = this.selectedIds();
    const edge = offset ? ids[ids.length - 1] : ids[0];
    const idx = edge === undefined ? -1 : this.order.indexOf(edge);
    const at = idx < 0 ? (offset ? this.order.length : 0) : idx + offset;
    const id = this.doc.insertCell(at, "code");
    if (edit) this.editMode(id);
    else {
      this.select(id);
      this.commandMode();
    }
  }

  insertAbove(): void {
    this.insertAt(0, false);
  }

  insertBelow(): void {
    this.insertAt(1, false);
  }

  addCell(): void {
    this.insertAt(1, true);
  }

  deleteSelected(): void {
    const ids = this.selectedIds();
    if (!ids.length) return;
    const first = this.order.indexOf(ids[0]!);
    const last = this.order.indexOf(ids[ids.length - 1]!);
    const next = this.order[last + 1] ?? this.order[first - 1] ?? null;
    this.doc.structural(() => ids.forEach((id) => this.doc.deleteCell(id)));
    if (next && this.views.has(next)) this.select(next);
    this.commandMode();
  }

  copy(): void {
    const cells = this.selectedIds().flatMap((id) => this.doc.snapshot(id) ?? []);
    if (cells.length && !copyCells(cells)) showMessage("These cells are too large to copy", "error");
  }

  cut(): void {
    this.copy();
    this.deleteSelected();
  }

  /** The cells last copied (here or in another notebook or tab), above or below the selection. */
  paste(where: "above" | "below"): void {
    const cells = copiedCells();
    if (!cells.length) return;
    const ids = this.selectedIds();
    const edge = where === "above" ? ids[0] : ids[ids.length - 1];
    const idx = edge === undefined ? this.order.length : this.order.indexOf(edge) + (where === "below" ? 1 : 0);
    const pasted: string[] = [];
    this.doc.structural(() => {
      cells.forEach((cell, i) => pasted.push(this.doc.insertCell(idx + i, cell.cell_type, cell.source, cell)));
    });
    this.anchorId = null;
    const [first] = pasted;
    if (first !== undefined) this.select(first, false);
    const last = pasted[pasted.length - 1];
    if (last !== undefined) this.select(last, true, true);
    this.commandMode();
  }

  undo(): void {
    this.stepHistory(() => this.undos.undo());
  }

  redo(): void {
    this.stepHistory(() => this.undos.redo());
  }

  /** Undo or redo; a cell it brings back becomes the selected one, as in JupyterLab. */
  private stepHistory(step: () => void): void {
    const before = new Set(this.order);
    step();
    const back = this.order.find((id) => !before.has(id));
    if (back !== undefined) this.select(back);
    this.commandMode();
  }

  setType(type: CellType): void {
    const ids = this.selectedIds();
    if (!ids.length) return;
    const wasEditing = this.currentMode === "edit";
    this.doc.structural(() => ids.forEach((id) => this.doc.setCellType(id, type)));
    if (wasEditing && type !== "markdown" && this.selectedId) this.editMode(this.selectedId);
  }

  toMarkdown(): void {
    this.setType("markdown");
  }

  toCode(): void {
    this.setType("code");
  }

  /** Move the selected cells together, one place up (−1) or down (+1). */
  moveSelected(delta: number): void {
    const ids = this.selectedIds();
    if (!ids.length) return;
    const first = this.order.indexOf(ids[0]!);
    const last = this.order.indexOf(ids[ids.length - 1]!);
    if (first + delta < 0 || last + delta >= this.order.length) return;
    const editing = this.currentMode === "edit";
    this.doc.moveCellsTo(ids, first + delta);
    this.views.get(this.selectedId ?? "")?.el.scrollIntoView({ block: "nearest" });
    if (editing && this.selectedId) this.views.get(this.selectedId)?.editor?.focus();
  }

  /** Merge the selected cells into the first; one selected cell merges with the cell below. */
  merge(): void {
    let ids = this.selectedIds();
    if (ids.length === 1) {
      const below = this.order[this.order.indexOf(ids[0]!) + 1];
      if (below === undefined) return;
      ids = [ids[0]!, below];
    }
    const merged = this.doc.mergeCells(ids);
    if (merged) {
      this.anchorId = null;
      this.select(merged);
      this.commandMode();
    }
  }

  /** Split the cell being edited at its cursor; the rest is edited in the new cell below. */
  split(): void {
    const id = this.selectedId;
    const editor = id ? this.views.get(id)?.editor : null;
    if (!id || !editor) return;
    const created = this.doc.splitCell(id, editor.view.state.selection.main.head);
    if (created) this.editMode(created, "start");
  }

  /** Collapse the selected cells' input or outputs, or expand them if all were collapsed. */
  toggleHidden(part: "source" | "outputs"): void {
    const ids = this.selectedIds().filter((id) => part === "source" || this.doc.cellType(id) === "code");
    if (!ids.length) return;
    this.doc.setHidden(ids, part, !ids.every((id) => this.doc.hidden(id, part)));
  }

  toggleLineNumbers(): void {
    changeSettings({ lineNumbers: !settings().lineNumbers });
  }

  /** Open the find bar (with the text selected in the editor, if any). */
  find(): void {
    const editor = this.selectedId ? this.views.get(this.selectedId)?.editor : null;
    const range = editor?.view.state.selection.main;
    const selected = editor && range && !range.empty ? editor.view.state.sliceDoc(range.from, range.to) : "";
    if (!this.finding) {
      this.finding = new FindBar({
        doc: this.doc,
        show: (match) => this.showMatch(match),
        closed: () => {
          this.finding = null;
          this.commandMode();
        },
      });
      this.toolbar.el.after(this.finding.el);
    }
    this.finding.focus(selected.includes("\n") ? "" : selected);
  }

  /** A match found: its cell selected and in view, the text selected in its editor. */
  private showMatch(match: Match): void {
    this.select(match.cellId);
    const view = this.views.get(match.cellId);
    if (match.in !== "source" || !view || view.type === "markdown") return;
    const editor = view.ensureEditor();
    editor?.view.dispatch({ selection: { anchor: match.from, head: match.to }, scrollIntoView: true });
  }

  /** Show or hide the table of contents beside the cells. */
  toggleContents(): void {
    const page = this.scroll.parentElement;
    if (this.contents) {
      this.contents.destroy();
      this.contents = null;
    } else if (page) {
      this.contents = new TableOfContents(this.doc, (id) => {
        this.select(id, false);
        this.views.get(id)?.el.scrollIntoView({ block: "start" });
        this.commandMode();
      });
      page.append(this.contents.el);
    }
    page?.classList.toggle("with-contents", this.contents !== null);
  }

  /** Save, then keep the saved file as the notebook's checkpoint (one per notebook, as Jupyter's). */
  checkpoint(): void {
    this.commands
      .send({ action: "save" })
      .then(() => postJSON(`${contentsUrl(this.path)}/checkpoints`))
      .then(() => showMessage("Checkpoint made", "info"))
      .catch(reportError);
  }

  /**
   * Put the checkpoint back, for everyone (asked first). The notebook is saved first, so the
   * file the checkpoint replaces holds nothing unsaved: the server then loads it for everyone
   * (what changed since stays in History).
   */
  revertToCheckpoint(): void {
    const url = `${contentsUrl(this.path)}/checkpoints`;
    getJSON<Array<{ id: string; last_modified: string }>>(url)
      .then(async (checkpoints) => {
        const [latest] = checkpoints;
        if (!latest) {
          showMessage("This notebook has no checkpoint yet", "info");
          return;
        }
        const when = new Date(latest.last_modified).toLocaleString();
        if (!window.confirm(`Revert the notebook to its checkpoint of ${when}, for everyone on it? What changed since stays in History.`)) return;
        await this.commands.send({ action: "save" });
        await postJSON(`${url}/${encodeURIComponent(latest.id)}`);
        showMessage("Reverted to the checkpoint", "info");
      })
      .catch(reportError);
  }

  /** Download the notebook as it is now, edits not yet saved included. */
  download(format: "ipynb" | "py"): void {
    const link = h("a", { href: `/api/notebooks/${encodePath(this.path)}/export?format=${format}`, download: "" });
    document.body.append(link);
    link.click();
    link.remove();
  }

  openPalette(): void {
    const editing = this.currentMode === "edit" ? this.selectedId : null;
    openPalette(this.registry, () => {
      if (editing) this.views.get(editing)?.editor?.focus();
      else this.el.focus({ preventScroll: true });
    });
  }

  // ---- history playback --------------------------------------------------------------

  suspended(): boolean {
    return this.playback !== null;
  }

  /** Switch to the read-only playback view; the live view (and its connection) stays as it is, hidden. */
  history(): void {
    if (this.playback) return;
    closeInspect();
    if (this.currentMode === "edit") this.commandMode();
    const playback = new PlaybackView(this.path, { exit: () => this.exitHistory() });
    this.playback = playback;
    this.toolbar.el.hidden = true;
    this.scroll.hidden = true;
    this.playbackHost.replaceChildren(playback.el);
    this.playbackHost.hidden = false;
    document.body.dataset.playback = "true";
    void playback.start();
  }

  exitHistory(): void {
    const playback = this.playback;
    if (!playback) return;
    this.playback = null;
    playback.destroy();
    this.playbackHost.hidden = true;
    this.playbackHost.replaceChildren();
    this.toolbar.el.hidden = false;
    this.scroll.hidden = false;
    delete document.body.dataset.playback;
    this.commandMode();
  }

  clearOutputs(): void {
    this.doc.clearOutputs(this.selectedIds());
  }

  clearAllOutputs(): void {
    this.doc.clearOutputs(this.order);
  }
}

/** Mount the notebook page for `path` into `root`; status and presence go to `headerSlot`. */
export function mountNotebook(root: HTMLElement, headerSlot: HTMLElement, path: string): NotebookView {
  document.title = basename(path);
  const nb = new NotebookView(path);
  headerSlot.replaceChildren(nb.toolbar.status, nb.presence.el);
  root.replaceChildren(h("div", { class: "notebook-page" }, nb.toolbar.el, nb.notices.el, nb.scroll, nb.playbackHost));
  void nb.start();
  return nb;
}
