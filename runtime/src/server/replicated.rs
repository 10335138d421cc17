//! Objects from game structs: [`Replicated`] types (`#[derive(DistributedObject)]`)
//! spawned and kept in sync without handling field numbers or bytes.

use super::error::ServerError;
use super::Server;
use crate::bind::Replicated;
use crate::ids::{ClientId, DoId, Location};
use crate::schema::ClassInfo;

impl Server {
    /// Generates an object of `T`'s dclass at `location` with the state fields packed
    /// from `value` (the class's other state fields take their defaults).
    pub fn spawn<T: Replicated>(
        &mut self,
        value: &T,
        location: Location,
        owner: Option<ClientId>,
    ) -> Result<DoId, ServerError> {
        let class = self.bound_class::<T>()?;
        let state = self.pack_struct(value)?;
        let fields: Vec<(u16, &[u8])> = state.iter().map(|(n, b)| (*n, b.as_slice())).collect();
        self.generate(class.number, location, owner, &fields)
    }

    /// Brings object `id` up to date with `value`: every field `T` holds is packed and
    /// compared with the object's current value, and only those that differ are set
    /// (stamped with the current tick and sent to clients that see it). Returns how
    /// many fields changed; nothing changes when a field does not pack.
    pub fn sync<T: Replicated>(&mut self, id: DoId, value: &T) -> Result<usize, ServerError> {
        let class = self.bound_class::<T>()?;
        let actual = self
            .objects
            .get(id)
            .ok_or(ServerError::UnknownObject(id))?
            .class;
        if actual.number != class.number {
            return Err(ServerError::WrongClass {
                expected: class.name,
                actual: actual.name,
            });
        }
        let state = self.pack_struct(value)?;
        let changed: Vec<(u16, Vec<u8>)> = state
            .into_iter()
            .filter(|(n, b)| self.field(id, *n) != Some(b.as_slice()))
            .collect();
        for (n, bytes) in &changed {
            self.set_field(id, *n, bytes)?;
        }
        Ok(changed.len())
    }

    /// The schema's class for `T`, checked by id and name (a struct bound to another
    /// schema is refused rather than packed into the wrong fields).
    fn bound_class<T: Replicated>(&self) -> Result<&'static ClassInfo, ServerError> {
        let class = self
            .schema
            .class(T::CLASS_ID)
            .ok_or(ServerError::UnknownClass(T::CLASS_ID))?;
        if class.name != T::CLASS {
            return Err(ServerError::WrongClass {
                expected: T::CLASS,
                actual: class.name,
            });
        }
        Ok(class)
    }

    fn pack_struct<T: Replicated>(&self, value: &T) -> Result<Vec<(u16, Vec<u8>)>, ServerError> {
        value.pack_state().map_err(|error| ServerError::BadValue {
            field: T::CLASS,
            error,
        })
    }
}
