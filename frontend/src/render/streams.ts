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
