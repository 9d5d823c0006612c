"""JSON-RPC 2.0 over the kernel client: blocking calls for any language's plain client."""

from interlace.rpc._protocol import RpcError as RpcError
from interlace.rpc._protocol import dispatch as dispatch
from interlace.rpc._service import KernelPool as KernelPool
from interlace.rpc._service import RpcService as RpcService

__all__ = ["KernelPool", "RpcError", "RpcService", "dispatch"]
