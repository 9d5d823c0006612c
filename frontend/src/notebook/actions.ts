/**
 * Every command of the notebook page, with its label and keys (JupyterLab's where it has
 * them): the registry's contents. The toolbar, the keys and the palette only name them.
 */
import type { Command } from "./registry";

/** What the commands act on: the notebook page. Cell commands act on every selected cell. */
export interface NotebookActions {
  save(): void;
  openPalette(): void;
  runAndAdvance(): void;
  runInPlace(): void;
  runAndInsert(): void;
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
  editSelected(): void;
  insertAbove(): void;
  insertBelow(): void;
  addCell(): void;
  deleteSelected(): void;
  cut(): void;
  copy(): void;
  paste(where: "above" | "below"): void;
  undo(): void;
  redo(): void;
  setType(type: "code" | "markdown" | "raw"): void;
  selectRelative(delta: number): void;
  extendSelection(delta: number): void;
  selectAll(): void;
  moveSelected(delta: number): void;
  merge(): void;
  split(): void;
  toggleHidden(part: "source" | "outputs"): void;
  toggleLineNumbers(): void;
  trust(): void;
  history(): void;
  download(format: "ipynb" | "py"): void;
  toggleContents(): void;
  find(): void;
  checkpoint(): void;
  revertToCheckpoint(): void;
}

const BOTH = ["command", "edit"] as const;

export function notebookCommands(nb: NotebookActions): Command[] {
  return [
    { id: "notebook:save", label: "Save the notebook", keys: ["Ctrl-S"], modes: BOTH, run: () => nb.save() },
    { id: "notebook:palette", label: "Show all commands", keys: ["Ctrl-Shift-C"], modes: BOTH, run: () => nb.openPalette() },
    { id: "cell:run-advance", label: "Run the selected cells and select below", keys: ["Shift-Enter"], run: () => nb.runAndAdvance() },
    { id: "cell:run", label: "Run the selected cells", keys: ["Ctrl-Enter"], run: () => nb.runInPlace() },
    { id: "cell:run-insert", label: "Run the selected cells and insert below", keys: ["Alt-Enter"], run: () => nb.runAndInsert() },
    { id: "notebook:run-all", label: "Run all cells", run: () => nb.runAll() },
    { id: "notebook:run-below", label: "Run the selected cell and all below", run: () => nb.runBelow() },
    { id: "notebook:run-stale", label: "Run stale cells (stale, edited, not run in this kernel, and what reads them)", run: () => nb.runStale() },
    { id: "notebook:reactive", label: "Reactive mode: run what a run made stale (on or off)", run: () => nb.toggleReactive() },
    { id: "kernel:interrupt", label: "Interrupt the kernel", keys: ["I I"], run: () => nb.interrupt() },
    { id: "kernel:restart", label: "Restart the kernel", keys: ["0 0"], run: () => nb.restart() },
    { id: "kernel:restart-run-all", label: "Restart the kernel and run all cells", run: () => nb.restartRunAll() },
    { id: "kernel:change", label: "Change the kernel", run: () => nb.chooseKernel() },
    { id: "cell:clear-outputs", label: "Clear the selected cells' outputs", run: () => nb.clearOutputs() },
    { id: "notebook:clear-all-outputs", label: "Clear all outputs", run: () => nb.clearAllOutputs() },
    { id: "cell:edit", label: "Edit the selected cell", keys: ["Enter"], run: () => nb.editSelected() },
    { id: "cell:insert-above", label: "Insert a cell above", keys: ["A"], run: () => nb.insertAbove() },
    { id: "cell:insert-below", label: "Insert a cell below", keys: ["B"], run: () => nb.insertBelow() },
    { id: "cell:add", label: "Add a cell below and edit it", run: () => nb.addCell() },
    { id: "cell:delete", label: "Delete the selected cells", keys: ["D D"], run: () => nb.deleteSelected() },
    { id: "cell:cut", label: "Cut the selected cells", keys: ["X"], run: () => nb.cut() },
    { id: "cell:copy", label: "Copy the selected cells", keys: ["C"], run: () => nb.copy() },
    { id: "cell:paste-below", label: "Paste cells below", keys: ["V"], run: () => nb.paste("below") },
    { id: "cell:paste-above", label: "Paste cells above", keys: ["Shift-V"], run: () => nb.paste("above") },
    { id: "notebook:undo", label: "Undo your last cell change", keys: ["Z"], run: () => nb.undo() },
    { id: "notebook:redo", label: "Redo your last undone cell change", keys: ["Shift-Z"], run: () => nb.redo() },
    { id: "cell:to-code", label: "Make the selected cells code", keys: ["Y"], run: () => nb.setType("code") },
    { id: "cell:to-markdown", label: "Make the selected cells markdown", keys: ["M"], run: () => nb.setType("markdown") },
    { id: "cell:to-raw", label: "Make the selected cells raw", keys: ["R"], run: () => nb.setType("raw") },
    { id: "cell:select-above", label: "Select the cell above", keys: ["K", "ArrowUp"], run: () => nb.selectRelative(-1) },
    { id: "cell:select-below", label: "Select the cell below", keys: ["J", "ArrowDown"], run: () => nb.selectRelative(1) },
    { id: "cell:extend-above", label: "Extend the selection above", keys: ["Shift-K", "Shift-ArrowUp"], run: () => nb.extendSelection(-1) },
    { id: "cell:extend-below", label: "Extend the selection below", keys: ["Shift-J", "Shift-ArrowDown"], run: () => nb.extendSelection(1) },
    { id: "notebook:select-all", label: "Select all cells", keys: ["Ctrl-A"], run: () => nb.selectAll() },
    { id: "cell:move-up", label: "Move the selected cells up", keys: ["Ctrl-Shift-ArrowUp"], run: () => nb.moveSelected(-1) },
    { id: "cell:move-down", label: "Move the selected cells down", keys: ["Ctrl-Shift-ArrowDown"], run: () => nb.moveSelected(1) },
    { id: "cell:merge", label: "Merge the selected cells (one: with the cell below)", keys: ["Shift-M"], run: () => nb.merge() },
    { id: "cell:split", label: "Split the cell at the cursor", keys: ["Ctrl-Shift--"], modes: ["edit"], run: () => nb.split() },
    { id: "cell:toggle-outputs", label: "Hide or show the selected cells' outputs", keys: ["O"], run: () => nb.toggleHidden("outputs") },
    { id: "cell:toggle-input", label: "Hide or show the selected cells' input", run: () => nb.toggleHidden("source") },
    { id: "view:line-numbers", label: "Line numbers in every editor (on or off, for you)", keys: ["Shift-L"], run: () => nb.toggleLineNumbers() },
    { id: "notebook:checkpoint", label: "Save and make a checkpoint", run: () => nb.checkpoint() },
    { id: "notebook:revert", label: "Revert to the checkpoint (for everyone)", run: () => nb.revertToCheckpoint() },
    { id: "notebook:download", label: "Download the notebook (.ipynb, as it is now)", run: () => nb.download("ipynb") },
    { id: "notebook:export-py", label: "Export as a Python script (.py, percent format)", run: () => nb.download("py") },
    { id: "notebook:find", label: "Find and replace in every cell", keys: ["Ctrl-F"], modes: BOTH, run: () => nb.find() },
    { id: "view:contents", label: "Table of contents (show or hide)", run: () => nb.toggleContents() },
    { id: "notebook:trust", label: "Trust this notebook (render its HTML and JavaScript)", run: () => nb.trust() },
    { id: "notebook:history", label: "Play back what happened to this notebook", run: () => nb.history() },
  ];
}
