"""The Jupyter messaging protocol (5.x) as pure data and functions, without I/O.

Messages and headers, the wire format with HMAC signing, replay protection, and
connection files. Every other layer of interlace builds on these names.
"""

from interlace.protocol._connection import CHANNELS as CHANNELS
from interlace.protocol._connection import Channel as Channel
from interlace.protocol._connection import ConnectionInfo as ConnectionInfo
from interlace.protocol._connection import Transport as Transport
from interlace.protocol._connection import allocate_ports as allocate_ports
from interlace.protocol._connection import data_dir as data_dir
from interlace.protocol._connection import find_connection_file as find_connection_file
from interlace.protocol._connection import new_connection_file as new_connection_file
from interlace.protocol._connection import new_connection_info as new_connection_info
from interlace.protocol._connection import read_connection_file as read_connection_file
from interlace.protocol._connection import runtime_dir as runtime_dir
from interlace.protocol._connection import write_connection_file as write_connection_file
from interlace.protocol._json import JSON as JSON
from interlace.protocol._json import JSONDict as JSONDict
from interlace.protocol._json import dumps as dumps
from interlace.protocol._json import loads_dict as loads_dict
from interlace.protocol._message import PROTOCOL_VERSION as PROTOCOL_VERSION
from interlace.protocol._message import Header as Header
from interlace.protocol._message import Message as Message
from interlace.protocol._message import Sender as Sender
from interlace.protocol._message import new_id as new_id
from interlace.protocol._replay import ReplayGuard as ReplayGuard
from interlace.protocol._signing import DEFAULT_SIGNATURE_SCHEME as DEFAULT_SIGNATURE_SCHEME
from interlace.protocol._signing import Signer as Signer
from interlace.protocol._websocket import V1_SUBPROTOCOL as V1_SUBPROTOCOL
from interlace.protocol._websocket import Frames as Frames
from interlace.protocol._websocket import decode_json_frame as decode_json_frame
from interlace.protocol._websocket import decode_v1_frame as decode_v1_frame
from interlace.protocol._websocket import encode_json_frame as encode_json_frame
from interlace.protocol._websocket import encode_v1_frame as encode_v1_frame
from interlace.protocol._wire import DELIMITER as DELIMITER
from interlace.protocol._wire import decode as decode
from interlace.protocol._wire import encode as encode
from interlace.protocol._wire import split_identities as split_identities
from interlace.protocol._wire import verify as verify

__all__ = [
    "CHANNELS",
    "DEFAULT_SIGNATURE_SCHEME",
    "DELIMITER",
    "JSON",
    "PROTOCOL_VERSION",
    "V1_SUBPROTOCOL",
    "Channel",
    "ConnectionInfo",
    "Frames",
    "Header",
    "JSONDict",
    "Message",
    "ReplayGuard",
    "Sender",
    "Signer",
    "Transport",
    "allocate_ports",
    "data_dir",
    "decode",
    "decode_json_frame",
    "decode_v1_frame",
    "dumps",
    "encode",
    "encode_json_frame",
    "encode_v1_frame",
    "find_connection_file",
    "loads_dict",
    "new_connection_file",
    "new_connection_info",
    "new_id",
    "read_connection_file",
    "runtime_dir",
    "split_identities",
    "verify",
    "write_connection_file",
]
