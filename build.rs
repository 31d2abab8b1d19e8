//! Regenerates `include/sse.h` from `src/ffi/` with cbindgen.
//!
//! The header is committed. It is rewritten only when its content changes,
//! so builds stay incremental; with `SSE_CHECK_HEADER=1` (CI) a stale
//! committed header fails the build instead of being rewritten.

use std::env;
use std::fs;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=src/ffi");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-env-changed=SSE_CHECK_HEADER");

    let root = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&root);
    let mut config = cbindgen::Config::from_file(root.join("cbindgen.toml"))
        .unwrap_or_else(|e| panic!("cbindgen.toml: {e}"));
    config.after_includes = Some(version_macros());

    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(root.join("src/ffi/mod.rs"))
        .generate()
        .unwrap_or_else(|e| panic!("cbindgen could not generate include/sse.h: {e}"));
    let mut fresh = Vec::new();
    bindings.write(&mut fresh);

    let header = root.join("include/sse.h");
    if fs::read(&header).ok().as_deref() == Some(fresh.as_slice()) {
        return;
    }
    if env::var_os("SSE_CHECK_HEADER").is_some_and(|v| v == "1") {
        panic!("include/sse.h is stale: run `cargo build` and commit the regenerated header");
    }
    fs::create_dir_all(root.join("include")).expect("create include/");
    fs::write(&header, fresh).unwrap_or_else(|e| panic!("write {}: {e}", header.display()));
}

/// `SSE_VERSION_*` macros from Cargo.toml's version, so they cannot drift.
fn version_macros() -> String {
    let part = |name: &str| env::var(name).unwrap_or_else(|_| panic!("cargo sets {name}"));
    format!(
        "\n#define SSE_VERSION_MAJOR {}\n#define SSE_VERSION_MINOR {}\n#define SSE_VERSION_PATCH {}\n\
         #define SSE_VERSION_STRING \"{}\"\n",
        part("CARGO_PKG_VERSION_MAJOR"),
        part("CARGO_PKG_VERSION_MINOR"),
        part("CARGO_PKG_VERSION_PATCH"),
        part("CARGO_PKG_VERSION"),
    )
}
