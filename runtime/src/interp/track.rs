//! [`InterpTrack`]: every interpolated variable of one value type, keyed by object
//! and field.
//!
//! Variables live in one dense vector (updating all of them each frame is a linear
//! walk), with a hash index from key to slot and a list of fields per object so an
//! object's variables can be removed at any moment in O(its fields).

use super::config::InterpConfig;
use super::hash::{IdMap, IdSet};
use super::history::{RecordError, Recorded};
use super::value::Interpolate;
use super::variable::InterpolatedVar;

/// An object id as the runtime knows it (a DC `doId`, widened).
pub type ObjectId = u64;
/// A field within an object (a DC field index).
pub type FieldId = u16;

/// Names one interpolated variable: an object's field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VarKey {
    /// The object.
    pub object: ObjectId,
    /// The field of that object.
    pub field: FieldId,
}

#[derive(Clone, Debug)]
struct Entry<T> {
    key: VarKey,
    var: InterpolatedVar<T>,
    /// The value computed by the last update, `None` before the first.
    current: Option<T>,
    /// Whether the object is owned (not interpolated unless configured).
    owned: bool,
    /// The track's generation at the update that last changed `current`.
    changed_at: u64,
}

/// All interpolated variables holding values of type `T`.
///
/// The client runtime calls [`record`](Self::record) as snapshots are applied;
/// the game calls [`update`](Self::update) once per frame with the render time and
/// reads values with [`get`](Self::get) (or evaluates one variable directly with
/// [`value_at`](Self::value_at)). [`remove_object`](Self::remove_object) is safe
/// at any time, also between an update and the reads that follow it.
#[derive(Clone, Debug)]
pub struct InterpTrack<T> {
    config: InterpConfig,
    entries: Vec<Entry<T>>,
    index: IdMap<VarKey, usize>,
    fields: IdMap<ObjectId, Vec<FieldId>>,
    owned: IdSet<ObjectId>,
    /// Counts updates (whole-track and per-object), for [`changed_since`](Self::changed_since).
    generation: u64,
}

impl<T: Interpolate> Default for InterpTrack<T> {
    fn default() -> Self {
        Self::new(InterpConfig::default())
    }
}

impl<T: Interpolate> InterpTrack<T> {
    /// An empty track with these settings.
    pub fn new(config: InterpConfig) -> Self {
        InterpTrack {
            config,
            entries: Vec::new(),
            index: IdMap::default(),
            fields: IdMap::default(),
            owned: IdSet::default(),
            generation: 0,
        }
    }

    /// The settings in use.
    pub fn config(&self) -> &InterpConfig {
        &self.config
    }

    /// Replaces the settings; takes effect at the next record or update.
    pub fn set_config(&mut self, config: InterpConfig) {
        self.config = config;
    }

    /// Records the value of `object`'s `field` at server time `time` (seconds),
    /// creating the variable on first use.
    pub fn record(
        &mut self,
        object: ObjectId,
        field: FieldId,
        time: f64,
        value: T,
    ) -> Result<Recorded, RecordError> {
        let key = VarKey { object, field };
        let slot = match self.index.get(&key) {
            Some(&slot) => slot,
            None => {
                // Validate before creating, so a bad first sample leaves no empty variable.
                let mut var = InterpolatedVar::new();
                let recorded = var.record(time, value, &self.config)?;
                self.insert_new(key, var);
                return Ok(recorded);
            }
        };
        self.entries[slot].var.record(time, value, &self.config)
    }

    fn insert_new(&mut self, key: VarKey, var: InterpolatedVar<T>) {
        self.index.insert(key, self.entries.len());
        self.fields.entry(key.object).or_default().push(key.field);
        self.entries.push(Entry {
            key,
            var,
            current: None,
            owned: self.owned.contains(&key.object),
            changed_at: 0,
        });
    }

    /// Computes every variable's value at `render_time` (read them with
    /// [`get`](Self::get)) and prunes history no longer needed.
    pub fn update(&mut self, render_time: f64) {
        let config = self.config;
        self.generation += 1;
        for entry in &mut self.entries {
            update_entry(entry, render_time, &config, self.generation);
        }
    }

    /// Like [`update`](Self::update) for one object's variables only.
    pub fn update_object(&mut self, object: ObjectId, render_time: f64) {
        let config = self.config;
        let Some(fields) = self.fields.get(&object) else {
            return;
        };
        self.generation += 1;
        for &field in fields {
            if let Some(&slot) = self.index.get(&VarKey { object, field }) {
                update_entry(
                    &mut self.entries[slot],
                    render_time,
                    &config,
                    self.generation,
                );
            }
        }
    }

    /// The value computed for `object`'s `field` by the last update; `None` if the
    /// variable does not exist or has not been updated since it was created.
    pub fn get(&self, object: ObjectId, field: FieldId) -> Option<T> {
        let slot = *self.index.get(&VarKey { object, field })?;
        self.entries[slot].current
    }

    /// Evaluates `object`'s `field` at `render_time` now, without storing or pruning.
    ///
    /// Owned objects give their newest sample unless `interpolate_owned` is set.
    pub fn value_at(&self, object: ObjectId, field: FieldId, render_time: f64) -> Option<T> {
        let slot = *self.index.get(&VarKey { object, field })?;
        let entry = &self.entries[slot];
        evaluate_entry(entry, render_time, &self.config)
    }

    /// The variable itself (its samples), if it exists.
    pub fn variable(&self, object: ObjectId, field: FieldId) -> Option<&InterpolatedVar<T>> {
        let slot = *self.index.get(&VarKey { object, field })?;
        Some(&self.entries[slot].var)
    }

    /// Every variable's key and last computed value (`None` before its first update).
    pub fn iter(&self) -> impl Iterator<Item = (VarKey, Option<T>)> + '_ {
        self.entries.iter().map(|e| (e.key, e.current))
    }

    /// The track's generation: it grows with every update. Keep it after reading
    /// [`changed_since`](Self::changed_since) and pass it to the next call.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The variables whose computed value changed in an update after `generation`
    /// (created ones included), with that value: what a frame must redraw. Pass 0 for
    /// every variable with a value. Types whose [`Interpolate::same_as`] is the
    /// default count every update as a change.
    pub fn changed_since(&self, generation: u64) -> impl Iterator<Item = (VarKey, T)> + '_ {
        self.entries
            .iter()
            .filter(move |e| e.changed_at > generation)
            .filter_map(|e| Some((e.key, e.current?)))
    }

    /// Removes one variable; returns whether it existed.
    pub fn remove(&mut self, object: ObjectId, field: FieldId) -> bool {
        let key = VarKey { object, field };
        if !self.remove_slot(key) {
            return false;
        }
        if let Some(fields) = self.fields.get_mut(&object) {
            fields.retain(|&f| f != field);
            if fields.is_empty() {
                self.fields.remove(&object);
            }
        }
        true
    }

    /// Removes every variable of `object` and forgets whether it was owned (its id
    /// may be reused by a new object). Returns how many variables were removed.
    pub fn remove_object(&mut self, object: ObjectId) -> usize {
        self.owned.remove(&object);
        let Some(fields) = self.fields.remove(&object) else {
            return 0;
        };
        fields
            .into_iter()
            .filter(|&field| self.remove_slot(VarKey { object, field }))
            .count()
    }

    fn remove_slot(&mut self, key: VarKey) -> bool {
        let Some(slot) = self.index.remove(&key) else {
            return false;
        };
        self.entries.swap_remove(slot);
        if let Some(moved) = self.entries.get(slot) {
            self.index.insert(moved.key, slot);
        }
        true
    }

    /// Marks `object` as owned by this client (or not). Owned objects are not
    /// interpolated unless the config says so: they show their newest sample.
    /// The mark applies to variables created later too, until the object is removed.
    pub fn set_owned(&mut self, object: ObjectId, owned: bool) {
        if owned {
            self.owned.insert(object);
        } else {
            self.owned.remove(&object);
        }
        let Some(fields) = self.fields.get(&object) else {
            return;
        };
        for &field in fields {
            if let Some(&slot) = self.index.get(&VarKey { object, field }) {
                self.entries[slot].owned = owned;
            }
        }
    }

    /// Whether `object` is marked as owned.
    pub fn is_owned(&self, object: ObjectId) -> bool {
        self.owned.contains(&object)
    }

    /// How many variables the track holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the track holds no variable.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Removes every variable and ownership mark.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.index.clear();
        self.fields.clear();
        self.owned.clear();
    }
}

#[inline]
fn evaluate_entry<T: Interpolate>(
    entry: &Entry<T>,
    render_time: f64,
    config: &InterpConfig,
) -> Option<T> {
    if entry.owned && !config.interpolate_owned {
        entry.var.newest().map(|s| s.value)
    } else {
        entry.var.value_at(render_time, config)
    }
}

#[inline]
fn update_entry<T: Interpolate>(
    entry: &mut Entry<T>,
    render_time: f64,
    config: &InterpConfig,
    generation: u64,
) {
    let value = evaluate_entry(entry, render_time, config);
    let same = match (&value, &entry.current) {
        (Some(new), Some(old)) => new.same_as(old),
        (None, None) => true,
        _ => false,
    };
    if !same {
        entry.changed_at = generation;
    }
    entry.current = value;
    entry.var.prune(render_time, config);
}
