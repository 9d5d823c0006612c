/**
 * Other people's cursors and selections in a cell editor (from Yjs awareness).
 *
 * Same idea as y-codemirror.next's yRemoteSelections, but the caret widget holds no
 * text nodes (the name is drawn with CSS), so an editor's text content stays exactly
 * the cell source.
 */
import type { Extension } from "@codemirror/state";
import { Decoration, EditorView, ViewPlugin, WidgetType, type DecorationSet, type ViewUpdate } from "@codemirror/view";
import type { Awareness } from "y-protocols/awareness";
import * as Y from "yjs";

class CaretWidget extends WidgetType {
  constructor(
    readonly color: string,
    readonly name: string,
  ) {
    super();
  }

  toDOM(): HTMLElement {
    const caret = document.createElement("span");
    caret.className = "cm-ySelectionCaret remote-caret";
    caret.style.backgroundColor = this.color;
    caret.style.borderColor = this.color;
    const dot = document.createElement("span");
    dot.className = "cm-ySelectionCaretDot";
    const info = document.createElement("span");
    info.className = "cm-ySelectionInfo remote-caret-name";
    info.dataset.name = this.name;
    caret.append(dot, info);
    caret.title = this.name;
    return caret;
  }

  override eq(other: CaretWidget): boolean {
    return other.color === this.color && other.name === this.name;
  }

  override ignoreEvent(): boolean {
    return true;
  }
}

interface RelCursor {
  anchor: unknown;
  head: unknown;
}

type Deco = { from: number; to: number; value: Decoration };

export function remoteCursors(ytext: Y.Text, awareness: Awareness): Extension {
  const theme = EditorView.baseTheme({
    ".cm-ySelection": {},
    ".remote-caret": {
      position: "relative",
      display: "inline-block",
      width: "2px",
      height: "1.25em",
      verticalAlign: "text-bottom",
      marginLeft: "-1px",
      marginRight: "-1px",
      boxSizing: "border-box",
    },
    ".remote-caret .cm-ySelectionCaretDot": {
      position: "absolute",
      top: "-3px",
      left: "-2px",
      width: "6px",
      height: "6px",
      borderRadius: "50%",
      backgroundColor: "inherit",
    },
    ".remote-caret .remote-caret-name": {
      position: "absolute",
      top: "-1.3em",
      left: "-1px",
      padding: "0 3px",
      fontSize: "11px",
      lineHeight: "1.3em",
      color: "white",
      backgroundColor: "inherit",
      whiteSpace: "nowrap",
      userSelect: "none",
      pointerEvents: "none",
      zIndex: "101",
      opacity: "0",
      transition: "opacity .3s ease-in-out",
      borderRadius: "2px 2px 2px 0",
    },
    ".remote-caret .remote-caret-name::after": { content: "attr(data-name)" },
    ".remote-caret:hover .remote-caret-name, .remote-caret.recent .remote-caret-name": { opacity: "1" },
  });

  const plugin = ViewPlugin.fromClass(
    class {
      decorations: DecorationSet = Decoration.none;
      private destroyed = false;
      private readonly listener: (change: { added: number[]; updated: number[]; removed: number[] }) => void;

      constructor(readonly view: EditorView) {
        this.listener = ({ added, updated, removed }) => {
          const clients = added.concat(updated, removed);
          if (clients.some((id) => id !== awareness.clientID)) {
            // a dispatch from inside another update is not allowed: defer it
            queueMicrotask(() => {
              if (!this.destroyed) this.view.dispatch({});
            });
          }
        };
        awareness.on("change", this.listener);
        this.decorations = this.build(view);
      }

      destroy(): void {
        this.destroyed = true;
        awareness.off("change", this.listener);
      }

      update(update: ViewUpdate): void {
        this.publish(update);
        this.decorations = this.build(update.view);
      }

      /** Put our own cursor into awareness while this editor has focus. */
      private publish(update: ViewUpdate): void {
        const local = awareness.getLocalState();
        if (!local) return;
        const hasFocus = update.view.hasFocus && update.view.dom.ownerDocument.hasFocus();
        if (!hasFocus) return;
        const sel = update.state.selection.main;
        const anchor = Y.createRelativePositionFromTypeIndex(ytext, sel.anchor);
        const head = Y.createRelativePositionFromTypeIndex(ytext, sel.head);
        const current = local["cursor"] as RelCursor | null | undefined;
        if (
          current &&
          Y.compareRelativePositions(Y.createRelativePositionFromJSON(current.anchor), anchor) &&
          Y.compareRelativePositions(Y.createRelativePositionFromJSON(current.head), head)
        ) {
          return;
        }
        awareness.setLocalStateField("cursor", { anchor, head });
      }

      private build(view: EditorView): DecorationSet {
        const ydoc = ytext.doc;
        if (!ydoc) return Decoration.none;
        const decos: Deco[] = [];
        const docLength = view.state.doc.length;
        awareness.getStates().forEach((state, clientId) => {
          if (clientId === awareness.clientID) return;
          const cursor = state["cursor"] as RelCursor | null | undefined;
          if (!cursor || cursor.anchor == null || cursor.head == null) return;
          const anchor = Y.createAbsolutePositionFromRelativePosition(Y.createRelativePositionFromJSON(cursor.anchor), ydoc);
          const head = Y.createAbsolutePositionFromRelativePosition(Y.createRelativePositionFromJSON(cursor.head), ydoc);
          if (!anchor || !head || anchor.type !== ytext || head.type !== ytext) return;
          const user = (state["user"] ?? {}) as { name?: string; color?: string; colorLight?: string };
          const color = user.color ?? "#30bced";
          const colorLight = user.colorLight ?? `${color}33`;
          const name = user.name ?? "anonymous";
          const start = Math.min(anchor.index, head.index, docLength);
          const end = Math.min(Math.max(anchor.index, head.index), docLength);
          if (start < end) {
            const mark = Decoration.mark({ attributes: { style: `background-color: ${colorLight}` }, class: "cm-ySelection" });
            decos.push({ from: start, to: end, value: mark });
          }
          const at = Math.min(head.index, docLength);
          decos.push({ from: at, to: at, value: Decoration.widget({ side: at - start > 0 ? -1 : 1, block: false, widget: new CaretWidget(color, name) }) });
        });
        return Decoration.set(
          decos.map((d) => d.value.range(d.from, d.to)),
          true,
        );
      }
    },
    { decorations: (v) => v.decorations },
  );
  return [theme, plugin];
}
