/**
 * The Jupyter keyboard model: keys run the registry's commands. Command-mode keys work
 * when no editor or field has the focus; keys a command also binds in edit mode (`Ctrl-S`,
 * `Ctrl-Shift-C`) work in editors too, unless the editor handled them. The keys editors
 * handle themselves (Shift-Enter and friends) live in editor.ts.
 */
import { keyName, type CommandRegistry, type Mode } from "./registry";

export interface KeyTarget {
  mode(): Mode;
  /** True while the notebook keys are off (e.g. during history playback). */
  suspended?(): boolean;
}

/** How long the second press of a sequence (`D D`) may wait for the first. */
const SEQUENCE_MS = 800;

const MODIFIERS = new Set(["Shift", "Control", "Alt", "Meta"]);

function isTextField(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target.closest(".cm-editor")) return true;
  return target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement;
}

function isPressable(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target instanceof HTMLButtonElement || target instanceof HTMLAnchorElement || target.tagName === "SUMMARY";
}

/** Listen for notebook keys on the document; returns a function that stops listening. */
export function installKeyboard(registry: CommandRegistry, target: KeyTarget): () => void {
  let first = "";
  let firstAt = 0;

  const onKey = (ev: KeyboardEvent): void => {
    if (MODIFIERS.has(ev.key) || ev.defaultPrevented) return;
    const key = keyName(ev);
    const inField = isTextField(ev.target) || target.mode() === "edit";
    if (inField || target.suspended?.()) {
      // Only keys bound in edit mode too (save, the palette); during playback, save alone.
      const command = registry.bound("edit", key);
      if (command && (!target.suspended?.() || command.id === "notebook:save")) {
        ev.preventDefault();
        command.run();
      }
      return;
    }
    // Enter and Space on a focused button or link press it, as everywhere else.
    if ((key === "Enter" || key === "Space") && isPressable(ev.target)) return;
    const sequence = first && Date.now() - firstAt < SEQUENCE_MS ? registry.bound("command", `${first} ${key}`) : undefined;
    first = "";
    const command = sequence ?? registry.bound("command", key);
    if (command) {
      ev.preventDefault();
      command.run();
    } else if (registry.starts("command", key)) {
      ev.preventDefault();
      first = key;
      firstAt = Date.now();
    }
  };

  document.addEventListener("keydown", onKey);
  return () => document.removeEventListener("keydown", onKey);
}
