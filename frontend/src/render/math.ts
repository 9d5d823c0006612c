/**
 * DOM-free extraction of TeX math from markdown source, so the markdown
 * parser never sees (and mangles) it.  Math is replaced by alphanumeric
 * placeholders that markdown leaves alone; the caller renders the math and
 * substitutes it back after the markdown HTML has been sanitized.
 *
 * Recognised: `$$…$$`, `\[…\]`, `\begin{env}…\end{env}` (display), `$…$`,
 * `\(…\)` (inline).  Code spans and fenced code blocks are skipped, `\$` is a
 * literal dollar, and inline `$…$` does not cross a blank line.
 */

export interface MathChunk {
  /** TeX to hand to KaTeX (without the `$` / `\[` delimiters). */
  tex: string;
  display: boolean;
  /** The original source, delimiters included (used where math can't go). */
  source: string;
}

export interface ExtractedMath {
  text: string;
  math: MathChunk[];
}

export const PLACEHOLDER_RE = /ktxmath(\d+)ktx/g;

export function placeholder(i: number): string {
  return `ktxmath${i}ktx`;
}

const FENCE_RE = /^ {0,3}(`{3,}|~{3,})/;
const BEGIN_RE = /^\\begin\{([A-Za-z]+\*?)\}/;

/** Index just past the end of the line containing `i` (after its "\n"). */
function nextLineStart(src: string, i: number): number {
  const nl = src.indexOf('\n', i);
  return nl < 0 ? src.length : nl + 1;
}

/** Skip a fenced code block that starts at line start `i`; return the index after it. */
function skipFence(src: string, i: number, fence: string): number {
  const ch = fence[0];
  let line = nextLineStart(src, i);
  while (line < src.length) {
    const end = nextLineStart(src, line);
    const text = src.slice(line, end).replace(/\r?\n$/, '');
    const m = /^ {0,3}([`~]+)\s*$/.exec(text);
    if (m && m[1][0] === ch && m[1].length >= fence.length && !m[1].includes(ch === '`' ? '~' : '`')) {
      return end;
    }
    line = end;
  }
  return src.length;
}

/** Find `needle` at or after `from`, not preceded by a backslash escape. -1 if absent. */
function findUnescaped(src: string, needle: string, from: number, stopAtBlankLine: boolean): number {
  let i = from;
  while (i < src.length) {
    const c = src[i];
    if (c === '\\') {
      if (src.startsWith(needle, i)) return i; // needle itself starts with "\"
      i += 2;
      continue;
    }
    if (stopAtBlankLine && c === '\n' && /^\n[ \t]*\r?\n/.test(src.slice(i, i + 64))) return -1;
    if (src.startsWith(needle, i)) return i;
    i++;
  }
  return -1;
}

export function extractMath(src: string): ExtractedMath {
  const math: MathChunk[] = [];
  if (!/[$\\]/.test(src)) return { text: src, math };

  const parts: string[] = [];
  let last = 0; // start of source not yet copied to `parts`
  let i = 0;
  let atLineStart = true;
  const n = src.length;

  const emit = (start: number, end: number, tex: string, display: boolean): void => {
    parts.push(src.slice(last, start), placeholder(math.length));
    math.push({ tex, display, source: src.slice(start, end) });
    last = end;
    i = end;
  };

  while (i < n) {
    if (atLineStart) {
      atLineStart = false;
      const m = FENCE_RE.exec(src.slice(i, i + 32));
      if (m) {
        i = skipFence(src, i, m[1]);
        atLineStart = true;
        continue;
      }
    }
    const c = src[i];
    if (c === '\n') {
      atLineStart = true;
      i++;
    } else if (c === '`') {
      let k = i;
      while (k < n && src[k] === '`') k++;
      const run = src.slice(i, k);
      // find a closing run of exactly the same length
      let j = src.indexOf(run, k);
      while (j >= 0 && (src[j + run.length] === '`' || src[j - 1] === '`')) {
        let e = j;
        while (e < n && src[e] === '`') e++;
        j = src.indexOf(run, e);
      }
      i = j >= 0 ? j + run.length : k;
    } else if (c === '\\') {
      const next = src[i + 1];
      if (next === '[' || next === '(') {
        const close = next === '[' ? '\\]' : '\\)';
        const j = findUnescaped(src, close, i + 2, false);
        if (j >= 0) emit(i, j + 2, src.slice(i + 2, j), next === '[');
        else i += 2;
      } else if (next === 'b' && src.startsWith('\\begin{', i)) {
        const m = BEGIN_RE.exec(src.slice(i, i + 40));
        const endTag = m ? `\\end{${m[1]}}` : '';
        const j = m ? src.indexOf(endTag, i + m[0].length) : -1;
        if (j >= 0) emit(i, j + endTag.length, src.slice(i, j + endTag.length), true);
        else i += 2;
      } else if (next === '\\' && (src[i + 2] === '[' || src[i + 2] === '(')) {
        // "\\[ … \\]" (markdown-escaped form, as accepted by Jupyter)
        const close = src[i + 2] === '[' ? '\\\\]' : '\\\\)';
        const j = src.indexOf(close, i + 3);
        if (j >= 0) emit(i, j + 3, src.slice(i + 3, j), src[i + 2] === '[');
        else i += 2;
      } else {
        i += 2; // escaped character (e.g. "\$") stays literal for markdown
      }
    } else if (c === '$') {
      if (src[i + 1] === '$') {
        const j = findUnescaped(src, '$$', i + 2, false);
        if (j >= 0 && src.slice(i + 2, j).trim()) emit(i, j + 2, src.slice(i + 2, j), true);
        else i += 2;
      } else {
        const j = findUnescaped(src, '$', i + 1, true);
        if (j >= 0 && src.slice(i + 1, j).trim()) emit(i, j + 1, src.slice(i + 1, j), false);
        else i += 1;
      }
    } else {
      i++;
    }
  }
  parts.push(src.slice(last));
  return { text: parts.join(''), math };
}

/**
 * Strip one pair of outer math delimiters (`$$…$$`, `$…$`, `\[…\]`, `\(…\)`)
 * from a text/latex payload.  Returns null when the content is not a single
 * delimited formula.
 */
export function stripMathDelimiters(tex: string): string | null {
  const t = tex.trim();
  const pairs: [string, string][] = [
    ['$$', '$$'],
    ['\\[', '\\]'],
    ['\\(', '\\)'],
    ['$', '$'],
  ];
  for (const [open, close] of pairs) {
    if (t.length >= open.length + close.length && t.startsWith(open) && t.endsWith(close)) {
      const inner = t.slice(open.length, t.length - close.length);
      // "$a$ and $b$" is not a single formula
      if (open === '$' && findUnescaped(inner, '$', 0, false) >= 0) return null;
      if (open === '$$' && inner.includes('$$')) return null;
      return inner;
    }
  }
  return null;
}
