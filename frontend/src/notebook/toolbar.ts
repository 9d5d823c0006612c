/** The notebook toolbar: run and kernel actions, cell actions, status indicators. */
import { button, h } from "../dom";

export interface ToolbarActions {
  run(): void;
  runAll(): void;
  runBelow(): void;
  runStale(): void;
  toggleReactive(): void;
  interrupt(): void;
  restart(): void;
  restartRunAll(): void;
  chooseKernel(): void;
  clearOutputs(): void;
  clearAllOutputs(): void;
  addCell(): void;
  moveUp(): void;
  moveDown(): void;
  save(): void;
  trust(): void;
  toMarkdown(): void;
  toCode(): void;
  history(): void;
}

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

  constructor(a: ToolbarActions) {
    const sep = (): HTMLElement => h("span", { class: "toolbar-sep", "aria-hidden": "true" });
    this.trustButton = button("trust", "Not trusted", "Trust this notebook: render its HTML and JavaScript outputs", () => a.trust());
    this.saveButton = button("save", "Save", "Save (Ctrl-S)", () => a.save());
    this.reactiveButton = button("reactive", "Reactive", "Reactive mode: after a cell runs, run the cells it made stale", () => a.toggleReactive());
    this.reactiveButton.setAttribute("aria-pressed", "false");
    this.el = h(
      "div",
      { class: "notebook-toolbar", role: "toolbar" },
      this.saveButton,
      sep(),
      button("add-cell", "+", "Insert a cell below (b)", () => a.addCell()),
      button("move-up", "↑", "Move cell up", () => a.moveUp()),
      button("move-down", "↓", "Move cell down", () => a.moveDown()),
      sep(),
      button("run", "▶ Run", "Run the selected cell and select the next (Shift-Enter)", () => a.run()),
      button("run-all", "Run all", "Run all cells", () => a.runAll()),
      button("run-below", "Run below", "Run this cell and all below", () => a.runBelow()),
      button("run-stale", "Run stale", "Run the cells whose outputs no longer match (stale, edited, not run in this kernel) and those that read what they assign", () => a.runStale()),
      this.reactiveButton,
      button("interrupt", "■ Stop", "Interrupt the kernel", () => a.interrupt()),
      button("restart", "⟳ Restart", "Restart the kernel", () => a.restart()),
      button("restart-run-all", "Restart & run all", "Restart the kernel, then run all cells", () => a.restartRunAll()),
      button("clear-outputs", "Clear", "Clear the selected cell's outputs", () => a.clearOutputs()),
      button("clear-all-outputs", "Clear all", "Clear the outputs of every cell", () => a.clearAllOutputs()),
      sep(),
      button("to-code", "Code", "Make the selected cell a code cell (y)", () => a.toCode()),
      button("to-markdown", "Markdown", "Make the selected cell a markdown cell (m)", () => a.toMarkdown()),
      sep(),
      this.trustButton,
      sep(),
      button("history", "History", "Play back what happened to this notebook", () => a.history()),
    );
    this.kernelStatus = h("span", { class: "kernel-status", "data-testid": "kernel-status", title: "Kernel status" });
    this.connectionStatus = h("span", { class: "connection-status", "data-testid": "connection-status", title: "Connection to the server" });
    this.kernelName = button("kernel-name", "Python 3", "The notebook's kernel: choose another", () => a.chooseKernel());
    this.kernelName.classList.add("kernel-name");
    this.status = h("div", { class: "notebook-status" }, this.connectionStatus, this.kernelName, this.kernelStatus);
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
