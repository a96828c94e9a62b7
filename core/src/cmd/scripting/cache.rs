//! The EVAL script cache: script bodies by SHA-1 (Redis's `lctx.lua_scripts`), with
//! their shebang flags. Lookups ignore ASCII case, as Redis's dictionary does.

/// A hash map with the fixed hasher the core uses (no OS randomness).
type HashMap<K, V> = hashbrown::HashMap<K, V, foldhash::fast::FixedState>;

/// A cached script.
#[derive(Clone, Debug)]
pub struct Script {
    /// The body as sent (shebang included).
    pub body: Vec<u8>,
    /// Its shebang flags (see [`super::flags`]).
    pub flags: u32,
}

/// SHA-1 (40 lowercase hex bytes) to script.
#[derive(Default, Debug)]
pub struct ScriptCache {
    scripts: HashMap<[u8; 40], Script>,
    bytes: usize,
}

/// A SHA-1 given by a client as the cache's key: 40 bytes, ASCII lowercased.
pub fn sha_key(sha: &[u8]) -> Option<[u8; 40]> {
    let mut k: [u8; 40] = sha.try_into().ok()?;
    k.make_ascii_lowercase();
    Some(k)
}

impl ScriptCache {
    /// The script with this SHA-1 (any case).
    pub fn get(&self, sha: &[u8]) -> Option<&Script> {
        self.scripts.get(&sha_key(sha)?)
    }

    /// Whether a script with this SHA-1 (any case) is cached.
    pub fn contains(&self, sha: &[u8]) -> bool {
        self.get(sha).is_some()
    }

    /// Caches a script under its (lowercase) SHA-1.
    pub fn insert(&mut self, sha: [u8; 40], script: Script) {
        self.bytes += 40 + 16 + script.body.len();
        if let Some(old) = self.scripts.insert(sha, script) {
            self.bytes -= 40 + 16 + old.body.len();
        }
    }

    /// Forgets every script.
    pub fn clear(&mut self) {
        self.scripts = HashMap::default();
        self.bytes = 0;
    }

    /// Number of scripts.
    pub fn len(&self) -> usize {
        self.scripts.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.scripts.is_empty()
    }

    /// Bytes as Redis's `evalScriptsMemory` counts them: keys and bodies, an entry and a
    /// script record per script, and the bucket array.
    pub fn memory(&self) -> usize {
        if self.scripts.is_empty() {
            return 0;
        }
        self.bytes + self.scripts.len() * (24 + 16) + self.scripts.capacity().next_power_of_two() * 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_ignore_case() {
        let mut c = ScriptCache::default();
        let sha = *b"e0e1f9fabfc9d4800c877a703b823ac0578ff8db";
        c.insert(sha, Script { body: b"return 1".to_vec(), flags: 0 });
        assert!(c.contains(b"E0E1F9FABFC9D4800C877A703B823AC0578FF8DB"));
        assert!(!c.contains(b"e0e1"));
        assert_eq!(c.len(), 1);
        assert!(c.memory() > 0);
        c.clear();
        assert!(c.is_empty());
    }
}
