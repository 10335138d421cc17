//! Switches: the key, case labels packed with the key's type, and the groups of
//! fields each case (or `default`) selects.

use super::*;

impl Resolver {
    pub(super) fn switch(&mut self, decl: &ast::SwitchDecl) -> SwitchId {
        let name = match &decl.name {
            Some(n) => {
                self.check_name(n, "a switch name");
                n.name.clone()
            }
            None => String::new(),
        };
        let key = self.param(&decl.key);
        let mut groups: Vec<Vec<Param>> = Vec::new();
        let mut cases: Vec<(Vec<u8>, usize)> = Vec::new();
        let mut default: Option<usize> = None;
        let mut current: Vec<usize> = Vec::new();
        let mut fields_added = false;
        let start_case = |groups: &mut Vec<Vec<Param>>,
                          current: &mut Vec<usize>,
                          fields_added: &mut bool|
         -> usize {
            let g = if current.is_empty() || *fields_added {
                groups.push(vec![key.clone()]);
                *fields_added = false;
                groups.len() - 1
            } else {
                current[current.len() - 1]
            };
            if current.last() != Some(&g) {
                current.push(g);
            }
            g
        };
        for item in &decl.items {
            match item {
                SwitchItem::Case(value) => match pack::pack_default(&self.model, &key, value) {
                    Ok(bytes) => {
                        if cases.iter().any(|(v, _)| *v == bytes) {
                            self.error(value.span, "duplicate case value");
                        } else {
                            let g = start_case(&mut groups, &mut current, &mut fields_added);
                            cases.push((bytes, g));
                        }
                    }
                    Err(e) => self.error(
                        value.span,
                        format!("invalid value for the switch key: {}", e.message),
                    ),
                },
                SwitchItem::Default(span) => {
                    if default.is_some() {
                        self.error(*span, "default case already defined");
                    } else {
                        default = Some(start_case(&mut groups, &mut current, &mut fields_added));
                    }
                }
                SwitchItem::Break => {
                    current.clear();
                    fields_added = false;
                }
                SwitchItem::Field(p) => {
                    let param = self.param(p);
                    if current.is_empty() {
                        self.error(p.span, "case declaration required before first element");
                        continue;
                    }
                    for &g in &current {
                        let dup = param
                            .name
                            .as_ref()
                            .is_some_and(|n| groups[g].iter().any(|q| q.name.as_ref() == Some(n)));
                        if dup {
                            self.error(
                                p.span,
                                format!(
                                    "duplicate field name `{}`",
                                    param.name.clone().unwrap_or_default()
                                ),
                            );
                        } else {
                            groups[g].push(param.clone());
                        }
                    }
                    fields_added = true;
                }
            }
        }
        let after_key = |g: &Vec<Param>| g[1..].to_vec();
        let switch = Switch {
            name,
            cases: cases
                .iter()
                .map(|(v, g)| SwitchCase {
                    value: v.clone(),
                    fields: after_key(&groups[*g]),
                })
                .collect(),
            default: default.map(|g| after_key(&groups[g])),
            key,
            fixed_size: None,
            span: decl.span,
        };
        let id = SwitchId(self.model.switches.len() as u32);
        self.model.switches.push(switch);
        self.model.switches[id.0 as usize].fixed_size = pack::switch_fixed_size(&self.model, id);
        id
    }
}
