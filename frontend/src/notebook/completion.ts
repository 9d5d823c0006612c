/** Kernel completion (Tab) for code cells: a CodeMirror async completion source. */
import type { Completion, CompletionContext, CompletionResult } from "@codemirror/autocomplete";
import type { KernelClient } from "./kernel";

const TYPE_MAP: Record<string, string> = {
  function: "function",
  builtin_function_or_method: "function",
  method: "method",
  class: "class",
  type: "class",
  module: "namespace",
  keyword: "keyword",
  statement: "variable",
  instance: "variable",
  param: "variable",
  path: "text",
  property: "property",
};

interface ExperimentalType {
  text?: string;
  type?: string;
  signature?: string;
}

export function kernelCompletionSource(kernel: KernelClient, isCode: () => boolean) {
  return async (ctx: CompletionContext): Promise<CompletionResult | null> => {
    if (!isCode()) return null;
    const word = ctx.matchBefore(/[\w.]+$/);
    if (!ctx.explicit && !word) return null;
    const code = ctx.state.doc.toString();
    let reply;
    try {
      reply = await kernel.complete(code, ctx.pos);
    } catch {
      return null;
    }
    if (ctx.aborted || !reply.matches?.length) return null;
    const types = new Map<string, ExperimentalType>();
    const experimental = reply.metadata?.["_jupyter_types_experimental"];
    if (Array.isArray(experimental)) {
      for (const t of experimental as ExperimentalType[]) if (t.text) types.set(t.text, t);
    }
    const from = Math.min(reply.cursor_start, ctx.pos);
    const options: Completion[] = reply.matches.map((m, i) => {
      const t = types.get(m);
      return {
        label: m,
        type: t?.type ? (TYPE_MAP[t.type] ?? t.type) : undefined,
        detail: t?.signature || undefined,
        boost: -i / 1000,
      };
    });
    return { from, to: Math.max(reply.cursor_end, ctx.pos), options, validFor: /^[\w.]*$/ };
  };
}
