//! The ACL file on disk (`aclfile`): reading it for ACL LOAD and at start-up, writing it
//! for ACL SAVE (temporary file, then rename, as Redis's `ACLSaveToFile`), and the
//! start-up rules of Redis's `ACLLoadUsersAtStartup` (configured `user` lines or a file,
//! not both). The rules themselves are the engine's.

use std::path::Path;

use cinder_core::Engine;

use crate::persist::files::err_text;

/// ACL LOAD: reads `aclfile` and loads it; `Err` is the reply text without `ERR `.
pub fn load(engine: &mut Engine) -> Result<(), String> {
    let path = engine.state.config.aclfile.clone();
    let text =
        std::fs::read(&path).map_err(|e| format!("Error loading ACLs, opening file '{}': {}", path, err_text(&e)))?;
    cinder_core::cmd::server::load_acl_text(engine, &text)
}

/// ACL SAVE: writes every user to `aclfile`.
pub fn save(engine: &mut Engine) -> Result<(), String> {
    let path = engine.state.config.aclfile.clone();
    let text = engine.state.acl.save_text();
    let tmp = format!("{}.tmp-{}-{}", path, std::process::id(), engine.state.now_ms());
    crate::persist::files::write_atomically(Path::new(&tmp), Path::new(&path), false, |w| w.write_all(&text))
        .map_err(|e| format!("Writing ACL file for ACL SAVE: {}", err_text(&e)))
}

/// Redis's `ACLLoadUsersAtStartup`: the configuration's `user` lines, or the ACL file;
/// `Err` is the fatal log line.
pub fn load_at_startup(engine: &mut Engine, users: &[Vec<Vec<u8>>]) -> Result<(), String> {
    if !engine.state.config.aclfile.is_empty() && !users.is_empty() {
        return Err("Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is \
                    invalid. This setup is very likely to lead to configuration errors and security holes, please \
                    define either an ACL file or declare users directly in your redis.conf, but not both."
            .into());
    }
    cinder_core::cmd::server::load_configured_users(engine, users)?;
    if !engine.state.config.aclfile.is_empty() {
        load(engine).map_err(|e| format!("Aborting Redis startup because of ACL errors: {}", e))?;
    }
    Ok(())
}
