/** REST calls to one notebook's kernel: completion, inspection, input() answers, trust.
 *
 * Runs, interrupts, restarts and saves go on the collaboration websocket instead (commands.ts),
 * so they reach the server in order after the page's edits.
 */
import { encodePath, getJSON, postJSON } from "../api";
import { who } from "../user";

export interface CompleteReply {
  matches: string[];
  cursor_start: number;
  cursor_end: number;
  metadata?: Record<string, unknown>;
}

export interface InspectReply {
  found: boolean;
  data?: Record<string, unknown>;
}

/** Convert a JS string index to a Jupyter cursor position (unicode code points) and back. */
export function toCodePoints(text: string, index: number): number {
  let n = 0;
  for (let i = 0; i < index && i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) i++;
    n++;
  }
  return n;
}

export function fromCodePoints(text: string, points: number): number {
  let i = 0;
  for (let n = 0; n < points && i < text.length; n++) {
    const c = text.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff ? 2 : 1;
  }
  return i;
}

export class KernelClient {
  private readonly base: string;

  constructor(readonly path: string) {
    this.base = `/api/notebooks/${encodePath(path)}`;
  }

  answerInput(value: string): Promise<unknown> {
    return postJSON(`${this.base}/input`, { value, who: who() });
  }

  async complete(code: string, cursor: number): Promise<CompleteReply> {
    const reply = await postJSON<CompleteReply>(`${this.base}/complete`, { code, cursor_pos: toCodePoints(code, cursor) });
    return {
      ...reply,
      cursor_start: fromCodePoints(code, reply.cursor_start),
      cursor_end: fromCodePoints(code, reply.cursor_end),
    };
  }

  inspect(code: string, cursor: number): Promise<InspectReply> {
    return postJSON(`${this.base}/inspect`, { code, cursor_pos: toCodePoints(code, cursor), detail_level: 0 });
  }

  async trusted(): Promise<boolean> {
    const r = await getJSON<{ trusted?: boolean }>(`${this.base}/trust`);
    return r.trusted === true;
  }

  trust(): Promise<unknown> {
    return postJSON(`${this.base}/trust`, { trusted: true });
  }
}
