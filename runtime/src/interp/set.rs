//! [`Interpolators`]: interpolated variables of every value type, behind one API.
//!
//! One [`InterpTrack`] per value type, created on first use. Calls that do not name
//! a type (update all, remove an object, mark it owned) go to every track.

use std::any::{Any, TypeId};
use std::collections::{HashMap, HashSet};

use super::config::InterpConfig;
use super::history::{RecordError, Recorded};
use super::track::{FieldId, InterpTrack, ObjectId};
use super::value::Interpolate;

/// The type-erased operations [`Interpolators`] applies to every track.
trait AnyTrack: Send {
    fn update(&mut self, render_time: f64);
    fn update_object(&mut self, object: ObjectId, render_time: f64);
    fn remove_object(&mut self, object: ObjectId) -> usize;
    fn set_owned(&mut self, object: ObjectId, owned: bool);
    fn set_config(&mut self, config: InterpConfig);
    fn len(&self) -> usize;
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

impl<T: Interpolate> AnyTrack for InterpTrack<T> {
    fn update(&mut self, render_time: f64) {
        InterpTrack::update(self, render_time);
    }
    fn update_object(&mut self, object: ObjectId, render_time: f64) {
        InterpTrack::update_object(self, object, render_time);
    }
    fn remove_object(&mut self, object: ObjectId) -> usize {
        InterpTrack::remove_object(self, object)
    }
    fn set_owned(&mut self, object: ObjectId, owned: bool) {
        InterpTrack::set_owned(self, object, owned);
    }
    fn set_config(&mut self, config: InterpConfig) {
        InterpTrack::set_config(self, config);
    }
    fn len(&self) -> usize {
        InterpTrack::len(self)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// Every interpolated variable of a client, whatever its value type.
///
/// ```
/// use glam::Vec3;
/// use pipes::interp::{Degrees, Interpolators, interpolation_delay, render_time};
///
/// let mut interp = Interpolators::default();
/// // As snapshots are applied (times are server tick times, in seconds):
/// interp.record(7, 0, 1.00, Vec3::ZERO).unwrap();
/// interp.record(7, 0, 1.05, Vec3::X).unwrap();
/// interp.record(7, 1, 1.00, Degrees(359.0)).unwrap();
/// interp.record(7, 1, 1.05, Degrees(1.0)).unwrap();
/// // Each frame:
/// let delay = interpolation_delay(0.1, 2.0, 20.0);
/// interp.update(render_time(1.125, delay));
/// let pos: Vec3 = interp.get(7, 0).unwrap();
/// let heading: Degrees = interp.get(7, 1).unwrap();
/// assert!((pos.x - 0.5).abs() < 1e-4);
/// assert!(heading.distance(Degrees(0.0)) < 1e-3);
/// // Delete at any time:
/// interp.remove_object(7);
/// assert_eq!(interp.get::<Vec3>(7, 0), None);
/// ```
pub struct Interpolators {
    config: InterpConfig,
    tracks: Vec<Box<dyn AnyTrack>>,
    by_type: HashMap<TypeId, usize>,
    owned: HashSet<ObjectId>,
}

impl Default for Interpolators {
    fn default() -> Self {
        Self::new(InterpConfig::default())
    }
}

impl std::fmt::Debug for Interpolators {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Interpolators")
            .field("config", &self.config)
            .field("tracks", &self.tracks.len())
            .field("variables", &self.len())
            .field("owned", &self.owned)
            .finish()
    }
}

impl Interpolators {
    /// An empty set whose tracks use `config`.
    pub fn new(config: InterpConfig) -> Self {
        Interpolators {
            config,
            tracks: Vec::new(),
            by_type: HashMap::new(),
            owned: HashSet::new(),
        }
    }

    /// The settings in use.
    pub fn config(&self) -> &InterpConfig {
        &self.config
    }

    /// Replaces the settings of every track.
    pub fn set_config(&mut self, config: InterpConfig) {
        self.config = config;
        for track in &mut self.tracks {
            track.set_config(config);
        }
    }

    /// Records the value of `object`'s `field` at server time `time` (seconds).
    ///
    /// A variable is identified by object, field *and* value type: recording an
    /// `f32` and a `Vec3` under the same key makes two variables.
    pub fn record<T: Interpolate>(
        &mut self,
        object: ObjectId,
        field: FieldId,
        time: f64,
        value: T,
    ) -> Result<Recorded, RecordError> {
        self.track_mut::<T>().record(object, field, time, value)
    }

    /// The value computed for `object`'s `field` by the last [`update`](Self::update).
    pub fn get<T: Interpolate>(&self, object: ObjectId, field: FieldId) -> Option<T> {
        self.track::<T>()?.get(object, field)
    }

    /// Evaluates `object`'s `field` at `render_time` now, without storing or pruning.
    pub fn value_at<T: Interpolate>(
        &self,
        object: ObjectId,
        field: FieldId,
        render_time: f64,
    ) -> Option<T> {
        self.track::<T>()?.value_at(object, field, render_time)
    }

    /// Computes every variable's value at `render_time` and prunes old history.
    pub fn update(&mut self, render_time: f64) {
        for track in &mut self.tracks {
            track.update(render_time);
        }
    }

    /// Like [`update`](Self::update) for one object's variables only.
    pub fn update_object(&mut self, object: ObjectId, render_time: f64) {
        for track in &mut self.tracks {
            track.update_object(object, render_time);
        }
    }

    /// Removes every variable of `object` (safe at any time); returns how many.
    pub fn remove_object(&mut self, object: ObjectId) -> usize {
        self.owned.remove(&object);
        self.tracks
            .iter_mut()
            .map(|t| t.remove_object(object))
            .sum()
    }

    /// Marks `object` as owned (not interpolated by default), now and for variables
    /// created later, until it is removed.
    pub fn set_owned(&mut self, object: ObjectId, owned: bool) {
        if owned {
            self.owned.insert(object);
        } else {
            self.owned.remove(&object);
        }
        for track in &mut self.tracks {
            track.set_owned(object, owned);
        }
    }

    /// Whether `object` is marked as owned.
    pub fn is_owned(&self, object: ObjectId) -> bool {
        self.owned.contains(&object)
    }

    /// How many variables exist, over all value types.
    pub fn len(&self) -> usize {
        self.tracks.iter().map(|t| t.len()).sum()
    }

    /// Whether no variable exists.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The track of values of type `T`, if one was created.
    pub fn track<T: Interpolate>(&self) -> Option<&InterpTrack<T>> {
        let slot = *self.by_type.get(&TypeId::of::<T>())?;
        self.tracks.get(slot)?.as_any().downcast_ref()
    }

    /// The track of values of type `T`, created on first use.
    pub fn track_mut<T: Interpolate>(&mut self) -> &mut InterpTrack<T> {
        let slot = match self.by_type.get(&TypeId::of::<T>()) {
            Some(&slot) => slot,
            None => {
                let mut track = InterpTrack::<T>::new(self.config);
                for &object in &self.owned {
                    track.set_owned(object, true);
                }
                self.tracks.push(Box::new(track));
                self.by_type
                    .insert(TypeId::of::<T>(), self.tracks.len() - 1);
                self.tracks.len() - 1
            }
        };
        self.tracks[slot]
            .as_any_mut()
            .downcast_mut()
            .expect("by_type maps each TypeId to a track of that type")
    }
}
