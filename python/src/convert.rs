//! Value trees to and from Python objects, and errors to the `PipesError` exception.

use crate::codec::Value;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyFloat, PyInt, PyList, PyString, PyTuple};

pyo3::create_exception!(
    _native,
    PipesError,
    pyo3::exceptions::PyException,
    "An error of the pipes runtime; the message is the Rust error text."
);

/// A `PipesError` with `msg`.
pub fn err(msg: impl std::fmt::Display) -> PyErr {
    PipesError::new_err(msg.to_string())
}

/// Deepest Python nesting accepted as a value.
const MAX_DEPTH: usize = 64;

/// Converts a Python value (int, float, str, bytes, list/tuple of those) to a value tree.
pub fn from_py(obj: &Bound<'_, PyAny>, depth: usize) -> PyResult<Value> {
    if depth > MAX_DEPTH {
        return Err(err("value nested too deeply"));
    }
    if obj.is_instance_of::<PyBool>() {
        return Ok(Value::Int(i128::from(obj.extract::<bool>()?)));
    }
    if obj.is_instance_of::<PyInt>() {
        return obj
            .extract::<i128>()
            .map(Value::Int)
            .map_err(|_| err("integer out of range"));
    }
    if obj.is_instance_of::<PyFloat>() {
        return Ok(Value::Float(obj.extract::<f64>()?));
    }
    if obj.is_instance_of::<PyString>() {
        return Ok(Value::Str(obj.extract::<String>()?));
    }
    if obj.is_instance_of::<PyBytes>() {
        return Ok(Value::Bytes(obj.extract::<Vec<u8>>()?));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut out = Vec::new();
        for item in obj.try_iter()? {
            out.push(from_py(&item?, depth + 1)?);
        }
        return Ok(Value::List(out));
    }
    // Vector-like objects (Panda's LVecBase3f, or anything with x/y/z): as a list.
    if obj.hasattr("x")? && obj.hasattr("y")? {
        let mut out = vec![
            Value::Float(obj.getattr("x")?.extract()?),
            Value::Float(obj.getattr("y")?.extract()?),
        ];
        if obj.hasattr("z")? {
            out.push(Value::Float(obj.getattr("z")?.extract()?));
        }
        return Ok(Value::List(out));
    }
    Err(err(format!(
        "cannot send a value of type {}",
        obj.get_type().name()?
    )))
}

/// Converts a value tree to Python objects (lists for lists).
pub fn to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Int(i) => i.into_pyobject(py)?.into_any(),
        Value::Float(x) => x.into_pyobject(py)?.into_any(),
        Value::Str(s) => s.into_pyobject(py)?.into_any(),
        Value::Bytes(b) => PyBytes::new(py, b).into_any(),
        Value::List(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_py(py, item)?)?;
            }
            list.into_any()
        }
    })
}
