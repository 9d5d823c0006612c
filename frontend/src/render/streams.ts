/**
 * DOM-free helpers for stream text (nbformat multiline strings, leftover
 * carriage returns and backspaces).
 */

/** nbformat "multiline string": a string or a list of strings to concatenate. */
export function joinText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    return value.map((v) => (typeof v === 'string' ? v : v == null ? '' : String(v))).join('');
  }
  if (value == null) return '';
  return String(value);
}

/**
 * Terminal-like handling of leftover `\r`: each line shows only the text
 * after its last `\r`. `\r\n` is an ordinary newline, and `\r`s at the very
 * end of a line are ignored (the cursor went back but nothing overwrote the
 * line yet, so the line is still visible).
 */
export function resolveCarriageReturns(text: string): string {
  if (text.indexOf('\r') < 0) return text;
  return text
    .replace(/\r+(?=\n|$)/g, '') // "\r\n" → "\n"; trailing "\r" dropped
    .replace(/^[^\n]*\r/gm, ''); // keep what follows the last "\r" of a line
}

/** Apply leftover backspaces (`\b` erases the previous character on its line). */
export function resolveBackspaces(text: string): string {
  if (text.indexOf('\b') < 0) return text;
  const out: string[] = [];
  let chunkStart = 0;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) !== 8) continue;
    if (i > chunkStart) out.push(text.slice(chunkStart, i));
    chunkStart = i + 1;
    // erase one character, not crossing a newline
    const last = out.length - 1;
    if (last >= 0) {
      const s = out[last];
      if (s.length > 0 && s.charCodeAt(s.length - 1) !== 10) {
        if (s.length === 1) out.pop();
        else out[last] = s.slice(0, -1);
      }
    }
  }
  out.push(text.slice(chunkStart));
  return out.join('');
}

/** Full clean-up applied to stream output text before display. */
export function cleanStreamText(text: string): string {
  return resolveCarriageReturns(resolveBackspaces(text));
}

/** One step of a Y.Text change, as Yjs reports it (`YTextEvent.delta`). */
export interface TextDelta {
  insert?: unknown;
  delete?: number;
  retain?: number;
}

/** `text` as a Y.Text delta (retain, delete and insert steps, in order) leaves it. */
export function applyTextDelta(text: string, delta: readonly TextDelta[]): string {
  let out = '';
  let pos = 0;
  for (const op of delta) {
    if (op.retain !== undefined) {
      out += text.slice(pos, pos + op.retain);
      pos += op.retain;
    } else if (op.delete !== undefined) {
      pos += op.delete;
    } else if (typeof op.insert === 'string') {
      out += op.insert;
    }
  }
  return out + text.slice(pos);
}

/** A CSI parameter or intermediate byte (0x20–0x3F), as `parseAnsi` reads them. */
function isCsiMiddle(code: number): boolean {
  return code >= 0x20 && code <= 0x3f;
}

/**
 * Where an escape sequence that `text` ends in the middle of begins, or -1.
 * Text arrives in pieces, and a piece may end inside `ESC[31m`: the view holds
 * that back until the rest comes, as if it had been drawn in one go.
 */
export function unfinishedEscape(text: string): number {
  const esc = text.lastIndexOf('\x1b');
  if (esc < 0) return -1;
  const next = text.charAt(esc + 1);
  if (next === '') return esc;
  if (next === '[') {
    let j = esc + 2;
    while (j < text.length && isCsiMiddle(text.charCodeAt(j))) j++;
    return j < text.length ? -1 : esc;
  }
  if (next === ']') return text.indexOf('\x07', esc + 2) < 0 ? esc : -1;
  if ('P_^X'.includes(next)) return esc; // ended by ESC \, so not yet: this is the last ESC
  if ('()*+'.includes(next)) return esc + 2 < text.length ? -1 : esc;
  return -1;
}

const CSI = /\x1b\[[\x20-\x3f]*[\x40-\x7e]/g;

/**
 * The colours and styles in force after `text`, as the SGR sequences that set
 * them (`carry`: those in force before it). A piece of a stream drawn on its
 * own starts with them, so it looks as it would in the whole text. A sequence
 * that starts with a reset (`ESC[m`, `ESC[0;31m`) makes everything before it moot.
 */
export function sgrCarry(carry: string, text: string): string {
  if (text.indexOf('\x1b') < 0) return carry;
  let out = carry;
  for (const match of text.matchAll(CSI)) {
    const seq = match[0];
    if (!seq.endsWith('m')) continue;
    const first = seq.slice(2, -1).split(/[;:]/)[0] ?? '';
    out = /^0*$/.test(first) ? seq : out + seq;
  }
  return out;
}
