//! Unit tests of the ACL over a small hand-made catalog.

use super::selector::{READ, WRITE};
use super::*;

fn catalog() -> &'static Catalog {
    static C: std::sync::OnceLock<Catalog> = std::sync::OnceLock::new();
    C.get_or_init(|| {
        let mut c = Catalog::new();
        c.add(0, "config", &["@slow"], None);
        c.add(1, "config|get", &["@admin", "@slow", "@dangerous"], Some(0));
        c.add(2, "config|set", &["@admin", "@slow", "@dangerous"], Some(0));
        c.add(3, "get", &["@read", "@string", "@fast"], None);
        c.add(4, "select", &["@fast", "@connection"], None);
        c.add(5, "set", &["@write", "@string", "@slow"], None);
        c.add(6, "publish", &["@pubsub", "@fast"], None);
        c.add(7, "auth", &["@fast", "@connection"], None);
        c
    })
}

/// A request over a fixed argv with keys at the given positions.
struct R<'a> {
    id: u16,
    argv: Vec<&'a [u8]>,
    keys: Vec<KeyRef>,
    chans: Vec<ChannelRef>,
}

impl Request for R<'_> {
    fn id(&self) -> u16 {
        self.id
    }
    fn no_auth(&self) -> bool {
        self.id == 7
    }
    fn first_arg(&self) -> Option<&[u8]> {
        self.argv.get(if catalog().entries[self.id as usize].parent.is_some() { 2 } else { 1 }).copied()
    }
    fn keys(&mut self) -> (&[KeyRef], &[&[u8]]) {
        (&self.keys, &self.argv)
    }
    fn channels(&mut self) -> (&[ChannelRef], &[&[u8]]) {
        (&self.chans, &self.argv)
    }
}

fn get(key: &str) -> R<'_> {
    R { id: 3, argv: vec![b"get", key.as_bytes()], keys: vec![KeyRef { pos: 1, need: READ }], chans: vec![] }
}

fn set(key: &str) -> R<'_> {
    R { id: 5, argv: vec![b"set", key.as_bytes(), b"v"], keys: vec![KeyRef { pos: 1, need: WRITE }], chans: vec![] }
}

fn rules(acl: &mut Acl, name: &str, ops: &[&str]) -> Result<SetOutcome, String> {
    let ops: Vec<&[u8]> = ops.iter().map(|o| o.as_bytes()).collect();
    acl.set_user(name.as_bytes(), &ops)
}

fn list(acl: &Acl, name: &str) -> String {
    String::from_utf8(acl.user(acl.find(name.as_bytes()).unwrap()).describe(catalog())).unwrap()
}

#[test]
fn password_hash_is_sha256_hex() {
    assert_eq!(
        String::from_utf8(user::hash_password(b"foo")).unwrap(),
        "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"
    );
}

#[test]
fn default_user_and_requirepass() {
    let mut acl = Acl::new(catalog());
    assert_eq!(list(&acl, "default"), "on nopass ~* &* +@all");
    assert!(!acl.auth_required());
    acl.set_default_password(Some(b"pw"));
    assert!(acl.auth_required());
    assert_eq!(acl.authenticate(b"default", b"pw"), Some(DEFAULT_USER));
    assert_eq!(acl.authenticate(b"default", b"x"), None);
    acl.set_default_password(None);
    assert_eq!(list(&acl, "default"), "on nopass ~* &* +@all");
}

#[test]
fn new_users_are_off_and_allowed_nothing() {
    let mut acl = Acl::new(catalog());
    rules(&mut acl, "u", &[]).unwrap();
    assert_eq!(list(&acl, "u"), "off resetchannels -@all");
    let id = acl.find(b"u").unwrap();
    assert_eq!(acl.check(id, &mut get("k")), Err(Denied::Command));
    assert_eq!(acl.authenticate(b"u", b""), None);
    rules(&mut acl, "u", &["on", ">a", ">b", "<a"]).unwrap();
    assert_eq!(acl.authenticate(b"u", b"b"), Some(id));
    assert_eq!(acl.authenticate(b"u", b"a"), None);
}

#[test]
fn keys_channels_and_first_args() {
    let mut acl = Acl::new(catalog());
    rules(&mut acl, "u", &["on", "+get", "+set", "%R~r*", "%W~w*", "~both", "+select|0"]).unwrap();
    let id = acl.find(b"u").unwrap();
    assert_eq!(acl.check(id, &mut get("r1")), Ok(()));
    assert_eq!(acl.check(id, &mut get("w1")), Err(Denied::Key(1)));
    assert_eq!(acl.check(id, &mut set("w1")), Ok(()));
    assert_eq!(acl.check(id, &mut set("both")), Ok(()));
    let mut sel0 = R { id: 4, argv: vec![b"select", b"0"], keys: vec![], chans: vec![] };
    let mut sel1 = R { id: 4, argv: vec![b"select", b"1"], keys: vec![], chans: vec![] };
    assert_eq!(acl.check(id, &mut sel0), Ok(()));
    assert_eq!(acl.check(id, &mut sel1), Err(Denied::Command));
    assert_eq!(list(&acl, "u"), "on %R~r* %W~w* ~both resetchannels -@all +@string +select|0");
    let mut publ = R {
        id: 6,
        argv: vec![b"publish", b"news", b"m"],
        keys: vec![],
        chans: vec![ChannelRef { pos: 1, pattern: false }],
    };
    rules(&mut acl, "u", &["+publish"]).unwrap();
    assert_eq!(acl.check(id, &mut publ), Err(Denied::Channel(1)));
    rules(&mut acl, "u", &["&new*"]).unwrap();
    assert_eq!(acl.check(id, &mut publ), Ok(()));
    // AUTH is always allowed.
    let mut auth = R { id: 7, argv: vec![b"auth", b"x"], keys: vec![], chans: vec![] };
    assert_eq!(acl.check(id, &mut auth), Ok(()));
}

#[test]
fn selectors_pick_the_most_relevant_error() {
    let mut acl = Acl::new(catalog());
    rules(&mut acl, "u", &["on", "+get", "~a*", "(+set", "~b*)"]).unwrap();
    let id = acl.find(b"u").unwrap();
    assert_eq!(list(&acl, "u"), "on ~a* resetchannels -@all +@read (~b* resetchannels -@all +@write)");
    assert_eq!(acl.check(id, &mut get("a1")), Ok(()));
    assert_eq!(acl.check(id, &mut set("b1")), Ok(()));
    assert_eq!(acl.check(id, &mut get("b1")), Err(Denied::Key(1)));
    rules(&mut acl, "u", &["clearselectors"]).unwrap();
    assert_eq!(acl.check(id, &mut set("b1")), Err(Denied::Command));
}

#[test]
fn subcommands_and_categories_describe_back() {
    let mut acl = Acl::new(catalog());
    rules(&mut acl, "u", &["+@all", "-config|set"]).unwrap();
    assert_eq!(list(&acl, "u"), "off resetchannels +@all -config|set");
    rules(&mut acl, "v", &["+@admin"]).unwrap();
    assert_eq!(list(&acl, "v"), "off resetchannels -@all +@admin");
    rules(&mut acl, "w", &["+config", "-config|get"]).unwrap();
    assert_eq!(list(&acl, "w"), "off resetchannels -@all +config -config|get");
}

#[test]
fn errors_match_redis() {
    let mut acl = Acl::new(catalog());
    let e = |acl: &mut Acl, ops: &[&str]| rules(acl, "u", ops).unwrap_err();
    assert_eq!(
        e(&mut acl, &["+nosuch"]),
        "Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL"
    );
    assert_eq!(e(&mut acl, &["bogus"]), "Error in ACL SETUSER modifier 'bogus': Syntax error");
    assert_eq!(
        e(&mut acl, &["+config|get|x"]),
        "Error in ACL SETUSER modifier '+config|get|x': Allowing first-arg of a subcommand is not supported"
    );
    assert!(e(&mut acl, &["~*", "~a"]).contains("'allkeys' flag"));
    assert!(e(&mut acl, &["&*", "&a"]).contains("'allchannels' flag"));
    assert!(e(&mut acl, &["<nope"]).contains("does not exist"));
    assert!(e(&mut acl, &["#abc"]).contains("exactly 64 characters"));
    assert_eq!(e(&mut acl, &["(~a", "+get"]), "Unmatched parenthesis in acl selector starting at '(~a'.");
    // Nothing was applied.
    assert!(acl.find(b"u").is_none());
}

#[test]
fn revoking_channels_is_detected() {
    let mut acl = Acl::new(catalog());
    rules(&mut acl, "u", &["&a", "&b"]).unwrap();
    assert!(rules(&mut acl, "u", &["&c"]).unwrap().revoked_channels.is_none());
    let r = rules(&mut acl, "u", &["resetchannels", "&a"]).unwrap();
    assert_eq!(r.revoked_channels, Some(vec![b"a".to_vec()]));
    assert!(rules(&mut acl, "u", &["allchannels"]).unwrap().revoked_channels.is_none());
}

#[test]
fn acl_file_loads_all_or_nothing() {
    let mut acl = Acl::new(catalog());
    rules(&mut acl, "old", &["on"]).unwrap();
    let bad = b"user a on +get\nnot a user line\nuser b +nosuch\nuser a on\n";
    let err = acl.load_text("users.acl", bad).unwrap_err();
    assert_eq!(
        err,
        "users.acl:2 should start with user keyword followed by the username. users.acl:3: Error in applying \
         operation '+nosuch': Unknown command or category name in ACL. WARNING: Duplicate user 'a' found on line 4. \
         WARNING: ACL errors detected, no change to the previously active ACL rules was performed"
    );
    assert!(acl.find(b"old").is_some());
    let old = acl.find(b"old").unwrap();
    let replaced =
        acl.load_text("users.acl", b"user a on nopass +get ~*\n\nuser default on >pw +@all ~* &*\n").unwrap();
    assert_eq!(replaced, vec![old]);
    assert!(acl.find(b"old").is_none());
    assert!(acl.auth_required());
    let text = String::from_utf8(acl.save_text()).unwrap();
    assert!(text.starts_with("user a on nopass ~* resetchannels -@all +@read\nuser default on #"), "{}", text);
}

#[test]
fn merge_selectors_joins_split_parentheses() {
    let args: Vec<&[u8]> = vec![b"on", b"(~a", b"+get", b"+set)", b"(~b)"];
    assert_eq!(merge_selectors(&args).unwrap(), vec![b"on".to_vec(), b"(~a +get +set)".to_vec(), b"(~b)".to_vec()]);
    assert_eq!(merge_selectors(&[b"(x"]), Err(0));
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        /// Any bytes as rules: an error or a user whose description loads back, never a panic.
        #[test]
        fn arbitrary_rules_never_panic(ops in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..8), 0..8)) {
            let mut acl = Acl::new(catalog());
            let refs: Vec<&[u8]> = ops.iter().map(|o| o.as_slice()).collect();
            if acl.set_user(b"u", &refs).is_ok() {
                let id = acl.find(b"u").unwrap();
                let _ = acl.user(id).describe(catalog());
                let _ = acl.check(id, &mut get("k"));
                let text = acl.save_text();
                let _ = acl.load_text("f", &text);
            }
        }
    }
}
