/**
 * Untrusted HTML (HTML outputs, rendered markdown, LaTeX) as the page shows it: sanitized
 * harder than DOMPurify's defaults, and drawn in a shadow root whose host it cannot leave.
 *
 * - Dropped: what restyles or re-points the page (`<style>`, `<link>`, `<meta>`, `<base>`),
 *   forms and their controls (a fake login), what reaches the top layer over the page
 *   (dialogs, popovers and their invokers) and what embeds another document.
 * - The host has `contain: content`: it is the containing block of its `position: fixed`
 *   descendants, clips their painting to its box and is a stacking context of its own; what
 *   overflows it scrolls. So inline `style` attributes, kept, cannot reach outside it.
 * - The shadow root keeps the page and the content apart: no selector of either matches in
 *   the other, no id inside clobbers the page's, and events leave it retargeted at the host.
 */
import DOMPurify from 'dompurify';
import katexCss from 'katex/dist/katex.min.css?inline';
import renderCss from './render.css?inline';

const FORBID_TAGS = [
  'style', 'link', 'meta', 'base',
  'form', 'input', 'button', 'select', 'option', 'optgroup', 'datalist', 'textarea', 'fieldset', 'output',
  'dialog', 'iframe', 'frame', 'frameset', 'object', 'embed', 'portal', 'template', 'slot',
];
const FORBID_ATTR = [
  'popover', 'popovertarget', 'popovertargetaction', 'commandfor', 'command',
  'form', 'formaction', 'autofocus', 'slot', 'part',
];

/** The host's class: what marks an element whose shadow root holds untrusted content. */
const HOST_CLASS = 'untrusted';

/** Shadow-side rules: the content box sits flush in its host, which already has the padding. */
const SHADOW_CSS = '.contained { padding: 0; margin: 0; overflow: visible; }';

/** Untrusted HTML as nodes of this document, with everything above removed. */
export function sanitizeUntrusted(html: string): DocumentFragment {
  return DOMPurify.sanitize(html, { FORBID_TAGS, FORBID_ATTR, RETURN_DOM_FRAGMENT: true });
}

let sheet: CSSStyleSheet | null = null;

/** The renderers' styles, for every shadow root: page selectors do not reach into one. */
function contentSheet(): CSSStyleSheet {
  if (sheet === null) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(`${katexCss}\n${renderCss}\n${SHADOW_CSS}`);
  }
  return sheet;
}

/**
 * `body` (a rendering of untrusted content) inside the shadow root of a new element of
 * the same classes, contained so that nothing in it can escape that element's box.
 */
export function contain(body: HTMLElement): HTMLElement {
  const host = document.createElement('div');
  host.className = `${body.className} ${HOST_CLASS}`;
  host.style.setProperty('contain', 'content');
  host.style.setProperty('overflow', 'auto');
  const root = host.attachShadow({ mode: 'open' });
  root.adoptedStyleSheets = [contentSheet()];
  body.classList.add('contained');
  root.append(body);
  root.addEventListener('click', followInPageLink);
  return host;
}

/** `#anchor` links (a markdown table of contents) find their heading, in or out of shadow roots. */
function followInPageLink(event: Event): void {
  const link = event.target instanceof Element ? event.target.closest('a[href^="#"]') : null;
  const id = link ? anchorOf(link.getAttribute('href') ?? '') : '';
  const target = id ? findById(id) : null;
  if (!target) return;
  event.preventDefault();
  target.scrollIntoView();
}

function anchorOf(href: string): string {
  try {
    return decodeURIComponent(href.slice(1));
  } catch {
    return href.slice(1);
  }
}

function findById(id: string): Element | null {
  const found = document.getElementById(id);
  if (found) return found;
  for (const host of Array.from(document.querySelectorAll(`.${HOST_CLASS}`))) {
    const inside = host.shadowRoot?.getElementById(id);
    if (inside) return inside;
  }
  return null;
}
