//! Astron message type ids (`Astron:src/core/msgtypes.h`, the same numbers Panda3D's
//! `MsgTypes.py` uses).

/// Client protocol (client ↔ client agent).
pub mod client {
    /// C→S: `uint32 dc_hash, string version`.
    pub const HELLO: u16 = 1;
    /// S→C: empty.
    pub const HELLO_RESP: u16 = 2;
    /// C→S: polite close.
    pub const DISCONNECT: u16 = 3;
    /// S→C: `uint16 code, string reason`, then the server closes.
    pub const EJECT: u16 = 4;
    /// C→S: keep-alive.
    pub const HEARTBEAT: u16 = 5;
    /// Both: `doId, uint16 field, value`.
    pub const OBJECT_SET_FIELD: u16 = 120;
    /// S→C: `doId, uint16 n, (uint16 field, value)*`.
    pub const OBJECT_SET_FIELDS: u16 = 121;
    /// S→C: `doId` (left interest or deleted).
    pub const OBJECT_LEAVING: u16 = 132;
    /// Both: `doId, parent, zone`.
    pub const OBJECT_LOCATION: u16 = 140;
    /// S→C: `doId, parent, zone, uint16 dclass, REQUIRED`.
    pub const ENTER_OBJECT_REQUIRED: u16 = 142;
    /// S→C: as 142, then OTHER.
    pub const ENTER_OBJECT_REQUIRED_OTHER: u16 = 143;
    /// S→C: `doId` (ownership lost).
    pub const OBJECT_LEAVING_OWNER: u16 = 161;
    /// S→C: owner view of 142.
    pub const ENTER_OBJECT_REQUIRED_OWNER: u16 = 172;
    /// S→C: owner view of 143.
    pub const ENTER_OBJECT_REQUIRED_OTHER_OWNER: u16 = 173;
    /// Both: `uint32 context, uint16 interest_id, parent, zone`.
    pub const ADD_INTEREST: u16 = 200;
    /// Both: `uint32 context, uint16 interest_id, parent, uint16 n, zones`.
    pub const ADD_INTEREST_MULTIPLE: u16 = 201;
    /// Both: `uint32 context, uint16 interest_id`.
    pub const REMOVE_INTEREST: u16 = 203;
    /// S→C: `uint32 context, uint16 interest_id`.
    pub const DONE_INTEREST_RESP: u16 = 204;
}

/// Message director control (to channel 1, no sender).
pub mod control {
    /// `uint64 channel`.
    pub const ADD_CHANNEL: u16 = 9000;
    /// `uint64 channel`.
    pub const REMOVE_CHANNEL: u16 = 9001;
    /// `uint64 low, uint64 high`.
    pub const ADD_RANGE: u16 = 9002;
    /// `uint64 low, uint64 high`.
    pub const REMOVE_RANGE: u16 = 9003;
    /// `uint64 owner, blob datagram`.
    pub const ADD_POST_REMOVE: u16 = 9010;
    /// `uint64 owner`.
    pub const CLEAR_POST_REMOVES: u16 = 9011;
    /// `string name`.
    pub const SET_CON_NAME: u16 = 9012;
    /// `string url`.
    pub const SET_CON_URL: u16 = 9013;
    /// `blob` for the event logger.
    pub const LOG_MESSAGE: u16 = 9014;
}

/// Client agent control (to a client's session channel).
pub mod clientagent {
    /// `uint16 state`.
    pub const SET_STATE: u16 = 1000;
    /// `uint64 channel`.
    pub const SET_CLIENT_ID: u16 = 1001;
    /// `blob` client message.
    pub const SEND_DATAGRAM: u16 = 1002;
    /// `uint16 code, string reason`.
    pub const EJECT: u16 = 1004;
    /// Empty.
    pub const DROP: u16 = 1005;
    /// `doId, uint16 dclass`.
    pub const DECLARE_OBJECT: u16 = 1010;
    /// `doId`.
    pub const UNDECLARE_OBJECT: u16 = 1011;
    /// `doId`.
    pub const ADD_SESSION_OBJECT: u16 = 1012;
    /// `doId`.
    pub const REMOVE_SESSION_OBJECT: u16 = 1013;
    /// `doId, uint16 n, field ids`.
    pub const SET_FIELDS_SENDABLE: u16 = 1014;
    /// `uint64 channel`.
    pub const OPEN_CHANNEL: u16 = 1100;
    /// `uint64 channel`.
    pub const CLOSE_CHANNEL: u16 = 1101;
    /// `uint16 interest_id, parent, zone`.
    pub const ADD_INTEREST: u16 = 1200;
    /// `uint16 interest_id, parent, uint16 n, zones`.
    pub const ADD_INTEREST_MULTIPLE: u16 = 1201;
    /// `uint16 interest_id`.
    pub const REMOVE_INTEREST: u16 = 1203;
    /// `uint64 client channel, uint16 interest_id`.
    pub const DONE_INTEREST_RESP: u16 = 1204;
}

/// State server and object messages.
pub mod stateserver {
    /// `doId, parent, zone, uint16 dclass, REQUIRED`.
    pub const CREATE_OBJECT_WITH_REQUIRED: u16 = 2000;
    /// As 2000, then OTHER.
    pub const CREATE_OBJECT_WITH_REQUIRED_OTHER: u16 = 2001;
    /// `uint64 ai_channel`.
    pub const DELETE_AI_OBJECTS: u16 = 2009;
    /// `ctx, doId, uint16 field`.
    pub const OBJECT_GET_FIELD: u16 = 2010;
    /// `ctx, uint8 success, [uint16 field, value]`.
    pub const OBJECT_GET_FIELD_RESP: u16 = 2011;
    /// `ctx, doId`.
    pub const OBJECT_GET_ALL: u16 = 2014;
    /// `ctx, doId, parent, zone, uint16 dclass, REQUIRED, OTHER`.
    pub const OBJECT_GET_ALL_RESP: u16 = 2015;
    /// `doId, uint16 field, value`.
    pub const OBJECT_SET_FIELD: u16 = 2020;
    /// `doId, uint16 n, (uint16 field, value)*`.
    pub const OBJECT_SET_FIELDS: u16 = 2021;
    /// `doId`.
    pub const OBJECT_DELETE_RAM: u16 = 2032;
    /// `parent, zone`.
    pub const OBJECT_SET_LOCATION: u16 = 2040;
    /// `doId, new parent, new zone, old parent, old zone`.
    pub const OBJECT_CHANGING_LOCATION: u16 = 2041;
    /// `doId, parent, zone, uint16 dclass, REQUIRED` (client-visible fields).
    pub const OBJECT_ENTER_LOCATION_WITH_REQUIRED: u16 = 2042;
    /// As 2042, then OTHER.
    pub const OBJECT_ENTER_LOCATION_WITH_REQUIRED_OTHER: u16 = 2043;
    /// `uint64 ai_channel`.
    pub const OBJECT_SET_AI: u16 = 2050;
    /// `doId, uint64 new ai, uint64 old ai`.
    pub const OBJECT_CHANGING_AI: u16 = 2051;
    /// `doId, parent, zone, uint16 dclass, REQUIRED` (all fields).
    pub const OBJECT_ENTER_AI_WITH_REQUIRED: u16 = 2052;
    /// As 2052, then OTHER.
    pub const OBJECT_ENTER_AI_WITH_REQUIRED_OTHER: u16 = 2053;
    /// `uint64 owner_channel`.
    pub const OBJECT_SET_OWNER: u16 = 2060;
    /// `doId, uint64 new owner, uint64 old owner`.
    pub const OBJECT_CHANGING_OWNER: u16 = 2061;
    /// `doId, parent, zone, uint16 dclass, REQUIRED` (owner-visible fields).
    pub const OBJECT_ENTER_OWNER_WITH_REQUIRED: u16 = 2062;
    /// As 2062, then OTHER.
    pub const OBJECT_ENTER_OWNER_WITH_REQUIRED_OTHER: u16 = 2063;
    /// `ctx`, then as 2042.
    pub const OBJECT_ENTER_INTEREST_WITH_REQUIRED: u16 = 2066;
    /// `ctx`, then as 2043.
    pub const OBJECT_ENTER_INTEREST_WITH_REQUIRED_OTHER: u16 = 2067;
    /// `ctx, parent, zone`.
    pub const OBJECT_GET_ZONE_OBJECTS: u16 = 2100;
    /// `ctx, parent, uint16 n, zones`.
    pub const OBJECT_GET_ZONES_OBJECTS: u16 = 2102;
    /// `ctx, uint32 count` (reply to a zone query, sent before the entries).
    pub const OBJECT_GET_ZONES_COUNT_RESP: u16 = 2113;
    /// `doId, parent, zone` (to the object's channel).
    pub const DBSS_OBJECT_ACTIVATE_WITH_DEFAULTS: u16 = 2200;
}

/// Database server.
pub mod dbserver {
    /// `ctx, uint16 dclass, uint16 n, (field, value)*`.
    pub const CREATE_OBJECT: u16 = 3000;
    /// `ctx, doId` (0 = failure).
    pub const CREATE_OBJECT_RESP: u16 = 3001;
    /// `ctx, doId, uint16 field`.
    pub const OBJECT_GET_FIELD: u16 = 3010;
    /// `ctx, uint8 success, [uint16 field, value]`.
    pub const OBJECT_GET_FIELD_RESP: u16 = 3011;
    /// `ctx, doId`.
    pub const OBJECT_GET_ALL: u16 = 3014;
    /// `ctx, uint8 success, [uint16 dclass, uint16 n, (field, value)*]`.
    pub const OBJECT_GET_ALL_RESP: u16 = 3015;
    /// `doId, uint16 field, value`.
    pub const OBJECT_SET_FIELD: u16 = 3020;
    /// `doId, uint16 n, (field, value)*`.
    pub const OBJECT_SET_FIELDS: u16 = 3021;
    /// `doId`.
    pub const OBJECT_DELETE: u16 = 3032;
}
