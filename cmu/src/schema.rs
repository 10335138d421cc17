//! The loaded `.dc` schema, indexed by class and field number, and the checks every
//! relayed generate and update goes through.

use dcc::model::{ClassId, FieldId, FieldKind, Model};
use std::collections::HashMap;

/// How a field is relayed, from its keywords.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldInfo {
    /// The field in the model.
    pub id: FieldId,
    /// `broadcast`: to the zone except the sender.
    pub broadcast: bool,
    /// `reflect`: to the zone including the sender.
    pub reflect: bool,
    /// `p2p`: to the owner.
    pub p2p: bool,
    /// `clsend`: anyone may send it.
    pub clsend: bool,
    /// `ownsend`: the owner may send it (checked in strict mode).
    pub ownsend: bool,
}

/// One distributed class: its fields by number and its required fields in order.
#[derive(Debug)]
pub struct ClassInfo {
    /// The class in the model.
    pub id: ClassId,
    /// Its name.
    pub name: String,
    fields: HashMap<u16, FieldInfo>,
    required: Vec<FieldId>,
}

/// The schema the server checks against.
pub struct Schema {
    /// The parsed `.dc` files.
    pub model: Model,
    classes: HashMap<u16, ClassInfo>,
}

impl Schema {
    /// Loads `.dc` files in order (as the clients' `dc-file` list).
    pub fn load(paths: &[std::path::PathBuf]) -> Result<Schema, String> {
        let model = dcc::load_files(paths, dcc::Options::default()).map_err(|e| e.render())?;
        Ok(Schema::new(model))
    }

    /// Indexes a model.
    pub fn new(model: Model) -> Schema {
        let mut classes = HashMap::new();
        for (i, c) in model.classes.iter().enumerate() {
            let Some(number) = c.number.and_then(|n| u16::try_from(n).ok()) else {
                continue;
            };
            if c.is_struct {
                continue;
            }
            let mut fields = HashMap::new();
            let mut required = Vec::new();
            for &f in &c.inherited {
                let field = model.field(f);
                let k = &field.keywords;
                if let Some(n) = field.number.and_then(|n| u16::try_from(n).ok()) {
                    fields.insert(
                        n,
                        FieldInfo {
                            id: f,
                            broadcast: k.has("broadcast"),
                            reflect: k.has("reflect"),
                            p2p: k.has("p2p"),
                            clsend: k.has("clsend"),
                            ownsend: k.has("ownsend"),
                        },
                    );
                }
                if k.has("required") && !matches!(field.kind, FieldKind::Molecular(_)) {
                    required.push(f);
                }
            }
            let id = ClassId(u32::try_from(i).unwrap_or(u32::MAX));
            classes.insert(
                number,
                ClassInfo {
                    id,
                    name: c.name.clone(),
                    fields,
                    required,
                },
            );
        }
        Schema { model, classes }
    }

    /// The class with this number.
    pub fn class(&self, number: u16) -> Option<&ClassInfo> {
        self.classes.get(&number)
    }

    /// Checks an update's arguments: exactly one packed value of the field.
    pub fn check_field(&self, field: FieldId, args: &[u8]) -> Result<(), String> {
        let n = dcc::pack::measure_field(&self.model, field, args).map_err(|e| e.message)?;
        if n != args.len() {
            return Err(format!(
                "{} bytes left over after `{}`",
                args.len() - n,
                self.model.field(field).name
            ));
        }
        Ok(())
    }

    /// Checks a generate body: the required fields in order, then a `uint16` count of
    /// optional fields, each a `uint16` field number of the class and its value.
    pub fn check_generate(&self, class: &ClassInfo, body: &[u8]) -> Result<(), String> {
        let mut rest = body;
        for &f in &class.required {
            let n = dcc::pack::measure_field(&self.model, f, rest)
                .map_err(|e| format!("required `{}`: {}", self.model.field(f).name, e.message))?;
            rest = &rest[n..];
        }
        let count = take_u16(&mut rest).ok_or("truncated optional-field count")?;
        for _ in 0..count {
            let num = take_u16(&mut rest).ok_or("truncated optional-field number")?;
            let info = class
                .field(num)
                .ok_or_else(|| format!("field {num} is not in class {}", class.name))?;
            let n = dcc::pack::measure_field(&self.model, info.id, rest).map_err(|e| {
                format!(
                    "optional `{}`: {}",
                    self.model.field(info.id).name,
                    e.message
                )
            })?;
            rest = &rest[n..];
        }
        if !rest.is_empty() {
            return Err(format!("{} bytes left over after the fields", rest.len()));
        }
        Ok(())
    }
}

impl ClassInfo {
    /// The field with this number, own or inherited.
    pub fn field(&self, number: u16) -> Option<&FieldInfo> {
        self.fields.get(&number)
    }
}

fn take_u16(b: &mut &[u8]) -> Option<u16> {
    let v = u16::from_le_bytes([*b.first()?, *b.get(1)?]);
    *b = &b[2..];
    Some(v)
}
