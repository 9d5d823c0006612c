/**
 * What the server tells everyone on a notebook, shown above its cells: from the shared
 * document's `room` map, so every page sees the same notice at the same moment.
 *
 * - `storage`: the server's disk refuses writes. Edits are kept in this page (the server
 *   asks for them again once it can store them), so the page must stay open.
 * - `conflict`: the file changed on disk while the notebook had unsaved changes. Nothing is
 *   saved until someone chooses which version to keep; the differences are shown on demand.
 * - `recovered`: a page came back with a document of a history the server no longer has;
 *   what it held that the server lacked was kept as a copy beside the notebook.
 * - `kernel`: the kernel the notebook's metadata names is not installed here; it runs on
 *   the server's default until someone chooses one.
 *
 * And one notice of this page's own: it was reloaded because the server told it (message
 * {@link RESYNC}) that its document had another history than the server's.
 */
import type { WebsocketProvider } from "y-websocket";
import { encodePath, getJSON, notebookPageUrl, reportError, showMessage } from "../api";
import { button, h } from "../dom";
import type { CommandChannel } from "./commands";
import type { NotebookDocument } from "./document";

/** The message type that tells a page to drop its document and sync anew (y-protocols use 0-3). */
export const RESYNC = 101;

interface ResyncReason {
  reason: string;
  recovered: string | null;
}

interface CellDifference {
  id: string;
  change: "only on disk" | "only here" | "changed";
  cell_type: string;
  diff: string;
}

interface ConflictAnswer {
  conflict: { since: string; cells: CellDifference[]; order_differs: boolean; truncated: boolean } | null;
}

type MessageHandler = WebsocketProvider["messageHandlers"][number];

const resyncKey = (path: string): string => `interlace-resync:${path}`;

/** On a {@link RESYNC}, note why and reload: the page starts again from the server's document. */
export function handleResync(provider: WebsocketProvider, path: string): void {
  const handler: MessageHandler = (_encoder, decoder) => {
    const text = new TextDecoder().decode(decoder.arr.subarray(decoder.pos));
    sessionStorage.setItem(resyncKey(path), text);
    provider.disconnect();
    location.reload();
  };
  provider.messageHandlers[RESYNC] = handler;
}

function copyLink(path: string): HTMLElement {
  return h("a", { href: notebookPageUrl(path), target: "_blank", "data-testid": "recovered-copy" }, path);
}

/** A unified diff's lines, coloured; its two header lines (which side is which) left out. */
function diffLines(diff: string): HTMLElement {
  const pre = h("pre", { class: "diff" });
  const lines = diff.split("\n");
  if (lines[0]?.startsWith("--- ") && lines[1]?.startsWith("+++ ")) lines.splice(0, 2);
  for (const line of lines) {
    const kind = line.startsWith("@@") ? "hunk" : line.startsWith("+") ? "add" : line.startsWith("-") ? "del" : "same";
    pre.append(h("span", { class: `diff-${kind}` }, line || " "));
  }
  return pre;
}

const CHANGES: Record<CellDifference["change"], string> = {
  "only on disk": "only in the file on disk",
  "only here": "only in this notebook",
  changed: "changed",
};

export class NoticeBar {
  readonly el = h("div", { class: "notices", "data-testid": "notices" });
  private readonly storage = h("div", { class: "banner banner-error", role: "alert", "data-testid": "storage-notice", hidden: true });
  private readonly conflict = h("div", { class: "banner banner-warning", role: "alert", "data-testid": "conflict-notice", hidden: true });
  private readonly recovered = h("div", { class: "banner banner-info", role: "status", "data-testid": "recovered-notice", hidden: true });
  private readonly kernel = h("div", { class: "banner banner-warning", role: "status", "data-testid": "kernel-notice", hidden: true });
  private readonly resynced = h("div", { class: "banner banner-info", role: "status", "data-testid": "resync-notice", hidden: true });
  private readonly differences = h("div", { class: "conflict-differences", "data-testid": "conflict-differences", hidden: true });
  private shownConflict: string | null = null;

  constructor(
    private readonly doc: NotebookDocument,
    private readonly commands: CommandChannel,
    private readonly path: string,
    private readonly chooseKernel: () => void,
  ) {
    this.el.append(this.storage, this.conflict, this.kernel, this.recovered, this.resynced);
    this.showResynced();
    doc.room.observe(() => this.update());
    this.update();
  }

  private update(): void {
    this.showStorage(this.doc.notice("storage"));
    this.showConflict(this.doc.notice("conflict"));
    this.showRecovered(this.doc.notice("recovered"));
    this.showKernel(this.doc.notice("kernel"));
  }

  private showKernel(notice: unknown): void {
    const { wanted, using } = notice && typeof notice === "object" ? (notice as Record<string, unknown>) : {};
    this.kernel.hidden = typeof wanted !== "string";
    if (typeof wanted !== "string") return;
    this.kernel.replaceChildren(
      h("strong", {}, `This notebook asks for the kernel “${wanted}”, which is not installed here. `),
      `It runs on “${String(using)}” until someone chooses a kernel. `,
      button("kernel-notice-choose", "Choose a kernel", "Choose the kernel this notebook runs on, for everyone", () => this.chooseKernel()),
    );
  }

  private showStorage(problem: unknown): void {
    this.storage.hidden = typeof problem !== "string";
    if (typeof problem !== "string") return;
    this.storage.replaceChildren(
      h("strong", {}, "The server cannot store changes. "),
      "Keep this page open: what you type is kept here and saved once the server's disk has room again. ",
      h("span", { class: "notice-detail" }, `(${problem})`),
    );
  }

  private showConflict(conflict: unknown): void {
    const since = conflict && typeof conflict === "object" && "since" in conflict ? String(conflict.since) : null;
    this.conflict.hidden = since === null;
    if (since === null || since === this.shownConflict) {
      if (since === null) this.shownConflict = null;
      return;
    }
    this.shownConflict = since;
    this.differences.hidden = true;
    const toggle = button("conflict-show", "Show differences", "Show what differs, cell by cell", () => void this.toggleDifferences(toggle));
    this.conflict.replaceChildren(
      h(
        "p",
        {},
        h("strong", {}, "The file changed on disk while this notebook had unsaved changes. "),
        "Nothing is saved until someone chooses which version to keep; everyone on this notebook sees this.",
      ),
      h(
        "div",
        { class: "notice-actions" },
        toggle,
        button("conflict-keep-file", "Keep the file's version", "Load the file for everyone (this version stays in History)", () => this.resolve("file")),
        button("conflict-keep-shared", "Keep this version", "Save this version over the file (the file's is kept beside it)", () => this.resolve("shared")),
      ),
      this.differences,
    );
  }

  private async toggleDifferences(toggle: HTMLButtonElement): Promise<void> {
    if (!this.differences.hidden) {
      this.differences.hidden = true;
      toggle.textContent = "Show differences";
      return;
    }
    try {
      const answer = await getJSON<ConflictAnswer>(`/api/notebooks/${encodePath(this.path)}/conflict`);
      this.renderDifferences(answer);
      this.differences.hidden = false;
      toggle.textContent = "Hide differences";
    } catch (err) {
      reportError(err);
    }
  }

  private renderDifferences(answer: ConflictAnswer): void {
    const found = answer.conflict;
    if (!found) {
      this.differences.replaceChildren("The file and this notebook no longer differ.");
      return;
    }
    const cells = found.cells.map((cell) =>
      h(
        "section",
        { class: "conflict-cell", "data-cell": cell.id },
        h("div", { class: "conflict-cell-head" }, `${cell.cell_type} cell ${cell.id}: ${CHANGES[cell.change]}`),
        diffLines(cell.diff),
      ),
    );
    this.differences.replaceChildren(
      h("p", { class: "notice-detail" }, "Lines marked − are the file's, + this notebook's."),
      ...cells,
      found.order_differs ? h("p", {}, "The cells also stand in another order.") : "",
      found.truncated ? h("p", {}, "Some differences are too long to show here.") : "",
    );
  }

  private resolve(keep: "file" | "shared"): void {
    this.commands
      .send({ action: "resolve", keep })
      .then((reply) => {
        const kept = reply.kept_copy ? ` The file's version was saved as ${reply.kept_copy}.` : "";
        const message = keep === "file" ? "Loaded the file's version. This notebook's version stays in History." : `Kept this version.${kept}`;
        showMessage(message, "info");
      })
      .catch(reportError);
  }

  private showRecovered(recovered: unknown): void {
    const path = recovered && typeof recovered === "object" && "path" in recovered ? String(recovered.path) : null;
    const dismissed = path !== null && sessionStorage.getItem(`interlace-dismissed:${path}`) !== null;
    this.recovered.hidden = path === null || dismissed;
    if (path === null || dismissed) return;
    this.recovered.replaceChildren(
      "Changes a page made while it was disconnected could not be merged: the server had lost this notebook's history. They were kept in ",
      copyLink(path),
      ". ",
      button("recovered-dismiss", "Dismiss", "Hide this notice on this page", () => {
        sessionStorage.setItem(`interlace-dismissed:${path}`, "1");
        this.recovered.hidden = true;
      }),
    );
  }

  private showResynced(): void {
    const stored = sessionStorage.getItem(resyncKey(this.path));
    if (stored === null) return;
    sessionStorage.removeItem(resyncKey(this.path));
    let reason: ResyncReason;
    try {
      reason = JSON.parse(stored) as ResyncReason;
    } catch {
      return;
    }
    const kept = reason.recovered
      ? ["What it had that the server lacked was kept in ", copyLink(reason.recovered), "."]
      : ["It had nothing the server lacked."];
    // The notice everyone else sees names the same copy: this page says it once.
    if (reason.recovered) sessionStorage.setItem(`interlace-dismissed:${reason.recovered}`, "1");
    this.resynced.replaceChildren(
      "This page was reloaded from the server: its copy of the notebook was from before the server lost its history. ",
      ...kept,
      " ",
      button("resync-dismiss", "Dismiss", "Hide this notice", () => {
        this.resynced.hidden = true;
      }),
    );
    this.resynced.hidden = false;
  }
}
