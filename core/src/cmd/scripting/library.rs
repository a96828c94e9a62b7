//! The function libraries (Redis's `functionsLibCtx`): libraries by name, each with its
//! code and functions, and the index of every function by name. Libraries keep the order
//! they were loaded in.

/// A hash map with the fixed hasher the core uses (no OS randomness).
type HashMap<K, V> = hashbrown::HashMap<K, V, foldhash::fast::FixedState>;

/// A function a library registered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Function {
    /// Its name (unique across libraries).
    pub name: Vec<u8>,
    /// `description`, when given.
    pub description: Option<Vec<u8>>,
    /// Script flags (see [`super::flags`]).
    pub flags: u32,
}

/// A loaded library.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Library {
    /// Its name.
    pub name: Vec<u8>,
    /// The engine's name as Redis reports it (`LUA`).
    pub engine: &'static str,
    /// The code as loaded, shebang included (FUNCTION LIST WITHCODE, FUNCTION DUMP).
    pub code: Vec<u8>,
    /// Its functions, in registration order.
    pub functions: Vec<Function>,
}

/// Libraries and the function index.
#[derive(Default, Debug, Clone)]
pub struct Libraries {
    libs: Vec<Library>,
    /// Function name (ASCII lowercased: Redis's function names ignore case, library
    /// names do not) -> library name.
    index: HashMap<Vec<u8>, Vec<u8>>,
}

/// A function name as the index keys it.
fn fold(name: &[u8]) -> Vec<u8> {
    name.to_ascii_lowercase()
}

impl Libraries {
    /// The libraries in load order.
    pub fn iter(&self) -> impl Iterator<Item = &Library> {
        self.libs.iter()
    }

    /// The library called `name`.
    pub fn get(&self, name: &[u8]) -> Option<&Library> {
        self.libs.iter().find(|l| l.name == name)
    }

    /// The function called `name` and its library.
    pub fn function(&self, name: &[u8]) -> Option<(&Library, &Function)> {
        let lib = self.get(self.index.get(&fold(name))?)?;
        Some((lib, lib.functions.iter().find(|f| f.name.eq_ignore_ascii_case(name))?))
    }

    /// The name of a function of another library than `except` that one of `lib`'s
    /// functions would collide with.
    pub fn collision(&self, lib: &Library, except: Option<&[u8]>) -> Option<Vec<u8>> {
        lib.functions
            .iter()
            .find(|f| self.index.get(&fold(&f.name)).is_some_and(|owner| Some(owner.as_slice()) != except))
            .map(|f| f.name.clone())
    }

    /// Adds (or replaces, by name) a library. Collisions must have been checked.
    pub fn link(&mut self, lib: Library) {
        self.unlink(&lib.name.clone());
        for f in &lib.functions {
            self.index.insert(fold(&f.name), lib.name.clone());
        }
        self.libs.push(lib);
    }

    /// Removes a library; returns it.
    pub fn unlink(&mut self, name: &[u8]) -> Option<Library> {
        let i = self.libs.iter().position(|l| l.name == name)?;
        let lib = self.libs.remove(i);
        for f in &lib.functions {
            self.index.remove(&fold(&f.name));
        }
        Some(lib)
    }

    /// Number of libraries.
    pub fn len(&self) -> usize {
        self.libs.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.libs.is_empty()
    }

    /// Number of functions.
    pub fn function_count(&self) -> usize {
        self.index.len()
    }

    /// Bytes of the bookkeeping (Redis's `functionsMemoryOverhead`, roughly: records,
    /// names, codes, descriptions).
    pub fn memory(&self) -> usize {
        let funcs: usize = self
            .libs
            .iter()
            .flat_map(|l| &l.functions)
            .map(|f| 48 + f.name.len() * 2 + f.description.as_ref().map_or(0, |d| d.len()))
            .sum();
        let libs: usize = self.libs.iter().map(|l| 64 + l.name.len() + l.code.len()).sum();
        funcs + libs + 200
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lib(name: &str, funcs: &[&str]) -> Library {
        Library {
            name: name.into(),
            engine: "LUA",
            code: Vec::new(),
            functions: funcs
                .iter()
                .map(|f| Function { name: f.as_bytes().to_vec(), description: None, flags: 0 })
                .collect(),
        }
    }

    #[test]
    fn link_unlink_and_collisions() {
        let mut l = Libraries::default();
        l.link(lib("a", &["f1", "f2"]));
        assert_eq!(
            l.function(b"f2").map(|(lib, f)| (lib.name.clone(), f.name.clone())),
            Some((b"a".to_vec(), b"f2".to_vec()))
        );
        assert_eq!(l.collision(&lib("b", &["f3", "f1"]), None), Some(b"f1".to_vec()));
        assert_eq!(l.collision(&lib("a", &["f1"]), Some(b"a")), None);
        l.link(lib("a", &["f9"]));
        assert_eq!((l.len(), l.function_count()), (1, 1));
        assert!(l.unlink(b"a").is_some() && l.is_empty() && l.function(b"f9").is_none());
    }
}
