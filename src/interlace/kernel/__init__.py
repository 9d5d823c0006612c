"""The interlace Python kernel: the Jupyter protocol served, code run through IPython."""

from interlace.kernel._app import embed_kernel as embed_kernel
from interlace.kernel._app import run_kernel as run_kernel
from interlace.kernel._kernel import Kernel as Kernel

__all__ = ["Kernel", "embed_kernel", "run_kernel"]
