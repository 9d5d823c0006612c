/**
 * Cells cut or copied (x, c) and pasted (v, Shift-V): kept in the browser's local storage,
 * so they paste into another notebook or another tab of the same server too.
 */
import type { CellSnapshot, CellType } from "./document";

const KEY = "interlace:cells";
/** Past this, a copy is refused rather than filling local storage. */
const MAX_CHARACTERS = 4_000_000;

export type CopiedCell = Omit<CellSnapshot, "id" | "index">;

export function copyCells(cells: CellSnapshot[]): boolean {
  const copied: CopiedCell[] = cells.map(({ id: _id, index: _index, ...cell }) => cell);
  const text = JSON.stringify({ cells: copied });
  if (text.length > MAX_CHARACTERS) return false;
  try {
    localStorage.setItem(KEY, text);
    return true;
  } catch {
    return false; // storage full or refused
  }
}

function isCellType(value: unknown): value is CellType {
  return value === "code" || value === "markdown" || value === "raw";
}

/** The cells last copied, as far as they are still well-formed. */
export function copiedCells(): CopiedCell[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(localStorage.getItem(KEY) ?? "null");
  } catch {
    return [];
  }
  const cells = parsed && typeof parsed === "object" ? (parsed as { cells?: unknown }).cells : null;
  if (!Array.isArray(cells)) return [];
  return cells.flatMap((cell: unknown): CopiedCell[] => {
    if (!cell || typeof cell !== "object") return [];
    const c = cell as Record<string, unknown>;
    if (!isCellType(c["cell_type"]) || typeof c["source"] !== "string") return [];
    const metadata = c["metadata"] && typeof c["metadata"] === "object" ? (c["metadata"] as Record<string, unknown>) : {};
    const copied: CopiedCell = { cell_type: c["cell_type"], source: c["source"], metadata };
    if (Array.isArray(c["outputs"])) copied.outputs = c["outputs"];
    if (typeof c["execution_count"] === "number") copied.execution_count = c["execution_count"];
    return [copied];
  });
}
