//! A `Config` from the keyword arguments of `Server`/`Client`: the password and a
//! `config` mapping of pipes setting names (`"pipes-maxupdaterate"`) to values.

use crate::convert::err;
use pipes::Config;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict};

/// The defaults, with `password` and every entry of `settings` applied in order; a
/// `PipesError` names an unknown setting or a value out of its range.
pub fn config(password: &str, settings: Option<&Bound<'_, PyDict>>) -> PyResult<Config> {
    let mut config = Config {
        password: password.to_owned(),
        ..Config::default()
    };
    for (name, value) in settings.into_iter().flat_map(|d| d.iter()) {
        let name: String = name.extract()?;
        let text = if let Ok(b) = value.cast::<PyBool>() {
            if b.is_true() { "1" } else { "0" }.to_owned()
        } else {
            value.str()?.to_str()?.to_owned()
        };
        config
            .set(&name, &text)
            .map_err(|e| err(format!("config {name}: {e}")))?;
    }
    Ok(config)
}
