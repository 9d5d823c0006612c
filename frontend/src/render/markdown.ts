/** Markdown (GFM via marked) with KaTeX math; untrusted markdown is sanitized and contained. */
import { Marked } from 'marked';
import katex from 'katex';
import { extractMath, PLACEHOLDER_RE, stripMathDelimiters, type MathChunk } from './math';
import { contain, sanitizeUntrusted } from './untrusted';

const markdownParser = new Marked({
  gfm: true,
  breaks: false,
  // A task's box is drawn, not a form control: untrusted content keeps no form controls.
  renderer: {
    checkbox: ({ checked }) => `<span class="task-box" role="checkbox" aria-disabled="true" aria-checked="${checked}"></span> `,
  },
});

export interface MarkdownOptions {
  trusted: boolean;
  /** The cell's attachments (nbformat: name → mime type → base64), for `attachment:` links. */
  attachments?: Record<string, unknown>;
}

const ATTACHMENT_RE = /attachment:([^\s)"'<>]+)/g;

/** The image types an attachment may show as: an `<img>` never runs what it shows. */
const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/svg+xml'];

/** `attachment:NAME` (as JupyterLab writes pasted images) made a data URL of the image. */
function withAttachments(text: string, attachments: Record<string, unknown> | undefined): string {
  if (!attachments) return text;
  return text.replace(ATTACHMENT_RE, (link: string, encoded: string) => {
    let name = encoded;
    try {
      name = decodeURIComponent(encoded);
    } catch {
      /* not encoded */
    }
    const bundle = attachments[name];
    if (!bundle || typeof bundle !== 'object') return link;
    const data = bundle as Record<string, unknown>;
    const type = IMAGE_TYPES.find((t) => typeof data[t] === 'string');
    if (!type) return link;
    const raw = data[type] as string;
    const base64 = type === 'image/svg+xml' && raw.trimStart().startsWith('<') ? btoa(unescape(encodeURIComponent(raw))) : raw;
    return `data:${type};base64,${base64.replace(/\s/g, '')}`;
  });
}

type Macros = Record<string, string>;

const REDEFINE_RE = /\\(?:newcommand)\{?(\\[A-Za-z]+|\\.)\}? attempting to redefine/;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Render TeX to an HTML string. With `throwOnError: false` errors are shown
 * inline in red. Like MathJax, `\newcommand` may redefine an existing macro
 * (notebooks often do `\newcommand{\R}{\mathbb{R}}`, which KaTeX predefines).
 */
export function renderTex(tex: string, displayMode: boolean, macros: Macros = {}, throwOnError = false): string {
  const render = (src: string, strictErrors: boolean): string =>
    katex.renderToString(src, {
      displayMode,
      throwOnError: strictErrors,
      strict: 'ignore',
      trust: false,
      output: 'htmlAndMathml',
      macros,
      // \newcommand in one formula is visible to the later ones of the same cell
      globalGroup: true,
    });
  let src = tex;
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      return render(src, true);
    } catch (err) {
      const m = err instanceof Error ? REDEFINE_RE.exec(err.message) : null;
      if (!m) break;
      const name = escapeRegExp(m[1]);
      const patched = src.replace(new RegExp(`\\\\newcommand(\\s*\\{?\\s*${name}(?![A-Za-z]))`, 'g'), '\\renewcommand$1');
      if (patched === src) break;
      src = patched;
    }
  }
  if (throwOnError) return render(src, true);
  return render(src, false);
}

function htmlToFragment(html: string): DocumentFragment {
  const template = document.createElement('template');
  template.innerHTML = html;
  return template.content;
}

function mathNode(chunk: MathChunk, macros: Macros): Node {
  try {
    return htmlToFragment(renderTex(chunk.tex, chunk.display, macros));
  } catch {
    return document.createTextNode(chunk.source);
  }
}

/** Replace math placeholders in `root` with KaTeX markup (or the TeX source where markup can't go). */
function insertMath(root: HTMLElement, math: MathChunk[]): void {
  if (math.length === 0) return;
  const macros: Macros = {};
  const sourceOf = (_m: string, idx: string): string => math[Number(idx)]?.source ?? _m;

  // Attributes (e.g. an image's alt text): put the source back.
  for (const el of Array.from(root.querySelectorAll('*'))) {
    for (const attr of Array.from(el.attributes)) {
      if (attr.value.includes('ktxmath')) el.setAttribute(attr.name, attr.value.replace(PLACEHOLDER_RE, sourceOf));
    }
  }

  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const textNodes: Text[] = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if ((node as Text).data.includes('ktxmath')) textNodes.push(node as Text);
  }
  for (const node of textNodes) {
    const parent = node.parentElement;
    const literal = parent !== null && parent.closest('code, pre, textarea, script, style') !== null;
    const frag = document.createDocumentFragment();
    const data = node.data;
    let last = 0;
    for (const m of data.matchAll(PLACEHOLDER_RE)) {
      const chunk = math[Number(m[1])];
      if (!chunk) continue;
      const at = m.index ?? 0;
      if (at > last) frag.append(data.slice(last, at));
      frag.append(literal ? document.createTextNode(chunk.source) : mathNode(chunk, macros));
      last = at + m[0].length;
    }
    if (last < data.length) frag.append(data.slice(last));
    node.replaceWith(frag);
  }
}

/** Links open in a new tab (in-page anchors excepted). */
function fixLinks(root: HTMLElement): void {
  for (const a of Array.from(root.querySelectorAll('a[href]'))) {
    const href = a.getAttribute('href') ?? '';
    if (href.startsWith('#')) continue;
    a.setAttribute('target', '_blank');
    a.setAttribute('rel', 'noopener noreferrer');
  }
}

/** Jupyter-style heading anchors: "My Title" → id "My-Title". */
function addHeadingIds(root: HTMLElement): void {
  for (const h of Array.from(root.querySelectorAll('h1, h2, h3, h4, h5, h6'))) {
    if (h.id) continue;
    const id = (h.textContent ?? '').trim().replace(/\s+/g, '-');
    if (id) h.id = id;
  }
}

/** Markdown as HTML; untrusted, it is sanitized and drawn where it cannot leave its box. */
export function renderMarkdown(text: string, options: MarkdownOptions = { trusted: false }): HTMLElement {
  const div = document.createElement('div');
  div.className = 'markdown-rendered';
  const { text: md, math } = extractMath(withAttachments(text, options.attachments));
  let html: string;
  try {
    html = markdownParser.parse(md, { async: false });
  } catch {
    div.textContent = text;
    return div;
  }
  if (options.trusted) div.innerHTML = html;
  else div.append(sanitizeUntrusted(html));
  insertMath(div, math);
  fixLinks(div);
  addHeadingIds(div);
  return options.trusted ? div : contain(div);
}

/**
 * A `text/latex` output. A single delimited formula (or bare TeX) is shown in
 * display mode; text mixing prose and `$…$` math renders the math inline.
 * Falls back to a `<pre>` of the source if KaTeX can't parse it.
 */
export function renderLatex(source: string): HTMLElement {
  const div = document.createElement('div');
  div.className = 'latex-rendered';
  const single = stripMathDelimiters(source);
  try {
    if (single !== null) {
      div.innerHTML = renderTex(single, true, {}, true);
      return div;
    }
    const { text, math } = extractMath(source);
    if (math.length === 0) {
      div.innerHTML = renderTex(source, true, {}, true);
      return div;
    }
    // Prose with embedded math: escape the prose, render each formula.
    const macros: Macros = {};
    const parts: string[] = [];
    let last = 0;
    for (const m of text.matchAll(PLACEHOLDER_RE)) {
      const at = m.index ?? 0;
      const chunk = math[Number(m[1])];
      parts.push(escapeHtml(text.slice(last, at)));
      parts.push(chunk ? renderTex(chunk.tex, chunk.display, macros, true) : escapeHtml(m[0]));
      last = at + m[0].length;
    }
    parts.push(escapeHtml(text.slice(last)));
    div.innerHTML = parts.join('');
    div.style.whiteSpace = 'pre-wrap';
    return div;
  } catch {
    const pre = document.createElement('pre');
    pre.className = 'latex-source';
    pre.textContent = source;
    return pre;
  }
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
