"""Talking to kernels, ours or anyone's: the async client, its blocking facade,
the kernel manager with its provisioners, and kernelspecs."""

from interlace.client._blocking import BlockingExecution as BlockingExecution
from interlace.client._blocking import KernelClient as KernelClient
from interlace.client._blocking import connect as connect
from interlace.client._client import AsyncKernelClient as AsyncKernelClient
from interlace.client._client import StdinHandler as StdinHandler
from interlace.client._client import Subscription as Subscription
from interlace.client._execution import OUTPUT_TYPES as OUTPUT_TYPES
from interlace.client._execution import Execution as Execution
from interlace.client._execution import ExecutionResult as ExecutionResult
from interlace.client._kernelspec import KernelSpec as KernelSpec
from interlace.client._kernelspec import find_kernelspecs as find_kernelspecs
from interlace.client._kernelspec import get_kernelspec as get_kernelspec
from interlace.client._kernelspec import install_kernelspec as install_kernelspec
from interlace.client._kernelspec import kernelspec_dirs as kernelspec_dirs
from interlace.client._manager import KernelManager as KernelManager
from interlace.client._provisioner import LocalProvisioner as LocalProvisioner
from interlace.client._provisioner import Provisioner as Provisioner
from interlace.protocol import find_connection_file as find_connection_file

__all__ = [
    "OUTPUT_TYPES",
    "AsyncKernelClient",
    "BlockingExecution",
    "Execution",
    "ExecutionResult",
    "KernelClient",
    "KernelManager",
    "KernelSpec",
    "LocalProvisioner",
    "Provisioner",
    "StdinHandler",
    "Subscription",
    "connect",
    "find_connection_file",
    "find_kernelspecs",
    "get_kernelspec",
    "install_kernelspec",
    "kernelspec_dirs",
]
