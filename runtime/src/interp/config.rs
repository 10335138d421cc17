//! Settings: the curve, the extrapolation cap, the history bound, and the render delay.

/// How values between two samples are computed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Curve {
    /// Straight blend between the two samples around the render time.
    ///
    /// Never overshoots; velocity jumps at each sample (visible as slight jerks at
    /// low update rates).
    #[default]
    Linear,
    /// Cubic Hermite through the samples with Catmull-Rom tangents (from each
    /// sample's neighbours, time-weighted so uneven gaps after packet loss are fine).
    ///
    /// Smooth velocity across samples; can overshoot slightly where motion stops
    /// abruptly. Quaternions blend the four samples and renormalise.
    Hermite,
}

/// Settings of interpolated variables.
///
/// Defaults follow Source and pipes where they are sound: a 0.25 s extrapolation
/// cap, linear curves, owner objects not interpolated.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct InterpConfig {
    /// The curve between samples. Default [`Curve::Linear`].
    pub curve: Curve,
    /// How far past the newest sample (seconds) a value is extrapolated; after that
    /// it holds the value reached at the cap. Default 0.25 s; 0 disables
    /// extrapolation (hold the newest sample). Longer caps hide longer gaps but
    /// overshoot further when the object stopped or turned.
    pub extrapolation_limit: f64,
    /// Most samples one variable keeps (at least 2). Default 32: 1.6 s at 20 Hz,
    /// far more than a 0.1 s delay needs; the oldest sample is evicted when full.
    pub max_samples: usize,
    /// How long (seconds) samples are kept behind the render time when updating,
    /// so that a render clock stepping back (clock correction) still finds history.
    /// Default 0.25 s. The two samples needed at the margin are always kept.
    pub history_margin: f64,
    /// Whether objects marked as owned (the locally controlled avatar) are
    /// interpolated. Default `false`: they show their newest value without delay,
    /// as the owner predicts or drives them itself.
    pub interpolate_owned: bool,
}

impl Default for InterpConfig {
    fn default() -> Self {
        InterpConfig {
            curve: Curve::Linear,
            extrapolation_limit: 0.25,
            max_samples: 32,
            history_margin: 0.25,
            interpolate_owned: false,
        }
    }
}

impl InterpConfig {
    /// This config with [`curve`](Self::curve) set.
    pub fn with_curve(mut self, curve: Curve) -> Self {
        self.curve = curve;
        self
    }

    /// This config with [`extrapolation_limit`](Self::extrapolation_limit) set (seconds).
    pub fn with_extrapolation_limit(mut self, seconds: f64) -> Self {
        self.extrapolation_limit = seconds;
        self
    }

    /// This config with [`max_samples`](Self::max_samples) set.
    pub fn with_max_samples(mut self, samples: usize) -> Self {
        self.max_samples = samples;
        self
    }

    /// This config with [`history_margin`](Self::history_margin) set (seconds).
    pub fn with_history_margin(mut self, seconds: f64) -> Self {
        self.history_margin = seconds;
        self
    }

    /// This config with [`interpolate_owned`](Self::interpolate_owned) set.
    pub fn with_interpolate_owned(mut self, interpolate: bool) -> Self {
        self.interpolate_owned = interpolate;
        self
    }

    /// The extrapolation cap in seconds, with negative or NaN read as 0.
    pub(crate) fn extrapolation_cap(&self) -> f64 {
        non_negative(self.extrapolation_limit)
    }

    /// The history bound, at least 2 (one segment).
    pub(crate) fn sample_bound(&self) -> usize {
        self.max_samples.max(2)
    }

    /// The pruning margin in seconds, with negative or NaN read as 0.
    pub(crate) fn margin(&self) -> f64 {
        non_negative(self.history_margin)
    }
}

/// The client's render delay settings, as Source's `cl_interp`, `cl_interp_ratio`
/// and `cl_updaterate`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DelaySettings {
    /// Minimum delay in seconds. Default 0.1.
    pub interp: f64,
    /// How many snapshot intervals to stay behind. Default 2: one lost snapshot
    /// still leaves a sample on each side of the render time.
    pub interp_ratio: f64,
    /// Snapshots per second the server sends this client. Default 20.
    pub update_rate: f64,
}

impl Default for DelaySettings {
    fn default() -> Self {
        DelaySettings {
            interp: 0.1,
            interp_ratio: 2.0,
            update_rate: 20.0,
        }
    }
}

impl DelaySettings {
    /// The render delay in seconds: see [`interpolation_delay`].
    pub fn delay(&self) -> f64 {
        interpolation_delay(self.interp, self.interp_ratio, self.update_rate)
    }
}

/// The render delay `max(interp, interp_ratio / update_rate)` in seconds.
///
/// Rendering this far behind the server clock keeps (at least) `interp_ratio`
/// snapshot intervals of samples ahead of the render time. Negative or NaN inputs
/// count as 0, and a zero or invalid `update_rate` drops the ratio term, so the
/// result is always finite and non-negative.
pub fn interpolation_delay(interp: f64, interp_ratio: f64, update_rate: f64) -> f64 {
    let interp = finite_non_negative(interp);
    let ratio = finite_non_negative(interp_ratio);
    let rate = finite_non_negative(update_rate);
    if rate > 0.0 {
        interp.max(finite_non_negative(ratio / rate))
    } else {
        interp
    }
}

/// The server time to render at: `server_time_estimate - delay`.
///
/// Both are on the server's tick clock (seconds), the same clock samples are
/// stamped with; never mix in the client's frame clock.
pub fn render_time(server_time_estimate: f64, delay: f64) -> f64 {
    server_time_estimate - delay
}

fn non_negative(x: f64) -> f64 {
    if x > 0.0 {
        x
    } else {
        0.0
    }
}

fn finite_non_negative(x: f64) -> f64 {
    if x.is_finite() {
        non_negative(x)
    } else {
        0.0
    }
}
