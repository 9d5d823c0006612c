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
from interlace.protocol._content import ClearOutputContent as ClearOutputContent
from interlace.protocol._content import CommCloseContent as CommCloseContent
from interlace.protocol._content import CommInfo as CommInfo
from interlace.protocol._content import CommInfoReplyContent as CommInfoReplyContent
from interlace.protocol._content import CommInfoRequestContent as CommInfoRequestContent
from interlace.protocol._content import CommMsgContent as CommMsgContent
from interlace.protocol._content import CommOpenContent as CommOpenContent
from interlace.protocol._content import CompleteReplyContent as CompleteReplyContent
from interlace.protocol._content import CompleteRequestContent as CompleteRequestContent
from interlace.protocol._content import ControlMsgType as ControlMsgType
from interlace.protocol._content import DisplayDataContent as DisplayDataContent
from interlace.protocol._content import ErrorContent as ErrorContent
from interlace.protocol._content import ExecuteInputContent as ExecuteInputContent
from interlace.protocol._content import ExecuteReplyContent as ExecuteReplyContent
from interlace.protocol._content import ExecuteRequestContent as ExecuteRequestContent
from interlace.protocol._content import ExecuteResultContent as ExecuteResultContent
from interlace.protocol._content import ExecutionState as ExecutionState
from interlace.protocol._content import HelpLink as HelpLink
from interlace.protocol._content import HistoryReplyContent as HistoryReplyContent
from interlace.protocol._content import HistoryRequestContent as HistoryRequestContent
from interlace.protocol._content import InputReplyContent as InputReplyContent
from interlace.protocol._content import InputRequestContent as InputRequestContent
from interlace.protocol._content import InspectReplyContent as InspectReplyContent
from interlace.protocol._content import InspectRequestContent as InspectRequestContent
from interlace.protocol._content import InterruptReplyContent as InterruptReplyContent
from interlace.protocol._content import IOPubMsgType as IOPubMsgType
from interlace.protocol._content import IOPubWelcomeContent as IOPubWelcomeContent
from interlace.protocol._content import IsCompleteReplyContent as IsCompleteReplyContent
from interlace.protocol._content import IsCompleteRequestContent as IsCompleteRequestContent
from interlace.protocol._content import KernelInfoReplyContent as KernelInfoReplyContent
from interlace.protocol._content import LanguageInfo as LanguageInfo
from interlace.protocol._content import MsgType as MsgType
from interlace.protocol._content import ReplyContent as ReplyContent
from interlace.protocol._content import ReplyStatus as ReplyStatus
from interlace.protocol._content import ShellMsgType as ShellMsgType
from interlace.protocol._content import ShutdownReplyContent as ShutdownReplyContent
from interlace.protocol._content import ShutdownRequestContent as ShutdownRequestContent
from interlace.protocol._content import StatusContent as StatusContent
from interlace.protocol._content import StdinMsgType as StdinMsgType
from interlace.protocol._content import StreamContent as StreamContent
from interlace.protocol._content import StreamName as StreamName
from interlace.protocol._content import UpdateDisplayDataContent as UpdateDisplayDataContent
from interlace.protocol._content import content_of as content_of
from interlace.protocol._json import JSON as JSON
from interlace.protocol._json import JSONDict as JSONDict
from interlace.protocol._json import dumps as dumps
from interlace.protocol._json import loads_dict as loads_dict
from interlace.protocol._message import PROTOCOL_VERSION as PROTOCOL_VERSION
from interlace.protocol._message import Header as Header
from interlace.protocol._message import Message as Message
from interlace.protocol._message import Sender as Sender
from interlace.protocol._message import new_id as new_id
from interlace.protocol._names import CellNames as CellNames
from interlace.protocol._names import names_of_source as names_of_source
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
    "CellNames",
    "Channel",
    "ClearOutputContent",
    "CommCloseContent",
    "CommInfo",
    "CommInfoReplyContent",
    "CommInfoRequestContent",
    "CommMsgContent",
    "CommOpenContent",
    "CompleteReplyContent",
    "CompleteRequestContent",
    "ConnectionInfo",
    "ControlMsgType",
    "DisplayDataContent",
    "ErrorContent",
    "ExecuteInputContent",
    "ExecuteReplyContent",
    "ExecuteRequestContent",
    "ExecuteResultContent",
    "ExecutionState",
    "Frames",
    "Header",
    "HelpLink",
    "HistoryReplyContent",
    "HistoryRequestContent",
    "IOPubMsgType",
    "IOPubWelcomeContent",
    "InputReplyContent",
    "InputRequestContent",
    "InspectReplyContent",
    "InspectRequestContent",
    "InterruptReplyContent",
    "IsCompleteReplyContent",
    "IsCompleteRequestContent",
    "JSONDict",
    "KernelInfoReplyContent",
    "LanguageInfo",
    "Message",
    "MsgType",
    "ReplayGuard",
    "ReplyContent",
    "ReplyStatus",
    "Sender",
    "ShellMsgType",
    "ShutdownReplyContent",
    "ShutdownRequestContent",
    "Signer",
    "StatusContent",
    "StdinMsgType",
    "StreamContent",
    "StreamName",
    "Transport",
    "UpdateDisplayDataContent",
    "allocate_ports",
    "content_of",
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
    "names_of_source",
    "new_connection_file",
    "new_connection_info",
    "new_id",
    "read_connection_file",
    "runtime_dir",
    "split_identities",
    "verify",
    "write_connection_file",
]
