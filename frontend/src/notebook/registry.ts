/**
 * The one command registry of the notebook page: keys, the toolbar and the command
 * palette all run commands through it, by id, so a command has one label, one set of
 * keys (shown wherever it is offered) and one implementation.
 *
 * Keys are written as JupyterLab writes them: modifiers first (`Ctrl-`, `Alt-`,
 * `Shift-`, Ctrl standing for Cmd on a Mac too), then the key (`Enter`, `ArrowUp`,
 * `M`, `-`); a sequence of two presses is separated by a space (`D D`).
 */

export type Mode = "command" | "edit";

export interface Command {
  readonly id: string;
  readonly label: string;
  /** The keys that run it (the first is shown), in the mode(s) given by `modes`. */
  readonly keys?: readonly string[];
  /** Where its keys work: command mode (default), or both modes (`Ctrl-S`). */
  readonly modes?: readonly Mode[];
  run(): void;
}

/** The name of a key press, as commands write their keys. */
export function keyName(ev: KeyboardEvent): string {
  let key = ev.key;
  if (ev.code === "Minus") key = "-";
  else if (key === " ") key = "Space";
  else if (key.length === 1) key = key.toUpperCase();
  const mods = [ev.ctrlKey || ev.metaKey ? "Ctrl-" : "", ev.altKey ? "Alt-" : "", ev.shiftKey ? "Shift-" : ""];
  return mods.join("") + key;
}

export class CommandRegistry {
  private readonly commands = new Map<string, Command>();
  /** Key (or first key of a sequence) and mode → command ids. */
  private readonly bindings = new Map<string, string>();

  add(...commands: Command[]): void {
    for (const command of commands) {
      if (this.commands.has(command.id)) throw new Error(`command ${command.id} registered twice`);
      this.commands.set(command.id, command);
      for (const keys of command.keys ?? []) {
        for (const mode of command.modes ?? ["command"]) this.bindings.set(`${mode} ${keys}`, command.id);
      }
    }
  }

  get(id: string): Command | undefined {
    return this.commands.get(id);
  }

  /** Every command, by label. */
  list(): Command[] {
    return [...this.commands.values()].sort((a, b) => a.label.localeCompare(b.label));
  }

  run(id: string): void {
    const command = this.commands.get(id);
    if (!command) throw new Error(`no command ${id}`);
    command.run();
  }

  /** The command these keys run in `mode` (`keys` is one press, or two separated by a space). */
  bound(mode: Mode, keys: string): Command | undefined {
    const id = this.bindings.get(`${mode} ${keys}`);
    return id === undefined ? undefined : this.commands.get(id);
  }

  /** Whether some command's keys start with this press (the first of a sequence). */
  starts(mode: Mode, key: string): boolean {
    const prefix = `${mode} ${key} `;
    for (const binding of this.bindings.keys()) if (binding.startsWith(prefix)) return true;
    return false;
  }

  /** The keys shown for a command (its first), or "". */
  shortcut(id: string): string {
    return this.commands.get(id)?.keys?.[0] ?? "";
  }
}
