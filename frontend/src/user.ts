/** The local user: name (editable, kept in localStorage) and colour. */
import { getJSON } from "./api";

export interface LocalUser {
  name: string;
  color: string;
  colorLight: string;
}

const NAME_KEY = "interlace.user.name";
const COLOR_KEY = "interlace.user.color";
const PALETTE = ["#d9480f", "#1971c2", "#2f9e44", "#ae3ec9", "#e8590c", "#0c8599", "#c2255c", "#5f3dc4"];

let current: LocalUser = {
  name: "anonymous",
  color: PALETTE[0]!,
  colorLight: `${PALETTE[0]!}33`,
};
const listeners = new Set<(u: LocalUser) => void>();

function store(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    /* storage disabled */
  }
}

function load(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function withColor(name: string, color: string): LocalUser {
  const c = /^#[0-9a-fA-F]{6}$/.test(color) ? color : PALETTE[0]!;
  return { name, color: c, colorLight: `${c}33` };
}

/** Load the saved name, or ask the server for a suggestion (`GET /api/me`). */
export async function loadUser(): Promise<LocalUser> {
  const savedName = load(NAME_KEY);
  const savedColor = load(COLOR_KEY);
  let suggestion: { name?: string; color?: string } = {};
  if (savedName === null || savedColor === null) {
    try {
      suggestion = await getJSON<{ name?: string; color?: string }>("/api/me");
    } catch {
      suggestion = {};
    }
  }
  const name = savedName ?? suggestion.name ?? `guest-${Math.floor(Math.random() * 1000)}`;
  const color = savedColor ?? suggestion.color ?? PALETTE[Math.floor(Math.random() * PALETTE.length)]!;
  current = withColor(name, color);
  // Kept from the first visit on: a reload is the same person, with the same name and colour.
  store(NAME_KEY, current.name);
  store(COLOR_KEY, current.color);
  return current;
}

export function getUser(): LocalUser {
  return current;
}

/** The name sent as `who` with run and kernel requests. */
export function who(): string {
  return current.name.trim() || "anonymous";
}

export function setUserName(name: string): void {
  current = { ...current, name };
  store(NAME_KEY, name);
  for (const fn of listeners) fn(current);
}

export function onUserChange(fn: (u: LocalUser) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
