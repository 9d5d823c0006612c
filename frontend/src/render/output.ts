/** nbformat v4 output → DOM. */
import { parseAnsi } from './ansi';
import { chooseMime, WIDGET_MIME } from './mime';
import { applyTextDelta, cleanStreamText, joinText, sgrCarry, unfinishedEscape, type TextDelta } from './streams';
import { renderLatex, renderMarkdown } from './markdown';
import { renderJsonTree } from './json-tree';
import { contain, sanitizeUntrusted } from './untrusted';

export interface RenderOptions {
  trusted: boolean;
}

type Json = Record<string, unknown>;

const KNOWN_OUTPUT_TYPES = new Set(['stream', 'display_data', 'execute_result', 'error']);

/** ANSI-coloured text as a fragment of text nodes and `<span>`s (textContent only: safe). */
export function ansiToHtml(text: string): DocumentFragment {
  const frag = document.createDocumentFragment();
  if (text.indexOf('\x1b') < 0) {
    if (text) frag.append(document.createTextNode(text));
    return frag;
  }
  for (const seg of parseAnsi(text)) {
    if (seg.classes.length === 0 && !seg.style) {
      frag.append(document.createTextNode(seg.text));
      continue;
    }
    const span = document.createElement('span');
    if (seg.classes.length) span.className = seg.classes.join(' ');
    if (seg.style) span.style.cssText = seg.style;
    span.textContent = seg.text;
    frag.append(span);
  }
  return frag;
}

function pre(text: string, className?: string): HTMLPreElement {
  const el = document.createElement('pre');
  if (className) el.className = className;
  el.append(ansiToHtml(text));
  return el;
}

function note(text: string): HTMLPreElement {
  const el = document.createElement('pre');
  el.className = 'output-note';
  el.textContent = text;
  return el;
}

function asRecord(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};
}

/** Pixel size from nbformat image metadata (`metadata[mime]` first, then `metadata`). */
function imageSize(metadata: Json, mime: string, key: 'width' | 'height'): string | null {
  for (const src of [asRecord(metadata[mime]), metadata]) {
    const v = src[key];
    if (typeof v === 'number' && Number.isFinite(v) && v > 0) return String(Math.round(v));
    if (typeof v === 'string' && /^\d+(\.\d+)?$/.test(v.trim())) return String(Math.round(Number(v)));
  }
  return null;
}

function renderImage(mime: string, data: string, metadata: Json): HTMLElement {
  const img = document.createElement('img');
  img.className = 'output-image';
  if (mime === 'image/svg+xml') {
    // As an <img>, SVG can't run scripts or reach the page: safe when untrusted.
    img.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(data);
  } else {
    img.src = `data:${mime};base64,${data.replace(/\s+/g, '')}`;
  }
  img.alt = '';
  const width = imageSize(metadata, mime, 'width');
  const height = imageSize(metadata, mime, 'height');
  if (width) img.setAttribute('width', width);
  if (height) img.setAttribute('height', height);
  if (asRecord(metadata[mime]).unconfined === true) img.classList.add('unconfined');
  return img;
}

/** Re-create `<script>` elements so they run once the element is attached to the document. */
function activateScripts(root: HTMLElement): void {
  for (const old of Array.from(root.querySelectorAll('script'))) {
    const script = document.createElement('script');
    for (const attr of Array.from(old.attributes)) script.setAttribute(attr.name, attr.value);
    script.textContent = old.textContent;
    old.replaceWith(script);
  }
}

function openLinksInNewTab(root: HTMLElement): void {
  for (const a of Array.from(root.querySelectorAll('a[href]'))) {
    if ((a.getAttribute('href') ?? '').startsWith('#')) continue;
    a.setAttribute('target', '_blank');
    a.setAttribute('rel', 'noopener noreferrer');
  }
}

/** Trusted HTML as it is, scripts and all; untrusted, sanitized and contained (`untrusted`). */
function renderHtml(html: string, trusted: boolean): HTMLElement {
  const div = document.createElement('div');
  div.className = 'output-html';
  if (trusted) {
    div.innerHTML = html;
    activateScripts(div);
    return div;
  }
  div.append(sanitizeUntrusted(html));
  openLinksInNewTab(div);
  return contain(div);
}

function renderJavascript(code: string): HTMLElement {
  const div = document.createElement('div');
  div.className = 'output-javascript';
  const script = document.createElement('script');
  // Like Jupyter, the code sees its output area as `element` (and `this`).
  script.textContent =
    '(function (element) {\n' + code + '\n}).call(document.currentScript && document.currentScript.parentElement, ' +
    'document.currentScript && document.currentScript.parentElement);';
  div.append(script);
  return div;
}

function renderWidget(data: Json): HTMLElement {
  const div = document.createElement('div');
  div.className = 'output-widget';
  const label = document.createElement('div');
  label.className = 'output-note';
  label.textContent = '[widget] interactive widgets are not supported';
  div.append(label);
  if (data['text/plain'] != null) div.append(pre(joinText(data['text/plain'])));
  return div;
}

function renderMimeBundle(output: Json, wrapper: HTMLElement, trusted: boolean): void {
  const data = asRecord(output.data);
  const metadata = asRecord(output.metadata);
  const mime = chooseMime(data, trusted);
  if (mime === null) {
    const types = Object.keys(data);
    wrapper.append(note(`[no renderer for ${types.length ? types.join(', ') : 'empty output'}]`));
    return;
  }
  wrapper.setAttribute('data-mime', mime);
  const value = data[mime];
  switch (mime) {
    case WIDGET_MIME:
      wrapper.append(renderWidget(data));
      return;
    case 'application/javascript':
      wrapper.append(renderJavascript(joinText(value)));
      return;
    case 'text/html':
      wrapper.append(renderHtml(joinText(value), trusted));
      return;
    case 'text/markdown':
      wrapper.append(renderMarkdown(joinText(value), { trusted }));
      return;
    case 'text/latex': {
      // KaTeX's markup, but the output's TeX: \raisebox and \kern can move it over the page.
      const latex = renderLatex(joinText(value));
      wrapper.append(trusted ? latex : contain(latex));
      return;
    }
    case 'image/svg+xml':
    case 'image/png':
    case 'image/jpeg':
    case 'image/gif':
      wrapper.append(renderImage(mime, joinText(value), metadata));
      return;
    case 'application/json':
      wrapper.append(renderJsonTree(value));
      return;
    case 'text/plain':
    default:
      wrapper.append(pre(joinText(value), 'output-text'));
  }
}

function renderError(output: Json): HTMLPreElement {
  const tb = output.traceback;
  let text = Array.isArray(tb) ? tb.map((l) => joinText(l)).join('\n') : joinText(tb);
  if (!text.trim()) {
    const ename = joinText(output.ename);
    const evalue = joinText(output.evalue);
    text = evalue ? `${ename}: ${evalue}` : ename || 'Error';
  }
  return pre(text, 'output-error');
}

/** Render one nbformat v4 output. */
export function renderOutput(output: Record<string, unknown>, options: RenderOptions): HTMLElement {
  const wrapper = document.createElement('div');
  wrapper.className = 'output';
  const type = typeof output.output_type === 'string' ? output.output_type : '';
  wrapper.setAttribute('data-output-type', KNOWN_OUTPUT_TYPES.has(type) ? type : 'unknown');
  try {
    switch (type) {
      case 'stream': {
        const name = typeof output.name === 'string' ? output.name : 'stdout';
        wrapper.setAttribute('data-name', name);
        wrapper.append(pre(cleanStreamText(joinText(output.text)), 'output-stream'));
        break;
      }
      case 'display_data':
      case 'execute_result':
        renderMimeBundle(output, wrapper, options.trusted);
        break;
      case 'error':
        wrapper.append(renderError(output));
        break;
      default:
        wrapper.append(note(`[no renderer for output type ${type || '(missing)'}]`));
    }
  } catch (err) {
    wrapper.replaceChildren(note(`[render error: ${err instanceof Error ? err.message : String(err)}]`));
  }
  return wrapper;
}

/** A piece of a live stream on screen: its text, and the nodes drawn for it. */
interface Chunk {
  start: number;
  text: string;
  /** SGR sequences in force where the piece starts (`sgrCarry`). */
  carry: string;
  /** An escape sequence begun before the piece and finished in it. */
  lead: string;
  carryOut: string;
  leadOut: string;
  nodes: ChildNode[];
}

/** Past these, pieces would carry more than they draw: the stream is drawn whole instead. */
const MAX_CARRY = 2048;
const MAX_LEAD = 4096;

/**
 * A stream output whose text keeps changing, drawn piece by piece: appended
 * text adds nodes after those on screen, an edit of the last line redraws that
 * line, a cut at the head removes the first nodes. It looks as `renderOutput`
 * draws the whole text: colours carry from piece to piece, and an escape
 * sequence split between two changes is drawn once it is whole.
 *
 * The pieces hold the text; no copy of the whole is kept, since a long-lived
 * slice of it would keep each version of the whole alive. Text with `\r` or
 * `\b` of its own (the server resolves them, so only a loaded notebook has
 * any) is drawn whole on every change, as before.
 */
export class StreamOutput {
  readonly el: HTMLElement;
  private readonly pre: HTMLPreElement;
  private chunks: Chunk[] = [];
  private whole: string | null = null;

  constructor(name: string, text: string) {
    this.el = document.createElement('div');
    this.el.className = 'output';
    this.el.setAttribute('data-output-type', 'stream');
    this.el.setAttribute('data-name', name);
    this.pre = document.createElement('pre');
    this.pre.className = 'output-stream';
    this.el.append(this.pre);
    this.reset(text);
  }

  /** The length of the text on screen (in UTF-16 units, as Y.Text counts). */
  get length(): number {
    if (this.whole !== null) return this.whole.length;
    const last = this.chunks[this.chunks.length - 1];
    return last ? last.start + last.text.length : 0;
  }

  /** Draw `text` anew. */
  reset(text: string): void {
    this.pre.replaceChildren();
    this.chunks = [];
    this.whole = null;
    this.drawTail(0, text);
  }

  /** Apply a Y.Text delta; `text` gives the whole new text when it must be drawn whole. */
  update(delta: readonly TextDelta[], text: () => string): void {
    if (this.whole !== null) return this.drawWhole(text());
    let rest = delta;
    const head = rest[0]?.delete;
    if (head !== undefined) rest = rest.slice(1);
    const at = rest[0]?.retain ?? 0;
    if (rest[0]?.retain !== undefined) rest = rest.slice(1);
    if (head !== undefined) this.dropHead(head);
    if (rest.length === 0) return;
    // Everything else happens at or after `at`: redraw from the piece holding it.
    let keep = this.chunks.length;
    while (keep > 0 && this.chunks[keep - 1].start + this.chunks[keep - 1].text.length > at) keep--;
    const from = keep < this.chunks.length ? this.chunks[keep].start : this.length;
    const old = this.chunks.slice(keep).map((chunk) => chunk.text).join('');
    this.drawTail(keep, applyTextDelta(old, [{ retain: at - from }, ...rest]));
  }

  private drawWhole(text: string): void {
    this.chunks = [];
    this.whole = text;
    this.pre.replaceChildren(ansiToHtml(cleanStreamText(text)));
  }

  /** Remove the first `count` characters: whole pieces go, the one cut in two is redrawn. */
  private dropHead(count: number): void {
    let gone = 0;
    while (gone < this.chunks.length && this.chunks[gone].start + this.chunks[gone].text.length <= count) gone++;
    for (const chunk of this.chunks.splice(0, gone)) for (const node of chunk.nodes) node.remove();
    for (const chunk of this.chunks) chunk.start -= count;
    const first = this.chunks[0];
    if (!first || (first.start === 0 && first.carry === '' && first.lead === '')) return;
    // Drawn as the text left would be drawn whole: from the cut on, with no colour from
    // before it. Later pieces are redrawn only as far as that changes how they start.
    let text = first.text.slice(-first.start);
    let carry = '';
    let lead = '';
    for (let index = 0; index < this.chunks.length; index++) {
      const old = this.chunks[index];
      const redrawn = this.draw(Math.max(0, old.start), text, carry, lead);
      const next = this.firstNodeAfter(index);
      for (const node of old.nodes) node.remove();
      for (const node of redrawn.nodes) this.pre.insertBefore(node, next);
      this.chunks[index] = redrawn;
      if (redrawn.carryOut === old.carryOut && redrawn.leadOut === old.leadOut) return;
      ({ carryOut: carry, leadOut: lead } = redrawn);
      text = this.chunks[index + 1]?.text ?? '';
    }
  }

  private firstNodeAfter(index: number): ChildNode | null {
    for (let later = index + 1; later < this.chunks.length; later++) {
      const node = this.chunks[later].nodes[0];
      if (node) return node;
    }
    return null;
  }

  /** Replace the pieces from `index` on by pieces drawing `text`. */
  private drawTail(index: number, text: string): void {
    for (const chunk of this.chunks.splice(index)) for (const node of chunk.nodes) node.remove();
    if (/[\r\b]/.test(text)) {
      const before = this.chunks.map((chunk) => chunk.text).join('');
      this.drawWhole(before + text);
      return;
    }
    const before = this.chunks[this.chunks.length - 1];
    let start = before ? before.start + before.text.length : 0;
    let carry = before?.carryOut ?? '';
    let lead = before?.leadOut ?? '';
    // The complete lines, then the last one on its own: a `\r` edit redraws only that.
    const lastLine = text.lastIndexOf('\n') + 1;
    for (const part of [text.slice(0, lastLine), text.slice(lastLine)]) {
      if (!part) continue;
      const chunk = this.draw(start, part, carry, lead);
      this.chunks.push(chunk);
      this.pre.append(...chunk.nodes);
      start += part.length;
      carry = chunk.carryOut;
      lead = chunk.leadOut;
    }
    if (carry.length > MAX_CARRY || lead.length > MAX_LEAD) {
      this.drawWhole(this.chunks.map((chunk) => chunk.text).join(''));
    }
  }

  private draw(start: number, text: string, carry: string, lead: string): Chunk {
    let shown = lead + text;
    const unfinished = unfinishedEscape(shown);
    const leadOut = unfinished < 0 ? '' : shown.slice(unfinished);
    if (unfinished >= 0) shown = shown.slice(0, unfinished);
    const nodes = Array.from(ansiToHtml(carry + shown).childNodes);
    return { start, text, carry, lead, carryOut: sgrCarry(carry, shown), leadOut, nodes };
  }
}
