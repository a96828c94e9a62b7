//! What the ACL knows of the command table: each command's id, name, categories,
//! container and subcommands ([`Catalog`]), built by the command layer from THE table
//! so this module needs nothing of `cmd`. Also the ACL category names in Redis's order.

use std::collections::HashMap;

/// Redis 7.0's ACL categories in `ACL CAT` order; a category's bit is `1 << index`.
pub const CATEGORIES: [&str; 21] = [
    "keyspace",
    "read",
    "write",
    "set",
    "sortedset",
    "list",
    "hash",
    "string",
    "bitmap",
    "hyperloglog",
    "geo",
    "stream",
    "pubsub",
    "admin",
    "fast",
    "slow",
    "blocking",
    "dangerous",
    "connection",
    "transaction",
    "scripting",
];

/// The bit of category `name` (case-insensitive, without `@`), or `None`.
pub fn category_bit(name: &[u8]) -> Option<u32> {
    CATEGORIES.iter().position(|c| c.as_bytes().eq_ignore_ascii_case(name)).map(|i| 1 << i)
}

/// One command or subcommand as the ACL sees it.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Full lowercase name (`config|get` for a subcommand).
    pub name: &'static str,
    /// Category bits (see [`CATEGORIES`]).
    pub cats: u32,
    /// The container's id, for a subcommand.
    pub parent: Option<u16>,
    /// The subcommands' ids, for a container.
    pub subs: Vec<u16>,
}

/// Every command, indexed by its dense id, with a name index.
#[derive(Debug, Default)]
pub struct Catalog {
    /// Entries by id.
    pub entries: Vec<Entry>,
    /// Top-level ids in table order (each followed, when walking, by its subcommands).
    pub top: Vec<u16>,
    names: HashMap<String, u16>,
}

impl Catalog {
    /// An empty catalog; add commands with [`Catalog::add`].
    pub fn new() -> Catalog {
        Catalog::default()
    }

    /// Adds command `id` (ids must be added in increasing order from 0). `categories`
    /// are names like `@read`; unknown ones are ignored.
    pub fn add(&mut self, id: u16, name: &'static str, categories: &[&str], parent: Option<u16>) {
        debug_assert_eq!(id as usize, self.entries.len());
        let cats =
            categories.iter().filter_map(|c| category_bit(c.trim_start_matches('@').as_bytes())).fold(0, |a, b| a | b);
        self.entries.push(Entry { name, cats, parent, subs: Vec::new() });
        self.names.insert(name.to_string(), id);
        match parent {
            Some(p) => self.entries[p as usize].subs.push(id),
            None => self.top.push(id),
        }
    }

    /// Number of commands (the future-commands bit comes after them).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no commands.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Redis's `ACLLookupCommand`: `name` or `container|sub`, case-insensitive.
    pub fn lookup(&self, name: &[u8]) -> Option<u16> {
        let lower = String::from_utf8_lossy(name).to_ascii_lowercase();
        self.names.get(&lower).copied()
    }

    /// Every id in walking order: each top-level command followed by its subcommands.
    pub fn walk(&self) -> impl Iterator<Item = u16> + '_ {
        self.top.iter().flat_map(move |&t| std::iter::once(t).chain(self.entries[t as usize].subs.iter().copied()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_and_lookup() {
        assert_eq!(category_bit(b"READ"), Some(2));
        assert_eq!(category_bit(b"nope"), None);
        let mut c = Catalog::new();
        c.add(0, "config", &["@slow"], None);
        c.add(1, "config|get", &["@admin", "@slow"], Some(0));
        c.add(2, "get", &["@read", "@fast"], None);
        assert_eq!(c.lookup(b"CONFIG|Get"), Some(1));
        assert_eq!(c.walk().collect::<Vec<_>>(), vec![0, 1, 2]);
        assert_eq!(c.entries[0].subs, vec![1]);
    }
}
