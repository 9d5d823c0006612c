/**
 * DOM-free ANSI escape-sequence parser.
 *
 * `parseAnsi` turns text containing ANSI SGR codes into styled segments
 * (CSS classes + inline style).  Non-SGR escape sequences (cursor movement,
 * OSC titles/hyperlinks, charset selection, ...) are dropped.
 */

export interface Segment {
  text: string;
  /** CSS classes, e.g. `ansi-red-fg`, `ansi-bold`. */
  classes: string[];
  /** Inline CSS for colours without a class (256-colour cube, truecolor). */
  style: string;
}

const ESC = '\x1b';

export const ANSI_COLOR_NAMES = [
  'black',
  'red',
  'green',
  'yellow',
  'blue',
  'magenta',
  'cyan',
  'white',
] as const;

/** A colour: palette index 0–15 (has a class), or an RGB triple. */
type Color = number | [number, number, number] | null;

interface State {
  fg: Color;
  bg: Color;
  bold: boolean;
  faint: boolean;
  italic: boolean;
  underline: boolean;
  inverse: boolean;
}

function initialState(): State {
  return {
    fg: null,
    bg: null,
    bold: false,
    faint: false,
    italic: false,
    underline: false,
    inverse: false,
  };
}

const CUBE_LEVELS = [0, 95, 135, 175, 215, 255];

/** xterm 256-colour index → palette index (0–15) or RGB. */
function color256(n: number): Color {
  if (!Number.isInteger(n) || n < 0 || n > 255) return null;
  if (n < 16) return n;
  if (n < 232) {
    const i = n - 16;
    return [CUBE_LEVELS[Math.floor(i / 36)], CUBE_LEVELS[Math.floor(i / 6) % 6], CUBE_LEVELS[i % 6]];
  }
  const g = 8 + 10 * (n - 232);
  return [g, g, g];
}

function clampByte(n: number): number {
  return Number.isFinite(n) ? Math.max(0, Math.min(255, Math.round(n))) : 0;
}

/**
 * Read an extended colour (after 38/48) from `params` starting at index
 * `i` (pointing at the 5/2 selector). Returns [colour, params consumed].
 */
function readExtended(params: number[], i: number): [Color, number] {
  const mode = params[i];
  if (mode === 5 && i + 1 < params.length) return [color256(params[i + 1]), 2];
  if (mode === 2 && i + 3 < params.length) {
    return [[clampByte(params[i + 1]), clampByte(params[i + 2]), clampByte(params[i + 3])], 4];
  }
  return [null, params.length - i]; // malformed: swallow the rest
}

function applySgr(state: State, paramText: string): void {
  if (paramText === '') {
    Object.assign(state, initialState());
    return;
  }
  // Groups separated by ';'. A group may carry ':'-separated sub-parameters
  // (ITU form, e.g. "38:2::255:0:0" or "38:5:196").
  const groups = paramText.split(';');
  const params: number[] = [];
  for (const g of groups) {
    if (g.includes(':')) {
      const sub = g.split(':').map((s) => (s === '' ? 0 : Number(s)));
      const [code, mode] = sub;
      if ((code === 38 || code === 48 || code === 58) && mode === 2) {
        // 38:2:<colorspace>:r:g:b  or  38:2:r:g:b
        const rgb = sub.length >= 6 ? sub.slice(3, 6) : sub.slice(2, 5);
        params.push(code, 2, ...rgb);
      } else {
        params.push(...sub);
      }
    } else {
      params.push(g === '' ? 0 : Number(g));
    }
  }

  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    if (Number.isNaN(p)) continue;
    if (p === 0) Object.assign(state, initialState());
    else if (p === 1) state.bold = true;
    else if (p === 2) state.faint = true;
    else if (p === 3) state.italic = true;
    else if (p === 4) state.underline = true;
    else if (p === 7) state.inverse = true;
    else if (p === 22) {
      state.bold = false;
      state.faint = false;
    } else if (p === 23) state.italic = false;
    else if (p === 24) state.underline = false;
    else if (p === 27) state.inverse = false;
    else if (p >= 30 && p <= 37) state.fg = p - 30;
    else if (p === 39) state.fg = null;
    else if (p >= 40 && p <= 47) state.bg = p - 40;
    else if (p === 49) state.bg = null;
    else if (p >= 90 && p <= 97) state.fg = p - 90 + 8;
    else if (p >= 100 && p <= 107) state.bg = p - 100 + 8;
    else if (p === 38 || p === 48 || p === 58) {
      const [color, used] = readExtended(params, i + 1);
      if (p === 38) state.fg = color;
      else if (p === 48) state.bg = color;
      // 58 (underline colour) is parsed but ignored
      i += used;
    }
    // anything else (blink, conceal, fonts, ...) is ignored
  }
}

function rgbCss(c: [number, number, number]): string {
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}

function paletteClass(index: number, kind: 'fg' | 'bg'): string {
  const name = ANSI_COLOR_NAMES[index % 8];
  return index >= 8 ? `ansi-${name}-intense-${kind}` : `ansi-${name}-${kind}`;
}

/** Compute classes and inline style for a state (Jupyter's conventions). */
function styleOf(state: State): { classes: string[]; style: string } {
  let fg = state.fg;
  let bg = state.bg;
  // Like JupyterLab: bold text uses the "intense" variant of basic colours.
  if (state.bold && typeof fg === 'number' && fg < 8) fg += 8;

  const classes: string[] = [];
  const styles: string[] = [];
  let fgClass: string | null = null;
  let bgClass: string | null = null;

  if (state.inverse) {
    [fg, bg] = [bg, fg];
    if (fg === null) fgClass = 'ansi-default-inverse-fg';
    if (bg === null) bgClass = 'ansi-default-inverse-bg';
  }

  if (typeof fg === 'number') classes.push(paletteClass(fg, 'fg'));
  else if (fg !== null) styles.push(`color: ${rgbCss(fg)}`);
  else if (fgClass) classes.push(fgClass);

  if (typeof bg === 'number') classes.push(paletteClass(bg, 'bg'));
  else if (bg !== null) styles.push(`background-color: ${rgbCss(bg)}`);
  else if (bgClass) classes.push(bgClass);

  if (state.bold) classes.push('ansi-bold');
  if (state.faint) classes.push('ansi-faint');
  if (state.italic) classes.push('ansi-italic');
  if (state.underline) classes.push('ansi-underline');
  return { classes, style: styles.join('; ') };
}

/** True when `code` is a CSI parameter (0x30–0x3F) or intermediate (0x20–0x2F) byte. */
function isCsiMiddle(code: number): boolean {
  return code >= 0x20 && code <= 0x3f;
}

/**
 * Split `text` into styled segments. Text without any ESC character yields
 * a single unstyled segment (fast path).
 */
export function parseAnsi(text: string): Segment[] {
  let esc = text.indexOf(ESC);
  if (esc < 0) return text ? [{ text, classes: [], style: '' }] : [];

  const segments: Segment[] = [];
  const state = initialState();
  let current = styleOf(state);
  let currentKey = '';

  const push = (chunk: string): void => {
    if (!chunk) return;
    const last = segments[segments.length - 1];
    if (last && last.style === current.style && last.classes.join(' ') === currentKey) {
      last.text += chunk;
    } else {
      segments.push({ text: chunk, classes: current.classes, style: current.style });
    }
  };

  let pos = 0;
  const n = text.length;
  while (esc >= 0) {
    push(text.slice(pos, esc));
    const next = text.charAt(esc + 1);
    if (next === '[') {
      // CSI: params/intermediates, then a final byte 0x40–0x7E.
      let j = esc + 2;
      while (j < n && isCsiMiddle(text.charCodeAt(j))) j++;
      const final = text.charCodeAt(j);
      if (j < n && final >= 0x40 && final <= 0x7e) {
        if (final === 0x6d /* m */) {
          applySgr(state, text.slice(esc + 2, j));
          current = styleOf(state);
          currentKey = current.classes.join(' ');
        }
        pos = j + 1;
      } else {
        // Broken/truncated sequence: drop what we consumed, keep the rest.
        pos = j;
      }
    } else if (next === ']') {
      // OSC: terminated by BEL or ST (ESC \).
      const bel = text.indexOf('\x07', esc + 2);
      const st = text.indexOf(ESC + '\\', esc + 2);
      if (bel < 0 && st < 0) pos = n;
      else if (st < 0 || (bel >= 0 && bel < st)) pos = bel + 1;
      else pos = st + 2;
    } else if (next === '') {
      pos = esc + 1; // lone ESC at the end
    } else if ('()*+'.includes(next)) {
      pos = Math.min(n, esc + 3); // charset designation: ESC ( B
    } else if (next === 'P' || next === '_' || next === '^' || next === 'X') {
      // DCS / APC / PM / SOS strings, terminated by ST.
      const st = text.indexOf(ESC + '\\', esc + 2);
      pos = st < 0 ? n : st + 2;
    } else {
      pos = esc + 2; // two-character escape (ESC 7, ESC M, ...)
    }
    esc = pos < n ? text.indexOf(ESC, pos) : -1;
  }
  push(text.slice(pos));
  return segments;
}

/** Remove every escape sequence, keeping only the text. */
export function stripAnsi(text: string): string {
  if (text.indexOf(ESC) < 0) return text;
  return parseAnsi(text)
    .map((s) => s.text)
    .join('');
}
