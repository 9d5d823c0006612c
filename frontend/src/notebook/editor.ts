/** CodeMirror 6 editor for one cell, bound to its Y.Text with yCollab. */
import { type CompletionSource, acceptCompletion, autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap, completionStatus, startCompletion } from "@codemirror/autocomplete";
import { defaultKeymap, indentLess, indentMore } from "@codemirror/commands";
import { markdown } from "@codemirror/lang-markdown";
import { python } from "@codemirror/lang-python";
import { bracketMatching, defaultHighlightStyle, indentOnInput, indentUnit, syntaxHighlighting } from "@codemirror/language";
import { highlightSelectionMatches, searchKeymap } from "@codemirror/search";
import { Compartment, EditorState, Prec, type Extension } from "@codemirror/state";
import { drawSelection, dropCursor, EditorView, keymap, lineNumbers, placeholder } from "@codemirror/view";
import { yCollab, yUndoManagerKeymap } from "y-codemirror.next";
import type { Awareness } from "y-protocols/awareness";
import type * as Y from "yjs";
import { showMessage } from "../api";
import { onSettings, settings } from "../settings";
import type { CellType } from "./document";
import { remoteCursors } from "./remote-cursors";

/** What the notebook wants to hear from an editor. */
export interface EditorHooks {
  runAndAdvance(): void;
  runInPlace(): void;
  runAndInsert(): void;
  escape(): void;
  focused(): void;
  /** Arrow up on the first line / down on the last line. */
  leave(direction: -1 | 1): boolean;
  inspect(view: EditorView): void;
  closePopups(): boolean;
  completionSource: CompletionSource;
  /** Attach an image to the cell (a markdown cell's pasted or dropped image); the name given. */
  attach(name: string, mime: string, base64: string): string;
}

/** Past this, a pasted or dropped image is refused rather than swelling the notebook. */
const MAX_IMAGE_BYTES = 10 * 1024 * 1024;

function base64Of(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ""));
    reader.onerror = () => reject(reader.error ?? new Error("the image could not be read"));
    reader.readAsDataURL(file);
  });
}

function languageFor(type: CellType): Extension {
  if (type === "code") return python();
  if (type === "markdown") return [markdown(), EditorView.lineWrapping];
  return EditorView.lineWrapping;
}

/** Tab: complete when there is a word before the cursor, otherwise indent. */
function tabCommand(view: EditorView): boolean {
  if (completionStatus(view.state) === "active") return acceptCompletion(view);
  const sel = view.state.selection.main;
  if (!sel.empty || view.state.selection.ranges.length > 1) return indentMore(view);
  const line = view.state.doc.lineAt(sel.head);
  const before = line.text.slice(0, sel.head - line.from);
  if (/[\w.)\]'"]$/.test(before) && before.trim() !== "") return startCompletion(view);
  const col = before.length;
  const spaces = 4 - (col % 4);
  view.dispatch(view.state.replaceSelection(" ".repeat(spaces)), { scrollIntoView: true, userEvent: "input" });
  return true;
}

export class CellEditor {
  readonly view: EditorView;
  private type: CellType;
  private readonly language = new Compartment();
  private readonly gutter = new Compartment();
  private readonly stopSettings: () => void;

  constructor(parent: HTMLElement, ytext: Y.Text, awareness: Awareness, type: CellType, hooks: EditorHooks) {
    this.type = type;
    /** Images pasted or dropped into a markdown cell become its attachments, linked at `at`. */
    const images = (data: DataTransfer | null, view: EditorView, at: number): boolean => {
      const files = [...(data?.files ?? [])].filter((file) => file.type.startsWith("image/"));
      if (this.type !== "markdown" || !files.length) return false;
      void (async () => {
        for (const file of files) {
          if (file.size > MAX_IMAGE_BYTES) {
            showMessage(`${file.name || "The image"} is over 10 MiB: not attached`);
            continue;
          }
          const name = hooks.attach(file.name || "image.png", file.type, await base64Of(file));
          const link = `![${name}](attachment:${encodeURIComponent(name)})`;
          const pos = Math.min(at, view.state.doc.length);
          view.dispatch({ changes: { from: pos, insert: link }, selection: { anchor: pos + link.length }, userEvent: "input.paste" });
          at = pos + link.length;
        }
      })().catch((err: unknown) => showMessage(err instanceof Error ? err.message : String(err)));
      return true;
    };
    const onLine = (view: EditorView, dir: -1 | 1): boolean => {
      const sel = view.state.selection.main;
      if (!sel.empty || completionStatus(view.state) === "active") return false;
      const line = view.state.doc.lineAt(sel.head);
      if (dir < 0 && line.number !== 1) return false;
      if (dir > 0 && line.number !== view.state.doc.lines) return false;
      return hooks.leave(dir);
    };
    const notebookKeys = Prec.highest(
      keymap.of([
        { key: "Shift-Enter", run: () => (hooks.runAndAdvance(), true) },
        { key: "Mod-Enter", run: () => (hooks.runInPlace(), true) },
        { key: "Alt-Enter", run: () => (hooks.runAndInsert(), true) },
        {
          key: "Escape",
          run: (view) => {
            if (completionStatus(view.state) !== null) return false;
            if (hooks.closePopups()) return true;
            hooks.escape();
            return true;
          },
        },
        { key: "Tab", run: tabCommand, shift: (view) => (hooks.inspect(view), true) },
        { key: "Mod-]", run: indentMore },
        { key: "Mod-[", run: indentLess },
        { key: "ArrowUp", run: (view) => onLine(view, -1) },
        { key: "ArrowDown", run: (view) => onLine(view, 1) },
      ]),
    );
    const state = EditorState.create({
      doc: ytext.toString(),
      extensions: [
        notebookKeys,
        // Ctrl-F is the notebook's find and replace, across every cell.
        keymap.of([...closeBracketsKeymap, ...yUndoManagerKeymap, ...defaultKeymap, ...searchKeymap.filter((b) => b.key !== "Mod-f"), ...completionKeymap]),
        drawSelection(),
        dropCursor(),
        indentOnInput(),
        bracketMatching(),
        closeBrackets(),
        highlightSelectionMatches(),
        indentUnit.of("    "),
        EditorState.tabSize.of(4),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        // Completion opens only on Tab, so Enter right after it picks, as in JupyterLab: no
        // delay in which a quick Enter would be swallowed (CodeMirror waits 75 ms by default).
        autocompletion({ override: [hooks.completionSource], activateOnTyping: false, icons: true, interactionDelay: 0 }),
        placeholder(type === "markdown" ? "Markdown text" : ""),
        this.language.of(languageFor(type)),
        this.gutter.of(settings().lineNumbers ? lineNumbers() : []),
        // text sync and undo from y-codemirror.next; cursors drawn by remote-cursors.ts
        yCollab(ytext, null),
        remoteCursors(ytext, awareness),
        EditorView.domEventHandlers({
          paste: (ev, view) => images(ev.clipboardData, view, view.state.selection.main.head) && (ev.preventDefault(), true),
          drop: (ev, view) => images(ev.dataTransfer, view, view.posAtCoords({ x: ev.clientX, y: ev.clientY }) ?? view.state.selection.main.head) && (ev.preventDefault(), true),
        }),
        EditorView.updateListener.of((u) => {
          if (u.focusChanged && u.view.hasFocus) hooks.focused();
        }),
        // Reached by Enter or a click, never by Tab: in command mode Tab moved into the
        // first cell's editor, and each further Tab indented it (an edit nobody meant).
        EditorView.contentAttributes.of({ tabindex: "-1" }),
      ],
    });
    this.view = new EditorView({ state, parent });
    this.stopSettings = onSettings(({ lineNumbers: on }) => {
      this.view.dispatch({ effects: this.gutter.reconfigure(on ? lineNumbers() : []) });
    });
  }

  setType(type: CellType): void {
    this.type = type;
    this.view.dispatch({ effects: this.language.reconfigure(languageFor(type)) });
  }

  focus(atEnd = false): void {
    this.view.focus();
    if (atEnd) this.view.dispatch({ selection: { anchor: this.view.state.doc.length } });
  }

  blur(): void {
    this.view.contentDOM.blur();
  }

  destroy(): void {
    this.stopSettings();
    this.view.destroy();
  }
}
