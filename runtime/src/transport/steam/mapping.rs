//! Steam networking sockets ↔ pipes, without Steam: send flags, connection states,
//! and the authentication hook. Values mirror the Steamworks SDK
//! (`ESteamNetworkingConnectionState`, `k_nSteamNetworkingSend_*`).

use crate::ids::ConnectionId;
use crate::protocol::Reliability;
use crate::server::{HelloInfo, Hooks};
use crate::transport::TransportEvent;
use std::collections::BTreeMap;

/// `k_nSteamNetworkingSend_NoNagle`.
pub const SEND_NO_NAGLE: i32 = 1;
/// `k_nSteamNetworkingSend_Reliable`.
pub const SEND_RELIABLE: i32 = 8;

/// Steam send flags for a pipes channel: snapshots and unreliable fields go
/// unreliable, everything else reliable; never Nagle-delayed (the driver flushes
/// once per frame anyway).
pub fn send_flags(reliability: Reliability) -> i32 {
    match reliability {
        Reliability::Reliable => SEND_RELIABLE | SEND_NO_NAGLE,
        Reliability::Unreliable => SEND_NO_NAGLE,
    }
}

/// `ESteamNetworkingConnectionState`, the states a driver sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SteamState {
    /// `k_ESteamNetworkingConnectionState_None` (0).
    None,
    /// `Connecting` (1).
    Connecting,
    /// `FindingRoute` (2).
    FindingRoute,
    /// `Connected` (3).
    Connected,
    /// `ClosedByPeer` (4).
    ClosedByPeer,
    /// `ProblemDetectedLocally` (5).
    ProblemDetectedLocally,
}

impl SteamState {
    /// From the SDK's numeric value; unknown values (`FinWait`, `Linger`, `Dead`, ...) are `None`.
    pub fn from_raw(v: i32) -> SteamState {
        match v {
            1 => SteamState::Connecting,
            2 => SteamState::FindingRoute,
            3 => SteamState::Connected,
            4 => SteamState::ClosedByPeer,
            5 => SteamState::ProblemDetectedLocally,
            _ => SteamState::None,
        }
    }
}

/// What a driver does on a status change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StatusAction {
    /// A listen socket got a connection request: accept it (admission is the core's job).
    Accept,
    /// Report this event to the core.
    Report(TransportEvent),
    /// Close our handle of a dead connection and report the loss.
    CloseAndReport(TransportEvent),
    /// Nothing to do.
    Ignore,
}

/// Tracks connection states and turns status changes into driver actions. Each
/// connection is reported `Connected` once and `Disconnected` once, and only after
/// it was reported connected.
#[derive(Debug, Default)]
pub struct StatusMap {
    connected: BTreeMap<u64, bool>,
}

impl StatusMap {
    /// A status change of connection `conn` (Steam's `HSteamNetConnection`).
    pub fn on_change(
        &mut self,
        conn: u64,
        listening: bool,
        new: SteamState,
        end_reason: &str,
    ) -> StatusAction {
        let connection = ConnectionId(conn);
        match new {
            SteamState::Connecting if listening => {
                self.connected.insert(conn, false);
                StatusAction::Accept
            }
            SteamState::Connected => {
                let was = self.connected.insert(conn, true);
                if was == Some(true) {
                    StatusAction::Ignore
                } else {
                    StatusAction::Report(TransportEvent::Connected(connection))
                }
            }
            SteamState::ClosedByPeer | SteamState::ProblemDetectedLocally => {
                let was = self.connected.remove(&conn);
                let event = TransportEvent::Disconnected {
                    connection,
                    reason: if end_reason.is_empty() {
                        format!("{new:?}")
                    } else {
                        format!("{new:?}: {end_reason}")
                    },
                };
                if was == Some(true) {
                    StatusAction::CloseAndReport(event)
                } else {
                    // Never reported up: just free the handle.
                    StatusAction::CloseAndReport(TransportEvent::Disconnected {
                        connection,
                        reason: "never connected".into(),
                    })
                }
            }
            _ => StatusAction::Ignore,
        }
    }
}

/// The answer a client sends to the server's challenge when using Steam
/// authentication: its 64-bit Steam id (little endian) then its auth session ticket.
pub fn encode_ticket_answer(steam_id: u64, ticket: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(8 + ticket.len());
    v.extend_from_slice(&steam_id.to_le_bytes());
    v.extend_from_slice(ticket);
    v
}

/// Splits an answer made by [`encode_ticket_answer`].
pub fn decode_ticket_answer(answer: &[u8]) -> Result<(u64, &[u8]), String> {
    if answer.len() < 9 {
        return Err(format!(
            "Steam auth answer of {} bytes: expected an 8-byte Steam id and a ticket",
            answer.len()
        ));
    }
    let (id, ticket) = answer.split_at(8);
    let mut b = [0u8; 8];
    b.copy_from_slice(id);
    Ok((u64::from_le_bytes(b), ticket))
}

/// Steam authentication as a pipes [`Hooks`] policy: every hello gets a challenge; the
/// answer's ticket is handed to `validate` (which calls Steam's
/// `BeginAuthSession` on a real server).
pub struct SteamAuthHooks<F: FnMut(u64, &[u8]) -> Result<(), String> + Send> {
    validate: F,
    counter: u64,
    /// Steam ids of verified connections.
    pub verified: BTreeMap<ConnectionId, u64>,
}

impl<F: FnMut(u64, &[u8]) -> Result<(), String> + Send> SteamAuthHooks<F> {
    /// Hooks checking tickets with `validate`.
    pub fn new(validate: F) -> Self {
        SteamAuthHooks {
            validate,
            counter: 0,
            verified: BTreeMap::new(),
        }
    }
}

impl<F: FnMut(u64, &[u8]) -> Result<(), String> + Send> Hooks for SteamAuthHooks<F> {
    fn admit(&mut self, _hello: &HelloInfo) -> Result<(), String> {
        Ok(())
    }

    fn challenge(&mut self, connection: ConnectionId) -> Option<Vec<u8>> {
        self.counter += 1;
        let mut c = b"steam-ticket".to_vec();
        c.extend_from_slice(&connection.0.to_le_bytes());
        c.extend_from_slice(&self.counter.to_le_bytes());
        Some(c)
    }

    fn verify(
        &mut self,
        connection: ConnectionId,
        _challenge: &[u8],
        response: &[u8],
    ) -> Result<Option<String>, String> {
        let (id, ticket) = decode_ticket_answer(response)?;
        (self.validate)(id, ticket)?;
        self.verified.insert(connection, id);
        // The SteamID64, so the game knows the player without reading `verified`.
        Ok(Some(id.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_match_the_sdk() {
        assert_eq!(send_flags(Reliability::Reliable), 9); // k_nSteamNetworkingSend_ReliableNoNagle
        assert_eq!(send_flags(Reliability::Unreliable), 1); // k_nSteamNetworkingSend_UnreliableNoNagle
    }

    #[test]
    fn states_from_raw() {
        assert_eq!(SteamState::from_raw(3), SteamState::Connected);
        assert_eq!(SteamState::from_raw(5), SteamState::ProblemDetectedLocally);
        assert_eq!(SteamState::from_raw(-3), SteamState::None);
    }

    #[test]
    fn status_sequence_reports_once_each() {
        let mut m = StatusMap::default();
        assert_eq!(
            m.on_change(7, true, SteamState::Connecting, ""),
            StatusAction::Accept
        );
        assert_eq!(
            m.on_change(7, true, SteamState::Connected, ""),
            StatusAction::Report(TransportEvent::Connected(ConnectionId(7)))
        );
        assert_eq!(
            m.on_change(7, true, SteamState::Connected, ""),
            StatusAction::Ignore
        );
        let StatusAction::CloseAndReport(TransportEvent::Disconnected { reason, .. }) =
            m.on_change(7, true, SteamState::ClosedByPeer, "bye")
        else {
            panic!("no disconnect")
        };
        assert_eq!(reason, "ClosedByPeer: bye");
        // A client-side connecting state is not an accept.
        assert_eq!(
            m.on_change(8, false, SteamState::Connecting, ""),
            StatusAction::Ignore
        );
    }

    #[test]
    fn ticket_answers_round_trip_and_short_ones_are_refused() {
        let a = encode_ticket_answer(76561197960287930, b"TICKET");
        assert_eq!(
            decode_ticket_answer(&a),
            Ok((76561197960287930, &b"TICKET"[..]))
        );
        assert!(decode_ticket_answer(&a[..8])
            .unwrap_err()
            .contains("8 bytes"));
    }

    #[test]
    fn auth_hooks_verify_through_the_validator() {
        let mut hooks = SteamAuthHooks::new(|id, t: &[u8]| {
            if id == 42 && t == b"ok" {
                Ok(())
            } else {
                Err("ticket refused by Steam".into())
            }
        });
        let c = hooks.challenge(ConnectionId(1)).expect("challenge");
        assert_eq!(
            hooks.verify(ConnectionId(1), &c, &encode_ticket_answer(42, b"ok")),
            Ok(Some("42".to_string()))
        );
        assert_eq!(hooks.verified.get(&ConnectionId(1)), Some(&42));
        assert!(hooks
            .verify(ConnectionId(2), &c, &encode_ticket_answer(43, b"ok"))
            .is_err());
    }
}
