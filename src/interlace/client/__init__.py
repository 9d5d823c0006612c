"""Talking to kernels, ours or anyone's: kernelspecs (more to come: client and manager)."""

from interlace.client._kernelspec import KernelSpec as KernelSpec
from interlace.client._kernelspec import find_kernelspecs as find_kernelspecs
from interlace.client._kernelspec import get_kernelspec as get_kernelspec
from interlace.client._kernelspec import install_kernelspec as install_kernelspec
from interlace.client._kernelspec import kernelspec_dirs as kernelspec_dirs

__all__ = [
    "KernelSpec",
    "find_kernelspecs",
    "get_kernelspec",
    "install_kernelspec",
    "kernelspec_dirs",
]
