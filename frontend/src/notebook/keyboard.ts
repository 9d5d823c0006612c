/** The Jupyter keyboard model for command mode (edit-mode keys live in editor.ts). */

export interface CommandTarget {
  mode(): "command" | "edit";
  /** True while the notebook keys are off (e.g. during history playback). */
  suspended?(): boolean;
  save(): void;
  editSelected(): void;
  runAndAdvance(): void;
  runInPlace(): void;
  runAndInsert(): void;
  insertAbove(): void;
  insertBelow(): void;
  deleteSelected(): void;
  undoDelete(): void;
  toMarkdown(): void;
  toCode(): void;
  toRaw(): void;
  selectRelative(delta: number): void;
  moveSelected(delta: number): void;
  interrupt(): void;
  restart(): void;
}

function isTextField(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  return target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement;
}

function isPressable(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target instanceof HTMLButtonElement || target instanceof HTMLAnchorElement || target.tagName === "SUMMARY";
}

/** Listen for notebook keys on the document; returns a function that stops listening. */
export function installKeyboard(nb: CommandTarget): () => void {
  let lastKey = "";
  let lastTime = 0;
  const double = (key: string): boolean => {
    const now = Date.now();
    const hit = lastKey === key && now - lastTime < 800;
    lastKey = hit ? "" : key;
    lastTime = now;
    return hit;
  };

  const onKey = (ev: KeyboardEvent): void => {
    const mod = ev.ctrlKey || ev.metaKey;
    if (mod && !ev.altKey && !ev.shiftKey && ev.key.toLowerCase() === "s") {
      ev.preventDefault();
      nb.save();
      return;
    }
    if (nb.suspended?.()) return;
    if (ev.defaultPrevented || nb.mode() !== "command" || isTextField(ev.target)) return;
    if (ev.target instanceof HTMLElement && ev.target.closest(".cm-editor")) return;
    // Enter and Space on a focused button or link press it, as everywhere else.
    if ((ev.key === "Enter" || ev.key === " ") && isPressable(ev.target)) return;

    if (ev.key !== "d" && ev.key !== "i" && ev.key !== "0" && ev.key !== "Shift") lastKey = "";
    let handled = true;
    if (ev.key === "Enter") {
      if (ev.shiftKey) nb.runAndAdvance();
      else if (mod) nb.runInPlace();
      else if (ev.altKey) nb.runAndInsert();
      else nb.editSelected();
    } else if (mod || ev.altKey) {
      handled = false;
    } else if (ev.key === "ArrowUp" || ev.key === "k") {
      if (ev.shiftKey) handled = false;
      else nb.selectRelative(-1);
    } else if (ev.key === "ArrowDown" || ev.key === "j") {
      if (ev.shiftKey) handled = false;
      else nb.selectRelative(1);
    } else {
      switch (ev.key) {
        case "a":
          nb.insertAbove();
          break;
        case "b":
          nb.insertBelow();
          break;
        case "d":
          if (double("d")) nb.deleteSelected();
          break;
        case "z":
          nb.undoDelete();
          break;
        case "m":
          nb.toMarkdown();
          break;
        case "y":
          nb.toCode();
          break;
        case "r":
          nb.toRaw();
          break;
        case "i":
          if (double("i")) nb.interrupt();
          break;
        case "0":
          if (double("0")) nb.restart();
          break;
        default:
          handled = false;
      }
    }
    if (handled) ev.preventDefault();
  };

  document.addEventListener("keydown", onKey);
  return () => document.removeEventListener("keydown", onKey);
}
