/** The kernels installed on the server (`/api/kernelspecs`), as the pickers offer them. */
import { getJSON } from "./api";

export interface KernelChoice {
  name: string;
  display_name: string;
  language: string;
}

export interface InstalledKernels {
  /** The server's default kernel: what a notebook naming none runs on. */
  default: string;
  /** Every installed kernel, by display name. */
  kernels: KernelChoice[];
}

interface SpecsReply {
  default: string;
  kernelspecs: Record<string, { name: string; spec: { display_name?: string; language?: string } }>;
}

export async function installedKernels(): Promise<InstalledKernels> {
  const reply = await getJSON<SpecsReply>("/api/kernelspecs");
  const kernels = Object.values(reply.kernelspecs).map(({ name, spec }) => ({
    name,
    display_name: spec.display_name || name,
    language: spec.language ?? "",
  }));
  kernels.sort((a, b) => a.display_name.localeCompare(b.display_name));
  return { default: reply.default, kernels };
}
