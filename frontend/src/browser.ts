/** The file browser: list a directory, open, create, rename, delete, upload, download. */
import {
  contentsUrl,
  filesUrl,
  getJSON,
  notebookPageUrl,
  postJSON,
  reportError,
  sendJSON,
  showMessage,
  treePageUrl,
  type ContentsEntry,
  type DirectoryModel,
} from "./api";
import { installedKernels } from "./kernelspecs";
import { basename, button, dirname, h, joinPath } from "./dom";

function openUrl(entry: ContentsEntry): string {
  if (entry.type === "directory") return treePageUrl(entry.path);
  if (entry.type === "notebook" || entry.path.endsWith(".ipynb")) return notebookPageUrl(entry.path);
  return filesUrl(entry.path);
}

function formatSize(size: number | null | undefined): string {
  if (size === null || size === undefined) return "";
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} kB`;
  return `${(size / 1024 / 1024).toFixed(1)} MB`;
}

function formatTime(iso: string | undefined): string {
  if (!iso) return "";
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return "";
  const seconds = (Date.now() - t) / 1000;
  if (seconds < 60) return "seconds ago";
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return new Date(t).toLocaleDateString();
}

function sortEntries(entries: ContentsEntry[]): ContentsEntry[] {
  const rank = (e: ContentsEntry): number => (e.type === "directory" ? 0 : 1);
  return [...entries].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}

function readAsBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const url = String(reader.result);
      resolve(url.slice(url.indexOf(",") + 1));
    };
    reader.onerror = () => reject(reader.error ?? new Error("read failed"));
    reader.readAsDataURL(file);
  });
}

async function uploadFile(dir: string, file: File): Promise<void> {
  const path = joinPath(dir, file.name);
  if (file.name.endsWith(".ipynb")) {
    try {
      const content: unknown = JSON.parse(await file.text());
      await sendJSON("PUT", contentsUrl(path), { type: "notebook", format: "json", content, name: file.name, path });
      return;
    } catch (err) {
      if (!(err instanceof SyntaxError)) throw err;
      // not valid JSON: upload the bytes as a plain file
    }
  }
  const content = await readAsBase64(file);
  await sendJSON("PUT", contentsUrl(path), { type: "file", format: "base64", content, name: file.name, path });
}

/** Render the file browser for directory `dir` ("" = root) into `root`. */
export function mountBrowser(root: HTMLElement, dir: string): void {
  document.title = dir ? `${basename(dir)} – interlace` : "Files – interlace";

  const list = h("div", { class: "file-list", role: "list" });
  const breadcrumbs = h("nav", { class: "breadcrumbs", "data-testid": "breadcrumbs" });
  const crumbs: Array<[string, string]> = [["Files", ""]];
  let acc = "";
  for (const part of dir.split("/").filter((p) => p !== "")) {
    acc = joinPath(acc, part);
    crumbs.push([part, acc]);
  }
  crumbs.forEach(([label, path], i) => {
    if (i > 0) breadcrumbs.append(h("span", { class: "sep" }, "/"));
    breadcrumbs.append(h("a", { href: treePageUrl(path) }, label));
  });

  const refresh = async (): Promise<void> => {
    try {
      const model = await getJSON<DirectoryModel>(`${contentsUrl(dir)}?content=1`);
      renderRows(model.content ?? []);
    } catch (err) {
      list.replaceChildren(h("div", { class: "file-empty error" }, `Could not list this folder: ${String(err)}`));
      reportError(err);
    }
  };

  const create = async (body: Record<string, string>, open: boolean): Promise<void> => {
    try {
      const model = await postJSON<ContentsEntry>(contentsUrl(dir), body);
      if (body["type"] === "notebook" && model?.path) await nameKernel(model.path);
      if (open && model?.path) {
        location.assign(notebookPageUrl(model.path));
        return;
      }
      await refresh();
    } catch (err) {
      reportError(err);
    }
  };

  // New notebooks name their kernel in their metadata, as JupyterLab's launcher does.
  const kernelSelect = h("select", { class: "kernel-select", "data-testid": "new-notebook-kernel", "aria-label": "Kernel for new notebooks" });
  const kernels = installedKernels().then((installed) => {
    kernelSelect.replaceChildren(
      ...installed.kernels.map((k) => h("option", { value: k.name, selected: k.name === installed.default }, k.display_name)),
    );
    return installed.kernels;
  });
  kernels.catch(() => undefined); // without the list, notebooks run on the server's default

  const nameKernel = async (path: string): Promise<void> => {
    const kernel = (await kernels.catch(() => [])).find((k) => k.name === kernelSelect.value);
    if (!kernel) return;
    const metadata = { kernelspec: { name: kernel.name, display_name: kernel.display_name, language: kernel.language }, language_info: { name: kernel.language } };
    const content = { cells: [], metadata, nbformat: 4, nbformat_minor: 5 };
    await sendJSON("PUT", contentsUrl(path), { type: "notebook", format: "json", content });
  };

  const rename = async (entry: ContentsEntry): Promise<void> => {
    const name = window.prompt(`Rename ${entry.name} to:`, entry.name);
    if (name === null) return;
    const trimmed = name.trim();
    if (!trimmed || trimmed === entry.name) return;
    try {
      await sendJSON("PATCH", contentsUrl(entry.path), { path: joinPath(dirname(entry.path), trimmed) });
      await refresh();
    } catch (err) {
      reportError(err);
    }
  };

  const remove = async (entry: ContentsEntry): Promise<void> => {
    if (!window.confirm(`Delete ${entry.name}?`)) return;
    try {
      await sendJSON("DELETE", contentsUrl(entry.path));
      await refresh();
    } catch (err) {
      reportError(err);
    }
  };

  const renderRows = (entries: ContentsEntry[]): void => {
    const rows: HTMLElement[] = [];
    if (dir) {
      rows.push(
        h(
          "div",
          { class: "file-row file-parent" },
          h("span", { class: "file-icon icon-up", "aria-hidden": "true" }),
          h("a", { class: "file-up", href: treePageUrl(dirname(dir)) }, ".."),
        ),
      );
    }
    for (const entry of sortEntries(entries)) {
      const actions = h("span", { class: "file-actions" });
      const renameBtn = h("button", { type: "button", class: "btn btn-small", "data-action": "rename", title: "Rename" }, "Rename");
      renameBtn.addEventListener("click", () => void rename(entry));
      const deleteBtn = h("button", { type: "button", class: "btn btn-small btn-danger", "data-action": "delete", title: "Delete" }, "Delete");
      deleteBtn.addEventListener("click", () => void remove(entry));
      actions.append(renameBtn, deleteBtn);
      if (entry.type !== "directory") {
        actions.append(
          h("a", { class: "btn btn-small", "data-action": "download", href: filesUrl(entry.path), download: entry.name, title: "Download" }, "Download"),
        );
      }
      rows.push(
        h(
          "div",
          { class: "file-row", role: "listitem", "data-testid": "file-row", "data-path": entry.path, "data-type": entry.type },
          h("span", { class: `file-icon icon-${entry.type}`, "aria-hidden": "true" }),
          h("a", { class: "file-name", href: openUrl(entry) }, entry.name),
          h("span", { class: "file-modified", title: entry.last_modified ?? "" }, formatTime(entry.last_modified)),
          h("span", { class: "file-size" }, entry.type === "directory" ? "" : formatSize(entry.size)),
          actions,
        ),
      );
    }
    if (entries.length === 0) rows.push(h("div", { class: "file-empty" }, "This folder is empty."));
    list.replaceChildren(...rows);
  };

  const upload = h("input", { type: "file", multiple: true, "data-testid": "upload-input", class: "upload-input", id: "upload-input" });
  upload.addEventListener("change", async () => {
    const files = Array.from(upload.files ?? []);
    upload.value = "";
    for (const file of files) {
      try {
        await uploadFile(dir, file);
      } catch (err) {
        reportError(err);
      }
    }
    if (files.length) showMessage(`Uploaded ${files.length} file${files.length > 1 ? "s" : ""}`, "info");
    await refresh();
  });

  const toolbar = h(
    "div",
    { class: "browser-toolbar" },
    kernelSelect,
    button("new-notebook", "+ Notebook", "New notebook on the kernel chosen beside", () => void create({ type: "notebook" }, true)),
    button("new-file", "+ File", "New text file", () => void create({ type: "file", ext: ".txt" }, false)),
    button("new-folder", "+ Folder", "New folder", () => void create({ type: "directory" }, false)),
    h("label", { class: "btn upload-label", for: "upload-input", title: "Upload files" }, "Upload", upload),
    button("refresh", "⟳", "Refresh", () => void refresh()),
  );

  root.replaceChildren(
    h("section", { class: "file-browser", "data-testid": "file-browser" }, h("div", { class: "browser-head" }, breadcrumbs, toolbar), list),
  );
  void refresh().then(() => {
    document.body.dataset.ready = "true";
  });
}
