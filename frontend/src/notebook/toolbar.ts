/** The notebook toolbar: buttons that run the registry's commands, and status indicators. */
import { button, h } from "../dom";
import type { CommandRegistry } from "./registry";

export class Toolbar {
  readonly el: HTMLElement;
  readonly status: HTMLElement;
  private readonly kernelStatus: HTMLElement;
  /** The notebook's kernel by name; pressing it offers the others. */
  readonly kernelName: HTMLButtonElement;
  private readonly connectionStatus: HTMLElement;
  private readonly trustButton: HTMLButtonElement;
  private readonly saveButton: HTMLButtonElement;
  private readonly reactiveButton: HTMLButtonElement;
  private kernelState = "none";
  private connected = false;

  constructor(registry: CommandRegistry) {
    const sep = (): HTMLElement => h("span", { class: "toolbar-sep", "aria-hidden": "true" });
    /** A button for a command: its label and keys are the tooltip. */
    const command = (testId: string, label: string, id: string): HTMLButtonElement => {
      const found = registry.get(id);
      if (!found) throw new Error(`no command ${id}`);
      const keys = registry.shortcut(id);
      return button(testId, label, keys ? `${found.label} (${keys})` : found.label, () => registry.run(id));
    };
    this.trustButton = command("trust", "Not trusted", "notebook:trust");
    this.saveButton = command("save", "Save", "notebook:save");
    this.reactiveButton = command("reactive", "Reactive", "notebook:reactive");
    this.reactiveButton.setAttribute("aria-pressed", "false");
    this.el = h(
      "div",
      { class: "notebook-toolbar", role: "toolbar" },
      this.saveButton,
      sep(),
      command("add-cell", "+", "cell:add"),
      command("move-up", "↑", "cell:move-up"),
      command("move-down", "↓", "cell:move-down"),
      sep(),
      command("run", "▶ Run", "cell:run-advance"),
      command("run-all", "Run all", "notebook:run-all"),
      command("run-below", "Run below", "notebook:run-below"),
      command("run-stale", "Run stale", "notebook:run-stale"),
      this.reactiveButton,
      command("interrupt", "■ Stop", "kernel:interrupt"),
      command("restart", "⟳ Restart", "kernel:restart"),
      command("restart-run-all", "Restart & run all", "kernel:restart-run-all"),
      command("clear-outputs", "Clear", "cell:clear-outputs"),
      command("clear-all-outputs", "Clear all", "notebook:clear-all-outputs"),
      sep(),
      command("to-code", "Code", "cell:to-code"),
      command("to-markdown", "Markdown", "cell:to-markdown"),
      sep(),
      this.trustButton,
      sep(),
      command("history", "History", "notebook:history"),
    );
    this.kernelStatus = h("span", { class: "kernel-status", "data-testid": "kernel-status", title: "Kernel status" });
    this.connectionStatus = h("span", { class: "connection-status", "data-testid": "connection-status", title: "Connection to the server" });
    this.kernelName = command("kernel-name", "Python 3", "kernel:change");
    this.kernelName.classList.add("kernel-name");
    const palette = command("palette-open", "Commands", "notebook:palette");
    const contents = command("contents-open", "Contents", "view:contents");
    this.status = h("div", { class: "notebook-status" }, contents, palette, this.connectionStatus, this.kernelName, this.kernelStatus);
    this.render();
  }

  setKernelState(state: string): void {
    this.kernelState = state;
    this.render();
  }

  setKernelName(displayName: string, missing: boolean): void {
    this.kernelName.textContent = displayName;
    this.kernelName.classList.toggle("missing", missing);
    this.kernelName.title = missing ? `${displayName} is not installed here: choose a kernel` : `Kernel: ${displayName}. Choose another`;
  }

  setConnected(connected: boolean): void {
    this.connected = connected;
    this.render();
  }

  setReactive(on: boolean): void {
    this.reactiveButton.setAttribute("aria-pressed", String(on));
    this.reactiveButton.classList.toggle("pressed", on);
  }

  setTrusted(trusted: boolean): void {
    this.trustButton.textContent = trusted ? "✓ Trusted" : "Not trusted";
    this.trustButton.classList.toggle("trusted", trusted);
    this.trustButton.disabled = trusted;
    this.trustButton.title = trusted ? "This notebook is trusted" : "Trust this notebook: render its HTML outputs without sanitizing";
  }

  flashSaved(): void {
    this.saveButton.classList.add("flash");
    this.saveButton.textContent = "✓ Saved";
    window.setTimeout(() => {
      this.saveButton.classList.remove("flash");
      this.saveButton.textContent = "Save";
    }, 1200);
  }

  private render(): void {
    const text = this.connected ? (this.kernelState === "none" ? "no kernel" : this.kernelState) : "reconnecting";
    this.kernelStatus.textContent = text;
    this.kernelStatus.dataset.state = this.connected ? this.kernelState : "reconnecting";
    this.connectionStatus.textContent = this.connected ? "connected" : "reconnecting";
    this.connectionStatus.dataset.state = this.connected ? "connected" : "reconnecting";
  }
}
