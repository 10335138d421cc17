//! ServerRepository's rules: doId ranges, objects and zones, interest, relaying and
//! cleanup. Output goes into each client's write buffer; a client that breaks the
//! protocol or cannot keep up is marked for ejection with a reason (never a panic).

use crate::codec::{self, Inbound};
use crate::schema::Schema;
use std::collections::{HashMap, HashSet};

/// Settings of the relay.
#[derive(Clone, Debug)]
pub struct Config {
    /// doIds handed to each client (Panda's `server-doid-range`, 1,000,000).
    pub do_id_range: u32,
    /// Bytes a client's write buffer may hold before the client is ejected as too slow.
    pub max_queue: usize,
    /// Enforce `clsend`/`ownsend` as the pipes runtime does: a client may send a field
    /// only if it is `clsend`, or `ownsend` on an object it owns; anything else ejects
    /// it. Off by default: stock games send plain `broadcast` fields of their objects.
    pub strict: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            do_id_range: 1_000_000,
            max_queue: 16 << 20,
            strict: false,
        }
    }
}

/// Per-client counters.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// Updates received.
    pub updates_in: u64,
    /// Datagrams queued to this client.
    pub datagrams_out: u64,
    /// Bytes received.
    pub bytes_in: u64,
    /// Bytes queued to this client.
    pub bytes_out: u64,
}

#[derive(Clone, Copy, Debug)]
struct Object {
    zone: u32,
    class: u16,
}

/// One connected client.
#[derive(Debug)]
pub struct Client {
    /// First doId of its range (its id on the wire).
    pub base: u32,
    /// Framed datagrams waiting to be written.
    pub out: Vec<u8>,
    /// Counters.
    pub stats: Stats,
    /// Set when the client must be disconnected, with the reason.
    pub eject: Option<String>,
    explicit: HashSet<u32>,
    current: HashSet<u32>,
    objects: HashMap<u32, Object>,
    zone_counts: HashMap<u32, u32>,
}

/// The server state.
pub struct Relay {
    schema: Schema,
    cfg: Config,
    clients: Vec<Option<Client>>,
    zone_clients: HashMap<u32, Vec<usize>>,
    zone_objects: HashMap<u32, HashSet<u32>>,
}

fn queue(c: &mut Client, max: usize, parts: &[&[u8]]) {
    if c.eject.is_some() {
        return;
    }
    let before = c.out.len();
    if !codec::push_frame(&mut c.out, parts) {
        c.eject = Some("a datagram to it would exceed 65535 bytes".into());
        return;
    }
    c.stats.datagrams_out += 1;
    c.stats.bytes_out += (c.out.len() - before) as u64;
    if c.out.len() > max {
        c.eject = Some(format!(
            "too slow: write queue over {max} bytes (disconnected rather than dropping updates)"
        ));
    }
}

impl Relay {
    /// A relay over a loaded schema.
    pub fn new(schema: Schema, cfg: Config) -> Relay {
        Relay {
            schema,
            cfg,
            clients: Vec::new(),
            zone_clients: HashMap::new(),
            zone_objects: HashMap::new(),
        }
    }

    /// Adds a client in the lowest free slot and queues its `SET_DOID_RANGE_CMU`.
    /// `None` when every doId range is taken.
    pub fn connect(&mut self) -> Option<usize> {
        let slots = (u32::MAX / self.cfg.do_id_range) as usize;
        let slot = match self.clients.iter().position(Option::is_none) {
            Some(s) => s,
            None if self.clients.len() < slots => {
                self.clients.push(None);
                self.clients.len() - 1
            }
            None => return None,
        };
        let base = u32::try_from(slot).ok()? * self.cfg.do_id_range + 1;
        let mut c = Client {
            base,
            out: Vec::new(),
            stats: Stats::default(),
            eject: None,
            explicit: HashSet::new(),
            current: HashSet::new(),
            objects: HashMap::new(),
            zone_counts: HashMap::new(),
        };
        queue(
            &mut c,
            self.cfg.max_queue,
            &[
                &codec::SET_DOID_RANGE.to_le_bytes(),
                &base.to_le_bytes(),
                &self.cfg.do_id_range.to_le_bytes(),
            ],
        );
        self.clients[slot] = Some(c);
        Some(slot)
    }

    /// The client in a slot.
    pub fn client(&self, slot: usize) -> Option<&Client> {
        self.clients.get(slot)?.as_ref()
    }

    /// The client in a slot, mutably (the server drains `out`).
    pub fn client_mut(&mut self, slot: usize) -> Option<&mut Client> {
        self.clients.get_mut(slot)?.as_mut()
    }

    /// Slots of connected clients.
    pub fn slots(&self) -> impl Iterator<Item = usize> + '_ {
        self.clients
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.as_ref().map(|_| i))
    }

    fn eject(&mut self, slot: usize, reason: String) {
        if let Some(c) = self.client_mut(slot) {
            if c.eject.is_none() {
                c.eject = Some(reason);
            }
        }
    }

    fn owner_slot(&self, do_id: u32) -> usize {
        (do_id / self.cfg.do_id_range) as usize
    }

    fn send_to_zone(&mut self, zone: u32, except: Option<usize>, parts: &[&[u8]]) {
        let Some(list) = self.zone_clients.get(&zone) else {
            return;
        };
        for &s in list {
            if Some(s) == except {
                continue;
            }
            if let Some(Some(c)) = self.clients.get_mut(s) {
                queue(c, self.cfg.max_queue, parts);
            }
        }
    }

    fn send_to(&mut self, slot: usize, parts: &[&[u8]]) {
        let max = self.cfg.max_queue;
        if let Some(c) = self.client_mut(slot) {
            queue(c, max, parts);
        }
    }

    /// Handles one datagram from the client in `slot`. Returns a warning for messages
    /// ServerRepository also ignores; a protocol violation ejects the sender instead.
    pub fn handle(&mut self, slot: usize, dg: &[u8]) -> Option<String> {
        let c = self.client_mut(slot)?;
        if c.eject.is_some() {
            return None;
        }
        c.stats.bytes_in += dg.len() as u64 + 2;
        let msg = match codec::decode(dg) {
            Ok(m) => m,
            Err(e) => {
                self.eject(slot, e.0);
                return None;
            }
        };
        match msg {
            Inbound::Heartbeat => None,
            Inbound::Disconnect => {
                self.eject(slot, "client said goodbye (CLIENT_DISCONNECT_CMU)".into());
                None
            }
            Inbound::SetInterest(zones) => {
                let z: HashSet<u32> = zones.iter().collect();
                if let Some(c) = self.client_mut(slot) {
                    c.explicit = z;
                }
                self.update_interest(slot);
                None
            }
            Inbound::Generate {
                zone,
                class,
                do_id,
                body,
            } => self.generate(slot, zone, class, do_id, body),
            Inbound::Update {
                target,
                do_id,
                field,
                args,
            } => self.update(slot, target, do_id, field, args),
            Inbound::Delete { do_id } => self.delete(slot, do_id),
            Inbound::SetZone { do_id, zone } => {
                let Some(obj) = self
                    .client(slot)
                    .and_then(|c| c.objects.get(&do_id).copied())
                else {
                    return Some(format!("ignoring zone change of unknown object {do_id}"));
                };
                self.set_zone(slot, do_id, obj, zone);
                None
            }
        }
    }

    fn generate(
        &mut self,
        slot: usize,
        zone: u32,
        class: u16,
        do_id: u32,
        body: &[u8],
    ) -> Option<String> {
        let base = self.client(slot)?.base;
        if self.owner_slot(do_id) != slot || do_id == 0 {
            return Some(format!(
                "ignoring generate of doId {do_id} outside the client's range"
            ));
        }
        let Some(info) = self.schema.class(class) else {
            self.eject(
                slot,
                format!("generate of unknown class number {class} (is its .dc the same as the server's?)"),
            );
            return None;
        };
        if let Err(e) = self.schema.check_generate(info, body) {
            let msg = format!(
                "generate of {} {do_id} does not match the schema: {e}",
                info.name
            );
            self.eject(slot, msg);
            return None;
        }
        let existing = self.client(slot)?.objects.get(&do_id).copied();
        match existing {
            Some(obj) if obj.class != class => {
                return Some(format!(
                    "ignoring attempt to change the class of object {do_id}"
                ))
            }
            Some(obj) => self.set_zone(slot, do_id, obj, zone),
            None => {
                let c = self.client_mut(slot)?;
                c.objects.insert(do_id, Object { zone, class });
                *c.zone_counts.entry(zone).or_insert(0) += 1;
                self.zone_objects.entry(zone).or_default().insert(do_id);
                self.update_interest(slot);
            }
        }
        self.send_to_zone(
            zone,
            Some(slot),
            &[
                &codec::OBJECT_GENERATE.to_le_bytes(),
                &base.to_le_bytes(),
                &zone.to_le_bytes(),
                &class.to_le_bytes(),
                &do_id.to_le_bytes(),
                body,
            ],
        );
        None
    }

    fn update(
        &mut self,
        slot: usize,
        target: Option<u32>,
        do_id: u32,
        field: u16,
        args: &[u8],
    ) -> Option<String> {
        let sender = self.client_mut(slot)?;
        sender.stats.updates_in += 1;
        let sender_base = sender.base;
        let owner = self.owner_slot(do_id);
        let Some(obj) = self
            .client(owner)
            .and_then(|c| c.objects.get(&do_id).copied())
        else {
            return Some(format!("ignoring update for unknown object {do_id}"));
        };
        let class = self.schema.class(obj.class)?;
        let Some(info) = class.field(field).copied() else {
            let msg = format!(
                "update of field {field}, which class {} does not have",
                class.name
            );
            self.eject(slot, msg);
            return None;
        };
        if let Err(e) = self.schema.check_field(info.id, args) {
            let name = &self.schema.model.field(info.id).name;
            let msg = format!(
                "update {}.{name} does not match the schema: {e}",
                class.name
            );
            self.eject(slot, msg);
            return None;
        }
        if self.cfg.strict && !(info.clsend || (owner == slot && info.ownsend)) {
            let name = &self.schema.model.field(info.id).name;
            let msg = format!(
                "strict mode: {}.{name} is neither clsend nor ownsend on an object it owns",
                class.name
            );
            self.eject(slot, msg);
            return None;
        }
        if owner != slot && !info.clsend && !info.p2p {
            return Some(format!(
                "ignoring update of field {field} on object {do_id}: not owner"
            ));
        }
        let parts: [&[u8]; 5] = [
            &codec::OBJECT_UPDATE_FIELD.to_le_bytes(),
            &sender_base.to_le_bytes(),
            &do_id.to_le_bytes(),
            &field.to_le_bytes(),
            args,
        ];
        if let Some(t) = target {
            let ts = self.owner_slot(t);
            if self.client(ts).map(|c| c.base) != Some(t) {
                return Some(format!("ignoring targeted update to unknown client {t}"));
            }
            self.send_to(ts, &parts);
        } else if info.p2p {
            self.send_to(owner, &parts);
        } else if info.broadcast {
            self.send_to_zone(obj.zone, Some(slot), &parts);
        } else if info.reflect {
            self.send_to_zone(obj.zone, None, &parts);
        } else {
            return Some(format!("field {field} is not broadcast, reflect or p2p"));
        }
        None
    }

    fn delete(&mut self, slot: usize, do_id: u32) -> Option<String> {
        let Some(obj) = self.client_mut(slot)?.objects.remove(&do_id) else {
            return Some(format!("ignoring delete of unknown object {do_id}"));
        };
        self.send_to_zone(
            obj.zone,
            None,
            &[&codec::OBJECT_DELETE.to_le_bytes(), &do_id.to_le_bytes()],
        );
        self.forget_object(slot, do_id, obj.zone);
        self.update_interest(slot);
        None
    }

    fn forget_object(&mut self, slot: usize, do_id: u32, zone: u32) {
        if let Some(set) = self.zone_objects.get_mut(&zone) {
            set.remove(&do_id);
            if set.is_empty() {
                self.zone_objects.remove(&zone);
            }
        }
        if let Some(c) = self.client_mut(slot) {
            if let Some(n) = c.zone_counts.get_mut(&zone) {
                *n -= 1;
                if *n == 0 {
                    c.zone_counts.remove(&zone);
                }
            }
        }
    }

    fn set_zone(&mut self, slot: usize, do_id: u32, obj: Object, zone: u32) {
        if obj.zone == zone {
            return;
        }
        self.forget_object(slot, do_id, obj.zone);
        if let Some(c) = self.client_mut(slot) {
            c.objects.insert(do_id, Object { zone, ..obj });
            *c.zone_counts.entry(zone).or_insert(0) += 1;
        }
        self.zone_objects.entry(zone).or_default().insert(do_id);
        self.update_interest(slot);
        let watchers: Vec<usize> = self
            .zone_clients
            .get(&obj.zone)
            .map(|l| l.iter().copied().filter(|&s| s != slot).collect())
            .unwrap_or_default();
        for s in watchers {
            let sees_new = self.client(s).is_some_and(|c| c.current.contains(&zone));
            if !sees_new {
                self.send_to(
                    s,
                    &[&codec::OBJECT_DISABLE.to_le_bytes(), &do_id.to_le_bytes()],
                );
            }
        }
    }

    fn update_interest(&mut self, slot: usize) {
        let Some(c) = self.client_mut(slot) else {
            return;
        };
        let new: HashSet<u32> = c
            .explicit
            .iter()
            .copied()
            .chain(c.zone_counts.keys().copied())
            .collect();
        if new == c.current {
            return;
        }
        let old = std::mem::replace(&mut c.current, new.clone());
        for &zone in new.difference(&old) {
            self.zone_clients.entry(zone).or_default().push(slot);
            self.send_to_zone(
                zone,
                Some(slot),
                &[&codec::REQUEST_GENERATES.to_le_bytes(), &zone.to_le_bytes()],
            );
        }
        let mut disable = codec::OBJECT_DISABLE.to_le_bytes().to_vec();
        for &zone in old.difference(&new) {
            if let Some(l) = self.zone_clients.get_mut(&zone) {
                l.retain(|&s| s != slot);
                if l.is_empty() {
                    self.zone_clients.remove(&zone);
                }
            }
            for &d in self.zone_objects.get(&zone).into_iter().flatten() {
                disable.extend_from_slice(&d.to_le_bytes());
            }
        }
        if disable.len() > 2 {
            self.send_to(slot, &[&disable]);
        }
    }

    /// Removes a client: everyone watching its objects' zones gets their deletes.
    pub fn disconnect(&mut self, slot: usize) {
        let Some(c) = self.clients.get_mut(slot).and_then(Option::take) else {
            return;
        };
        for zone in &c.current {
            if let Some(l) = self.zone_clients.get_mut(zone) {
                l.retain(|&s| s != slot);
                if l.is_empty() {
                    self.zone_clients.remove(zone);
                }
            }
        }
        for (&do_id, obj) in &c.objects {
            self.send_to_zone(
                obj.zone,
                None,
                &[&codec::OBJECT_DELETE.to_le_bytes(), &do_id.to_le_bytes()],
            );
            if let Some(set) = self.zone_objects.get_mut(&obj.zone) {
                set.remove(&do_id);
                if set.is_empty() {
                    self.zone_objects.remove(&obj.zone);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DC: &str = "keyword p2p;\nkeyword reflect;\n\
        dclass Thing { setXY(int16 x, int16 y) required broadcast; poke(uint8 n) p2p clsend; };";

    fn relay() -> Relay {
        let model =
            dcc::load_sources(&[("t.dc", DC.as_bytes())], dcc::Options::default()).expect("schema");
        Relay::new(Schema::new(model), Config::default())
    }

    /// The datagrams queued to a client, emptied.
    fn drain(r: &mut Relay, slot: usize) -> Vec<Vec<u8>> {
        let c = r.client_mut(slot).expect("client");
        let out = std::mem::take(&mut c.out);
        let mut v = Vec::new();
        let mut at = 0;
        while let Some((dg, n)) = codec::next_frame(&out[at..]) {
            v.push(dg.to_vec());
            at += n;
        }
        v
    }

    fn msg(parts: &[&[u8]]) -> Vec<u8> {
        parts.concat()
    }

    #[test]
    fn ranges_interest_relay_zone_change_and_leave() {
        let mut r = relay();
        let a = r.connect().expect("a");
        let b = r.connect().expect("b");
        assert_eq!(
            drain(&mut r, b),
            [msg(&[
                &9001u16.to_le_bytes(),
                &1_000_001u32.to_le_bytes(),
                &1_000_000u32.to_le_bytes()
            ])]
        );
        drain(&mut r, a);
        assert_eq!(
            r.handle(b, &msg(&[&9009u16.to_le_bytes(), &7u32.to_le_bytes()])),
            None
        );
        let gen = msg(&[
            &9002u16.to_le_bytes(),
            &7u32.to_le_bytes(),
            &0u16.to_le_bytes(),
            &5u32.to_le_bytes(),
            &[1, 0, 2, 0, 0, 0],
        ]);
        assert_eq!(r.handle(a, &gen), None);
        // A's new zone 7 asks B (already there) for its generates, as ServerRepository
        // does; then B gets the generate with A's base as sender.
        let got = drain(&mut r, b);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0], msg(&[&9007u16.to_le_bytes(), &7u32.to_le_bytes()]));
        assert_eq!(&got[1][..6], &[0x2b, 0x23, 1, 0, 0, 0]);
        // An update from A is relayed to B only (broadcast).
        let up = msg(&[
            &120u16.to_le_bytes(),
            &5u32.to_le_bytes(),
            &0u16.to_le_bytes(),
            &[3, 0, 4, 0],
        ]);
        assert_eq!(r.handle(a, &up), None);
        assert_eq!(drain(&mut r, b).len(), 1);
        assert!(drain(&mut r, a).is_empty());
        // Non-owner update of a non-clsend field: ignored with a warning, not relayed.
        assert!(r.handle(b, &up).is_some());
        assert!(drain(&mut r, a).is_empty());
        // p2p from B goes to the owner.
        let poke = msg(&[
            &120u16.to_le_bytes(),
            &5u32.to_le_bytes(),
            &1u16.to_le_bytes(),
            &[9],
        ]);
        assert_eq!(r.handle(b, &poke), None);
        assert_eq!(drain(&mut r, a).len(), 1);
        // Targeted to an unknown client: a warning, nobody ejected.
        let t = msg(&[&9011u16.to_le_bytes(), &77u32.to_le_bytes(), &poke[2..]]);
        assert!(r.handle(b, &t).is_some());
        assert!(r.client(b).is_some_and(|c| c.eject.is_none()));
        // Zone change: B (zone 7 only) gets a disable.
        let z = msg(&[
            &9010u16.to_le_bytes(),
            &5u32.to_le_bytes(),
            &8u32.to_le_bytes(),
        ]);
        assert_eq!(r.handle(a, &z), None);
        assert_eq!(
            drain(&mut r, b),
            [msg(&[&9005u16.to_le_bytes(), &5u32.to_le_bytes()])]
        );
        // Back to 7, then A leaves: B gets the delete.
        let z = msg(&[
            &9010u16.to_le_bytes(),
            &5u32.to_le_bytes(),
            &7u32.to_le_bytes(),
        ]);
        assert_eq!(r.handle(a, &z), None);
        assert_eq!(
            drain(&mut r, b),
            [msg(&[&9007u16.to_le_bytes(), &7u32.to_le_bytes()])]
        );
        r.disconnect(a);
        assert_eq!(
            drain(&mut r, b),
            [msg(&[&9006u16.to_le_bytes(), &5u32.to_le_bytes()])]
        );
        // A's slot is reused with the same base.
        assert_eq!(r.connect(), Some(a));
    }

    #[test]
    fn out_of_range_generate_is_ignored_and_bad_payloads_eject() {
        let mut r = relay();
        let a = r.connect().expect("a");
        let gen = |do_id: u32, body: &[u8]| {
            msg(&[
                &9002u16.to_le_bytes(),
                &1u32.to_le_bytes(),
                &0u16.to_le_bytes(),
                &do_id.to_le_bytes(),
                body,
            ])
        };
        assert!(r.handle(a, &gen(2_000_005, &[1, 0, 2, 0, 0, 0])).is_some());
        assert!(r.client(a).is_some_and(|c| c.eject.is_none()));
        r.handle(a, &gen(5, &[1, 0, 2, 0]));
        let reason = r.client(a).and_then(|c| c.eject.clone()).expect("ejected");
        assert!(reason.contains("optional-field count"), "{reason}");
    }

    #[test]
    fn slow_client_is_ejected_not_silently_dropped() {
        let model =
            dcc::load_sources(&[("t.dc", DC.as_bytes())], dcc::Options::default()).expect("schema");
        let mut r = Relay::new(
            Schema::new(model),
            Config {
                do_id_range: 1000,
                max_queue: 64,
                strict: false,
            },
        );
        let a = r.connect().expect("a");
        let b = r.connect().expect("b");
        r.handle(b, &msg(&[&9009u16.to_le_bytes(), &1u32.to_le_bytes()]));
        r.handle(
            a,
            &msg(&[
                &9002u16.to_le_bytes(),
                &1u32.to_le_bytes(),
                &0u16.to_le_bytes(),
                &5u32.to_le_bytes(),
                &[1, 0, 2, 0, 0, 0],
            ]),
        );
        let up = msg(&[
            &120u16.to_le_bytes(),
            &5u32.to_le_bytes(),
            &0u16.to_le_bytes(),
            &[3, 0, 4, 0],
        ]);
        for _ in 0..10 {
            r.handle(a, &up);
        }
        let reason = r
            .client(b)
            .and_then(|c| c.eject.clone())
            .expect("b ejected");
        assert!(reason.contains("too slow"), "{reason}");
    }

    #[test]
    fn strict_mode_ejects_what_the_runtime_would_refuse() {
        let model =
            dcc::load_sources(&[("t.dc", DC.as_bytes())], dcc::Options::default()).expect("schema");
        let cfg = Config {
            strict: true,
            ..Config::default()
        };
        let mut r = Relay::new(Schema::new(model), cfg);
        let a = r.connect().expect("a");
        let gen = msg(&[
            &9002u16.to_le_bytes(),
            &1u32.to_le_bytes(),
            &0u16.to_le_bytes(),
            &5u32.to_le_bytes(),
            &[1, 0, 2, 0, 0, 0],
        ]);
        assert_eq!(r.handle(a, &gen), None);
        // poke is clsend: allowed.
        let poke = msg(&[
            &120u16.to_le_bytes(),
            &5u32.to_le_bytes(),
            &1u16.to_le_bytes(),
            &[9],
        ]);
        assert_eq!(r.handle(a, &poke), None);
        assert!(r.client(a).is_some_and(|c| c.eject.is_none()));
        // setXY is plain broadcast: refused in strict mode.
        let up = msg(&[
            &120u16.to_le_bytes(),
            &5u32.to_le_bytes(),
            &0u16.to_le_bytes(),
            &[3, 0, 4, 0],
        ]);
        r.handle(a, &up);
        let reason = r.client(a).and_then(|c| c.eject.clone()).expect("ejected");
        assert!(reason.contains("strict mode"), "{reason}");
    }
}
