/** DOM-free MIME-type selection for rich (display_data / execute_result) outputs. */

export const WIDGET_MIME = 'application/vnd.jupyter.widget-view+json';

/** Preference order: the first type present in an output's `data` wins. */
export const MIME_ORDER: string[] = [
  WIDGET_MIME,
  'application/javascript',
  'text/html',
  'text/markdown',
  'text/latex',
  'image/svg+xml',
  'image/png',
  'image/jpeg',
  'image/gif',
  'application/json',
  'text/plain',
];

/** MIME types that are only rendered for trusted outputs. */
const TRUSTED_ONLY = new Set(['application/javascript']);

/**
 * Choose the MIME type to render from an output's `data` bundle, or null if
 * none of the supported types is present (or allowed when untrusted).
 */
export function chooseMime(data: Record<string, unknown> | null | undefined, trusted: boolean): string | null {
  if (!data || typeof data !== 'object') return null;
  for (const mime of MIME_ORDER) {
    if (!Object.prototype.hasOwnProperty.call(data, mime)) continue;
    if (data[mime] === undefined || data[mime] === null) continue;
    if (!trusted && TRUSTED_ONLY.has(mime)) continue;
    return mime;
  }
  return null;
}
