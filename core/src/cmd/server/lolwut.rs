//! `LOLWUT [VERSION v] [...]`: Redis 7.0's version line, and the computer art of
//! LOLWUT 5 (Georg Nees's "Schotter", drawn with Braille characters) and LOLWUT 6 (a city
//! skyline in terminal colours). Randomness is the engine's RNG.

use crate::cmd::{is, Args, Ctx};
use crate::error::{CmdError, CmdResult};
use crate::numfmt::parse_i64;
use crate::reply::Reply;
use crate::rng::Rng;

/// The Redis version Cinder answers as.
const REDIS_VERSION: &str = "7.0.15";

/// `LOLWUT [VERSION version] [args...]`.
pub fn lolwut(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let all = args.all();
    let (version, rest) = if all.len() >= 3 && is(all[1], "version") {
        let v = parse_i64(all[2]).ok_or(CmdError::NotInteger)?;
        (format!("{}.0.0", v as u32), &all[3..])
    } else {
        (REDIS_VERSION.to_string(), &all[1..])
    };
    let v = version.as_bytes();
    if (v[0] == b'5' && v[1] == b'.' && v[2] != b'9') || (v[0] == b'4' && v[1] == b'.' && v[2] == b'9') {
        return lolwut5(&mut ctx.st.rng, rest);
    }
    if (v[0] == b'6' && v[1] == b'.' && v[2] != b'9') || (v[0] == b'5' && v[1] == b'.' && v[2] == b'9') {
        return lolwut6(&mut ctx.st.rng, rest);
    }
    Ok(Reply::Verbatim("txt", format!("Redis ver. {}\n", REDIS_VERSION).into_bytes()))
}

/// Reads an optional numeric argument (Redis's `getLongFromObjectOrReply`).
fn opt_long(args: &[&[u8]], i: usize, default: i64) -> Result<i64, CmdError> {
    match args.get(i) {
        None => Ok(default),
        Some(a) => parse_i64(a).ok_or(CmdError::NotInteger),
    }
}

/// LOLWUT 5: `[columns [squares-per-row [squares-per-col]]]`.
fn lolwut5(rng: &mut Rng, args: &[&[u8]]) -> CmdResult {
    let cols = opt_long(args, 0, 66)?.clamp(1, 1000);
    let per_row = opt_long(args, 1, 8)?.clamp(1, 200);
    let per_col = opt_long(args, 2, 12)?.clamp(1, 200);
    let canvas = schotter(rng, cols as i32, per_row as i32, per_col as i32);
    let mut out = canvas.render();
    out.push_str("\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. ");
    out.push_str(REDIS_VERSION);
    out.push('\n');
    Ok(Reply::Verbatim("txt", out.into_bytes()))
}

/// LOLWUT 6: `[columns [rows]]`.
fn lolwut6(rng: &mut Rng, args: &[&[u8]]) -> CmdResult {
    let cols = opt_long(args, 0, 80)?.clamp(1, 1000) as i32;
    let rows = opt_long(args, 1, 20)?.clamp(1, 1000) as i32;
    let mut canvas = Canvas::new(cols, rows, 3);
    skyline(rng, &mut canvas);
    let mut out = String::new();
    for y in 0..canvas.height {
        for x in 0..canvas.width {
            let ce = match canvas.color(x, y) {
                1 => "0;90;100m",
                2 => "0;37;47m",
                3 => "0;97;107m",
                _ => "0;30;40m",
            };
            out.push_str(&format!("\x1b[{} \x1b[0m", ce));
        }
        if y != canvas.height - 1 {
            out.push('\n');
        }
    }
    out.push_str("\nDedicated to the 8 bit game developers of past and present.\nOriginal 8 bit image from Plaguemon by hikikomori. Redis ver. ");
    out.push_str(REDIS_VERSION);
    out.push('\n');
    Ok(Reply::Verbatim("txt", out.into_bytes()))
}

/// C's `rand()` (0..=RAND_MAX) from the engine's RNG.
fn crand(rng: &mut Rng) -> i32 {
    (rng.next_u64() >> 33) as i32
}

/// One skyscraper of the skyline.
struct Skyscraper {
    xoff: i32,
    width: i32,
    height: i32,
    windows: bool,
    color: u8,
}

/// Draws `si` from the bottom of the canvas (the roof two pixels narrower each side).
fn skyscraper(rng: &mut Rng, canvas: &mut Canvas, si: &Skyscraper) {
    let starty = canvas.height - 1;
    let endy = starty - si.height + 1;
    let mut y = starty;
    while y >= endy {
        for x in si.xoff..si.xoff + si.width {
            if y == endy && (x <= si.xoff + 1 || x >= si.xoff + si.width - 2) {
                continue;
            }
            let mut color = si.color;
            if si.windows && x > si.xoff + 1 && x < si.xoff + si.width - 2 && y > endy + 1 && y < starty - 1 {
                let relx = x - (si.xoff + 1);
                let rely = y - (endy + 1);
                // Windows two pixels wide, one tall, the two pixels of one the same colour.
                if (relx / 2) % 2 != 0 && rely % 2 != 0 {
                    loop {
                        color = (1 + crand(rng) % 2) as u8;
                        if color != si.color {
                            break;
                        }
                    }
                    if relx % 2 != 0 {
                        color = canvas.color(x - 1, y);
                    }
                }
            }
            canvas.set_color(x, y, color);
        }
        y -= 1;
    }
}

/// Redis's `generateSkyline`: two rows of grey buildings, then black ones with windows.
fn skyline(rng: &mut Rng, canvas: &mut Canvas) {
    let h = canvas.height;
    for color in [2u8, 1] {
        let mut offset = -10;
        while offset < canvas.width {
            offset += crand(rng) % 8;
            let width = 10 + crand(rng) % 9;
            let height = if color == 2 { h / 2 + (crand(rng) % h) / 2 } else { h / 2 + (crand(rng) % h) / 3 };
            let si = Skyscraper { xoff: offset, width, height, windows: false, color };
            skyscraper(rng, canvas, &si);
            offset += if color == 2 { width / 2 } else { width + 1 };
        }
    }
    let mut offset = -10;
    while offset < canvas.width {
        offset += crand(rng) % 8;
        let mut width = 5 + crand(rng) % 14;
        if width % 4 != 0 {
            width += width % 3;
        }
        let height = h / 3 + (crand(rng) % h) / 2;
        let si = Skyscraper { xoff: offset, width, height, windows: true, color: 0 };
        skyscraper(rng, canvas, &si);
        offset += width + 5;
    }
}

/// A canvas of colours (0 black, 1 and 2 greys, 3 white).
struct Canvas {
    width: i32,
    height: i32,
    pixels: Vec<u8>,
}

impl Canvas {
    fn new(width: i32, height: i32, background: u8) -> Canvas {
        Canvas { width, height, pixels: vec![background; (width.max(0) as usize) * (height.max(0) as usize)] }
    }

    fn set_color(&mut self, x: i32, y: i32, color: u8) {
        if x >= 0 && x < self.width && y >= 0 && y < self.height {
            self.pixels[(x + y * self.width) as usize] = color;
        }
    }

    fn color(&self, x: i32, y: i32) -> u8 {
        if x >= 0 && x < self.width && y >= 0 && y < self.height {
            self.pixels[(x + y * self.width) as usize]
        } else {
            0
        }
    }

    fn set(&mut self, x: i32, y: i32) {
        self.set_color(x, y, 1);
    }

    fn get(&self, x: i32, y: i32) -> bool {
        self.color(x, y) != 0
    }

    /// Bresenham's line.
    fn line(&mut self, mut x1: i32, mut y1: i32, x2: i32, y2: i32) {
        let (dx, dy) = ((x2 - x1).abs(), (y2 - y1).abs());
        let (sx, sy) = (if x1 < x2 { 1 } else { -1 }, if y1 < y2 { 1 } else { -1 });
        let mut err = dx - dy;
        loop {
            self.set(x1, y1);
            if x1 == x2 && y1 == y2 {
                break;
            }
            let e2 = err * 2;
            if e2 > -dy {
                err -= dy;
                x1 += sx;
            }
            if e2 < dx {
                err += dx;
                y1 += sy;
            }
        }
    }

    /// A square of side `size` centred on (x, y), rotated by `angle`.
    fn square(&mut self, x: i32, y: i32, size: f32, angle: f32) {
        let size = ((size as f64 / std::f64::consts::SQRT_2) as f32).round();
        let mut k = std::f32::consts::FRAC_PI_4 + angle;
        let mut px = [0i32; 4];
        let mut py = [0i32; 4];
        for j in 0..4 {
            px[j] = ((k as f64).sin() * size as f64 + x as f64).round() as i32;
            py[j] = ((k as f64).cos() * size as f64 + y as f64).round() as i32;
            k += std::f32::consts::FRAC_PI_2;
        }
        for j in 0..4 {
            self.line(px[j], py[j], px[(j + 1) % 4], py[(j + 1) % 4]);
        }
    }

    /// Braille characters, 2x4 pixels each (U+2800 block).
    fn render(&self) -> String {
        let mut text = String::new();
        let mut y = 0;
        while y < self.height {
            let mut x = 0;
            while x < self.width {
                let bits = [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2), (0, 3), (1, 3)];
                let byte = bits.iter().enumerate().fold(
                    0u32,
                    |b, (i, &(dx, dy))| {
                        if self.get(x + dx, y + dy) {
                            b | 1 << i
                        } else {
                            b
                        }
                    },
                );
                text.push(char::from_u32(0x2800 + byte).unwrap_or(' '));
                x += 2;
            }
            if y != self.height - 1 {
                text.push('\n');
            }
            y += 4;
        }
        text
    }
}

/// C's `rand() / RAND_MAX` from the engine's RNG, and a coin for its sign.
fn rand_unit(rng: &mut Rng) -> (f32, bool) {
    let r = crand(rng);
    (r as f32 / 2_147_483_647.0, crand(rng) % 2 == 1)
}

/// Schotter: rows of squares, more displaced and rotated the lower they are.
fn schotter(rng: &mut Rng, console_cols: i32, per_row: i32, per_col: i32) -> Canvas {
    let width = console_cols * 2;
    let padding = if width > 4 { 2 } else { 0 };
    let side = (width - padding * 2) as f32 / per_row as f32;
    let height = (side * per_col as f32 + (padding * 2) as f32) as i32;
    let mut canvas = Canvas::new(width, height, 0);
    for y in 0..per_col {
        for x in 0..per_row {
            let mut sx = (x as f32 * side + side / 2.0 + padding as f32) as i32;
            let mut sy = (y as f32 * side + side / 2.0 + padding as f32) as i32;
            let mut angle = 0.0;
            if y > 1 {
                let mut r = [0f32; 3];
                for v in r.iter_mut() {
                    let (u, neg) = rand_unit(rng);
                    *v = u / per_col as f32 * y as f32;
                    if neg {
                        *v = -*v;
                    }
                }
                angle = r[0];
                sx += (r[1] * side / 3.0) as i32;
                sy += (r[2] * side / 3.0) as i32;
            }
            canvas.square(sx, sy, side, angle);
        }
    }
    canvas
}

#[cfg(test)]
mod tests {
    use crate::reply::Reply;
    use crate::testkit::TestEngine;

    fn text(r: Reply) -> String {
        match r {
            Reply::Verbatim("txt", b) => String::from_utf8(b).unwrap(),
            o => panic!("{:?}", o),
        }
    }

    #[test]
    fn versions_and_errors() {
        let mut t = TestEngine::new();
        assert_eq!(text(t.cmd(&["LOLWUT"])), "Redis ver. 7.0.15\n");
        assert_eq!(text(t.cmd(&["LOLWUT", "foo"])), "Redis ver. 7.0.15\n");
        assert_eq!(text(t.cmd(&["LOLWUT", "VERSION", "4"])), "Redis ver. 7.0.15\n");
        let e = Reply::error("ERR value is not an integer or out of range");
        assert_eq!(t.cmd(&["LOLWUT", "VERSION", "x"]), e);
        assert_eq!(t.cmd(&["LOLWUT", "VERSION", "5", "x"]), e);
    }

    #[test]
    fn schotter_has_the_size_redis_draws() {
        let mut t = TestEngine::new();
        let s = text(t.cmd(&["LOLWUT", "VERSION", "5"]));
        let lines: Vec<&str> = s.lines().collect();
        // 66 columns; (132-4)/8 = 16 pixel squares, 12 rows: 196 pixels = 49 text rows,
        // each ended by a newline, then Redis's "\nGeorg...".
        assert_eq!(lines.len(), 51);
        assert!(lines[..49].iter().all(|l| l.chars().count() == 66));
        assert_eq!(lines[49], "");
        assert_eq!(lines[50], "Georg Nees - schotter, plotter on paper, 1968. Redis ver. 7.0.15");
        // The first row of squares is straight: the top edge is a horizontal line.
        let small = text(t.cmd(&["LOLWUT", "VERSION", "5", "1", "1", "1"]));
        assert!(small.ends_with("Redis ver. 7.0.15\n"));
    }

    #[test]
    fn skyline_has_the_size_redis_draws() {
        let mut t = TestEngine::new();
        let s = text(t.cmd(&["LOLWUT", "VERSION", "6", "10", "5"]));
        let lines: Vec<&str> = s.lines().collect();
        assert_eq!(lines.len(), 7);
        for l in &lines[..5] {
            assert_eq!(l.matches("\x1b[0m").count(), 10, "{:?}", l);
        }
        assert_eq!(lines[5], "Dedicated to the 8 bit game developers of past and present.");
        assert_eq!(lines[6], "Original 8 bit image from Plaguemon by hikikomori. Redis ver. 7.0.15");
        assert_eq!(
            t.cmd(&["LOLWUT", "VERSION", "6", "x"]),
            Reply::error("ERR value is not an integer or out of range")
        );
        assert!(text(t.cmd(&["LOLWUT", "VERSION", "6", "0", "0"])).contains("Plaguemon"));
    }
}
