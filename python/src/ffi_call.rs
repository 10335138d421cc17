//! Calling a Python callable with positional arguments and no argument tuple: the
//! one place this crate uses `unsafe` (the FFI layer the project allows it in).
//!
//! pyo3 calls without a tuple only under the 3.12 stable ABI; this package is an
//! abi3 wheel for 3.10+. `PyObject_CallFunctionObjArgs` is in the stable ABI of every
//! supported CPython, and for up to five arguments CPython passes them on the C
//! stack through vectorcall: a Python function runs with no tuple allocated (and no
//! garbage-collector work counted for one). Field handlers run once per changed
//! field, so this is on the hot path of every update.

#![allow(unsafe_code)]

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyTuple;

/// `f(*args)`.
pub fn call<'py>(f: &Bound<'py, PyAny>, args: &[Bound<'py, PyAny>]) -> PyResult<Bound<'py, PyAny>> {
    let py = f.py();
    let func = f.as_ptr();
    let end = std::ptr::null_mut::<ffi::PyObject>();
    let a = |i: usize| args[i].as_ptr();
    // SAFETY: the GIL is held (`py`); `f` and every argument are references owned by
    // the caller for the whole call (the callee borrows them, as the C API says); the
    // argument list ends with NULL; each arm passes exactly `args.len()` arguments.
    let result = unsafe {
        match args.len() {
            0 => ffi::PyObject_CallFunctionObjArgs(func, end),
            1 => ffi::PyObject_CallFunctionObjArgs(func, a(0), end),
            2 => ffi::PyObject_CallFunctionObjArgs(func, a(0), a(1), end),
            3 => ffi::PyObject_CallFunctionObjArgs(func, a(0), a(1), a(2), end),
            4 => ffi::PyObject_CallFunctionObjArgs(func, a(0), a(1), a(2), a(3), end),
            5 => ffi::PyObject_CallFunctionObjArgs(func, a(0), a(1), a(2), a(3), a(4), end),
            _ => return f.call1(PyTuple::new(py, args)?),
        }
    };
    // SAFETY: the call returned a new reference, or NULL with an exception set.
    unsafe { Bound::from_owned_ptr_or_err(py, result) }
}
