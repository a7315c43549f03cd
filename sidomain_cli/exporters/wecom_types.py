"""The shapes of ``export --format wecom`` lines, as types (``sidomain schema wecom-line``).

Field names are WeCom's (``externalcontact/add_msg_template``, ``add_moment_task``,
``group_welcome_template/add``, ``send_welcome_msg``); ``sidomain/…`` payloads are
sidomain's own.  The exporter (``wecom.py``) builds these dicts; :func:`line_schema` turns
the types, with the exporter's own limits, into the JSON Schema.  Imported only for the
schema: exporting never imports this module.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict


class Text(TypedDict):
    """text: the message."""

    content: str


class Media(TypedDict):
    """A file to upload before the call: ``asset:<file>`` stands where its media_id goes."""

    media_id: str


class Link(TypedDict, total=False):
    """A link card (picurl: the cover image's URL)."""

    title: str
    picurl: str
    desc: str
    url: str


class MiniProgram(TypedDict):
    """A mini-program card; pic_media_id is the cover image (an asset)."""

    title: str
    pic_media_id: str
    appid: str
    page: str


class MomentLink(TypedDict, total=False):
    """A moments link: its cover is an uploaded image (media_id)."""

    title: str
    url: str
    media_id: str


class TagGroup(TypedDict):
    tag_list: list[str]


class TagFilter(TypedDict):
    group_list: list[TagGroup]


class MsgTemplate(TypedDict, total=False):
    """Payload of externalcontact/add_msg_template (企业群发)."""

    chat_type: Literal["single", "group"]
    sender: str
    external_userid: list[str]
    chat_id_list: list[str]
    tag_filter: TagFilter
    text: Text
    attachments: list[Any]


class SenderList(TypedDict, total=False):
    user_list: list[str]
    department_list: list[int]


class ExternalContactList(TypedDict):
    tag_list: list[str]


class VisibleRange(TypedDict, total=False):
    sender_list: SenderList
    external_contact_list: ExternalContactList


class MomentTask(TypedDict, total=False):
    """Payload of externalcontact/add_moment_task (客户朋友圈)."""

    text: Text
    attachments: list[Any]
    visible_range: VisibleRange


class GroupWelcomeTemplate(TypedDict, total=False):
    """Payload of externalcontact/group_welcome_template/add (入群欢迎语素材): text and at most
    one of image, link, miniprogram, file, video."""

    text: Text
    image: Media
    link: Link
    miniprogram: MiniProgram
    file: Media
    video: Media


class WelcomeMsg(TypedDict, total=False):
    """Payload of externalcontact/send_welcome_msg: the sender's add-friend welcome
    (welcome_code is the event's, ``event:WelcomeCode``)."""

    welcome_code: str
    text: Text
    attachments: list[Any]


class Elsewhere(TypedDict, total=False):
    """sidomain/<send>: a send that is not a WeCom call (mini program, official account,
    SMS, live)."""

    channel: str
    segment: str
    action: str
    audience: str
    text: Text
    attachments: list[Any]


class StaffReminder(Elsewhere, total=False):
    """sidomain/staff_reminder: a task a staff member posts by hand (in these groups)."""

    chat_id_list: list[str]
    msgtype: Literal["text"]


class Line(TypedDict):
    """One line of ``sidomain export --format wecom``: one API call."""

    endpoint: str
    send_at: str
    store_id: str | None
    sender: str | None
    task: str
    payload: dict[str, Any]


REQUIRED = {"MsgTemplate": ("chat_type", "sender", "text"), "MomentTask": ("text",),
            "GroupWelcomeTemplate": ("text",), "WelcomeMsg": ("welcome_code", "text"),
            "StaffReminder": ("msgtype", "channel", "segment", "action", "text"),
            "Elsewhere": ("channel", "segment", "action", "text"),
            "Link": ("title", "url"), "MomentLink": ("url", "media_id")}


def line_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a ``wecom`` line, from these types and the
    exporter's endpoints and limits (UTF-8 byte limits appear as ``maxLength``, the most
    characters such a text can have; sidomain counts the bytes when it exports)."""
    from sidomain_cli.domain import CHANNELS
    from sidomain_cli.exporters import wecom as w
    from sidomain_cli.typeschema import Builder, enum

    ids = {"type": "string", "minLength": 1}
    rules = {
        "Line": {"endpoint": enum(w.ENDPOINTS), "task": ids,
                 "send_at": {"format": "date-time", "pattern": w.SEND_AT_PATTERN}},
        "MsgTemplate": {"chat_id_list": {"maxItems": w.CHAT_IDS_PER_CALL, "minItems": 1,
                                         "uniqueItems": True},
                        "external_userid": {"maxItems": w.EXTERNAL_USERIDS, "minItems": 1},
                        "attachments": {"maxItems": w.MAX_ATTACHMENTS}},
        "WelcomeMsg": {"attachments": {"maxItems": w.MAX_ATTACHMENTS}},
        "StaffReminder": {"attachments": {"maxItems": w.MAX_ATTACHMENTS},
                          "channel": enum(CHANNELS), "audience": {"pattern": "^cohort:"}},
        "Elsewhere": {"attachments": {"maxItems": w.MAX_ATTACHMENTS},
                      "channel": enum(CHANNELS), "audience": {"pattern": "^cohort:"}},
        "MomentTask": {"attachments": {"maxItems": max(w.MOMENT_KINDS.values())}},
        "TagGroup": {"tag_list": {"minItems": 1, "maxItems": w.TAGS_PER_GROUP}},
        "Link": {f: {"maxLength": w.FIELD_BYTES[("link", f)]} for f in ("title", "desc", "url")}
        | {"picurl": {"maxLength": w.FIELD_BYTES[("link", "asset")]}},
        "MiniProgram": {"title": {"maxLength": w.FIELD_BYTES[("miniprogram", "title")]}},
        "MomentLink": {"title": {"maxLength": w.MOMENT_LINK_TITLE_BYTES}},
    }
    rules["Text"] = {"content": {"minLength": 1}}
    b = Builder(rules, namespace=globals())
    root = b.object(Line, name="Line")
    payloads = {w.MSG: MsgTemplate, w.MOMENT: MomentTask, w.GROUP_WELCOME: GroupWelcomeTemplate,
                w.FRIEND_WELCOME: WelcomeMsg, w.REMINDER: StaffReminder}
    refs = {e: b.ref(tp) for e, tp in payloads.items()}
    elsewhere = b.ref(Elsewhere)

    def text_limit(name: str, most: int) -> None:
        b.defs[name]["properties"]["text"] = {
            "allOf": [{"$ref": "#/$defs/Text"},
                      {"properties": {"content": {"maxLength": most}}}]}

    for name, endpoint in (("MsgTemplate", w.MSG), ("WelcomeMsg", w.FRIEND_WELCOME),
                           ("GroupWelcomeTemplate", w.GROUP_WELCOME), ("MomentTask", w.MOMENT)):
        text_limit(name, w.LIMITS[endpoint][1])
    attachment = {"oneOf": [
        {"type": "object", "additionalProperties": False, "required": ["msgtype", kind],
         "properties": {"msgtype": {"const": kind}, kind: b.ref(tp)}}
        for kind, tp in (("image", Media), ("link", Link), ("miniprogram", MiniProgram),
                         ("video", Media), ("file", Media))]}
    moment_attachment = {"oneOf": [
        {"type": "array", "maxItems": most,
         "items": {"type": "object", "additionalProperties": False,
                   "required": ["msgtype", kind],
                   "properties": {"msgtype": {"const": kind},
                                  kind: b.ref(MomentLink if kind == "link" else Media)}}}
        for kind, most in w.MOMENT_KINDS.items()]}
    for name, keys in REQUIRED.items():  # total=False types: the keys sidomain always writes
        b.defs[name]["required"] = list(keys)
    for name in ("MsgTemplate", "WelcomeMsg", "StaffReminder", "Elsewhere"):
        b.defs[name]["properties"]["attachments"]["items"] = {"$ref": "#/$defs/Attachment"}
    b.defs["MomentTask"]["properties"]["attachments"] = moment_attachment
    b.defs["GroupWelcomeTemplate"]["maxProperties"] = 2  # text + one attachment
    b.defs["MsgTemplate"]["allOf"] = [
        {"if": {"properties": {"chat_type": {"const": "group"}}},
         "then": {"required": ["chat_id_list"],
                  "not": {"anyOf": [{"required": ["external_userid"]},
                                    {"required": ["tag_filter"]}]}}},
        {"if": {"properties": {"chat_type": {"const": "single"}}},
         "then": {"not": {"required": ["chat_id_list"]}}}]
    root["properties"]["store_id"] = {"type": ["string", "null"], "minLength": 1}
    root["properties"]["sender"] = {"type": ["string", "null"], "minLength": 1}
    root["allOf"] = [
        {"if": {"properties": {"endpoint": {"const": e}}},
         "then": {"properties": {"payload": ref,
                                 **({"sender": {"type": "string"}}
                                    if e != w.GROUP_WELCOME else {})}}}
        for e, ref in refs.items()] + [
        {"if": {"properties": {"endpoint": {"enum": list(w.ELSEWHERE.values())}}},
         "then": {"properties": {"payload": elsewhere, "sender": {"type": "null"}}}}]
    root["description"] = " ".join((Line.__doc__ or "").split())
    return b.document(root, id="urn:sidomain:schema:wecom-line",
                      title="sidomain WeCom API call (export --format wecom)",
                      description="One line of `sidomain export --format wecom`: the WeCom "
                                  "server API endpoint, when to call it, the sender and the "
                                  "request body in WeCom's field names (sidomain/… "
                                  "endpoints: lines that are not WeCom calls).",
                      defs={"Attachment": attachment})
