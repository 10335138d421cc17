//! Field-handler calls gathered while the client is borrowed and made once it is
//! released, with their arguments in one flat list (no tuple per call). The list
//! lives for one poll and holds `Bound` references: dropping one is a plain decref,
//! where a `Py` first asks a thread-local whether the GIL is held.

use crate::ffi_call;
use pyo3::prelude::*;

/// Calls in order: each a callable and the end of its arguments in `args`.
#[derive(Default)]
pub struct HandlerCalls<'py> {
    calls: Vec<(Bound<'py, PyAny>, usize)>,
    args: Vec<Bound<'py, PyAny>>,
}

impl<'py> HandlerCalls<'py> {
    /// Where the next call's arguments go (then [`HandlerCalls::seal`] or
    /// [`HandlerCalls::discard`] them).
    pub fn args(&mut self) -> &mut Vec<Bound<'py, PyAny>> {
        &mut self.args
    }

    /// The arguments pushed since the last call are `f`'s.
    pub fn seal(&mut self, f: Bound<'py, PyAny>) {
        self.calls.push((f, self.args.len()));
    }

    /// Drops the arguments pushed since the last call (their call failed to build).
    pub fn discard(&mut self) {
        let start = self.calls.last().map_or(0, |c| c.1);
        self.args.truncate(start);
    }

    /// Makes the calls in order, handing each result to `each`; stops at the first
    /// error `each` returns. Empty afterwards either way.
    pub fn run(
        &mut self,
        mut each: impl FnMut(PyResult<Bound<'py, PyAny>>) -> PyResult<()>,
    ) -> PyResult<()> {
        let mut start = 0;
        let mut result = Ok(());
        for (f, end) in &self.calls {
            result = each(ffi_call::call(f, &self.args[start..*end]));
            if result.is_err() {
                break;
            }
            start = *end;
        }
        self.calls.clear();
        self.args.clear();
        result
    }
}
