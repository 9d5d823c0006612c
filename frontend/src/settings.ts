/**
 * This person's settings for the page (kept in the browser's local storage, like their
 * name): what only changes how the page looks to them, never the notebook.
 */

export interface Settings {
  /** Line numbers in every editor (Shift-L). */
  lineNumbers: boolean;
}

const KEY = "interlace.settings";
const DEFAULTS: Settings = { lineNumbers: false };
const listeners = new Set<(settings: Settings) => void>();

function loaded(): Settings {
  try {
    const found: unknown = JSON.parse(localStorage.getItem(KEY) ?? "{}");
    const stored = found && typeof found === "object" ? (found as Partial<Record<keyof Settings, unknown>>) : {};
    return { lineNumbers: stored.lineNumbers === true };
  } catch {
    return { ...DEFAULTS };
  }
}

let current = loaded();

export function settings(): Settings {
  return current;
}

export function changeSettings(change: Partial<Settings>): void {
  current = { ...current, ...change };
  try {
    localStorage.setItem(KEY, JSON.stringify(current));
  } catch {
    /* storage disabled: the change lasts for this page */
  }
  for (const listener of listeners) listener(current);
}

/** Call `listener` on every change; returns a function that stops it. */
export function onSettings(listener: (settings: Settings) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
