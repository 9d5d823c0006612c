/** nbformat v4 output → DOM. */
import { parseAnsi } from './ansi';
import { chooseMime, WIDGET_MIME } from './mime';
import { cleanStreamText, joinText } from './streams';
import { renderLatex, renderMarkdown, sanitizeHtml } from './markdown';
import { renderJsonTree } from './json-tree';

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

function renderHtml(html: string, trusted: boolean): HTMLElement {
  const div = document.createElement('div');
  div.className = 'output-html';
  if (trusted) {
    div.innerHTML = html;
    activateScripts(div);
  } else {
    div.innerHTML = sanitizeHtml(html);
    openLinksInNewTab(div);
  }
  return div;
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
    case 'text/latex':
      wrapper.append(renderLatex(joinText(value)));
      return;
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
