//! The native client: a `pipes` client driven over UDP or a memory network.

use crate::codec::Value;
use crate::convert::err;
use crate::handler_calls::HandlerCalls;
use crate::scalars::Number;
use crate::{MemoryNetwork, Schema};
use pipes::client::{ClientDisconnect, ClientEvent};
use pipes::protocol::LeaveReason;
use pipes::transport::driver::ClientDriver;
use pipes::transport::memory::MemoryLink;
use pipes::transport::udp::{ClientAuth, UdpClient, UdpConfig};
use pipes::transport::Transport;
use pipes::{DoId, Location};
use pyo3::exceptions::PyException;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFloat, PyList, PyString, PyTuple, PyType};
use rustc_hash::FxHashMap;

/// A client; call `poll()` once per frame.
#[pyclass(unsendable, module = "pipesnet._native")]
pub struct Client {
    schema: Py<Schema>,
    driver: ClientDriver<Box<dyn Transport>>,
    /// Interpolated fields.
    interp: Vec<crate::interp::Bound>,
    /// The token answering the server's authentication challenge.
    token: Vec<u8>,
    /// Interned field names by number, so events reuse one Python string per field.
    names: Vec<Py<PyString>>,
    /// Field handlers of `poll_apply`, by (class object address, field number): the
    /// plain function the class defines under the field's name, or `None` (look the
    /// name up on the object each time). The class is held so its address stays its own.
    /// (Fx hash: a lookup per changed field, keyed by a pointer and a number.)
    handlers: FxHashMap<(usize, u16), Resolved>,
    /// `types.FunctionType`.
    function_type: Py<PyAny>,
    /// `do_id2do` keys of recently changed objects, so a change does not make a
    /// Python int per lookup.
    keys: DoIdKeys,
}

/// Python ints for object ids, kept in a small direct-mapped table (slot `id %
/// KEY_SLOTS`): a zone's objects usually have ids close together, so each keeps its
/// slot; a collision makes a new int, as without the table. Bounded memory.
struct DoIdKeys(Vec<Option<(u32, Py<PyAny>)>>);

const KEY_SLOTS: usize = 1024;

impl DoIdKeys {
    fn new() -> DoIdKeys {
        DoIdKeys((0..KEY_SLOTS).map(|_| None).collect())
    }

    /// The Python int for `id`.
    fn get<'py>(&mut self, py: Python<'py>, id: u32) -> Bound<'py, PyAny> {
        let slot = &mut self.0[id as usize % KEY_SLOTS];
        match slot {
            Some((held, key)) if *held == id => key.bind(py).clone(),
            _ => {
                let key = id
                    .into_pyobject(py)
                    .map(|k| k.into_any())
                    .unwrap_or_else(|e| match e {});
                *slot = Some((id, key.clone().unbind()));
                key
            }
        }
    }
}

/// A class (held) and where its objects' handler of one field is found.
type Resolved = (Py<PyType>, Lookup);

/// Where the handler of one field is found, for the objects of one class.
enum Lookup {
    /// A plain function of the class: called with the object as its first argument.
    Function(Py<PyAny>),
    /// Some other class attribute (a static method, a callable object) or a class with
    /// `__getattr__`: looked up on each object.
    OnObject,
    /// The class has no such attribute: only an attribute set on the object itself (in
    /// its `__dict__`) can be the handler. Looked up there, without raising and
    /// catching an `AttributeError` per update.
    InstanceOnly,
}

fn locations(zones: Vec<u32>) -> Vec<Location> {
    zones.into_iter().map(Location::zone).collect()
}

fn client_id() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let seed =
        nanos ^ (u64::from(std::process::id()) << 32) ^ COUNTER.fetch_add(1, Ordering::Relaxed);
    pipes::sim::Rng::new(seed).next_u64() | 1
}

#[pymethods]
impl Client {
    /// Connects to UDP `host:port`, or to `memory` when given.
    #[new]
    /// `password` goes in the hello (checked against the server's); `token` answers
    /// the server's authentication hook; `config` sets pipes settings by name
    /// (`{"pipes-updaterate": 30}`).
    #[pyo3(signature = (schema, host="127.0.0.1", port=27015, memory=None, password="", token=b"".to_vec(), config=None))]
    // Each argument is a Python keyword argument with a default.
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        schema: Py<Schema>,
        host: &str,
        port: u16,
        memory: Option<&MemoryNetwork>,
        password: &str,
        token: Vec<u8>,
        config: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Client> {
        let info = schema.get().loaded.info;
        let transport: Box<dyn Transport> = match memory {
            Some(m) => Box::new(m.net.connect(MemoryLink::default()).map_err(err)?),
            None => {
                let addr = format!("{host}:{port}")
                    .parse()
                    .map_err(|e| err(format!("bad address {host}:{port}: {e}")))?;
                let auth = ClientAuth::Unsecure {
                    client_id: client_id(),
                };
                Box::new(UdpClient::connect(addr, auth, UdpConfig::default()).map_err(err)?)
            }
        };
        let config = crate::settings::config(password, config)?;
        let core = pipes::client::Client::new(info, config);
        let names = schema.get().field_name_cache(py);
        let function_type = py.import("types")?.getattr("FunctionType")?.unbind();
        Ok(Client {
            schema,
            driver: ClientDriver::new(core, transport),
            interp: Vec::new(),
            token,
            names,
            handlers: FxHashMap::default(),
            keys: DoIdKeys::new(),
            function_type,
        })
    }

    /// One frame: receive, apply snapshots, update interpolation, send. Returns events:
    /// `("connected", client_id)`, `("disconnected", reason)`,
    /// `("generate", do_id, class, owned, zone, [(field, args)…])`, `("alive", do_id)`,
    /// `("changed", do_id, [(field, args)…], new_zone_or_None)`, `("disable", do_id)`,
    /// `("delete", do_id)`, `("message", do_id, field, args)`, `("interest_complete", handle)`.
    fn poll<'py>(&mut self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyTuple>>> {
        self.pump()?;
        let mut out = Vec::new();
        while let Some(e) = self.driver.poll_event() {
            if let ClientEvent::AuthChallenge(_) = e {
                self.answer_auth()?;
                continue;
            }
            if let Some(t) = self.event(py, e)? {
                out.push(t);
            }
        }
        Ok(out)
    }

    /// One frame like `poll`, with field changes delivered straight to the objects:
    /// for each changed field of an object in `objects` (`{do_id: object}`; others are
    /// skipped), the method the object's class defines under the field's name is
    /// called with the field's arguments (a plain function is resolved once per class
    /// and field; anything else is looked up on the object each time; no attribute,
    /// no call); a `("changed", …)` event that moved the object first sets its
    /// `zone_id`. Every other event goes to `on_event(event)` in order, as `poll`
    /// would return it. An `Exception` raised by a handler or by `on_event`, or a
    /// field that does not decode, is appended to `errors` and the rest of the frame
    /// is still delivered; other exceptions (`KeyboardInterrupt`) propagate at once.
    fn poll_apply(
        slf: &Bound<'_, Self>,
        objects: &Bound<'_, PyDict>,
        on_event: &Bound<'_, PyAny>,
        errors: &Bound<'_, PyList>,
    ) -> PyResult<()> {
        // Python code (hooks, handlers) runs with the client not borrowed: it may call
        // back into it (`send_update`, `client_id`, `set_interest`). Each event takes
        // one borrow: the pump (first), the event, and its handler calls.
        let py = slf.py();
        slf.borrow_mut().pump()?;
        let mut calls = HandlerCalls::default(); // (allocates once per poll, if ever)
        loop {
            let step = slf.borrow_mut().next_step(objects, &mut calls, errors)?;
            match step {
                Step::Done => break,
                Step::Nothing => {}
                Step::Event(t) => collect(py, on_event.call1((t,)).map(drop), errors)?,
                Step::Changed(obj, zone) => {
                    if let Some(zone) = zone {
                        let set = obj.setattr(pyo3::intern!(py, "zone_id"), zone);
                        collect(py, set, errors)?;
                    }
                    calls.run(|result| collect(py, result, errors))?;
                }
            }
        }
        Ok(())
    }

    /// Whether the handshake finished and the session is up.
    #[getter]
    fn connected(&self) -> bool {
        self.driver.client.is_connected()
    }

    /// Whether the session ended.
    #[getter]
    fn closed(&self) -> bool {
        self.driver.client.is_closed()
    }

    /// Our client id, once connected.
    #[getter]
    fn client_id(&self) -> Option<u32> {
        self.driver.client.id().map(|c| c.0)
    }

    /// Round-trip time in milliseconds, once measured.
    #[getter]
    fn rtt_ms(&self) -> Option<f64> {
        self.driver.client.rtt().map(|d| d.as_secs_f64() * 1000.0)
    }

    /// Sends a field message for an object (checked: keywords, ownership, count, ranges).
    fn send(&mut self, do_id: u32, field: &str, args: &Bound<'_, PyAny>) -> PyResult<()> {
        let n = self.number(do_id, field)?;
        let bytes = self.schema.get().pack_number(n, args)?;
        self.driver
            .client
            .send(DoId(do_id), n, &bytes)
            .map_err(err)?;
        Ok(())
    }

    /// Queues an input command for an owned object on a `command` field (checked like
    /// `send`) and returns its number (1, 2, ...) for `Predictor.apply`. Commands go
    /// out at the command rate, each packet repeating the ones not acknowledged yet.
    fn send_command(&mut self, do_id: u32, field: &str, args: &Bound<'_, PyAny>) -> PyResult<u32> {
        let n = self.number(do_id, field)?;
        let bytes = self.schema.get().pack_number(n, args)?;
        let now = self.driver.clock().now();
        let seq = self
            .driver
            .client
            .send_command(now, DoId(do_id), n, &bytes)
            .map_err(err)?;
        Ok(seq)
    }

    /// The server's newest acknowledgement of an object's commands: `(tick,
    /// last_applied, {predicted field: [values]})`, or `None` before the first.
    fn command_ack<'py>(
        &self,
        py: Python<'py>,
        do_id: u32,
    ) -> PyResult<Option<(u32, u32, Bound<'py, PyDict>)>> {
        let Some(ack) = self.driver.client.command_ack(DoId(do_id)) else {
            return Ok(None);
        };
        let state = PyDict::new(py);
        for (n, bytes) in &ack.state {
            state.set_item(
                self.name(py, *n),
                self.schema.get().unpack_number(py, *n, bytes)?,
            )?;
        }
        Ok(Some((ack.tick.0, ack.last, state)))
    }

    /// How many unacknowledged commands each packet repeats (1 to 32, default 16).
    fn set_command_redundancy(&mut self, commands: usize) {
        self.driver.client.set_command_redundancy(commands);
    }

    /// Replaces the interest set; returns the handle echoed by `interest_complete`.
    fn set_interest(&mut self, zones: Vec<u32>) -> PyResult<u16> {
        Ok(self
            .driver
            .client
            .set_interest(&locations(zones))
            .map_err(err)?
            .0)
    }

    /// Adds zones to the interest set.
    fn add_interest(&mut self, zones: Vec<u32>) -> PyResult<u16> {
        Ok(self
            .driver
            .client
            .add_interest(&locations(zones))
            .map_err(err)?
            .0)
    }

    /// Removes zones from the interest set.
    fn remove_interest(&mut self, zones: Vec<u32>) -> PyResult<u16> {
        Ok(self
            .driver
            .client
            .remove_interest(&locations(zones))
            .map_err(err)?
            .0)
    }

    /// Requests snapshot and command rates (per second).
    fn set_rates(&mut self, update_rate: u8, cmd_rate: u8) {
        self.driver.client.set_rates(update_rate, cmd_rate);
    }

    /// The rates the server granted last (handshake, then each answer to
    /// `set_rates`), clamped to its limits: `(update_rate, cmd_rate, bytes_per_second)`;
    /// `None` before the handshake finishes.
    #[getter]
    fn granted_rates(&self) -> Option<(u8, u8, u32)> {
        let r = self.driver.client.granted_rates()?;
        Some((r.update_rate, r.cmd_rate, r.rate))
    }

    /// The rates in force, `(update_rate, cmd_rate)` per second: what `set_rates`
    /// asked until the server answers, then what it granted.
    #[getter]
    fn rates(&self) -> (u8, u8) {
        let r = self.driver.client.rates();
        (r.update_rate, r.cmd_rate)
    }

    /// Interpolates a state field made of 1 to 4 `float64` values, or of 1 to 4
    /// integers of one type (with divisors: `int16/100`), for every object of
    /// `class_name`; read it with `interpolated`.
    fn interpolate(&mut self, class_name: &str, field: &str) -> PyResult<()> {
        let n = self.schema.get().field_number(class_name, field)?;
        if self.interp.iter().any(|b| b.number == n) {
            return Ok(());
        }
        let model = &self.schema.get().loaded.model;
        let bound = crate::interp::bind(model, &mut self.driver.client, n, field).map_err(err)?;
        self.interp.push(bound);
        Ok(())
    }

    /// The smoothed value of an interpolated field as a tuple (`None` before samples).
    fn interpolated(&self, do_id: u32, field: &str) -> PyResult<Option<Vec<f64>>> {
        let bound = self.interp_entry(field)?;
        if self.driver.client.object(DoId(do_id)).is_none() {
            return Err(err(format!("unknown object {do_id}")));
        }
        Ok(bound.read(&self.driver.client, DoId(do_id)))
    }

    /// Every object's smoothed value of an interpolated field, in one call:
    /// `{do_id: (x, y, ...)}` (objects without a value yet are left out).
    fn interpolated_all<'py>(&self, py: Python<'py>, field: &str) -> PyResult<Bound<'py, PyDict>> {
        let bound = self.interp_entry(field)?;
        values_dict(py, |f| bound.read_all(&self.driver.client, f))
    }

    /// Like `interpolated_all`, but only the objects whose smoothed value changed since
    /// this field's previous `interpolated_changed` call (all of them on the first call,
    /// and objects that arrived since): what a frame must move.
    fn interpolated_changed<'py>(
        &mut self,
        py: Python<'py>,
        field: &str,
    ) -> PyResult<Bound<'py, PyDict>> {
        let Some(bound) = self.interp.iter_mut().find(|b| b.name == field) else {
            return Err(not_interpolated(field));
        };
        let client = &self.driver.client;
        values_dict(py, |f| bound.read_changed(client, f))
    }

    /// A replicated field's latest value, as a list of arguments.
    fn get_field<'py>(
        &self,
        py: Python<'py>,
        do_id: u32,
        field: &str,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let n = self.number(do_id, field)?;
        let obj = self.driver.client.object(DoId(do_id));
        match obj.and_then(|o| o.field(n)) {
            Some(v) => Ok(Some(self.schema.get().unpack_number(py, n, &v.value)?)),
            None => Ok(None),
        }
    }

    /// Leaves cleanly (the server sees the client go at once), telling the server
    /// `reason` (at most 256 bytes of UTF-8) and a game-defined `code` (0-65535).
    #[pyo3(signature = (reason="", code=0))]
    fn disconnect(&mut self, reason: &str, code: u16) -> PyResult<()> {
        let why = LeaveReason::new(code, reason).map_err(err)?;
        self.driver.client.disconnect_with_reason(why);
        self.driver.flush().map_err(err)
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

/// What `poll_apply` does next, once the client is released.
enum Step<'py> {
    /// No event left.
    Done,
    /// An event handled inside (an auth answer, a change of an unknown object).
    Nothing,
    /// An event for `on_event`.
    Event(Bound<'py, PyTuple>),
    /// An object's field changes: set its `zone_id` if it moved, then make the calls.
    Changed(Bound<'py, PyAny>, Option<u32>),
}

/// Appends an `Exception` to `errors`; anything else (`KeyboardInterrupt`,
/// `SystemExit`) is returned to propagate.
fn collect<T>(py: Python<'_>, result: PyResult<T>, errors: &Bound<'_, PyList>) -> PyResult<()> {
    match result {
        Ok(_) => Ok(()),
        Err(e) if e.is_instance_of::<PyException>(py) => errors.append(e.into_value(py)),
        Err(e) => Err(e),
    }
}

/// Appends a field's arguments to `buf`, after `first` when given: fields whose
/// parameters are all numbers decode from their plan (no value tree).
fn call_args<'py>(
    py: Python<'py>,
    schema: &Schema,
    n: u16,
    data: &[u8],
    first: Option<&Bound<'py, PyAny>>,
    buf: &mut Vec<Bound<'py, PyAny>>,
) -> PyResult<()> {
    buf.extend(first.cloned());
    if let Some(Some(plan)) = schema.loaded.scalars.get(usize::from(n)) {
        let mut r = pipes::wire::Reader::new(data);
        plan.read(&mut r, |v| buf.push(number(py, v)))
            .and_then(|()| r.finish())
            .map_err(err)?;
    } else {
        let scalar = |py: Python<'py>, v: &Value| -> PyResult<Bound<'py, PyAny>> {
            Ok(match v {
                Value::Float(x) => PyFloat::new(py, *x).into_any(),
                other => crate::convert::to_py(py, other)?,
            })
        };
        match schema.decode_number(n, data)? {
            Value::List(items) => {
                for item in &items {
                    buf.push(scalar(py, item)?);
                }
            }
            other => buf.push(scalar(py, &other)?),
        }
    }
    Ok(())
}

fn number(py: Python<'_>, v: Number) -> Bound<'_, PyAny> {
    match v {
        Number::Float(x) => PyFloat::new(py, x).into_any(),
        Number::Int(i) => i
            .into_pyobject(py)
            .map(|o| o.into_any())
            .unwrap_or_else(|e| match e {}),
        Number::Uint(u) => u
            .into_pyobject(py)
            .map(|o| o.into_any())
            .unwrap_or_else(|e| match e {}),
    }
}

impl Client {
    /// Network in, timers, network out; interpolation brought to now.
    fn pump(&mut self) -> PyResult<()> {
        self.driver.pump().map_err(err)?;
        if !self.interp.is_empty() {
            let now = self.driver.clock().now();
            self.driver.client.update_interpolation(now);
        }
        Ok(())
    }

    /// The next event of `poll_apply`: a field change gets its handler calls put in
    /// `calls` (made by the caller, in order, once the client is released).
    fn next_step<'py>(
        &mut self,
        objects: &Bound<'py, PyDict>,
        calls: &mut HandlerCalls<'py>,
        errors: &Bound<'py, PyList>,
    ) -> PyResult<Step<'py>> {
        let py = objects.py();
        let Some(event) = self.driver.poll_event() else {
            return Ok(Step::Done);
        };
        match event {
            ClientEvent::AuthChallenge(_) => self.answer_auth().map(|()| Step::Nothing),
            ClientEvent::StateChanged {
                object,
                fields,
                moved,
                ..
            } => {
                let key = self.keys.get(py, object.0);
                let Some(obj) = objects.get_item(key)? else {
                    return Ok(Step::Nothing);
                };
                for &n in &fields {
                    match self.field_call(py, &obj, object, n, calls.args()) {
                        Ok(Some(f)) => calls.seal(f),
                        Ok(None) => {}
                        Err(e) => {
                            calls.discard();
                            collect(py, Err::<(), _>(e), errors)?
                        }
                    }
                }
                Ok(Step::Changed(obj, moved.map(|l| l.zone)))
            }
            other => Ok(match self.event(py, other)? {
                Some(t) => Step::Event(t),
                None => Step::Nothing,
            }),
        }
    }

    fn answer_auth(&mut self) -> PyResult<()> {
        self.driver.client.answer_auth(&self.token).map_err(err)?;
        self.driver.flush().map_err(err)
    }

    /// The handler of field `n` on `obj`, its arguments (the field's current value)
    /// appended to `args`, for the caller to call once the client is no longer borrowed.
    fn field_call<'py>(
        &mut self,
        py: Python<'py>,
        obj: &Bound<'py, PyAny>,
        object: DoId,
        n: u16,
        args: &mut Vec<Bound<'py, PyAny>>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let ty = obj.get_type();
        let key = (ty.as_ptr() as usize, n);
        let lookup = match self.handlers.get(&key) {
            Some((_, lookup)) => lookup,
            None => {
                let lookup = match ty.getattr(self.name(py, n)) {
                    Ok(f) if f.is_instance(self.function_type.bind(py)).unwrap_or(false) => {
                        Lookup::Function(f.unbind())
                    }
                    Ok(_) => Lookup::OnObject,
                    Err(_) if custom_attribute_lookup(&ty)? => Lookup::OnObject,
                    Err(_) => Lookup::InstanceOnly,
                };
                &self.handlers.entry(key).or_insert((ty.unbind(), lookup)).1
            }
        };
        let (function, with_self) = match lookup {
            Lookup::Function(f) => (Some(f.bind(py).clone()), true),
            Lookup::OnObject => (obj.getattr_opt(self.name(py, n))?, false),
            Lookup::InstanceOnly => (instance_attribute(obj, &self.name(py, n))?, false),
        };
        let Some(function) = function else {
            return Ok(None);
        };
        let Some(value) = self.driver.client.object(object).and_then(|o| o.field(n)) else {
            return Ok(None);
        };
        let receiver = if with_self { Some(obj) } else { None };
        call_args(py, self.schema.get(), n, &value.value, receiver, args)?;
        Ok(Some(function))
    }

    fn interp_entry(&self, field: &str) -> PyResult<&crate::interp::Bound> {
        self.interp
            .iter()
            .find(|b| b.name == field)
            .ok_or_else(|| not_interpolated(field))
    }

    fn name<'py>(&self, py: Python<'py>, n: u16) -> Bound<'py, PyString> {
        match self.names.get(usize::from(n)) {
            Some(s) => s.bind(py).clone(),
            None => PyString::new(py, &format!("#{n}")),
        }
    }

    fn number(&self, do_id: u32, field: &str) -> PyResult<u16> {
        let obj = self
            .driver
            .client
            .object(DoId(do_id))
            .ok_or_else(|| err(format!("unknown object {do_id}")))?;
        self.schema.get().field_number(obj.class().name, field)
    }

    /// `[(field, args), ...]` for the fields of an object that have a value.
    fn fields<'py>(
        &self,
        py: Python<'py>,
        do_id: DoId,
        numbers: &[u16],
    ) -> PyResult<Vec<Bound<'py, PyTuple>>> {
        let schema = self.schema.get();
        let mut out = Vec::with_capacity(numbers.len());
        if let Some(obj) = self.driver.client.object(do_id) {
            for &n in numbers {
                if let Some(v) = obj.field(n) {
                    let args = schema.unpack_args(py, n, &v.value)?;
                    out.push(PyTuple::new(
                        py,
                        [self.name(py, n).into_any(), args.into_any()],
                    )?);
                }
            }
        }
        Ok(out)
    }

    fn event<'py>(&self, py: Python<'py>, e: ClientEvent) -> PyResult<Option<Bound<'py, PyTuple>>> {
        let schema = self.schema.get();
        let t = match e {
            ClientEvent::Connected { client } => ("connected", client.0).into_pyobject(py)?,
            ClientEvent::AuthChallenge(_) => return Ok(None),
            ClientEvent::Disconnected(reason) => {
                let text = match reason {
                    ClientDisconnect::Ejected { reason, detail } => format!("{reason}: {detail}"),
                    ClientDisconnect::Rejected(r) => format!("rejected: {r}"),
                    ClientDisconnect::Left => "left".to_owned(),
                    ClientDisconnect::TransportLost => "transport lost".to_owned(),
                    other => format!("{other:?}"),
                };
                ("disconnected", text).into_pyobject(py)?
            }
            ClientEvent::ObjectGenerated {
                object,
                class,
                owned,
            } => {
                let obj = self.driver.client.object(object);
                let zone = obj.map_or(0, |o| o.location().zone);
                let numbers: Vec<u16> =
                    obj.map_or_else(Vec::new, |o| o.fields().map(|(n, _)| n).collect());
                let fields = self.fields(py, object, &numbers)?;
                (
                    "generate",
                    object.0,
                    schema.class_name(class),
                    owned,
                    zone,
                    fields,
                )
                    .into_pyobject(py)?
            }
            ClientEvent::ObjectAlive { object } => ("alive", object.0).into_pyobject(py)?,
            ClientEvent::StateChanged {
                object,
                fields,
                moved,
                ..
            } => {
                let fields = self.fields(py, object, &fields)?;
                ("changed", object.0, fields, moved.map(|l| l.zone)).into_pyobject(py)?
            }
            ClientEvent::ObjectDisabled { object } => ("disable", object.0).into_pyobject(py)?,
            ClientEvent::ObjectDeleted { object } => ("delete", object.0).into_pyobject(py)?,
            ClientEvent::Message {
                object,
                field,
                args,
            } => {
                let value = schema.unpack_args(py, field, &args)?;
                ("message", object.0, self.name(py, field), value).into_pyobject(py)?
            }
            ClientEvent::InterestComplete(h) => ("interest_complete", h.0).into_pyobject(py)?,
        };
        Ok(Some(t))
    }
}

/// The error for reading a field `interpolate` was not called for.
fn not_interpolated(field: &str) -> PyErr {
    err(format!(
        "{field} is not interpolated (call interpolate first)"
    ))
}

/// `{do_id: (x, y, ...)}` of the values `read` visits.
fn values_dict<'py>(
    py: Python<'py>,
    read: impl FnOnce(&mut dyn FnMut(u32, &[f64])),
) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    let mut failed = None;
    read(&mut |id, v| {
        if failed.is_some() {
            return;
        }
        if let Err(e) = PyTuple::new(py, v).and_then(|t| out.set_item(id, t)) {
            failed = Some(e);
        }
    });
    match failed {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// `obj.__dict__[name]`, if the object has a `__dict__` holding `name`.
fn instance_attribute<'py>(
    obj: &Bound<'py, PyAny>,
    name: &Bound<'py, PyString>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    let py = obj.py();
    let Ok(dict) = obj.getattr(intern!(py, "__dict__")) else {
        return Ok(None);
    };
    match dict.cast::<PyDict>() {
        Ok(dict) => dict.get_item(name),
        Err(_) => Ok(None),
    }
}

/// Whether objects of `ty` may find attributes beyond their class and `__dict__`: the
/// class defines `__getattr__` or its own `__getattribute__`.
fn custom_attribute_lookup(ty: &Bound<'_, PyType>) -> PyResult<bool> {
    let py = ty.py();
    if ty.getattr(intern!(py, "__getattr__")).is_ok() {
        return Ok(true);
    }
    let name = intern!(py, "__getattribute__");
    let default = py.get_type::<PyAny>().getattr(name)?;
    Ok(!ty.getattr(name)?.is(&default))
}
