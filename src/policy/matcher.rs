//! Conditions of rules, surfaces and exceptions: compiled once per policy set so that every regex
//! of a field runs as one `RegexSet` and every glob as one `GlobSet`. It owns the condition language.

use std::collections::HashMap;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use regex::RegexSet;
use serde_json::Value;

use super::field::{Field, Subject, Val};

/// The operators a field condition may use.
/// `in`, `glob` and `regex` hold when some value matches; `not_in`, `not_glob` and `not_regex` hold
/// when some value does not (so `positionals: {not_glob: "target/**"}` is "an argument outside target/").
/// To say "no value matches", wrap the condition in `not:`.
pub const OPERATORS: [&str; 12] = [
    "equals",
    "in",
    "not_in",
    "glob",
    "not_glob",
    "regex",
    "not_regex",
    "gt",
    "ge",
    "lt",
    "le",
    "exists",
];

#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    Str(String),
    Num(f64),
    Bool(bool),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone)]
pub enum Test {
    Eq(Lit),
    In(Vec<Lit>),
    NotIn(Vec<Lit>),
    /// `In`/`NotIn` of many strings (program lists): a hash lookup instead of a scan.
    InSet(StrSet),
    NotInSet(StrSet),
    /// Indexes into the slot's glob set; any of them.
    Glob(Vec<usize>),
    NotGlob(Vec<usize>),
    /// Indexes into the slot's regex set; any of them.
    Regex(Vec<usize>),
    NotRegex(Vec<usize>),
    Cmp(CmpOp, f64),
    Exists(bool),
}

/// A list of string literals, looked up by hash; other values compare as [`equals`] would.
#[derive(Debug, Clone)]
pub struct StrSet {
    set: std::collections::HashSet<String>,
    lits: Vec<Lit>,
}

impl StrSet {
    /// Lists this long, all strings, are looked up by hash.
    const MIN: usize = 8;

    fn new(lits: &[Lit]) -> Option<StrSet> {
        let set = lits
            .iter()
            .map(|l| match l {
                Lit::Str(s) => Some(s.clone()),
                _ => None,
            })
            .collect::<Option<std::collections::HashSet<String>>>()?;
        (lits.len() >= Self::MIN).then(|| StrSet {
            set,
            lits: lits.to_vec(),
        })
    }

    fn contains(&self, v: &Val<'_>) -> bool {
        match v {
            Val::Str(s) => self.set.contains(s.as_ref()),
            other => self.lits.iter().any(|l| equals(other, l)),
        }
    }
}

/// `In` or `NotIn` of `lits`, by hash when the list is long.
fn membership(lits: Vec<Lit>, negated: bool) -> Test {
    match (StrSet::new(&lits), negated) {
        (Some(set), false) => Test::InSet(set),
        (Some(set), true) => Test::NotInSet(set),
        (None, false) => Test::In(lits),
        (None, true) => Test::NotIn(lits),
    }
}

#[derive(Debug, Clone)]
pub enum Cond {
    All(Vec<Cond>),
    Any(Vec<Cond>),
    Not(Box<Cond>),
    Leaf { slot: usize, test: Test },
    Surface(usize),
}

impl Cond {
    /// The tools this condition restricts to, when its top level says so (`tool: x` or `tool: [x, y]`).
    pub fn tools(&self, slots: &Slots) -> Option<Vec<String>> {
        let lits_of = |c: &Cond| -> Option<Vec<String>> {
            match c {
                Cond::Leaf { slot, test } if slots.field(*slot) == &Field::Tool => match test {
                    Test::Eq(Lit::Str(s)) => Some(vec![s.clone()]),
                    Test::In(lits) | Test::InSet(StrSet { lits, .. }) => lits
                        .iter()
                        .map(|l| match l {
                            Lit::Str(s) => Some(s.clone()),
                            _ => None,
                        })
                        .collect(),
                    _ => None,
                },
                _ => None,
            }
        };
        match self {
            Cond::All(parts) => parts.iter().find_map(lits_of),
            other => lits_of(other),
        }
    }

    /// Every field this condition reads, for checks against the tools it can apply to.
    pub fn fields<'s>(&self, slots: &'s Slots, out: &mut Vec<&'s Field>) {
        match self {
            Cond::All(parts) | Cond::Any(parts) => parts.iter().for_each(|p| p.fields(slots, out)),
            Cond::Not(inner) => inner.fields(slots, out),
            Cond::Leaf { slot, .. } => out.push(slots.field(*slot)),
            Cond::Surface(_) => {}
        }
    }
}

#[derive(Debug, Default)]
struct SlotSource {
    field: Option<Field>,
    regexes: Vec<String>,
    globs: Vec<String>,
}

/// Collects fields, regexes and globs while conditions are compiled; `finish` builds the sets.
#[derive(Debug, Default)]
pub struct SlotsBuilder {
    sources: Vec<SlotSource>,
    index: HashMap<Field, usize>,
}

#[derive(Debug)]
struct Slot {
    field: Field,
    regexes: Vec<String>,
    globs: Vec<String>,
    has_regex: bool,
    has_globs: bool,
    /// The sets, built at load (a policy folder) or on first use (the embedded pack: a command
    /// compiles only the sets of the fields its actions reach; the pack's sets are all built by
    /// its tests).
    sets: std::sync::OnceLock<Sets>,
}

#[derive(Debug)]
struct Sets {
    regex: RegexSet,
    globs: GlobSet,
    /// The sets could not be built (only possible for an untested embedded pack): every pattern
    /// then counts as matching, so the rules that use them fire rather than pass.
    broken: bool,
}

impl Slot {
    fn sets(&self) -> &Sets {
        self.sets.get_or_init(|| {
            build_sets(&self.field, &self.regexes, &self.globs).unwrap_or_else(|_| Sets {
                regex: RegexSet::empty(),
                globs: GlobSet::empty(),
                broken: true,
            })
        })
    }
}

/// Every field used by a policy set, with its compiled regex and glob sets.
#[derive(Debug)]
pub struct Slots {
    slots: Vec<Slot>,
}

impl SlotsBuilder {
    fn slot(&mut self, field: Field) -> usize {
        if let Some(i) = self.index.get(&field) {
            return *i;
        }
        let i = self.sources.len();
        self.sources.push(SlotSource {
            field: Some(field.clone()),
            ..Default::default()
        });
        self.index.insert(field, i);
        i
    }

    /// Compile a match block. `surface` resolves a surface name to its index, or says why not.
    pub fn compile(
        &mut self,
        value: &Value,
        surface: &dyn Fn(&str) -> Result<usize, String>,
    ) -> Result<Cond, String> {
        let map = match value {
            Value::Object(map) if map.is_empty() => {
                return Err(
                    "an empty match would match every action; name at least one field".into(),
                );
            }
            Value::Object(map) => map,
            other => {
                return Err(format!(
                    "a match is a mapping of fields to conditions, not {}",
                    kind(other)
                ));
            }
        };
        let mut parts = Vec::with_capacity(map.len());
        for (key, spec) in map {
            let part = match key.as_str() {
                "any" | "all" => {
                    let list = spec
                        .as_array()
                        .filter(|l| !l.is_empty())
                        .ok_or_else(|| format!("`{key}` takes a non-empty list of matches"))?;
                    let inner = list
                        .iter()
                        .map(|v| self.compile(v, surface))
                        .collect::<Result<Vec<_>, _>>()?;
                    if key == "any" {
                        Cond::Any(inner)
                    } else {
                        Cond::All(inner)
                    }
                }
                "not" => Cond::Not(Box::new(self.compile(spec, surface)?)),
                "surface" => {
                    let names: Vec<&str> = match spec {
                        Value::String(s) => vec![s.as_str()],
                        Value::Array(items) if !items.is_empty() => items
                            .iter()
                            .map(|i| {
                                i.as_str()
                                    .ok_or("`surface` takes a name or a list of names")
                            })
                            .collect::<Result<_, _>>()?,
                        _ => return Err("`surface` takes a name or a list of names".into()),
                    };
                    let conds = names
                        .iter()
                        .map(|n| surface(n).map(Cond::Surface))
                        .collect::<Result<Vec<_>, _>>()?;
                    if conds.len() == 1 {
                        conds.into_iter().next().unwrap_or(Cond::Any(vec![]))
                    } else {
                        Cond::Any(conds)
                    }
                }
                name => {
                    let field = Field::parse(name)?;
                    self.field_condition(field, spec)
                        .map_err(|e| format!("`{name}`: {e}"))?
                }
            };
            parts.push(part);
        }
        Ok(if parts.len() == 1 {
            parts.pop().unwrap_or(Cond::All(vec![]))
        } else {
            Cond::All(parts)
        })
    }

    fn field_condition(&mut self, field: Field, spec: &Value) -> Result<Cond, String> {
        let path_like = field.path_like();
        let slot = self.slot(field);
        let leaf = |test| Cond::Leaf { slot, test };
        match spec {
            Value::Array(items) => {
                let lits = items.iter().map(literal).collect::<Result<Vec<_>, _>>()?;
                if lits.is_empty() {
                    return Err("an empty list matches nothing".into());
                }
                Ok(leaf(membership(lits, false)))
            }
            Value::Object(ops) => {
                if ops.is_empty() {
                    return Err(format!(
                        "an empty condition; use one of: {}",
                        OPERATORS.join(", ")
                    ));
                }
                let mut tests = Vec::with_capacity(ops.len());
                for (op, arg) in ops {
                    let test = match op.as_str() {
                        "equals" => Test::Eq(literal(arg)?),
                        "in" | "not_in" => {
                            let list = arg
                                .as_array()
                                .filter(|l| !l.is_empty())
                                .ok_or_else(|| format!("`{op}` takes a non-empty list"))?;
                            let lits = list.iter().map(literal).collect::<Result<_, _>>()?;
                            membership(lits, op == "not_in")
                        }
                        "glob" | "not_glob" => {
                            let idx = strings(arg, op)?
                                .into_iter()
                                .map(|g| self.add_glob(slot, g, path_like))
                                .collect::<Result<_, _>>()?;
                            if op == "glob" {
                                Test::Glob(idx)
                            } else {
                                Test::NotGlob(idx)
                            }
                        }
                        "regex" | "not_regex" => {
                            let idx = strings(arg, op)?
                                .into_iter()
                                .map(|r| self.add_regex(slot, r))
                                .collect::<Result<_, _>>()?;
                            if op == "regex" {
                                Test::Regex(idx)
                            } else {
                                Test::NotRegex(idx)
                            }
                        }
                        "gt" | "ge" | "lt" | "le" => {
                            let n = arg
                                .as_f64()
                                .ok_or_else(|| format!("`{op}` takes a number"))?;
                            let cmp = match op.as_str() {
                                "gt" => CmpOp::Gt,
                                "ge" => CmpOp::Ge,
                                "lt" => CmpOp::Lt,
                                _ => CmpOp::Le,
                            };
                            Test::Cmp(cmp, n)
                        }
                        "exists" => {
                            Test::Exists(arg.as_bool().ok_or("`exists` takes true or false")?)
                        }
                        other => {
                            return Err(format!(
                                "unknown operator `{other}`; use one of: {}",
                                OPERATORS.join(", ")
                            ));
                        }
                    };
                    tests.push(leaf(test));
                }
                Ok(if tests.len() == 1 {
                    tests.pop().unwrap_or(Cond::All(vec![]))
                } else {
                    Cond::All(tests)
                })
            }
            scalar => Ok(leaf(Test::Eq(literal(scalar)?))),
        }
    }

    fn add_glob(&mut self, slot: usize, glob: String, path_like: bool) -> Result<usize, String> {
        GlobBuilder::new(&glob)
            .literal_separator(path_like)
            .build()
            .map_err(|e| format!("invalid glob `{glob}`: {e}"))?;
        let globs = &mut self.sources[slot].globs;
        globs.push(glob);
        Ok(globs.len() - 1)
    }

    fn add_regex(&mut self, slot: usize, regex: String) -> Result<usize, String> {
        // Parse only: compiling each regex on its own as well as in the set doubled load time.
        regex_syntax::Parser::new()
            .parse(&regex)
            .map_err(|e| format!("invalid regex `{regex}`: {e}"))?;
        let regexes = &mut self.sources[slot].regexes;
        regexes.push(regex);
        Ok(regexes.len() - 1)
    }

    /// Build one `RegexSet` and one `GlobSet` per field, now (`lazy` false: errors are load
    /// errors) or on first use.
    pub fn finish(self, lazy: bool) -> Result<Slots, String> {
        let compiled = crate::parallel::map(self.sources, 1, |s| compile_slot(s, lazy));
        Ok(Slots {
            slots: compiled.into_iter().collect::<Result<_, _>>()?,
        })
    }
}

fn compile_slot(source: SlotSource, lazy: bool) -> Result<Slot, String> {
    let field = source.field.ok_or("internal: slot without field")?;
    let sets = std::sync::OnceLock::new();
    if !lazy {
        let _ = sets.set(build_sets(&field, &source.regexes, &source.globs)?);
    }
    Ok(Slot {
        has_regex: !source.regexes.is_empty(),
        has_globs: !source.globs.is_empty(),
        field,
        regexes: source.regexes,
        globs: source.globs,
        sets,
    })
}

/// One field's regexes as one `RegexSet` and its globs as one `GlobSet`.
fn build_sets(field: &Field, regexes: &[String], globs_src: &[String]) -> Result<Sets, String> {
    let regex = RegexSet::new(regexes).map_err(|e| format!("field `{}`: {e}", field.name()))?;
    let mut globs = GlobSetBuilder::new();
    for g in globs_src {
        globs.add(
            GlobBuilder::new(g)
                .literal_separator(field.path_like())
                .build()
                .map_err(|e| format!("invalid glob `{g}`: {e}"))?,
        );
    }
    let globs = globs
        .build()
        .map_err(|e| format!("field `{}`: {e}", field.name()))?;
    Ok(Sets {
        regex,
        globs,
        broken: false,
    })
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

fn literal(v: &Value) -> Result<Lit, String> {
    match v {
        Value::String(s) => Ok(Lit::Str(s.clone())),
        Value::Number(n) => n
            .as_f64()
            .map(Lit::Num)
            .ok_or_else(|| format!("number {n} out of range")),
        Value::Bool(b) => Ok(Lit::Bool(*b)),
        other => Err(format!(
            "expected a string, number or boolean, not {}",
            kind(other)
        )),
    }
}

fn strings(v: &Value, op: &str) -> Result<Vec<String>, String> {
    match v {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) if !items.is_empty() => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| format!("`{op}` takes a string or a list of strings"))
            })
            .collect(),
        _ => Err(format!("`{op}` takes a string or a list of strings")),
    }
}

impl Slots {
    /// Build every set not built yet; the first that fails, with its field.
    pub fn build_all(&self) -> Result<(), String> {
        for slot in &self.slots {
            if slot.sets.get().is_none() {
                let sets = build_sets(&slot.field, &slot.regexes, &slot.globs)?;
                let _ = slot.sets.set(sets);
            }
        }
        Ok(())
    }

    pub fn field(&self, slot: usize) -> &Field {
        &self.slots[slot].field
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }
}

/// Evaluates conditions against one subject, reading each field and running each set at most once.
pub struct Evaluator<'p, 'a> {
    slots: &'p Slots,
    surfaces: &'p [Cond],
    subject: Subject<'a>,
    values: Vec<Option<Vec<Val<'a>>>>,
    regex_hits: Vec<Option<Vec<bool>>>,
    glob_hits: Vec<Option<Vec<bool>>>,
    surface_hits: Vec<Option<bool>>,
    /// Per slot: what it reads is known only after apply (Terraform).
    unknown: Vec<bool>,
    /// Whether a condition evaluated since the last [`Evaluator::take_unknown`] read such a value.
    read_unknown: bool,
}

impl<'p, 'a> Evaluator<'p, 'a> {
    pub fn new(slots: &'p Slots, surfaces: &'p [Cond], subject: Subject<'a>) -> Self {
        let n = slots.slots.len();
        Evaluator {
            slots,
            surfaces,
            subject,
            values: vec![None; n],
            regex_hits: vec![None; n],
            glob_hits: vec![None; n],
            surface_hits: vec![None; surfaces.len()],
            unknown: vec![false; n],
            read_unknown: false,
        }
    }

    /// Whether the conditions evaluated since the last call read a value known only after apply;
    /// resets. A rule that did not match on such a value is undecided, not passed.
    pub fn take_unknown(&mut self) -> bool {
        std::mem::take(&mut self.read_unknown)
    }

    pub fn subject(&self) -> &Subject<'a> {
        &self.subject
    }

    fn values(&mut self, slot: usize) -> &[Val<'a>] {
        self.ensure_values(slot);
        self.values[slot].as_deref().unwrap_or(&[])
    }

    fn ensure_values(&mut self, slot: usize) {
        if self.values[slot].is_none() {
            let mut out = Vec::new();
            let field = &self.slots.slots[slot].field;
            field.values(&self.subject, &mut out);
            self.values[slot] = Some(out);
            self.unknown[slot] = field.unknown(&self.subject);
        }
        if self.unknown[slot] {
            self.read_unknown = true;
        }
    }

    fn regex_hits(&mut self, slot: usize) -> &[bool] {
        if self.regex_hits[slot].is_none() {
            self.ensure_values(slot);
            let slot_def = &self.slots.slots[slot];
            let mut hits = vec![false; slot_def.regexes.len()];
            // No value, no match: the set is not even built (a lazy set may never be needed).
            let any = self.values[slot].as_ref().is_some_and(|v| !v.is_empty());
            if slot_def.has_regex && any {
                let sets = slot_def.sets();
                for v in self.values[slot].iter().flatten() {
                    if sets.broken {
                        hits.iter_mut().for_each(|h| *h = true);
                        break;
                    }
                    for i in sets.regex.matches(&v.text()).iter() {
                        hits[i] = true;
                    }
                }
            }
            self.regex_hits[slot] = Some(hits);
        }
        self.regex_hits[slot].as_deref().unwrap_or(&[])
    }

    fn glob_hits(&mut self, slot: usize) -> &[bool] {
        if self.glob_hits[slot].is_none() {
            self.ensure_values(slot);
            let slot_def = &self.slots.slots[slot];
            let mut hits = vec![false; slot_def.globs.len()];
            let any = self.values[slot].as_ref().is_some_and(|v| !v.is_empty());
            if slot_def.has_globs && any {
                let sets = slot_def.sets();
                for v in self.values[slot].iter().flatten() {
                    if sets.broken {
                        hits.iter_mut().for_each(|h| *h = true);
                        break;
                    }
                    for i in sets.globs.matches(v.text().as_ref()) {
                        hits[i] = true;
                    }
                }
            }
            self.glob_hits[slot] = Some(hits);
        }
        self.glob_hits[slot].as_deref().unwrap_or(&[])
    }

    pub fn eval(&mut self, cond: &Cond) -> bool {
        match cond {
            Cond::All(parts) => parts.iter().all(|p| self.eval(p)),
            Cond::Any(parts) => parts.iter().any(|p| self.eval(p)),
            Cond::Not(inner) => !self.eval(inner),
            Cond::Surface(i) => {
                if let Some(hit) = self.surface_hits[*i] {
                    return hit;
                }
                let surfaces = self.surfaces;
                // A cached surface does not remember whether it read unknown values: while
                // one is unknown, it is evaluated again.
                let before = self.take_unknown();
                let hit = self.eval(&surfaces[*i]);
                let unknown = self.read_unknown;
                self.read_unknown |= before;
                if !unknown {
                    self.surface_hits[*i] = Some(hit);
                }
                hit
            }
            Cond::Leaf { slot, test } => {
                self.ensure_values(*slot);
                self.leaf(*slot, test)
            }
        }
    }

    fn leaf(&mut self, slot: usize, test: &Test) -> bool {
        let slot = &slot;
        {
            match test {
                Test::Eq(lit) => self.values(*slot).iter().any(|v| equals(v, lit)),
                Test::In(lits) => self
                    .values(*slot)
                    .iter()
                    .any(|v| lits.iter().any(|l| equals(v, l))),
                Test::NotIn(lits) => self
                    .values(*slot)
                    .iter()
                    .any(|v| !lits.iter().any(|l| equals(v, l))),
                Test::InSet(set) => self.values(*slot).iter().any(|v| set.contains(v)),
                Test::NotInSet(set) => self.values(*slot).iter().any(|v| !set.contains(v)),
                Test::Glob(idx) => {
                    let hits = self.glob_hits(*slot);
                    idx.iter().any(|i| hits.get(*i).copied().unwrap_or(false))
                }
                Test::Regex(idx) => {
                    let hits = self.regex_hits(*slot);
                    idx.iter().any(|i| hits.get(*i).copied().unwrap_or(false))
                }
                Test::NotGlob(idx) => {
                    let slots = self.slots;
                    if self.values(*slot).is_empty() {
                        return false;
                    }
                    let sets = slots.slots[*slot].sets();
                    let globs = &sets.globs;
                    if sets.broken {
                        return false;
                    }
                    self.values(*slot).iter().any(|v| {
                        let m = globs.matches(v.text().as_ref());
                        !idx.iter().any(|i| m.contains(i))
                    })
                }
                Test::NotRegex(idx) => {
                    let slots = self.slots;
                    if self.values(*slot).is_empty() {
                        return false;
                    }
                    let sets = slots.slots[*slot].sets();
                    let set = &sets.regex;
                    if sets.broken {
                        return false;
                    }
                    self.values(*slot).iter().any(|v| {
                        let m = set.matches(&v.text());
                        !idx.iter().any(|i| m.matched(*i))
                    })
                }
                Test::Cmp(op, n) => {
                    self.values(*slot)
                        .iter()
                        .filter_map(Val::number)
                        .any(|v| match op {
                            CmpOp::Gt => v > *n,
                            CmpOp::Ge => v >= *n,
                            CmpOp::Lt => v < *n,
                            CmpOp::Le => v <= *n,
                        })
                }
                Test::Exists(want) => self.values(*slot).is_empty() != *want,
            }
        }
    }
}

fn equals(v: &Val<'_>, lit: &Lit) -> bool {
    match (v, lit) {
        (Val::Str(a), Lit::Str(b)) => a == b,
        (Val::Num(a), Lit::Num(b)) => a == b,
        (Val::Bool(a), Lit::Bool(b)) => a == b,
        (Val::Str(a), Lit::Num(b)) => a.trim().parse::<f64>().is_ok_and(|a| a == *b),
        (Val::Num(_), Lit::Str(b)) => v.text() == b.as_str(),
        (Val::Str(a), Lit::Bool(b)) => a.as_ref() == if *b { "true" } else { "false" },
        _ => false,
    }
}
