//! The native server: a `pipes` server driven over UDP or a memory network.

use crate::convert::err;
use crate::{MemoryNetwork, Schema};
use pipes::protocol::LeaveReason;
use pipes::server::{DisconnectReason, Hooks, ServerEvent, Target};
use pipes::transport::driver::ServerDriver;
use pipes::transport::memory::MemoryLink;
use pipes::transport::udp::{Security, UdpConfig, UdpServer};
use pipes::transport::Transport;
use pipes::{ClientId, ConnectionId, DoId, Location};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

/// An authoritative server; call `poll()` once per frame.
#[pyclass(unsendable, module = "pipesnet._native")]
pub struct Server {
    schema: Py<Schema>,
    driver: ServerDriver<Box<dyn Transport>>,
    port: Option<u32>,
}

/// The game's authentication hook, a Python callable: every client that passes the
/// password check is challenged (an empty challenge) and answers with its token.
struct AuthHook {
    hook: Py<PyAny>,
}

impl Hooks for AuthHook {
    fn challenge(&mut self, _connection: ConnectionId) -> Option<Vec<u8>> {
        Some(Vec::new())
    }

    fn verify(
        &mut self,
        connection: ConnectionId,
        _challenge: &[u8],
        response: &[u8],
    ) -> Result<Option<String>, String> {
        Python::attach(|py| {
            let token = pyo3::types::PyBytes::new(py, response);
            let answer = self
                .hook
                .call1(py, (connection.0, token))
                .map_err(|e| format!("auth hook raised: {e}"))?;
            let answer = answer.bind(py);
            if answer.is_none() {
                return Ok(None);
            }
            if let Ok(ok) = answer.extract::<bool>() {
                return if ok {
                    Ok(None)
                } else {
                    Err("refused by the server".to_owned())
                };
            }
            match answer.extract::<String>() {
                Ok(reason) => Err(reason),
                Err(_) => Err("auth hook returned neither None, a bool nor a reason".to_owned()),
            }
        })
    }
}

fn zone(z: u32) -> Location {
    Location::zone(z)
}

#[pymethods]
impl Server {
    /// Listens on UDP `port` (0 picks one) of `host`, or on `memory` when given.
    #[new]
    ///
    /// Clients must send `password` in their hello (empty: none). `auth`, when given,
    /// is called as `auth(connection, token)` for each client that passed the password
    /// check, with the client's token (bytes); it returns `None` (or `True`) to accept,
    /// or a reason string (or `False`) to refuse: the client sees the reason. `config`
    /// sets pipes settings by name (`{"pipes-maxupdaterate": 30}`).
    #[pyo3(signature = (schema, port=27015, host="0.0.0.0", memory=None, password="", auth=None, config=None))]
    fn new(
        schema: Py<Schema>,
        port: u16,
        host: &str,
        memory: Option<&MemoryNetwork>,
        password: &str,
        auth: Option<Py<PyAny>>,
        config: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Server> {
        let info = schema.get().loaded.info;
        let config = crate::settings::config(password, config)?;
        let (transport, port): (Box<dyn Transport>, Option<u32>) = match memory {
            Some(m) => (
                Box::new(m.net.listen(MemoryLink::default()).map_err(err)?),
                None,
            ),
            None => {
                let addr = format!("{host}:{port}")
                    .parse()
                    .map_err(|e| err(format!("bad address {host}:{port}: {e}")))?;
                let udp = UdpServer::bind(
                    addr,
                    config.max_clients as usize,
                    Security::Unsecure,
                    UdpConfig::default(),
                )
                .map_err(err)?;
                let port = udp.local_addr().map_err(err)?.port();
                (Box::new(udp), Some(u32::from(port)))
            }
        };
        let mut core = pipes::server::Server::new(info, config);
        if let Some(hook) = auth {
            core.set_hooks(Box::new(AuthHook { hook }));
        }
        Ok(Server {
            schema,
            driver: ServerDriver::new(core, transport),
            port,
        })
    }

    /// The UDP port listened on (`None` on a memory network).
    #[getter]
    fn port(&self) -> Option<u32> {
        self.port
    }

    /// One frame: receive, run the protocol, send. Returns the events, in order:
    /// `("connected", client)`, `("disconnected", client, reason, code, text)` (`code`
    /// and `text`: what a leaving client said, else 0 and ""),
    /// `("rejected", connection, reason)`, `("message", client, do_id, field, args)`.
    fn poll<'py>(&mut self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyTuple>>> {
        self.driver.pump().map_err(err)?;
        let mut out = Vec::new();
        while let Some(e) = self.driver.poll_event() {
            out.push(self.event(py, e)?);
        }
        Ok(out)
    }

    /// The input commands released by the last `poll`, in order, each once:
    /// `(client, do_id, field, seq, tick, [args], view_time)`. Apply each (step the
    /// object, set its `predicted` field) before the next `poll`: that tick's snapshot
    /// reports it applied. `view_time` (server microseconds) is when the world was as
    /// the client saw it while acting.
    fn poll_commands<'py>(&mut self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyTuple>>> {
        let schema = self.schema.get();
        let mut out = Vec::new();
        while let Some(c) = self.driver.server.poll_command() {
            let args = schema.unpack_number(py, c.field, &c.args)?;
            let name = schema.field_name(c.field);
            let t = (
                c.client.0,
                c.object.0,
                name,
                c.seq,
                c.tick.0,
                args,
                c.view_time,
            );
            out.push(t.into_pyobject(py)?);
        }
        Ok(out)
    }

    /// Records a fixed-size numeric state field (1 to 4 `float64`, or of one integer
    /// type) of every object each tick, for `rewind`: `seconds` of history, and at most
    /// `max_interp` seconds of a client's interpolation delay credited to its commands.
    #[pyo3(signature = (class_name, field, seconds=1.0, max_interp=0.5))]
    fn record_history(
        &mut self,
        class_name: &str,
        field: &str,
        seconds: f64,
        max_interp: f64,
    ) -> PyResult<()> {
        for (name, v) in [("seconds", seconds), ("max_interp", max_interp)] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(err(format!("{name} must be finite and >= 0, got {v}")));
            }
        }
        let schema = self.schema.get();
        let n = schema.field_number(class_name, field)?;
        crate::interp::Numbers::of(&schema.loaded.model, n, field).map_err(err)?;
        let config = pipes::server::HistoryConfig {
            seconds,
            max_interp,
        };
        self.driver.server.record_history(n, config).map_err(err)
    }

    /// A recorded field of an object as it was at server time `at` (microseconds, a
    /// command's `view_time`), interpolated between ticks: lag compensation. `None`
    /// when the field is not recorded for the object.
    fn rewind(&self, do_id: u32, field: &str, at: u64) -> PyResult<Option<Vec<f64>>> {
        let n = self.number(do_id, field)?;
        let numbers =
            crate::interp::Numbers::of(&self.schema.get().loaded.model, n, field).map_err(err)?;
        let v = self
            .driver
            .server
            .rewind_with(DoId(do_id), n, at, |b| numbers.decode(b));
        Ok(v.map(|v| numbers.scaled(v)))
    }

    /// Sends what was queued since the last `poll` now.
    fn flush(&mut self) -> PyResult<()> {
        self.driver.flush().map_err(err)
    }

    /// Creates an object of dclass `class_name` in `zone_id`, owned by `owner` if given.
    #[pyo3(signature = (class_name, zone_id, owner=None))]
    fn generate(&mut self, class_name: &str, zone_id: u32, owner: Option<u32>) -> PyResult<u32> {
        let class = self.schema.get().class_number(class_name)?;
        let id = self
            .driver
            .server
            .generate(class, zone(zone_id), owner.map(ClientId), &[])
            .map_err(err)?;
        Ok(id.0)
    }

    /// Deletes an object.
    fn delete(&mut self, do_id: u32) -> PyResult<()> {
        self.driver.server.delete(DoId(do_id)).map_err(err)
    }

    /// Moves an object to another zone.
    fn move_object(&mut self, do_id: u32, zone_id: u32) -> PyResult<()> {
        self.driver
            .server
            .move_object(DoId(do_id), zone(zone_id))
            .map_err(err)
    }

    /// Sets a state (`ram`/`required`) field; it replicates in the next snapshots.
    fn set_field(&mut self, do_id: u32, field: &str, args: &Bound<'_, PyAny>) -> PyResult<()> {
        let (n, bytes) = self.pack(do_id, field, args)?;
        self.driver
            .server
            .set_field(DoId(do_id), n, &bytes)
            .map(drop)
            .map_err(err)
    }

    /// A state field's current value, as a list of arguments.
    fn get_field<'py>(
        &self,
        py: Python<'py>,
        do_id: u32,
        field: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let n = self.number(do_id, field)?;
        let bytes = self
            .driver
            .server
            .field(DoId(do_id), n)
            .ok_or_else(|| err(format!("object {do_id} has no stored value for {field}")))?;
        self.schema.get().unpack_number(py, n, bytes)
    }

    /// Sends a message field: to `client`, else to everyone who sees the object except
    /// `exclude` (`broadcast` fields), or to its owner with `owner_only`.
    #[pyo3(signature = (do_id, field, args, client=None, exclude=None, owner_only=false))]
    fn send(
        &mut self,
        do_id: u32,
        field: &str,
        args: &Bound<'_, PyAny>,
        client: Option<u32>,
        exclude: Option<u32>,
        owner_only: bool,
    ) -> PyResult<()> {
        let (n, bytes) = self.pack(do_id, field, args)?;
        let target = match (client, owner_only) {
            (Some(c), _) => Target::Client(ClientId(c)),
            (None, true) => Target::Owner,
            (None, false) => Target::Broadcast {
                except: exclude.map(ClientId),
            },
        };
        self.driver
            .server
            .send(DoId(do_id), n, &bytes, target)
            .map_err(err)
    }

    /// Adds zones to a client's interest from the server's side.
    fn add_interest(&mut self, client: u32, zones: Vec<u32>) -> PyResult<()> {
        let locs: Vec<Location> = zones.into_iter().map(zone).collect();
        self.driver
            .server
            .set_client_interest(ClientId(client), pipes::protocol::InterestOp::Add, &locs)
            .map_err(err)
    }

    /// Disconnects a client with a reason it receives.
    fn kick(&mut self, client: u32, reason: &str) -> PyResult<()> {
        self.driver
            .server
            .kick(ClientId(client), reason)
            .map_err(err)
    }

    /// Connected client ids.
    fn clients(&self) -> Vec<u32> {
        self.driver.server.clients().map(|c| c.0).collect()
    }

    /// The owner of an object, if any.
    fn owner(&self, do_id: u32) -> Option<u32> {
        self.driver.server.owner(DoId(do_id)).map(|c| c.0)
    }

    /// The zone of an object.
    fn zone_of(&self, do_id: u32) -> Option<u32> {
        self.driver.server.location(DoId(do_id)).map(|l| l.zone)
    }

    /// Number of objects.
    fn object_count(&self) -> usize {
        self.driver.server.object_count()
    }

    /// Traffic: `{"bytes_sent", "bytes_received", "send_errors"}`.
    fn net_stats(&self) -> std::collections::BTreeMap<&'static str, u64> {
        let s = self.driver.stats();
        [
            ("bytes_sent", s.bytes_sent),
            ("bytes_received", s.bytes_received),
            ("send_errors", s.send_errors),
        ]
        .into_iter()
        .collect()
    }
}

impl Server {
    fn number(&self, do_id: u32, field: &str) -> PyResult<u16> {
        let class = self
            .driver
            .server
            .class_of(DoId(do_id))
            .ok_or_else(|| err(format!("unknown object {do_id}")))?;
        let schema = self.schema.get();
        schema.field_number(&schema.class_name(class), field)
    }

    fn pack(&self, do_id: u32, field: &str, args: &Bound<'_, PyAny>) -> PyResult<(u16, Vec<u8>)> {
        let n = self.number(do_id, field)?;
        Ok((n, self.schema.get().pack_number(n, args)?))
    }

    fn event<'py>(&self, py: Python<'py>, e: ServerEvent) -> PyResult<Bound<'py, PyTuple>> {
        let schema = self.schema.get();
        match e {
            ServerEvent::ClientConnected { client, .. } => {
                ("connected", client.0).into_pyobject(py)
            }
            ServerEvent::ClientDisconnected { client, reason } => {
                let (text, code, said) = match reason {
                    DisconnectReason::Left(why) if why == LeaveReason::none() => {
                        ("left".to_owned(), 0, String::new())
                    }
                    DisconnectReason::Left(why) => {
                        (format!("left: {why}"), why.code(), why.text().to_owned())
                    }
                    DisconnectReason::TransportLost => {
                        ("transport lost".to_owned(), 0, String::new())
                    }
                    DisconnectReason::Ejected(r) => (format!("ejected: {r}"), 0, String::new()),
                };
                ("disconnected", client.0, text, code, said).into_pyobject(py)
            }
            ServerEvent::ClientRejected { connection, reason } => {
                ("rejected", connection.0, reason.to_string()).into_pyobject(py)
            }
            ServerEvent::Message {
                client,
                object,
                field,
                args,
            } => {
                let value = schema.unpack_number(py, field, &args)?;
                (
                    "message",
                    client.0,
                    object.0,
                    schema.field_name(field),
                    value,
                )
                    .into_pyobject(py)
            }
        }
    }
}
