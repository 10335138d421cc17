//! The native client: a `pipes` client driven over UDP or a memory network.

use crate::convert::err;
use crate::{MemoryNetwork, Schema};
use pipes::client::{ClientDisconnect, ClientEvent};
use pipes::glam::{DVec2, DVec3, DVec4};
use pipes::transport::driver::ClientDriver;
use pipes::transport::memory::MemoryLink;
use pipes::transport::udp::{ClientAuth, UdpClient, UdpConfig};
use pipes::transport::Transport;
use pipes::{Config, DoId, Location};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

/// A client; call `poll()` once per frame.
#[pyclass(unsendable, module = "pipesnet._native")]
pub struct Client {
    schema: Py<Schema>,
    driver: ClientDriver<Box<dyn Transport>>,
    /// Interpolated fields: number → float count.
    interp: Vec<(u16, usize)>,
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
    #[pyo3(signature = (schema, host="127.0.0.1", port=27015, memory=None))]
    fn new(
        schema: Py<Schema>,
        host: &str,
        port: u16,
        memory: Option<&MemoryNetwork>,
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
        let core = pipes::client::Client::new(info, Config::default());
        Ok(Client {
            schema,
            driver: ClientDriver::new(core, transport),
            interp: Vec::new(),
        })
    }

    /// One frame: receive, apply snapshots, update interpolation, send. Returns events:
    /// `("connected", client_id)`, `("disconnected", reason)`,
    /// `("generate", do_id, class, owned, zone, [(field, args)…])`, `("alive", do_id)`,
    /// `("changed", do_id, [(field, args)…], new_zone_or_None)`, `("disable", do_id)`,
    /// `("delete", do_id)`, `("message", do_id, field, args)`, `("interest_complete", handle)`.
    fn poll<'py>(&mut self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyTuple>>> {
        self.driver.pump().map_err(err)?;
        let now = self.driver.clock().now();
        self.driver.client.update_interpolation(now);
        let mut out = Vec::new();
        while let Some(e) = self.driver.poll_event() {
            if let Some(t) = self.event(py, e)? {
                out.push(t);
            }
        }
        Ok(out)
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

    /// Interpolates a state field made of 1 to 4 `float64` values, for every object
    /// of `class_name`; read it with `interpolated`.
    fn interpolate(&mut self, class_name: &str, field: &str) -> PyResult<()> {
        let n = self.schema.get().field_number(class_name, field)?;
        let info = self
            .schema
            .get()
            .loaded
            .info
            .field(n)
            .ok_or_else(|| err("no field"))?;
        let count = info.fixed_size.unwrap_or(0) / 8;
        let c = &mut self.driver.client;
        match count {
            1 => c.interpolate_floats::<f64>(n),
            2 => c.interpolate_floats::<DVec2>(n),
            3 => c.interpolate_floats::<DVec3>(n),
            4 => c.interpolate_floats::<DVec4>(n),
            _ => {
                return Err(err(format!(
                    "{field} is not a run of 1 to 4 float64 values"
                )))
            }
        }
        .map_err(|e| err(format!("{e:?}")))?;
        self.interp.push((n, count));
        Ok(())
    }

    /// The smoothed value of an interpolated field as a tuple (`None` before samples).
    fn interpolated(&self, do_id: u32, field: &str) -> PyResult<Option<Vec<f64>>> {
        let n = self.number(do_id, field)?;
        let count = self
            .interp
            .iter()
            .find(|(f, _)| *f == n)
            .map(|(_, c)| *c)
            .ok_or_else(|| {
                err(format!(
                    "{field} is not interpolated (call interpolate first)"
                ))
            })?;
        let c = &self.driver.client;
        let id = DoId(do_id);
        Ok(match count {
            1 => c.interpolated::<f64>(id, n).map(|v| vec![v]),
            2 => c
                .interpolated::<DVec2>(id, n)
                .map(|v| v.to_array().to_vec()),
            3 => c
                .interpolated::<DVec3>(id, n)
                .map(|v| v.to_array().to_vec()),
            _ => c
                .interpolated::<DVec4>(id, n)
                .map(|v| v.to_array().to_vec()),
        })
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

    /// Leaves cleanly (the server sees the client go at once).
    fn disconnect(&mut self) -> PyResult<()> {
        self.driver.client.disconnect();
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

impl Client {
    fn number(&self, do_id: u32, field: &str) -> PyResult<u16> {
        let obj = self
            .driver
            .client
            .object(DoId(do_id))
            .ok_or_else(|| err(format!("unknown object {do_id}")))?;
        self.schema.get().field_number(obj.class().name, field)
    }

    fn fields<'py>(
        &self,
        py: Python<'py>,
        do_id: DoId,
        numbers: &[u16],
    ) -> PyResult<Vec<(String, Bound<'py, PyAny>)>> {
        let schema = self.schema.get();
        let mut out = Vec::new();
        if let Some(obj) = self.driver.client.object(do_id) {
            for &n in numbers {
                if let Some(v) = obj.field(n) {
                    out.push((schema.field_name(n), schema.unpack_number(py, n, &v.value)?));
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
                    ClientDisconnect::Ejected { reason, detail } => format!("{reason:?}: {detail}"),
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
                let value = schema.unpack_number(py, field, &args)?;
                ("message", object.0, schema.field_name(field), value).into_pyobject(py)?
            }
            ClientEvent::InterestComplete(h) => ("interest_complete", h.0).into_pyobject(py)?,
        };
        Ok(Some(t))
    }
}
