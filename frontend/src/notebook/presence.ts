/** Who is here: awareness user fields, the presence list, which cell each person is on. */
import type { Awareness } from "y-protocols/awareness";
import { h } from "../dom";
import { getUser, onUserChange, type LocalUser } from "../user";

export interface Peer {
  clientId: number;
  name: string;
  color: string;
  cell: string | null;
  self: boolean;
}

export class Presence {
  readonly el: HTMLElement;
  private readonly stopUser: () => void;

  constructor(
    private readonly awareness: Awareness,
    private readonly onPeers: (peers: Peer[]) => void,
  ) {
    this.el = h("div", { class: "presence", "data-testid": "presence", title: "Who is here" });
    this.setUser(getUser());
    this.stopUser = onUserChange((u) => this.setUser(u));
    awareness.on("change", this.render);
    this.render();
  }

  private setUser(u: LocalUser): void {
    this.awareness.setLocalStateField("user", { name: u.name.trim() || "anonymous", color: u.color, colorLight: u.colorLight });
  }

  setCell(id: string | null): void {
    const state = this.awareness.getLocalState();
    if (state && state["cell"] === id) return;
    this.awareness.setLocalStateField("cell", id);
  }

  peers(): Peer[] {
    const out: Peer[] = [];
    this.awareness.getStates().forEach((state, clientId) => {
      const user = state["user"] as { name?: unknown; color?: unknown } | undefined;
      if (!user || typeof user !== "object") return;
      out.push({
        clientId,
        name: typeof user.name === "string" ? user.name : "anonymous",
        color: typeof user.color === "string" ? user.color : "#888888",
        cell: typeof state["cell"] === "string" ? state["cell"] : null,
        self: clientId === this.awareness.clientID,
      });
    });
    out.sort((a, b) => Number(b.self) - Number(a.self) || a.name.localeCompare(b.name) || a.clientId - b.clientId);
    return out;
  }

  private readonly render = (): void => {
    const peers = this.peers();
    this.el.replaceChildren(
      ...peers.map((p) => {
        const el = h("span", { class: p.self ? "peer self" : "peer", title: p.self ? `${p.name} (you)` : p.name, "data-client-id": p.clientId }, p.name);
        el.style.setProperty("--peer-color", p.color);
        return el;
      }),
    );
    this.onPeers(peers);
  };

  destroy(): void {
    this.stopUser();
    this.awareness.off("change", this.render);
  }
}
