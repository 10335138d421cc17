//! Command-line front end. The library does the work; this module parses arguments,
//! calls it and prints.

use clap::{Args, Parser, Subcommand};
use dcc::model::{FieldKind, Model};
use dcc::{hash, pack, parse, Options, SourceFile, SourceMap};
use std::ffi::OsString;
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "dcc", version, about = "Compiler for Panda3D .dc schema files")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check that the files (loaded in order) are valid; exit 1 with diagnostics otherwise.
    Check {
        #[command(flatten)]
        files: Files,
        /// Also check what this server can take (`astron`: Astron's parser and hash).
        #[arg(long, value_parser = ["astron"])]
        target: Option<String>,
    },
    /// Print the `dc_files`/`uberdogs` part of an astrond.yml for the files.
    AstronConfig {
        #[command(flatten)]
        files: Files,
        /// An UberDOG: `Class=doId` or `Class=doId:anonymous` (repeatable).
        #[arg(long = "uberdog", value_name = "CLASS=ID[:anonymous]")]
        uberdogs: Vec<dcc::astron::Uberdog>,
    },
    /// Print the DC hash of the files loaded in order, as 0x and 8 hex digits.
    Hash(Files),
    /// Print classes and structs with their ids, parents and numbered fields.
    Info {
        #[command(flatten)]
        files: Files,
        /// Print JSON for machines.
        #[arg(long)]
        json: bool,
    },
    /// Pack a value (DC value syntax) into a field and print the bytes as hex.
    Pack {
        #[command(flatten)]
        target: FieldArgs,
        /// The value, e.g. `(1, "a", [2, 3])` for an atomic field.
        #[arg(long, allow_hyphen_values = true)]
        value: String,
    },
    /// Unpack hex bytes of a field and print the value in DC value syntax.
    Unpack {
        #[command(flatten)]
        target: FieldArgs,
        /// The packed bytes as hex.
        #[arg(long)]
        hex: String,
    },
    /// Generate code from the files (loaded in order into one model).
    Build {
        /// Write the generated Rust module here (typed pack/unpack, field ids, metadata).
        #[arg(long, value_name = "OUT.rs")]
        rust: Option<PathBuf>,
        /// Write Python type stubs here (Panda3D DistributedObject convention, for mypy).
        #[arg(long, value_name = "OUT.pyi")]
        python: Option<PathBuf>,
        /// Accept undefined names as Panda3D does (placeholders).
        #[arg(long)]
        lenient: bool,
        /// Standard traits the generated Rust types derive besides `Default`:
        /// comma-separated `clone`, `debug`, `eq` (`PartialEq`), or `all`. None by
        /// default: each costs `cargo check` time on every generated type.
        #[arg(long, value_name = "LIST", value_parser = parse_derives, default_value = "none")]
        derive: dcc::rustgen::Derives,
        /// Also generate each dclass module's `Field` enum (any field of the class,
        /// unpacked by number).
        #[arg(long)]
        field_enums: bool,
        /// Schema files, loaded in order into one model.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

#[derive(Args)]
struct Files {
    /// Schema files, loaded in order into one model.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Accept undefined names as Panda3D does (placeholders), to hash partial files.
    #[arg(long)]
    lenient: bool,
}

#[derive(Args)]
struct FieldArgs {
    #[command(flatten)]
    files: Files,
    /// The dclass or struct.
    #[arg(long = "class")]
    class: String,
    /// The field (own or inherited).
    #[arg(long)]
    field: String,
}

/// Runs the CLI and returns the process exit code.
pub fn run(args: Vec<OsString>) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    match execute(cli.command) {
        Ok(out) => {
            if !out.is_empty() {
                println!("{out}");
            }
            0
        }
        Err(message) => {
            eprintln!("{}", message.trim_end());
            1
        }
    }
}

fn load(files: &Files) -> Result<Model, String> {
    dcc::load_files(
        &files.files,
        Options {
            lenient: files.lenient,
        },
    )
    .map_err(|e| {
        let n = e.diagnostics.len();
        format!(
            "{}\n{n} error{} found",
            e.render(),
            if n == 1 { "" } else { "s" }
        )
    })
}

fn execute(command: Command) -> Result<String, String> {
    match command {
        Command::Check {
            files,
            target: Some(_),
        } => check_astron(&load(&files)?),
        Command::AstronConfig { files, uberdogs } => {
            let model = load(&files)?;
            let report = dcc::astron::check(&model);
            if !report.is_ok() {
                return check_astron(&model);
            }
            let paths: Vec<&std::path::Path> = files.files.iter().map(PathBuf::as_path).collect();
            dcc::astron::config_fragment(&model, &paths, &uberdogs, &report)
        }
        Command::Check {
            files,
            target: None,
        } => {
            let model = load(&files)?;
            dcc::rustgen::check_limits(&model).map_err(|e| format!("error: {e}"))?;
            Ok(format!(
                "ok: {} classes and structs, {} fields, hash {:#010x}",
                model.num_classes(),
                model.fields_by_number.len(),
                hash::hash_model(&model)
            ))
        }
        Command::Hash(files) => Ok(format!("{:#010x}", hash::hash_model(&load(&files)?))),
        Command::Info { files, json } => {
            let model = load(&files)?;
            Ok(if json {
                info_json(&model)
            } else {
                info_text(&model)
            })
        }
        Command::Pack { target, value } => {
            let model = load(&target.files)?;
            let field = find_field(&model, &target)?;
            let mut sources = SourceMap::new();
            let file = sources.add(SourceFile::new("<value>", value.as_bytes()));
            let parsed = parse::parse_value(file, &sources.get(file).text.clone())
                .map_err(|d| dcc::diagnostic::render_all(&d, &sources))?;
            let bytes = pack::pack_field(&model, field, &parsed).map_err(|e| match e.span {
                Some(span) => dcc::Diagnostic::error(span, e.message).render(&sources),
                None => format!("error: {}", e.message),
            })?;
            Ok(to_hex(&bytes))
        }
        Command::Unpack { target, hex } => {
            let model = load(&target.files)?;
            let field = find_field(&model, &target)?;
            let bytes = from_hex(&hex)?;
            pack::unpack_field(&model, field, &bytes).map_err(|e| format!("error: {}", e.message))
        }
        Command::Build {
            rust,
            python,
            lenient,
            derive,
            field_enums,
            files,
        } => {
            let options = dcc::rustgen::RustOptions {
                derives: derive,
                field_enums,
            };
            build(rust, python, &options, &Files { files, lenient })
        }
    }
}

/// `dcc build`: loads once, then writes each requested output.
/// `--derive LIST` as rustgen's derive set.
fn parse_derives(list: &str) -> Result<dcc::rustgen::Derives, String> {
    dcc::rustgen::Derives::parse(list)
}

fn build(
    rust: Option<PathBuf>,
    python: Option<PathBuf>,
    options: &dcc::rustgen::RustOptions,
    files: &Files,
) -> Result<String, String> {
    if rust.is_none() && python.is_none() {
        return Err("error: nothing to build: give --rust OUT.rs and/or --python OUT.pyi".into());
    }
    let model = load(files)?;
    let mut wrote = Vec::new();
    if let Some(path) = rust {
        for warning in dcc::rustgen::placeholders(&model) {
            eprintln!("warning: {warning}");
        }
        let bytes = write_rust_file(&model, options, &path)?;
        wrote.push(format!("wrote {} ({bytes} bytes)", path.display()));
    }
    if let Some(path) = python {
        let stubs = dcc::pyi::generate_pyi(&model);
        std::fs::write(&path, &stubs)
            .map_err(|e| format!("error: cannot write {}: {e}", path.display()))?;
        wrote.push(format!("wrote {} ({} bytes)", path.display(), stubs.len()));
    }
    Ok(wrote.join("\n"))
}

/// Streams the generated Rust module into `path` (memory stays proportional to the
/// largest class); a failed generation leaves no partial file behind.
fn write_rust_file(
    model: &Model,
    options: &dcc::rustgen::RustOptions,
    path: &std::path::Path,
) -> Result<u64, String> {
    use std::io::Write as _;
    dcc::rustgen::check_limits(model).map_err(|e| format!("error: {e}"))?;
    let cannot = |e: std::io::Error| format!("error: cannot write {}: {e}", path.display());
    let file = std::fs::File::create(path).map_err(cannot)?;
    let mut out = std::io::BufWriter::new(file);
    let written = out
        .write_all(dcc::rustgen::HEADER.as_bytes())
        .map_err(cannot)
        .and_then(|()| {
            dcc::rustgen::write_rust_with(model, options, &mut out)
                .map_err(|e| format!("error: {e}"))
        })
        .and_then(|()| out.flush().map_err(cannot));
    if let Err(e) = written {
        drop(out);
        let _ = std::fs::remove_file(path);
        return Err(e);
    }
    drop(out);
    std::fs::metadata(path).map(|m| m.len()).map_err(cannot)
}

/// `check --target astron`: diagnostics, exit 1 on errors.
fn check_astron(model: &Model) -> Result<String, String> {
    let report = dcc::astron::check(model);
    let rendered = dcc::diagnostic::render_all(&report.diagnostics, &model.sources);
    if report.is_ok() {
        Ok(format!(
            "{rendered}ok for Astron: hash {:#010x}{}",
            hash::hash_model(model),
            if report.needs_manual_hash() {
                " (set manual_dc_hash to it)"
            } else {
                ""
            }
        ))
    } else {
        Err(format!("{rendered}Astron cannot load these files"))
    }
}

fn find_field(model: &Model, target: &FieldArgs) -> Result<dcc::model::FieldId, String> {
    let class = model
        .class_by_name(&target.class)
        .ok_or_else(|| format!("error: no class or struct named `{}`", target.class))?;
    model.field_by_name(class, &target.field).ok_or_else(|| {
        format!(
            "error: `{}` has no field named `{}`",
            target.class, target.field
        )
    })
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(text: &str) -> Result<Vec<u8>, String> {
    let digits: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    if !digits.len().is_multiple_of(2) {
        return Err("error: --hex needs an even number of hex digits".into());
    }
    digits
        .chunks(2)
        .map(|p| {
            let s: String = p.iter().collect();
            u8::from_str_radix(&s, 16).map_err(|_| format!("error: `{s}` is not a hex byte"))
        })
        .collect()
}

fn kind_name(kind: &FieldKind) -> &'static str {
    match kind {
        FieldKind::Atomic(_) => "atomic",
        FieldKind::Molecular(_) => "molecular",
        FieldKind::Parameter(_) => "parameter",
    }
}

fn info_text(model: &Model) -> String {
    let mut out = format!("hash {:#010x}\n", hash::hash_model(model));
    for (index, &id) in model.class_list.iter().enumerate() {
        let c = model.class(id);
        let what = if c.bogus {
            "undefined class".to_string()
        } else if c.is_struct {
            "struct".to_string()
        } else {
            format!("dclass id {}", c.number.unwrap_or(0))
        };
        out.push_str(&format!("[{index}] {} ({what})", c.name));
        if !c.parents.is_empty() {
            let parents: Vec<&str> = c
                .parents
                .iter()
                .map(|&p| model.class(p).name.as_str())
                .collect();
            out.push_str(&format!(" : {}", parents.join(", ")));
        }
        out.push('\n');
        for &f in &c.inherited {
            let field = model.field(f);
            let own = if field.class == id {
                ""
            } else {
                " (inherited)"
            };
            let keywords = if field.keywords.names.is_empty() {
                String::new()
            } else {
                format!(" [{}]", field.keywords.names.join(" "))
            };
            out.push_str(&format!(
                "  {:>5} {} {}{keywords}{own}\n",
                field.number.map_or("-".to_string(), |n| n.to_string()),
                kind_name(&field.kind),
                if field.name.is_empty() {
                    "<unnamed>"
                } else {
                    &field.name
                }
            ));
        }
    }
    out.trim_end().to_string()
}

fn info_json(model: &Model) -> String {
    let classes: Vec<serde_json::Value> = model
        .class_list
        .iter()
        .enumerate()
        .map(|(index, &id)| {
            let c = model.class(id);
            let fields: Vec<serde_json::Value> = c
                .fields
                .iter()
                .map(|&f| {
                    let field = model.field(f);
                    serde_json::json!({
                        "name": field.name,
                        "number": field.number,
                        "kind": kind_name(&field.kind),
                        "keywords": field.keywords.names,
                        "default": pack::field_default(model, f).map(|b| to_hex(&b)),
                    })
                })
                .collect();
            serde_json::json!({
                "index": index,
                "name": c.name,
                "struct": c.is_struct,
                "number": c.number.map_or(-1, |n| n as i64),
                "bogus": c.bogus,
                "parents": c.parents.iter().map(|&p| model.class(p).name.clone()).collect::<Vec<_>>(),
                "fields": fields,
                "inherited": c.inherited.iter().map(|&f| model.field(f).number).collect::<Vec<_>>(),
            })
        })
        .collect();
    let doc = serde_json::json!({
        "hash": format!("{:#010x}", hash::hash_model(model)),
        "valid": model.all_objects_valid,
        "classes": classes,
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}
