/** Entry point: the page header and a router on location.pathname. */
import "katex/dist/katex.min.css";
import "./render/render.css";
import "./style.css";
import { decodePath, treePageUrl } from "./api";
import { mountBrowser } from "./browser";
import { basename, dirname, h } from "./dom";
import { getUser, loadUser, setUserName } from "./user";

type Route = { page: "tree"; path: string } | { page: "notebook"; path: string };

export function route(pathname: string): Route {
  const m = /^\/notebooks\/(.+)$/.exec(pathname);
  if (m) return { page: "notebook", path: decodePath(m[1]!) };
  const t = /^\/tree(?:\/(.*))?$/.exec(pathname);
  return { page: "tree", path: t ? decodePath(t[1] ?? "") : "" };
}

function header(title: Node, slot: HTMLElement): HTMLElement {
  const nameInput = h("input", {
    type: "text",
    class: "user-name",
    "data-testid": "user-name",
    value: getUser().name,
    placeholder: "your name",
    maxlength: 40,
    "aria-label": "Your name",
    spellcheck: "false",
  });
  nameInput.addEventListener("input", () => setUserName(nameInput.value));
  nameInput.addEventListener("keydown", (ev) => {
    ev.stopPropagation();
    if (ev.key === "Enter") nameInput.blur();
  });
  const swatch = h("span", { class: "user-swatch", "aria-hidden": "true" });
  swatch.style.background = getUser().color;
  return h(
    "header",
    { class: "app-header" },
    h("a", { class: "logo", href: "/tree/", title: "Files" }, "interlace"),
    h("div", { class: "header-title" }, title),
    slot,
    h("label", { class: "user-label", title: "Your name, shown to others and on the cells you run" }, swatch, nameInput),
  );
}

async function main(): Promise<void> {
  const app = document.getElementById("app") ?? document.body;
  const r = route(location.pathname);
  // fetch the notebook code while the user is loaded
  const notebookModule = r.page === "notebook" ? import("./notebook/notebook") : null;
  await loadUser();
  const slot = h("div", { class: "header-slot" });
  const page = h("div", { class: "page" });
  if (r.page === "notebook") {
    const folder = dirname(r.path);
    const title = h(
      "span",
      { class: "notebook-title" },
      h("a", { class: "folder-link", href: treePageUrl(folder), title: "Open the folder" }, folder ? `${folder}/` : "/"),
      h("span", { class: "notebook-name", "data-testid": "notebook-name" }, basename(r.path)),
    );
    app.replaceChildren(header(title, slot), page);
    const { mountNotebook } = await notebookModule!;
    mountNotebook(page, slot, r.path);
  } else {
    app.replaceChildren(header(h("span", { class: "page-name" }, "Files"), slot), page);
    mountBrowser(page, r.path);
  }
}

void main();
