/**
 * The command palette (Ctrl-Shift-C): every command of the registry with its keys, filtered
 * as one types (every word typed must appear in the label or the keys; labels holding the
 * words as typed come first); arrows move, Enter
 * runs, Escape or a click outside closes. The command runs after the palette has closed,
 * so it acts on the notebook as it was when the palette opened.
 */
import { h } from "../dom";
import type { Command, CommandRegistry } from "./registry";

function matches(command: Command, words: string[]): boolean {
  const text = `${command.label} ${(command.keys ?? []).join(" ")}`.toLowerCase();
  return words.every((word) => text.includes(word));
}

export function openPalette(registry: CommandRegistry, restoreFocus: () => void): void {
  if (document.querySelector("dialog.palette")) return;
  const dialog = h("dialog", { class: "palette", "data-testid": "palette", "aria-label": "Commands" });
  const input = h("input", { type: "search", class: "palette-input", "data-testid": "palette-input", placeholder: "Type a command", "aria-label": "Search commands" });
  const list = h("ul", { class: "palette-list", role: "listbox", "aria-label": "Commands" });
  let shown: Command[] = [];
  let active = 0;

  const close = (then?: Command): void => {
    dialog.close();
    dialog.remove();
    restoreFocus();
    then?.run();
  };
  const render = (): void => {
    const typed = input.value.toLowerCase().trim();
    const words = typed.split(/\s+/).filter(Boolean);
    const found = registry.list().filter((command) => matches(command, words));
    // Labels holding what was typed as one phrase come first.
    const phrase = (command: Command): number => (command.label.toLowerCase().includes(typed) ? 0 : 1);
    shown = found.sort((a, b) => phrase(a) - phrase(b));
    active = Math.min(active, Math.max(shown.length - 1, 0));
    list.replaceChildren(
      ...shown.map((command, i) => {
        const item = h(
          "li",
          { class: "palette-item", role: "option", "data-testid": "palette-item", "data-command": command.id, "aria-selected": i === active ? "true" : "false" },
          h("span", { class: "palette-label" }, command.label),
          h("kbd", { class: "palette-keys" }, command.keys?.[0] ?? ""),
        );
        item.addEventListener("mousedown", (ev) => ev.preventDefault());
        item.addEventListener("click", () => close(command));
        return item;
      }),
    );
    list.querySelector('[aria-selected="true"]')?.scrollIntoView({ block: "nearest" });
  };

  input.addEventListener("input", () => {
    active = 0;
    render();
  });
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      if (shown.length) active = (active + (ev.key === "ArrowDown" ? 1 : -1) + shown.length) % shown.length;
      render();
    } else if (ev.key === "Enter") {
      ev.preventDefault();
      const command = shown[active];
      if (command) close(command);
    }
    ev.stopPropagation(); // the notebook's keys stay out of the palette
  });
  dialog.addEventListener("cancel", (ev) => {
    ev.preventDefault();
    close();
  });
  dialog.addEventListener("click", (ev) => {
    if (ev.target === dialog) close(); // the backdrop
  });
  dialog.append(input, list);
  document.body.append(dialog);
  render();
  dialog.showModal();
  input.focus();
}
