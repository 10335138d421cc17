//! Received objects into game structs: [`Replicated`] types
//! (`#[derive(DistributedObject)]`) read from an object's current state.

use super::events::ClientError;
use super::objects::ClientObject;
use super::Client;
use crate::bind::Replicated;
use crate::ids::DoId;

impl ClientObject {
    /// Writes the object's current state into `value`: each field `T` holds that the
    /// object has received. Returns how many fields were applied. Refuses an object
    /// of another class; a field that does not unpack stops the copy (fields applied
    /// before it stay, the failing one is unchanged).
    pub fn apply_to<T: Replicated>(&self, value: &mut T) -> Result<usize, ClientError> {
        if self.class.number != T::CLASS_ID || self.class.name != T::CLASS {
            return Err(ClientError::WrongClass {
                expected: T::CLASS,
                actual: self.class.name,
            });
        }
        let mut applied = 0;
        for &n in T::FIELDS {
            let Some(v) = self.field(n) else {
                continue;
            };
            let held = value
                .apply_field(n, &v.value)
                .map_err(|error| ClientError::BadValue {
                    field: T::CLASS,
                    error,
                })?;
            applied += usize::from(held);
        }
        Ok(applied)
    }

    /// A new `T` holding the object's current state (fields not received yet keep
    /// `T::default()`).
    pub fn to_struct<T: Replicated + Default>(&self) -> Result<T, ClientError> {
        let mut value = T::default();
        self.apply_to(&mut value)?;
        Ok(value)
    }
}

impl Client {
    /// Object `id` as a `T` (see [`ClientObject::to_struct`]).
    pub fn read_object<T: Replicated + Default>(&self, id: DoId) -> Result<T, ClientError> {
        self.object(id)
            .ok_or(ClientError::UnknownObject(id))?
            .to_struct()
    }
}
