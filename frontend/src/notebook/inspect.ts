/** Shift-Tab: ask the kernel about the name at the cursor and show it in a popup. */
import type { EditorView } from "@codemirror/view";
import { ansiToHtml } from "../render/index";
import { h } from "../dom";
import type { KernelClient } from "./kernel";

let current: HTMLElement | null = null;
let removeListeners: (() => void) | null = null;

export function inspectOpen(): boolean {
  return current !== null;
}

export function closeInspect(): void {
  current?.remove();
  current = null;
  removeListeners?.();
  removeListeners = null;
}

function show(view: EditorView, pos: number, text: string): void {
  closeInspect();
  const coords = view.coordsAtPos(pos) ?? view.coordsAtPos(view.state.selection.main.head);
  const body = h("pre", { class: "inspect-body" });
  body.append(ansiToHtml(text));
  const close = h("button", { type: "button", class: "inspect-close", title: "Close (Esc)", "aria-label": "Close" });
  close.addEventListener("click", closeInspect);
  const tip = h("div", { class: "inspect-tooltip", "data-testid": "inspect-tooltip", role: "tooltip" }, close, body);
  document.body.append(tip);
  const top = (coords?.bottom ?? 100) + window.scrollY + 4;
  const left = Math.min((coords?.left ?? 100) + window.scrollX, window.scrollX + window.innerWidth - 520);
  tip.style.top = `${top}px`;
  tip.style.left = `${Math.max(8, left)}px`;
  current = tip;
  const onDown = (ev: MouseEvent): void => {
    if (!tip.contains(ev.target as Node)) closeInspect();
  };
  const onKey = (ev: KeyboardEvent): void => {
    if (ev.key === "Escape") {
      closeInspect();
      ev.stopPropagation();
      ev.preventDefault();
    } else if (!["Shift", "Tab", "Control", "Alt", "Meta"].includes(ev.key)) {
      closeInspect();
    }
  };
  document.addEventListener("mousedown", onDown, true);
  document.addEventListener("keydown", onKey, true);
  removeListeners = () => {
    document.removeEventListener("mousedown", onDown, true);
    document.removeEventListener("keydown", onKey, true);
  };
}

/** Run an inspect request for the cursor position of `view`. */
export async function inspectAtCursor(view: EditorView, kernel: KernelClient): Promise<void> {
  const pos = view.state.selection.main.head;
  const code = view.state.doc.toString();
  let text: string;
  try {
    const reply = await kernel.inspect(code, pos);
    const plain = reply.data?.["text/plain"];
    text = reply.found && plain ? (Array.isArray(plain) ? plain.join("") : String(plain)) : "No information found.";
  } catch (err) {
    text = `Inspection failed: ${err instanceof Error ? err.message : String(err)}`;
  }
  if (view.state.selection.main.head !== pos && !view.hasFocus) return;
  show(view, pos, text);
}
