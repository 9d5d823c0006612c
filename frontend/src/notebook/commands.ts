/**
 * Commands to the notebook's server (run cells, interrupt, restart, change the kernel, save,
 * resolve a conflict with the file on disk), sent on the
 * collaboration websocket the page's Yjs updates travel on.
 *
 * The server handles one socket's frames in order, so a command sent after an edit always
 * sees that edit. Commands go out only while the provider is connected and synced: after a
 * (re)connect, the edits the page made offline reach the server in its sync step 2, which
 * y-websocket sends as soon as the server's step 1 arrives, before the server's own step 2
 * that makes the provider synced. Until then commands wait, in order, in a bounded queue.
 *
 * Page → server: a text frame `{"action", "id", "who", ...}`.
 * Server → page: a binary frame, the message type {@link COMMAND_REPLY} then the UTF-8 JSON
 * `{"id", "ok": true, ...}` or `{"id", "ok": false, "error"}`.
 */
import type { WebsocketProvider } from "y-websocket";
import { who } from "../user";

/** The Yjs-style message type of a command reply; y-protocols leaves it unused. */
export const COMMAND_REPLY = 100;

export type ExecuteTarget = { cells: string[] } | { all: true } | { below: string } | { stale: true };

export type Command =
  | ({ action: "execute" } & ExecuteTarget)
  | { action: "interrupt" | "restart" | "save" }
  | { action: "change_kernel"; kernel_name: string }
  | { action: "resolve"; keep: "file" | "shared" };

export interface CommandOk {
  id: number;
  ok: true;
  queued?: string[];
  /** For `resolve` keeping this version: where the file's version was kept. */
  kept_copy?: string;
}

interface CommandFailed {
  id: number;
  ok: false;
  error: string;
}

type CommandReply = CommandOk | CommandFailed;

export interface ChannelOptions {
  /** How long a command may wait to be sent, and then for its reply (ms). */
  timeoutMs: number;
  /** Commands waiting to be sent or answered at once; more are refused. */
  maxPending: number;
}

const DEFAULTS: ChannelOptions = { timeoutMs: 30_000, maxPending: 64 };

/** Commands that only make sense now: never queued while the page is offline. */
const STOPPING: ReadonlySet<Command["action"]> = new Set(["interrupt", "restart", "change_kernel"]);

/** A command that failed: refused by the server, unanswered, unsent or cut off. */
export class CommandError extends Error {
  override readonly name = "CommandError";
}

interface Pending {
  readonly frame: string;
  readonly action: Command["action"];
  readonly resolve: (reply: CommandOk) => void;
  readonly reject: (err: CommandError) => void;
  timer: number;
  sent: boolean;
}

type MessageHandler = WebsocketProvider["messageHandlers"][number];
type Decoder = Parameters<MessageHandler>[1];

/** Commands over one provider's websocket, each answered (or failed) exactly once. */
export class CommandChannel {
  private readonly options: ChannelOptions;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private readonly onSync = (synced: boolean): void => {
    if (synced) this.sendQueued();
  };
  private readonly onClose = (): void => this.failSent("The connection to the server dropped before it answered");

  constructor(
    private readonly provider: WebsocketProvider,
    options: Partial<ChannelOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    const handler: MessageHandler = (_encoder, decoder) => this.receive(decoder);
    provider.messageHandlers[COMMAND_REPLY] = handler;
    provider.on("sync", this.onSync);
    provider.on("connection-close", this.onClose);
  }

  /** Send `command` in order after every edit made so far; resolves with the server's reply. */
  send(command: Command): Promise<CommandOk> {
    if (this.pending.size >= this.options.maxPending) {
      return Promise.reject(new CommandError(`Too many commands waiting for the server (${this.options.maxPending}); try again shortly`));
    }
    if (STOPPING.has(command.action) && !this.ready()) {
      // Sent late, an interrupt or restart could stop a run started after it was asked for.
      return Promise.reject(new CommandError(`Not connected to the server: the ${command.action} was not sent`));
    }
    const id = this.nextId++;
    const frame = JSON.stringify({ ...command, id, who: who() });
    return new Promise<CommandOk>((resolve, reject) => {
      const timer = this.expireAfter(id, "Not connected to the server: the command was not sent");
      this.pending.set(id, { frame, action: command.action, resolve, reject, timer, sent: false });
      if (this.ready()) this.sendQueued();
    });
  }

  /** Fail every waiting command and stop listening (the page is going away). */
  close(): void {
    this.provider.off("sync", this.onSync);
    this.provider.off("connection-close", this.onClose);
    delete this.provider.messageHandlers[COMMAND_REPLY];
    for (const id of [...this.pending.keys()]) this.fail(id, "The notebook was closed");
  }

  private ready(): boolean {
    const ws = this.provider.ws;
    return this.provider.wsconnected && this.provider.synced && ws !== null && ws.readyState === WebSocket.OPEN;
  }

  /** Send the queued commands in the order they were made (a Map keeps insertion order). */
  private sendQueued(): void {
    const ws = this.provider.ws;
    if (!ws || !this.ready()) return;
    for (const [id, entry] of this.pending) {
      if (entry.sent) continue;
      ws.send(entry.frame);
      entry.sent = true;
      window.clearTimeout(entry.timer);
      entry.timer = this.expireAfter(id, "The server did not answer the command");
    }
  }

  private expireAfter(id: number, reason: string): number {
    const seconds = Math.round(this.options.timeoutMs / 1000);
    return window.setTimeout(() => this.fail(id, `${reason} within ${seconds} s`), this.options.timeoutMs);
  }

  /** A sent command's reply would come on the socket that closed: it will never arrive. */
  private failSent(reason: string): void {
    for (const [id, entry] of [...this.pending]) {
      if (entry.sent) this.fail(id, `${reason}; the ${entry.action} may or may not have happened`);
    }
  }

  private fail(id: number, reason: string): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    window.clearTimeout(entry.timer);
    entry.reject(new CommandError(reason));
  }

  private receive(decoder: Decoder): void {
    const reply = parseReply(decoder.arr.subarray(decoder.pos));
    const entry = reply ? this.pending.get(reply.id) : undefined;
    if (!reply || !entry) {
      console.warn("interlace: dropped a command reply that answers no waiting command", reply);
      return;
    }
    this.pending.delete(reply.id);
    window.clearTimeout(entry.timer);
    if (reply.ok) entry.resolve(reply);
    else entry.reject(new CommandError(`The server refused the ${entry.action}: ${reply.error}`));
  }
}

function parseReply(bytes: Uint8Array): CommandReply | null {
  let data: unknown;
  try {
    data = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
  if (typeof data !== "object" || data === null || !("id" in data) || typeof data.id !== "number") return null;
  if ("ok" in data && data.ok === true) return data as CommandOk;
  const error = "error" in data && typeof data.error === "string" ? data.error : "no reason given";
  return { id: data.id, ok: false, error };
}
