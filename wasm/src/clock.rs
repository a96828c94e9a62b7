//! The engine's clock as the package sees it: the host's real clock, or a manual clock that
//! only moves when told to. Either way active expiry runs through `Engine::tick` at the
//! rate `hz` asks for, so a manual `advance` does what the same time on a server would do.

use cinder_core::Engine;

/// Most ticks one manual move runs one by one; beyond that the clock jumps to the last
/// tick boundary before the target (each tick's work is bounded, so this bounds the call).
pub const MAX_TICKS_PER_MOVE: u32 = 10_000;

/// Which clock drives the engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClockMode {
    /// Time comes from the host (`Date.now()`) before every command.
    Real,
    /// Time moves only through [`Clock::advance`] and [`Clock::set`].
    Manual,
}

/// Time keeping and tick scheduling for one engine.
#[derive(Debug)]
pub struct Clock {
    /// Real or manual.
    pub mode: ClockMode,
    /// When the next active-expiry tick is due (microseconds since the Unix epoch).
    next_tick_us: u64,
}

/// The tick period for the engine's current `hz` setting.
fn period_us(engine: &Engine) -> u64 {
    1_000_000 / engine.state.config.hz.clamp(1, 500) as u64
}

impl Clock {
    /// A clock starting at `now_us` (the engine's time is set by the caller).
    pub fn new(mode: ClockMode, engine: &Engine, now_us: u64) -> Clock {
        Clock { mode, next_tick_us: now_us.saturating_add(period_us(engine)) }
    }

    /// Real clock: sets the engine's time to `now_us` and runs a tick when one is due. Ticks
    /// missed while nothing ran are not replayed (lazy expiry covers their keys).
    #[inline]
    pub fn observe(&mut self, engine: &mut Engine, now_us: u64) {
        engine.set_time_us(now_us);
        if now_us >= self.next_tick_us {
            engine.tick(now_us);
            self.next_tick_us = now_us.saturating_add(period_us(engine));
        }
    }

    /// Manual clock: moves time forward by `delta_us`, running every tick due on the way.
    pub fn advance(&mut self, engine: &mut Engine, delta_us: u64) {
        let target = engine.state.now_us.saturating_add(delta_us);
        self.run_until(engine, target);
    }

    /// Manual clock: sets the time. Forward moves run the ticks due on the way like
    /// [`Clock::advance`]; a backward move just sets the time and reschedules the next tick.
    pub fn set(&mut self, engine: &mut Engine, target_us: u64) {
        if target_us >= engine.state.now_us {
            self.run_until(engine, target_us);
        } else {
            engine.set_time_us(target_us);
            self.next_tick_us = target_us.saturating_add(period_us(engine));
        }
    }

    fn run_until(&mut self, engine: &mut Engine, target_us: u64) {
        let mut budget = MAX_TICKS_PER_MOVE;
        while self.next_tick_us <= target_us {
            let period = period_us(engine);
            if budget == 0 {
                // Jump to the last boundary not after the target.
                self.next_tick_us = target_us - (target_us - self.next_tick_us) % period;
            }
            engine.tick(self.next_tick_us);
            self.next_tick_us = self.next_tick_us.saturating_add(period);
            budget = budget.saturating_sub(1);
        }
        engine.set_time_us(target_us);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cinder_core::{ConnInfo, EngineOptions, Reply};

    fn engine_at(us: u64) -> Engine {
        Engine::new(EngineOptions { now_us: us, ..Default::default() })
    }

    fn run(e: &mut Engine, args: &[&str]) -> Reply {
        let h = e.connect(ConnInfo::default()).unwrap();
        let argv: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        e.execute(h, &argv)
    }

    #[test]
    fn advance_moves_time_and_expires_keys_actively() {
        let mut e = engine_at(1_000_000);
        let mut c = Clock::new(ClockMode::Manual, &e, 1_000_000);
        for i in 0..50 {
            run(&mut e, &["SET", &format!("k{i}"), "v", "PX", "100"]);
        }
        c.advance(&mut e, 2_000_000);
        assert_eq!(e.state.now_us, 3_000_000);
        // No command touched the keys: only ticks can have removed them.
        assert_eq!(e.state.expired_keys(), 50);
    }

    #[test]
    fn set_backwards_only_moves_time() {
        let mut e = engine_at(5_000_000);
        let mut c = Clock::new(ClockMode::Manual, &e, 5_000_000);
        c.set(&mut e, 1_000_000);
        assert_eq!(e.state.now_us, 1_000_000);
        c.set(&mut e, 1_050_000);
        assert_eq!(e.state.now_us, 1_050_000);
    }

    #[test]
    fn huge_moves_are_bounded() {
        let mut e = engine_at(0);
        let mut c = Clock::new(ClockMode::Manual, &e, 0);
        run(&mut e, &["SET", "k", "v", "PX", "5"]);
        c.advance(&mut e, 365 * 86_400 * 1_000_000);
        assert_eq!(e.state.now_us, 365 * 86_400 * 1_000_000);
        assert_eq!(e.state.expired_keys(), 1);
    }

    #[test]
    fn real_clock_ticks_when_due() {
        let mut e = engine_at(0);
        let mut c = Clock::new(ClockMode::Real, &e, 0);
        run(&mut e, &["SET", "k", "v", "PX", "5"]);
        c.observe(&mut e, 50_000);
        assert_eq!(e.state.expired_keys(), 0, "no tick before 100 ms");
        c.observe(&mut e, 100_000);
        assert_eq!(e.state.expired_keys(), 1);
    }
}
