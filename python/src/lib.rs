//! `pipesnet._native`: the Rust side of the `pipesnet` Python package.
//!
//! It exposes a loaded schema, a server and a client driven by `poll()`, over UDP or an
//! in-process memory network. Objects are plain ids here; the Panda3D-style classes
//! (`DistributedObject`, repositories) are Python code in `pipesnet/` on top of this.
//! Values cross as Python lists of ints, floats, strings and bytes, packed and checked
//! by dcc's packer before anything is sent.

#![warn(missing_docs)]

pub mod codec;
mod convert;
mod ffi_call;
mod handler_calls;
mod interp;
mod native_client;
mod native_server;
mod predict;
pub mod scalars;
pub mod schema;
mod settings;

use pyo3::prelude::*;
use pyo3::types::{PyString, PyTuple};
use std::sync::Arc;

pub use convert::PipesError;

/// A `.dc` schema loaded by dcc (hash and packing as Panda3D's).
#[pyclass(frozen, module = "pipesnet._native")]
pub struct Schema {
    pub(crate) loaded: Arc<schema::Loaded>,
}

#[pymethods]
impl Schema {
    /// Loads `.dc` files in order; raises `PipesError` with dcc's diagnostics.
    #[new]
    fn new(paths: Vec<String>) -> PyResult<Schema> {
        let loaded = schema::load(&paths).map_err(convert::err)?;
        Ok(Schema {
            loaded: Arc::new(loaded),
        })
    }

    /// The DC hash checked at handshake.
    #[getter]
    fn hash(&self) -> u32 {
        self.loaded.info.hash
    }

    /// The dclass names, by dclass number (structs included, marked by `is_struct`).
    fn class_names(&self) -> Vec<String> {
        self.loaded
            .info
            .classes
            .iter()
            .map(|c| c.name.to_owned())
            .collect()
    }

    /// Whether the named class is a struct.
    fn is_struct(&self, name: &str) -> PyResult<bool> {
        Ok(self.class(name)?.is_struct)
    }

    /// The import lines: `(module, [symbols with /suffixes])`.
    fn imports(&self) -> Vec<(String, Vec<String>)> {
        self.loaded
            .model
            .imports
            .iter()
            .map(|i| (i.module.clone(), i.symbols.clone()))
            .collect()
    }

    /// The field names of a class (inherited ones included), in field-number order.
    fn field_names(&self, class: &str) -> PyResult<Vec<String>> {
        let c = self.class(class)?;
        Ok(c.fields
            .iter()
            .filter_map(|&n| self.loaded.info.field(n))
            .map(|f| f.name.to_owned())
            .collect())
    }

    /// The keywords of a class's field.
    fn keywords(&self, class: &str, field: &str) -> PyResult<Vec<String>> {
        let n = self.field_number(class, field)?;
        let f = self
            .loaded
            .info
            .field(n)
            .ok_or_else(|| convert::err("no such field"))?;
        Ok(f.keywords.iter().map(|k| (*k).to_owned()).collect())
    }

    /// Packs `args` for a class's field (checks count, types and ranges); returns the bytes.
    fn pack(&self, class: &str, field: &str, args: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
        let n = self.field_number(class, field)?;
        self.pack_number(n, args)
    }

    /// Unpacks a class's field from bytes into a list of arguments.
    fn unpack<'py>(
        &self,
        py: Python<'py>,
        class: &str,
        field: &str,
        data: &[u8],
    ) -> PyResult<Bound<'py, PyAny>> {
        let n = self.field_number(class, field)?;
        self.unpack_number(py, n, data)
    }
}

impl Schema {
    fn class(&self, name: &str) -> PyResult<&'static pipes::schema::ClassInfo> {
        self.loaded
            .info
            .class_by_name(name)
            .ok_or_else(|| convert::err(format!("no class {name:?} in the schema")))
    }

    pub(crate) fn class_number(&self, name: &str) -> PyResult<u16> {
        Ok(self.class(name)?.number)
    }

    pub(crate) fn field_number(&self, class: &str, field: &str) -> PyResult<u16> {
        let c = self.class(class)?;
        self.loaded
            .info
            .field_by_name(c, field)
            .map(|f| f.number)
            .ok_or_else(|| convert::err(format!("class {class} has no field {field:?}")))
    }

    pub(crate) fn field_name(&self, n: u16) -> String {
        self.loaded
            .info
            .field(n)
            .map_or_else(|| format!("#{n}"), |f| f.name.to_owned())
    }

    pub(crate) fn class_name(&self, n: u16) -> String {
        self.loaded
            .info
            .class(n)
            .map_or_else(|| format!("#{n}"), |c| c.name.to_owned())
    }

    pub(crate) fn pack_number(&self, n: u16, args: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
        let model = &self.loaded.model;
        let id = model.fields_by_number[usize::from(n)];
        let mut value = convert::from_py(args, 0)?;
        // A parameter field takes one value; accept it bare or as a one-element list.
        if let dcc::model::FieldKind::Parameter(_) = model.field(id).kind {
            if let codec::Value::List(items) = &value {
                if items.len() == 1 {
                    value = items[0].clone();
                }
            }
        }
        codec::encode_field(model, id, &value)
            .map_err(|e| convert::err(format!("{}: {e}", self.field_name(n))))
    }

    pub(crate) fn decode_number(&self, n: u16, data: &[u8]) -> PyResult<codec::Value> {
        let model = &self.loaded.model;
        let id = *model
            .fields_by_number
            .get(usize::from(n))
            .ok_or_else(|| convert::err(format!("no field number {n}")))?;
        let v = codec::decode_all(model, id, data).map_err(convert::err)?;
        Ok(match (&model.field(id).kind, v) {
            (dcc::model::FieldKind::Parameter(_), v) => codec::Value::List(vec![v]),
            (_, v) => v,
        })
    }

    pub(crate) fn unpack_number<'py>(
        &self,
        py: Python<'py>,
        n: u16,
        data: &[u8],
    ) -> PyResult<Bound<'py, PyAny>> {
        convert::to_py(py, &self.decode_number(n, data)?)
    }

    /// Unpacks field `n`'s arguments as a tuple, ready for `handler(*args)`.
    pub(crate) fn unpack_args<'py>(
        &self,
        py: Python<'py>,
        n: u16,
        data: &[u8],
    ) -> PyResult<Bound<'py, PyTuple>> {
        convert::to_py_args(py, &self.decode_number(n, data)?)
    }

    /// Interned Python names of every field, by field number (`#n` for gaps).
    pub(crate) fn field_name_cache(&self, py: Python<'_>) -> Vec<Py<PyString>> {
        let count = self.loaded.model.fields_by_number.len();
        (0..count)
            .map(|n| {
                let n = u16::try_from(n).unwrap_or(u16::MAX);
                PyString::intern(py, &self.field_name(n)).unbind()
            })
            .collect()
    }
}

/// An in-process network: one server and any number of clients, no sockets.
#[pyclass(frozen, module = "pipesnet._native")]
#[derive(Clone)]
pub struct MemoryNetwork {
    pub(crate) net: pipes::transport::memory::MemoryNetwork,
}

#[pymethods]
impl MemoryNetwork {
    /// An empty network.
    #[new]
    fn new() -> MemoryNetwork {
        MemoryNetwork {
            net: pipes::transport::memory::MemoryNetwork::new(),
        }
    }
}

/// The native module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Schema>()?;
    m.add_class::<MemoryNetwork>()?;
    m.add_class::<native_server::Server>()?;
    m.add_class::<native_client::Client>()?;
    m.add_class::<predict::Predictor>()?;
    m.add("PipesError", m.py().get_type::<PipesError>())?;
    Ok(())
}
