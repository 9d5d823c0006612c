/** HTTP helpers for the server: XSRF header, auth errors, JSON bodies. */
import { h } from "./dom";

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export function cookie(name: string): string | null {
  for (const part of document.cookie.split(";")) {
    const [k, ...rest] = part.trim().split("=");
    if (k === name) return decodeURIComponent(rest.join("="));
  }
  return null;
}

/** Encode an API path segment by segment ("a b/c.ipynb" -> "a%20b/c.ipynb"). */
export function encodePath(path: string): string {
  return path
    .split("/")
    .filter((p) => p !== "")
    .map(encodeURIComponent)
    .join("/");
}

/** Decode a URL path tail ("a%20b/c.ipynb" -> "a b/c.ipynb"). */
export function decodePath(tail: string): string {
  return tail
    .split("/")
    .filter((p) => p !== "")
    .map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    })
    .join("/");
}

let authShown = false;

/** Show a banner telling the user to log in (once). */
export function showAuthError(): void {
  if (authShown) return;
  authShown = true;
  const next = encodeURIComponent(location.pathname + location.search);
  const banner = h(
    "div",
    { class: "banner banner-error", "data-testid": "auth-error", role: "alert" },
    "You are not logged in or your session has expired. ",
    h("a", { href: `/login?next=${next}` }, "Log in"),
    " to continue.",
  );
  document.body.prepend(banner);
}

let toastTimer: number | undefined;

/** Show a transient message at the bottom of the page. */
export function showMessage(text: string, kind: "error" | "info" = "error"): void {
  let el = document.querySelector<HTMLElement>(".toast");
  if (!el) {
    el = h("div", { class: "toast", role: "status", "data-testid": "toast" });
    document.body.append(el);
  }
  el.textContent = text;
  el.className = `toast toast-${kind} visible`;
  window.clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => el?.classList.remove("visible"), kind === "error" ? 6000 : 2000);
}

/** fetch() with the XSRF header and JSON handling; throws ApiError on failure. */
export async function request(method: string, url: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = {};
  if (method !== "GET" && method !== "HEAD") {
    const xsrf = cookie("_xsrf");
    if (xsrf !== null) headers["X-XSRFToken"] = xsrf;
  }
  let payload: string | undefined;
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  let res: Response;
  try {
    res = await fetch(url, { method, headers, body: payload, credentials: "same-origin" });
  } catch (err) {
    throw new ApiError(`Network error: ${String(err)}`, 0);
  }
  if (res.status === 401 || res.status === 403) {
    showAuthError();
    throw new ApiError(`Not authorized (${res.status})`, res.status);
  }
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try {
      const data: unknown = await res.json();
      if (data && typeof data === "object" && "message" in data && typeof data.message === "string") {
        message = data.message;
      }
    } catch {
      /* not JSON */
    }
    throw new ApiError(message, res.status);
  }
  return res;
}

export async function getJSON<T>(url: string): Promise<T> {
  return (await (await request("GET", url)).json()) as T;
}

export async function sendJSON<T>(method: string, url: string, body?: unknown): Promise<T> {
  const res = await request(method, url, body);
  const text = await res.text();
  return (text ? JSON.parse(text) : null) as T;
}

export const postJSON = <T>(url: string, body?: unknown): Promise<T> => sendJSON<T>("POST", url, body ?? {});

/** Report an error from an action to the user (auth errors already have a banner). */
export function reportError(err: unknown): void {
  if (err instanceof ApiError && (err.status === 401 || err.status === 403)) return;
  showMessage(err instanceof Error ? err.message : String(err));
}

// ---- contents API ----------------------------------------------------------

export interface ContentsEntry {
  name: string;
  path: string;
  type: "notebook" | "file" | "directory";
  last_modified?: string;
  size?: number | null;
}

export interface DirectoryModel extends ContentsEntry {
  type: "directory";
  content: ContentsEntry[];
}

export const contentsUrl = (path: string): string => `/api/contents/${encodePath(path)}`;
export const filesUrl = (path: string): string => `/files/${encodePath(path)}`;
export const notebookPageUrl = (path: string): string => `/notebooks/${encodePath(path)}`;
export const treePageUrl = (path: string): string => `/tree/${encodePath(path)}`;
