//! The propagation hook: what a replica or an append-only file needs to apply to end up
//! with the same data, as Redis's `alsoPropagate` / `propagatePendingCommands`.
//!
//! Off until a consumer turns it on ([`Propagation::set_enabled`]): then each command
//! that changed a key queues its effect, with the database it ran in, in the current
//! *execution unit*, which the engine closes after each command it runs and after each
//! served blocked client ([`Propagation::end_unit`]). A unit of more than one operation is wrapped in `MULTI` ... `EXEC`, as
//! Redis 7.0.15's `propagatePendingCommands` does: a command's writes with the keys its
//! lookups found expired, a transaction's writes. Not wrapped, as in Redis: the
//! deletions of the active expire cycle and of eviction (each goes out on its own), and
//! the units of RANDOMKEY and SCAN (Redis's `CMD_TOUCHES_ARBITRARY_KEYS`). Consumers
//! take the closed operations with [`Propagation::take`].
//!
//! Effects, not requests: a command whose request would not replay the same change
//! names its effect with `Ctx::propagate_as` (SPOP as SREM, EXPIRE as PEXPIREAT, a
//! served BLPOP as LPOP, ...); keys removed by expiry or eviction propagate as `DEL`.

/// Who an operation is for (Redis's `PROPAGATE_AOF` / `PROPAGATE_REPL`). A unit is
/// wrapped in MULTI/EXEC by its count of operations of any target, as Redis does when
/// replicas are attached (with none, Redis drops replica-only operations before
/// counting, so an AOF writer of a server without replicas may unwrap a unit left with
/// one operation).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Target {
    /// The append-only file and the replicas.
    #[default]
    All,
    /// The replicas only (PUBLISH and SPUBLISH, which change no data).
    Replicas,
}

/// One operation for consumers: `argv` to run in database `db`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Op {
    /// Database index the operation runs in.
    pub db: usize,
    /// The command and its arguments.
    pub argv: Vec<Vec<u8>>,
    /// Who it is for: an AOF writer skips [`Target::Replicas`] operations.
    pub target: Target,
}

impl Op {
    /// An operation for every consumer.
    pub fn new(db: usize, argv: Vec<Vec<u8>>) -> Op {
        Op { db, argv, target: Target::All }
    }
}

/// The propagation queue (see the module doc).
#[derive(Debug, Default)]
pub struct Propagation {
    enabled: bool,
    /// The current unit's operations.
    unit: Vec<Op>,
    /// Closed units, in order, for consumers.
    out: Vec<Op>,
    /// The effect the running command named instead of its request.
    rewrite: Option<Vec<Vec<u8>>>,
    /// The active expire cycle runs: its deletions go out one by one, outside units.
    in_cycle: bool,
    /// The current unit is not wrapped in MULTI/EXEC.
    no_multi: bool,
    /// The running command's own operation goes to the replicas only.
    replicas_only: bool,
    /// Operations of `out` already handed to the replication stream (see
    /// [`Propagation::take_unfed`]).
    fed: usize,
}

impl Propagation {
    /// Whether a consumer wants operations.
    #[inline]
    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// Turns propagation on or off (off forgets what was queued).
    pub fn set_enabled(&mut self, on: bool) {
        self.enabled = on;
        if !on {
            self.unit.clear();
            self.out.clear();
            self.fed = 0;
            self.rewrite = None;
            self.replicas_only = false;
        }
    }

    /// Queues `argv` in database `db` in the current unit (Redis's `alsoPropagate`).
    pub fn push(&mut self, db: usize, argv: Vec<Vec<u8>>) {
        self.push_to(db, argv, Target::All);
    }

    /// [`Propagation::push`] for `target` only.
    pub fn push_to(&mut self, db: usize, argv: Vec<Vec<u8>>, target: Target) {
        if self.enabled {
            self.unit.push(Op { db, argv, target });
        }
    }

    /// Sends the running command's own operation to the replicas only (Redis's
    /// `forceCommandPropagation(c, PROPAGATE_REPL)` for PUBLISH).
    pub fn replicas_only(&mut self) {
        if self.enabled {
            self.replicas_only = true;
        }
    }

    /// Takes the target of the running command's own operation.
    #[inline]
    pub fn take_target(&mut self) -> Target {
        if std::mem::take(&mut self.replicas_only) {
            Target::Replicas
        } else {
            Target::All
        }
    }

    /// Marks the current unit as never wrapped in MULTI/EXEC (the unit of RANDOMKEY or
    /// SCAN, Redis's `CMD_TOUCHES_ARBITRARY_KEYS`).
    pub fn no_multi(&mut self) {
        self.no_multi = true;
    }

    /// Starts or ends the active expire cycle (its deletions go out one by one).
    pub fn set_in_cycle(&mut self, on: bool) {
        self.in_cycle = on;
    }

    /// Queues the deletion of an expired `key` (Redis's `propagateDeletion`: `DEL`, or
    /// `UNLINK` when `lazy`, i.e. `lazyfree-lazy-expire`). Found by a command's lookup,
    /// it joins the command's unit, ahead of the command's own effect; found by the
    /// active cycle, it goes out on its own.
    #[inline]
    pub fn deleted_by_server(&mut self, db: usize, key: &[u8], lazy: bool) {
        if self.enabled {
            let op = Op::new(db, vec![deletion(lazy), key.to_vec()]);
            if self.in_cycle {
                self.out.push(op);
            } else {
                self.unit.push(op);
            }
        }
    }

    /// Queues the deletion of an evicted `key` (`UNLINK` when `lazy`, i.e.
    /// `lazyfree-lazy-eviction`): eviction runs before a command and propagates its
    /// deletions at once, each on its own.
    #[inline]
    pub fn evicted(&mut self, db: usize, key: &[u8], lazy: bool) {
        if self.enabled {
            self.out.push(Op::new(db, vec![deletion(lazy), key.to_vec()]));
        }
    }

    /// Names the running command's effect: `argv` is propagated instead of the request
    /// (Redis's `rewriteClientCommandVector`). An empty `argv` propagates nothing.
    pub fn set_rewrite(&mut self, argv: Vec<Vec<u8>>) {
        if self.enabled {
            self.rewrite = Some(argv);
        }
    }

    /// Takes the rewrite the running command named, if any.
    #[inline]
    pub fn take_rewrite(&mut self) -> Option<Vec<Vec<u8>>> {
        self.rewrite.take()
    }

    /// Closes the current unit: its operations move to the output, wrapped in
    /// `MULTI`/`EXEC` when there is more than one.
    #[inline]
    pub fn end_unit(&mut self) {
        if !self.unit.is_empty() {
            self.close_unit();
        } else {
            // A RANDOMKEY or SCAN that expired nothing leaves no mark on the next unit.
            self.no_multi = false;
        }
    }

    /// [`Propagation::end_unit`] with operations in the unit.
    #[inline(never)]
    fn close_unit(&mut self) {
        let no_multi = std::mem::take(&mut self.no_multi);
        match self.unit.len() {
            _ if no_multi => self.out.append(&mut self.unit),
            1 => self.out.append(&mut self.unit),
            _ => {
                let db = self.unit[0].db;
                self.out.push(Op::new(db, vec![b"MULTI".to_vec()]));
                self.out.append(&mut self.unit);
                let db = self.out.last().map_or(db, |o| o.db);
                self.out.push(Op::new(db, vec![b"EXEC".to_vec()]));
            }
        }
    }

    /// Operations in the current unit so far (a mark for [`Propagation::retarget_since`]).
    #[inline]
    pub fn unit_len(&self) -> usize {
        self.unit.len()
    }

    /// Drops the current unit's operations queued after `mark` (`target` `None`), or
    /// sends them to `target` only: a script's `redis.set_repl`.
    pub fn retarget_since(&mut self, mark: usize, target: Option<Target>) {
        match target {
            None => self.unit.truncate(mark.min(self.unit.len())),
            Some(t) => self.unit.iter_mut().skip(mark).for_each(|op| op.target = t),
        }
    }

    /// Whether closed operations wait for [`Propagation::take`].
    #[inline]
    pub fn has_output(&self) -> bool {
        !self.out.is_empty()
    }

    /// Takes the closed operations in order.
    pub fn take(&mut self) -> Vec<Op> {
        self.fed = 0;
        std::mem::take(&mut self.out)
    }

    /// The closed operations not yet handed to the replication stream, marked as handed
    /// (they stay queued for [`Propagation::take`], the AOF's side).
    pub fn take_unfed(&mut self) -> &[Op] {
        let from = self.fed.min(self.out.len());
        self.fed = self.out.len();
        &self.out[from..]
    }
}

/// `DEL`, or `UNLINK` for a lazy-free deletion.
fn deletion(lazy: bool) -> Vec<u8> {
    if lazy {
        b"UNLINK".to_vec()
    } else {
        b"DEL".to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(words: &[&str]) -> Vec<Vec<u8>> {
        words.iter().map(|w| w.as_bytes().to_vec()).collect()
    }

    #[test]
    fn an_empty_unfolded_unit_does_not_unfold_the_next_one() {
        let mut p = Propagation::default();
        p.set_enabled(true);
        // A SCAN that expired nothing.
        p.no_multi();
        p.end_unit();
        p.push(0, argv(&["INCR", "a"]));
        p.push(0, argv(&["INCR", "b"]));
        p.end_unit();
        let words: Vec<Vec<Vec<u8>>> = p.take().into_iter().map(|o| o.argv).collect();
        assert_eq!(words, vec![argv(&["MULTI"]), argv(&["INCR", "a"]), argv(&["INCR", "b"]), argv(&["EXEC"])]);
    }

    #[test]
    fn nothing_is_queued_while_disabled() {
        let mut p = Propagation::default();
        p.push(0, argv(&["SET", "k", "v"]));
        p.deleted_by_server(0, b"k", false);
        p.evicted(0, b"k", false);
        p.set_rewrite(argv(&["DEL", "k"]));
        p.end_unit();
        assert!(!p.has_output());
        assert_eq!(p.take_rewrite(), None);
    }

    #[test]
    fn one_operation_is_sent_as_is_and_several_are_wrapped() {
        let mut p = Propagation::default();
        p.set_enabled(true);
        p.push(2, argv(&["SET", "k", "v"]));
        p.end_unit();
        // The active cycle's and eviction's deletions go out on their own.
        p.set_in_cycle(true);
        p.deleted_by_server(1, b"gone", true);
        p.set_in_cycle(false);
        p.evicted(1, b"big", false);
        p.push(0, argv(&["INCR", "n"]));
        p.deleted_by_server(0, b"old", false);
        p.push(0, argv(&["INCR", "m"]));
        p.end_unit();
        p.deleted_by_server(0, b"a", false);
        p.no_multi();
        p.deleted_by_server(0, b"b", false);
        p.end_unit();
        let got: Vec<(usize, Vec<Vec<u8>>)> = p.take().into_iter().map(|o| (o.db, o.argv)).collect();
        assert_eq!(
            got,
            vec![
                (2, argv(&["SET", "k", "v"])),
                (1, argv(&["UNLINK", "gone"])),
                (1, argv(&["DEL", "big"])),
                (0, argv(&["MULTI"])),
                (0, argv(&["INCR", "n"])),
                (0, argv(&["DEL", "old"])),
                (0, argv(&["INCR", "m"])),
                (0, argv(&["EXEC"])),
                (0, argv(&["DEL", "a"])),
                (0, argv(&["DEL", "b"])),
            ]
        );
        assert!(!p.has_output());
    }

    #[test]
    fn replica_only_operations_keep_their_target_in_units() {
        let mut p = Propagation::default();
        p.set_enabled(true);
        p.replicas_only();
        assert_eq!(p.take_target(), Target::Replicas);
        assert_eq!(p.take_target(), Target::All);
        p.push_to(0, argv(&["PUBLISH", "c", "m"]), Target::Replicas);
        p.push(0, argv(&["SET", "k", "v"]));
        p.end_unit();
        let got: Vec<Target> = p.take().into_iter().map(|o| o.target).collect();
        // MULTI and EXEC are for every consumer, as Redis's propagatePendingCommands.
        assert_eq!(got, vec![Target::All, Target::Replicas, Target::All, Target::All]);
    }

    #[test]
    fn rewrite_is_taken_once_and_disabling_forgets() {
        let mut p = Propagation::default();
        p.set_enabled(true);
        p.set_rewrite(argv(&["SREM", "s", "a"]));
        assert_eq!(p.take_rewrite(), Some(argv(&["SREM", "s", "a"])));
        assert_eq!(p.take_rewrite(), None);
        p.push(0, argv(&["SET", "k", "v"]));
        p.set_enabled(false);
        p.set_enabled(true);
        p.end_unit();
        assert!(p.take().is_empty());
    }
}
