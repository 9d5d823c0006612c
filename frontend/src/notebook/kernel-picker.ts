/**
 * The kernel picker: a modal list of the installed kernels, the notebook's own marked.
 * Choosing one resolves with its name; Escape, the close button or a click outside
 * resolves with null.
 */
import { h } from "../dom";
import type { KernelChoice } from "../kernelspecs";

export function pickKernel(kernels: KernelChoice[], current: string | null): Promise<string | null> {
  return new Promise((resolve) => {
    const dialog = h("dialog", { class: "kernel-picker", "data-testid": "kernel-picker", "aria-label": "Choose a kernel" });
    const done = (name: string | null): void => {
      dialog.close();
      dialog.remove();
      resolve(name);
    };
    const choices = kernels.map((kernel) => {
      const chosen = kernel.name === current;
      const choice = h(
        "button",
        { type: "button", class: "kernel-choice btn", "data-testid": "kernel-choice", "data-name": kernel.name, "aria-current": chosen ? "true" : null },
        h("span", { class: "kernel-choice-name" }, kernel.display_name),
        h("span", { class: "kernel-choice-detail" }, `${kernel.name}${kernel.language ? ` · ${kernel.language}` : ""}${chosen ? " · this notebook's" : ""}`),
      );
      choice.addEventListener("click", () => done(kernel.name));
      return choice;
    });
    const close = h("button", { type: "button", class: "btn", "data-testid": "kernel-picker-close" }, "Cancel");
    close.addEventListener("click", () => done(null));
    dialog.append(
      h("h2", {}, "Choose a kernel"),
      h("p", { class: "kernel-picker-note" }, "Everyone on this notebook moves to the kernel chosen; the running kernel stops."),
      h("div", { class: "kernel-choices", role: "list" }, ...choices),
      h("div", { class: "notice-actions" }, close),
    );
    dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      done(null);
    });
    dialog.addEventListener("click", (event) => {
      if (event.target === dialog) done(null); // the backdrop
    });
    document.body.append(dialog);
    dialog.showModal();
    const focus = choices.find((c) => c.getAttribute("aria-current") === "true") ?? choices[0];
    focus?.focus();
  });
}
