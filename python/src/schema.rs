//! A `.dc` schema loaded at run time: the dcc model and the runtime's `SchemaInfo`.
//!
//! The runtime wants `&'static SchemaInfo`; a loaded schema is leaked once (a game loads
//! its schema once per process). Each field's skip function is a closure over the model.

use crate::codec;
use crate::scalars::ScalarPlan;
use dcc::model::{FieldKind, Model};
use pipes::schema::{ClassInfo, FieldFlags, FieldInfo, SchemaInfo};
use std::sync::Arc;

/// A loaded schema.
#[derive(Debug)]
pub struct Loaded {
    /// The dcc model (types for packing and unpacking).
    pub model: Arc<Model>,
    /// The runtime's view of it.
    pub info: &'static SchemaInfo,
    /// By field number: the plan of each field whose parameters are all numbers
    /// (leaked with the schema: the fields' skip functions use them too).
    pub scalars: &'static [Option<ScalarPlan>],
}

fn leak_str(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

fn leak<T>(v: Vec<T>) -> &'static [T] {
    Box::leak(v.into_boxed_slice())
}

/// Loads `.dc` files in order; the error is dcc's rendered diagnostics.
pub fn load(paths: &[String]) -> Result<Loaded, String> {
    let model = dcc::load_files(paths, dcc::Options::default()).map_err(|e| e.render())?;
    Ok(build(Arc::new(model)))
}

fn field_info(model: &Arc<Model>, n: usize, plan: Option<&'static ScalarPlan>) -> FieldInfo {
    let id = model.fields_by_number[n];
    let field = model.field(id);
    let skip: pipes::schema::SkipFn = match plan {
        // Number fields (most per-frame state) are measured from their plan.
        Some(plan) => Box::leak(Box::new(move |r: &mut pipes::wire::Reader<'_>| {
            plan.skip(r)
        })),
        None => {
            let m = Arc::clone(model);
            Box::leak(Box::new(move |r: &mut pipes::wire::Reader<'_>| {
                codec::skip_field(&m, id, r)
            }))
        }
    };
    let kind = match field.kind {
        FieldKind::Atomic(_) => pipes::schema::FieldKind::Atomic,
        FieldKind::Parameter(_) => pipes::schema::FieldKind::Parameter,
        FieldKind::Molecular(_) => pipes::schema::FieldKind::Molecular,
    };
    FieldInfo {
        number: n as u16,
        name: leak_str(&field.name),
        class: leak_str(&model.class(field.class).name),
        kind,
        flags: FieldFlags(field.keywords.historical_flags()),
        keywords: leak(field.keywords.names.iter().map(|k| leak_str(k)).collect()),
        fixed_size: fixed_size(model, id),
        int_widths: leak(dcc::pack::field_int_widths(model, id).unwrap_or_default()),
        skip,
        default: leak(dcc::pack::field_default(model, id).unwrap_or_default()),
    }
}

fn fixed_size(model: &Model, f: dcc::model::FieldId) -> Option<usize> {
    match &model.field(f).kind {
        FieldKind::Parameter(p) => dcc::pack::fixed_size(model, &p.ty),
        FieldKind::Atomic(ps) => ps.iter().try_fold(0usize, |t, p| {
            t.checked_add(dcc::pack::fixed_size(model, &p.ty)?)
        }),
        FieldKind::Molecular(atoms) => atoms
            .iter()
            .try_fold(0usize, |t, &a| t.checked_add(fixed_size(model, a)?)),
    }
}

fn class_info(model: &Model, index: usize) -> ClassInfo {
    let c = model.class(model.class_list[index]);
    let nums = |keyword: Option<&str>| -> &'static [u16] {
        leak(
            c.inherited
                .iter()
                .map(|&f| model.field(f))
                .filter(|field| match keyword {
                    None => true,
                    Some(k) => {
                        !matches!(field.kind, FieldKind::Molecular(_)) && field.keywords.has(k)
                    }
                })
                .filter_map(|field| field.number)
                .map(|n| n as u16)
                .collect(),
        )
    };
    ClassInfo {
        name: leak_str(&c.name),
        number: index as u16,
        is_struct: c.is_struct,
        parents: leak(
            c.parents
                .iter()
                .map(|&p| leak_str(&model.class(p).name))
                .collect(),
        ),
        fields: nums(None),
        required: nums(Some("required")),
        ram: nums(Some("ram")),
    }
}

/// Builds (and leaks) the runtime schema for a model.
pub fn build(model: Arc<Model>) -> Loaded {
    let scalars: &'static [Option<ScalarPlan>] = leak(
        model
            .fields_by_number
            .iter()
            .map(|&id| ScalarPlan::of(&model, id))
            .collect(),
    );
    let fields = scalars
        .iter()
        .enumerate()
        .map(|(n, plan)| field_info(&model, n, plan.as_ref()))
        .collect();
    let classes = (0..model.class_list.len())
        .map(|i| class_info(&model, i))
        .collect();
    let info = Box::leak(Box::new(SchemaInfo {
        hash: dcc::hash::hash_model(&model),
        classes: leak(classes),
        fields: leak(fields),
    }));
    Loaded {
        model,
        info,
        scalars,
    }
}
